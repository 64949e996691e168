"""The preview server in-process: the built site with the live-reload script, the routes of an
app its caller serves beside it (with that app's lifespan), and a bug said as one. The whole
``storefront serve`` with a browser is tests/e2e/test_preview.py."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from storefront import language
from storefront.pipeline import BuildOptions
from storefront.preview import server
from storefront.preview.server import SCRIPT_TAG, ExtraApp, Preview, create_preview_app


def beside_app(entered: list[str]) -> Starlette:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("from the app beside")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        entered.append("started")
        yield
        entered.append("stopped")

    return Starlette(routes=[Route("/hello", hello)], lifespan=lifespan)


def preview_of(sites_root: Path) -> Preview:
    preview = Preview("demo", BuildOptions(sites_root / "sites", None, sites_root / "var" / "preview"))
    assert preview.build().ok
    return preview


def test_the_site_is_served_with_the_live_reload_script_and_the_app_beside_it(sites):
    sites.make()
    entered: list[str] = []
    app = beside_app(entered)
    extra = ExtraApp(app, [Route("/hello", app)], "a test app")
    with TestClient(create_preview_app(preview_of(sites.root), extra)) as client:
        assert entered == ["started"], "the app beside runs its lifespan inside the preview's"
        page = client.get("/tariffs/")
        assert page.status_code == 200 and SCRIPT_TAG.decode() in page.text
        assert client.get("/hello").text == "from the app beside"
        assert client.get("/no-such-page/").status_code == 404
    assert entered == ["started", "stopped"]


def test_without_an_app_beside_its_routes_are_the_sites(sites):
    sites.make()
    with TestClient(create_preview_app(preview_of(sites.root))) as client:
        assert client.get("/healthz").status_code == 404
        assert client.get("/").status_code == 200


def test_a_bug_in_a_rebuild_is_said_as_one_and_shown_in_the_open_pages(sites, monkeypatch, capsys):
    sites.make()
    preview = preview_of(sites.root)
    listening: asyncio.Queue[server.Message] = asyncio.Queue()
    preview.listeners.add(listening)

    def broken_build(site_id: str, options: BuildOptions) -> None:
        raise KeyError("currency")

    monkeypatch.setattr(server, "build_site", broken_build)
    asyncio.run(preview.rebuild({"site.yaml"}))
    bug = "storefront hit a bug: KeyError: 'currency' — please report it with the command you ran"
    assert listening.get_nowait() == {"type": "error", "problems": [bug]}
    assert capsys.readouterr().err == bug + "\n"
    assert preview.state_message() == {"type": "error", "problems": [bug]}, "a page opened later is told too"


def test_the_preview_does_not_import_the_registration_service():
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, storefront.preview.server; print(sorted(m for m in sys.modules if 'registration_api' in m))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found == "[]\n"


@pytest.fixture
def nothing_chosen():
    """As when the partner gave no --lang and the environment names no language."""
    language.use(None, {})
    yield
    language.use()


def test_the_overlay_speaks_the_sites_language_unless_the_partner_chose_one(sites, nothing_chosen):
    sites.make()
    sites.make("english", replace={"locale: ru": "locale: en"})
    with TestClient(create_preview_app(preview_of(sites.root))) as client:
        page = client.get("/tariffs/").text
    assert 'data-lang="ru" data-label="Ошибка сборки"' in page
    assert 'data-title="Сайт не собрался: исправьте ошибку и сохраните файл — страница обновится сама"' in page
    english = Preview("english", BuildOptions(sites.root / "sites", None, sites.root / "var" / "preview"))
    assert english.build().ok
    with TestClient(create_preview_app(english)) as client:
        page = client.get("/").text
    assert 'data-lang="en" data-label="Build error" data-title="Build failed: fix this and save' in page
    language.use("ru")  # --lang ru: the partner's choice wins over the site's English
    assert b'data-lang="ru"' in english.script_tag()


def test_a_site_that_never_built_says_so_in_its_language(sites, capsys, nothing_chosen):
    sites.make(replace={"    sessions: 5": "    sessions: 0"})
    preview = Preview("demo", BuildOptions(sites.root / "sites", None, sites.root / "var" / "preview"))
    assert not preview.build().ok
    assert capsys.readouterr().err.startswith("demo: 1 ошибка, она показана и в браузере:\n  sites/demo/site.yaml:")
    with TestClient(create_preview_app(preview)) as client:
        page = client.get("/")
    assert page.status_code == 200 and '<html lang="ru">' in page.text
    assert "Сайт ещё не собран: исправьте ошибки, которые показывает командная строка, и сохраните файл." in page.text
    assert SCRIPT_TAG.decode() in page.text, "the overlay shows the problems over it"


def test_an_address_outside_the_site_is_not_found_in_its_language(sites, nothing_chosen):
    sites.make(replace={'base_url: "https://demo.example/"': 'base_url: "https://demo.example/shop/"'})
    with TestClient(create_preview_app(preview_of(sites.root))) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/shop/"
        missing = client.get("/elsewhere/")
    assert missing.status_code == 404 and missing.text == "Страница не найдена"
