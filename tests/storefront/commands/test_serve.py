"""``storefront serve`` as a partner starts it: the whole service beside the site, and a
taken port said in words with a free one to use instead."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx

from storefront import language
from storefront.commands.serve import greeting
from tests.support import REPO, TIMEOUT, free_port


def test_the_preview_serves_the_whole_service_so_every_link_it_prints_works(start_preview):
    url, _site = start_preview()
    api = httpx.get(f"{url}/api/v1/sites/oblako-plus/subscribers", timeout=10)
    assert api.status_code == 401 and "error" in api.json(), "the partner API answers, asking for a key"
    invite = httpx.get(f"{url}/invite/AAAA-BBBB-CCCC-DDDD", timeout=10)
    assert invite.status_code == 404 and "Приглашение не найдено" in invite.text, "the service's invitation page"
    extend = httpx.get(f"{url}/extend/not-a-token", timeout=10)
    assert extend.status_code == 404 and "text/html" in extend.headers["content-type"]
    assert httpx.get(f"{url}/tariffs/", timeout=10).status_code == 200, "and the site's own pages still"


def serve_on_a_taken_port(env: dict[str, str] | None = None) -> tuple[int, subprocess.CompletedProcess[str]]:
    """``storefront serve oblako-plus`` asked for a port another program holds: the port, and what happened."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "storefront", "serve", "oblako-plus", "--port", str(port)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    return port, result


def test_a_taken_port_is_said_with_a_free_one_to_try():
    port, result = serve_on_a_taken_port()
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    suggested = int(result.stderr.split("--port ")[1].split()[0])
    assert suggested != port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # the suggestion is a port the partner can use
    assert "Traceback" not in result.stderr


def test_a_taken_port_is_said_in_russian_for_a_russian_site():
    port, result = serve_on_a_taken_port({k: v for k, v in os.environ.items() if k not in language.ENVIRONMENT})
    assert result.returncode == 1
    first, second = result.stderr.splitlines()
    assert first == f"ошибка: порт {port} уже занят (другой командой storefront serve или другой программой)"
    free = second.split("--port ")[1]
    assert second == f"  порт {free} свободен: storefront serve oblako-plus --port {free}"


def test_the_greeting_says_where_the_services_links_lead():
    assert "PUBLIC_BASE_URL" not in greeting(None), "links lead into the preview itself"
    with language.speaking("ru"):
        said = greeting("https://api.example.ru/")
    assert said.splitlines() == [
        "  Регистрация, ссылки /invite/ и /extend/ и API для партнёров работают здесь же.",
        "  Ссылки в письмах сервиса ведут на https://api.example.ru/ (PUBLIC_BASE_URL); "
        "чтобы открывать их в этом предпросмотре, уберите эту переменную.",
    ]
