"""The static server the gallery and the screenshots use: it serves a built site's folder on a
free port, pretty URLs included, stays quiet, and stops when asked."""

from __future__ import annotations

import socket

import httpx
import pytest

from storefront.preview import static_server
from tests.support import build_in_process


@pytest.fixture
def served(sites):
    sites.make()
    public = build_in_process(sites.root) / "demo"
    server = static_server.start(public)
    yield f"http://127.0.0.1:{server.server_address[1]}", public
    server.shutdown()
    server.server_close()


def test_a_built_site_is_served_at_its_pretty_urls(served):
    base, public = served
    with httpx.Client(base_url=base) as client:
        home = client.get("/")
        tariffs = client.get("/tariffs/")
        feed = client.get("/feed.xml")
    assert home.status_code == 200 and home.content == (public / "index.html").read_bytes()
    assert home.headers["content-type"].startswith("text/html")
    assert tariffs.status_code == 200 and tariffs.content == (public / "tariffs" / "index.html").read_bytes()
    assert feed.status_code == 200 and feed.content == (public / "feed.xml").read_bytes()


def test_a_missing_file_is_a_404_and_nothing_outside_the_folder_is_served(served, sites):
    base, _ = served
    (sites.root / "secret.txt").write_text("не для публикации", encoding="utf-8")
    with httpx.Client(base_url=base) as client:
        assert client.get("/no-such-page/").status_code == 404
    host, port = base.removeprefix("http://").split(":")
    for path in ("/../../secret.txt", "/%2e%2e/%2e%2e/secret.txt"):
        with socket.create_connection((host, int(port)), timeout=10) as raw:  # sent as is, not normalised
            raw.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            answer = b"".join(iter(lambda: raw.recv(65536), b""))
        assert answer.startswith(b"HTTP/1.0 404") and "не для публикации".encode() not in answer, path


def test_two_servers_get_two_free_ports_and_say_nothing(sites, capfd):
    first = static_server.start(sites.root)
    second = static_server.start(sites.root)
    try:
        assert first.server_address[1] != second.server_address[1]
        for server in (first, second):
            assert httpx.get(f"http://127.0.0.1:{server.server_address[1]}/nothing").status_code == 404
    finally:
        for server in (first, second):
            server.shutdown()
            server.server_close()
    printed = capfd.readouterr()
    assert printed.out == "" and printed.err == "", "no request log on the terminal"
