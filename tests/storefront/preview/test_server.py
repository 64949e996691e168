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

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

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
