"""``storefront serve``: a site on localhost, rebuilt on every save.

One process serves the built pages, and beside them whatever app its caller passes (the
``serve`` command passes the registration API, so the form works), watches the site and
theme files, rebuilds after a burst of saves settles, and tells open browsers over
server-sent events to reload, to swap stylesheets, or to show the build errors. This
module knows nothing of the registration API: :mod:`storefront.commands.serve` ties the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import re
import sys
import textwrap
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

import uvicorn
import watchfiles
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from storefront import language
from storefront.commands._sites import seconds
from storefront.errors import ThemeError, bug_message
from storefront.language import gettext as _
from storefront.language import ngettext
from storefront.paths import search_path
from storefront.pipeline import BuildOptions, SiteReport, build_site, declared
from storefront.preview import texts
from storefront.site.partner_files import UnsafeFile
from storefront.site.theme_chain import resolve

LIVERELOAD_JS = Path(__file__).parent / "static" / "livereload.js"
#: The start of the tag every served page gets: the live-reload script, carrying the overlay's words.
SCRIPT_TAG = b'<script src="/_storefront/livereload.js" defer'
KEEPALIVE_SECONDS = 15


class Message(TypedDict, total=False):
    """What open pages are told: reload, swap the stylesheets, or show these problems."""

    type: Literal["ok", "reload", "css", "error"]
    problems: list[str]


@dataclass(frozen=True)
class ExtraApp:
    """An app served beside the site: ``routes`` (which reach it) answer before the site's
    pages, its lifespan runs inside the preview's, and ``greeting`` (if any) is printed
    after the preview's own, saying what it adds."""

    app: Starlette
    routes: Sequence[BaseRoute]
    greeting: str = ""


class Preview:
    """The state of one previewed site: its latest build and the browsers listening."""

    def __init__(self, site_id: str, options: BuildOptions, *, debug: bool = False):
        if options.out_dir is None:
            raise ValueError("a preview needs a folder to build into (BuildOptions.out_dir)")
        self.site_id = site_id
        self.options = options
        self.root = options.out_dir / site_id
        self.debug = debug
        self.report: SiteReport | None = None
        self.bug: str | None = None
        self.listeners: set[asyncio.Queue[Message]] = set()
        self.base_path = "/"
        self.locale = declared(options.sites_dir / site_id, "locale")

    @property
    def language(self) -> str:
        """The language of the overlay and of the messages about the site: the site's, unless chosen."""
        with language.for_site(self.locale):
            return language.current()

    def watched(self) -> list[Path]:
        """The site folder and every theme of its chain (a broken chain: all theme folders)."""
        paths = [self.options.sites_dir / self.site_id]
        try:
            theme_name = self.options.theme or declared(self.options.sites_dir / self.site_id, "theme") or "bright"
            paths.extend(t.path for t in resolve(theme_name, self.options.themes_dir).themes)
        except (ThemeError, OSError, UnsafeFile):
            paths.extend(search_path(self.options.themes_dir))
        return [p for p in paths if p.exists()]

    def build(self) -> SiteReport:
        """Build the site into the preview folder, saying how it went."""
        started = time.perf_counter()
        self.bug = None
        first = self.report is None
        report = build_site(self.site_id, self.options)
        self.report = report
        self.locale = report.locale
        with language.speaking(self.language):
            if report.ok:
                self.base_path = _base_path_of(self.root)
                print(
                    (
                        _("{site}: built in {seconds}, {written}, {unchanged}")
                        if first
                        else _("{site}: rebuilt in {seconds}, {written}, {unchanged}")
                    ).format(
                        site=self.site_id,
                        seconds=seconds(time.perf_counter() - started),
                        written=ngettext("{n} file written", "{n} files written", report.written).format(
                            n=report.written
                        ),
                        unchanged=ngettext("{n} file unchanged", "{n} files unchanged", report.unchanged).format(
                            n=report.unchanged
                        ),
                    ),
                    flush=True,
                )
            else:
                n = len(report.problems)
                print(
                    ngettext(
                        "{site}: {n} problem; the browser shows it:", "{site}: {n} problems; the browser shows them:", n
                    ).format(site=self.site_id, n=n),
                    file=sys.stderr,
                )
                for problem in report.problems:
                    print(textwrap.indent(str(problem), "  "), file=sys.stderr, flush=True)
        return report

    def script_tag(self) -> bytes:
        """The live-reload script with the overlay's words in the site's language."""
        with language.speaking(self.language):
            return texts.render("livereload.html").strip().encode()

    @property
    def failing(self) -> bool:
        return self.bug is not None or (self.report is not None and not self.report.ok)

    def state_message(self) -> Message:
        if self.bug is not None:
            return {"type": "error", "problems": [self.bug]}
        if self.report is not None and not self.report.ok:
            return {"type": "error", "problems": [str(p) for p in self.report.problems]}
        return {"type": "ok"}

    def broadcast(self, message: Message) -> None:
        for queue in list(self.listeners):
            queue.put_nowait(message)

    async def rebuild(self, sources: set[str]) -> None:
        was_failing = self.failing
        try:
            report = await run_in_threadpool(self.build)
        except Exception as exc:  # a bug of storefront's: said as one, and the preview keeps watching
            if self.debug:
                traceback.print_exception(exc)
            with language.speaking(self.language):
                self.bug = bug_message(exc)
            print(self.bug, file=sys.stderr, flush=True)
            self.broadcast(self.state_message())
            return
        if not report.ok:
            self.broadcast(self.state_message())
        elif report.changed or was_failing:
            css_only = all(s.endswith(".css") for s in sources) and not was_failing
            self.broadcast({"type": "css" if css_only else "reload"})

    async def watch(self) -> None:
        """Rebuild after each burst of saves (watchfiles waits for the burst to settle)."""
        while True:
            async for changes in watchfiles.awatch(*self.watched(), debounce=150, step=50, watch_filter=_interesting):
                await self.rebuild({path for _, path in changes})
                break  # the set of watched folders may have changed (another theme): watch anew


def _interesting(change: watchfiles.Change, path: str) -> bool:
    name = Path(path).name
    return not (name.startswith(".") or name.endswith(("~", ".swp", ".tmp")) or "__pycache__" in path)


def _base_path_of(root: Path) -> str:
    """The path the built site lives under, read from its canonical link."""
    text = (root / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<link rel="canonical" href="https?://[^/"]+(/[^"]*)">', text)
    return match.group(1) if match else "/"


def _inject(html: bytes, tag: bytes) -> bytes:
    marker = html.rfind(b"</body>")
    return html[:marker] + tag + html[marker:] if marker != -1 else html + tag


def create_preview_app(preview: Preview, extra: ExtraApp | None = None) -> Starlette:
    """The preview's app: live-reload events and script, then ``extra``'s routes, then the built site."""

    async def events(request: Request) -> Response:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        preview.listeners.add(queue)

        async def stream() -> AsyncIterator[str]:
            try:
                yield f"data: {json.dumps(preview.state_message())}\n\n"
                while True:
                    try:
                        message = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    yield f"data: {json.dumps(message, ensure_ascii=False)}\n\n"
            finally:
                preview.listeners.discard(queue)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    async def livereload(request: Request) -> Response:
        return FileResponse(LIVERELOAD_JS, media_type="text/javascript", headers={"Cache-Control": "no-store"})

    async def pages(request: Request) -> Response:
        path = request.url.path
        if not path.startswith(preview.base_path):
            return RedirectResponse(preview.base_path) if path == "/" else _not_found(preview)
        if preview.report is None or (not preview.report.ok and not (preview.root / "index.html").exists()):
            with language.speaking(preview.language):
                return _html(texts.render("not_built.html").encode(), 200, preview.script_tag())
        return _published(preview, path, path[len(preview.base_path) :])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if extra is not None:
                await stack.enter_async_context(extra.app.router.lifespan_context(extra.app))
            watcher = asyncio.create_task(preview.watch())
            try:
                yield
            finally:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)

    return Starlette(
        routes=[
            Route("/_storefront/events", events),
            Route("/_storefront/livereload.js", livereload),
            *(extra.routes if extra is not None else ()),
            Route("/{path:path}", pages),
        ],
        lifespan=lifespan,
    )


def _published(preview: Preview, path: str, relative: str) -> Response:
    """The built file at ``relative`` (asked for as ``path``), HTML with the live-reload script."""
    root = preview.root
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        return _not_found(preview)
    if target.is_dir():
        if not path.endswith("/"):
            return RedirectResponse(path + "/")
        target = target / "index.html"
    if not target.is_file():
        return _html((root / "404.html").read_bytes(), 404, preview.script_tag())
    if target.suffix == ".html":
        return _html(target.read_bytes(), 200, preview.script_tag())
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media_type)


def _not_found(preview: Preview) -> Response:
    with language.speaking(preview.language):
        return Response(_("Not found"), status_code=404, media_type="text/plain; charset=utf-8")


def _html(body: bytes, status: int, script_tag: bytes) -> Response:
    return Response(
        _inject(body, script_tag),
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def serve(
    site_id: str,
    options: BuildOptions,
    *,
    host: str,
    port: int,
    extra: ExtraApp | None = None,
    debug: bool = False,
) -> int:
    """Build into ``options.out_dir``, then serve the site (and ``extra`` beside it) until Ctrl-C;
    with ``debug``, a bug of storefront's in a rebuild is printed with its traceback."""
    preview = Preview(site_id, options, debug=debug)
    preview.build()
    app = create_preview_app(preview, extra)
    with language.speaking(preview.language):
        print(
            _("Preview of {site}: {url} (saving a file rebuilds it; Ctrl-C stops).").format(
                site=site_id, url=f"http://{host}:{port}{preview.base_path}"
            ),
            flush=True,
        )
        if extra is not None and extra.greeting:
            print(extra.greeting, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)
    return 0
