"""The Starlette application: the registration endpoint, health and the OpenAPI description.

``POST /r/<site-id>/<page-id>`` answers a browser with ``303`` to the thank-you page or the
form again with errors (``422``), and a script (``Accept: application/json``) with ``201``
or ``422`` and errors per field. Everything a prospect sees is rendered by the
generator's templates in the partner's theme.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
from typing import Any, AsyncIterator
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from storefront.i18n import Translator
from storefront.pages import Page

from . import db, partner_routes
from .forms import errors_of, registration_form, typed_values
from .openapi import openapi_document
from .outbox import OutboxSender, transport_for
from .ratelimit import RateLimiter
from .registration import Clock, Registrar, SignUp, utc_now
from .registry import Partner, Registry, origin_of
from .settings import Settings

log = logging.getLogger("registration_api")


class BodyTooLarge(Exception):
    pass


class Service:
    """Everything the endpoints share, created at start-up."""

    def __init__(self, settings: Settings, clock: Clock):
        self.settings = settings
        self.clock = clock
        self.engine = db.create_engine(settings.database_url)
        self.registry = Registry(settings.sites_dir, settings.themes_dir)
        self.registrar = Registrar(self.engine, mail_from=settings.mail_from, timezone=settings.timezone, clock=clock)
        self.sender = OutboxSender(self.engine, transport_for(settings.smtp_url, settings.maildir), clock=clock,
                                   site=self.registry.site, webhook_allow=settings.webhook_allow_hosts)
        self.secret = ""  # read from the database at start-up
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.wake = asyncio.Event()

    # --- who is asking -------------------------------------------------------------
    def request_origin(self, request: Request) -> str | None:
        origin = request.headers.get("origin")
        if origin:
            return origin
        referer = request.headers.get("referer")
        return origin_of(referer) if referer else None

    def origin_allowed(self, partner: Partner, origin: str | None) -> bool:
        """No Origin and no Referer: not a browser's cross-site post, so allowed."""
        return origin is None or origin in partner.origins or self.settings.is_local_origin(origin)

    def client(self, request: Request) -> str:
        if self.settings.trust_proxy and "x-forwarded-for" in request.headers:
            # the proxy appends the address it saw: the right-most entry, not what the client claims
            return request.headers["x-forwarded-for"].split(",")[-1].strip()
        return request.client.host if request.client else "unknown"

    def own_origin(self, request: Request) -> str:
        return origin_of(self.public_base(request))

    def public_base(self, request: Request) -> str:
        """This service's public address, for links in e-mails and forms it renders."""
        return self.settings.public_base_url or str(request.base_url)

    def storefront_base(self, partner: Partner, origin: str | None) -> str:
        """Absolute base URL of the storefront the visitor came from (a local preview, or the real one)."""
        if origin and self.settings.is_local_origin(origin):
            return origin + partner.site.base_path
        return partner.site.config.site.base_url

    def own_url(self, request: Request) -> str:
        """This endpoint's public address (``PUBLIC_BASE_URL`` behind a reverse proxy)."""
        return self.public_base(request).rstrip("/") + request.url.path

    # --- answers ---------------------------------------------------------------------
    def page_response(self, partner: Partner, page: Page, status: int, base: str, **extra: Any) -> HTMLResponse:
        html = partner.renderer.render_page(page, url=lambda target="": base + target, **extra)
        return HTMLResponse(html, status_code=status)

    def message(self, partner: Partner, reg_id: str, status: int, base: str, key: str,
                headers: dict[str, str] | None = None) -> HTMLResponse:
        t = Translator(partner.site.locale).text
        response = self.message_page(partner, f"register/{reg_id}/", status, base, key,
                                     back_url=f"{base}register/{reg_id}/", back_text=t("msg_back_to_form"))
        response.headers.update(headers or {})
        return response

    def message_page(self, partner: Partner, url: str, status: int, base: str, key: str,
                     values: dict[str, str] | None = None, **extra: Any) -> HTMLResponse:
        """A short page in the partner's theme: the title and text of ``msg_<key>_...``."""
        t = Translator(partner.site.locale).text
        title = t(f"msg_{key}_title")
        page = Page(url, "message.html", "message", title, title, noindex=True)
        return self.page_response(partner, page, status, base, message=t(f"msg_{key}_text", **(values or {})),
                                  **extra)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _read_body(request: Request, cap: int) -> None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
    request._body = b"".join(chunks)  # Starlette's form parser reads the cached body


async def _form_data(request: Request) -> FormData:
    if request.headers.get("content-type", "").startswith("application/json"):
        payload = json.loads(request._body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("a JSON object is expected")
        items = []
        for key, value in payload.items():
            if isinstance(value, bool):
                value = "yes" if value else ""
            items.append((str(key), "" if value is None else str(value)))
        return FormData(items)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # what every storefront form sends; the standard library parses it several times
        # faster than the general multipart parser behind request.form()
        return FormData(parse_qsl(request._body.decode("utf-8"), keep_blank_values=True, errors="strict"))
    return await request.form()


def _cors(response: Response, origin: str | None) -> Response:
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


def create_app(settings: Settings, *, clock: Clock = utc_now, send_in_background: bool = True,
               watch_interval: float = 2.0) -> Starlette:
    service = Service(settings, clock)

    async def register(request: Request) -> Response:
        site_id, page_id = request.path_params["site_id"], request.path_params["page_id"]
        partner = service.registry.get(site_id)
        if partner is None:
            return _unknown_site(request)
        origin = service.request_origin(request)
        base = service.storefront_base(partner, origin)
        reg = partner.page(page_id)
        wants_json = _wants_json(request)
        if reg is None:
            if wants_json:
                return JSONResponse({"error": f"there is no registration page '{page_id}'"}, status_code=404)
            return service.page_response(partner, partner.renderer.page("404.html"), 404, base)
        allowed = service.origin_allowed(partner, origin)
        cors_origin = origin if allowed and origin else None
        if not allowed:
            log.warning("refused site=%s page=%s: foreign origin %s", site_id, page_id, origin)
            if wants_json:
                return JSONResponse({"error": f"sign-ups are accepted only from the partner's own sites, "
                                              f"not from {origin}"}, status_code=403)
            return service.message(partner, page_id, 403, partner.site.config.site.base_url, "foreign")
        wait = service.limiter.take(service.client(request))
        if wait:
            headers = {"Retry-After": str(int(wait) + 1)}
            if wants_json:
                return _cors(JSONResponse({"error": "too many sign-ups from this address; try again later"},
                                          status_code=429, headers=headers), cors_origin)
            return service.message(partner, page_id, 429, base, "rate", headers)
        try:
            await _read_body(request, settings.max_body_bytes)
            data = await _form_data(request)
        except BodyTooLarge:
            if wants_json:
                return _cors(JSONResponse({"error": "request body too large"}, status_code=413), cors_origin)
            return service.message(partner, page_id, 413, base, "large")
        except (ValueError, UnicodeDecodeError, ClientDisconnect) as exc:
            return _cors(JSONResponse({"error": f"the form could not be read: {exc}"}, status_code=400), cors_origin)

        thanks = f"{base}register/{page_id}/thanks/"
        form = registration_form(partner.site.locale)(data)
        if form.website.data:
            log.info("honeypot site=%s page=%s: dropped", site_id, page_id)
            if wants_json:
                return _cors(JSONResponse({"status": "registered"}, status_code=201), cors_origin)
            return RedirectResponse(thanks, status_code=303)
        if not form.validate():
            errors = errors_of(form)
            log.info("invalid site=%s page=%s fields=%s", site_id, page_id, ",".join(sorted(errors)))
            if wants_json:
                return _cors(JSONResponse({"errors": {k: [v] for k, v in errors.items()}}, status_code=422), cors_origin)
            return service.page_response(
                partner, partner.renderer.page(f"register/{page_id}/"), 422, base,
                form={"values": typed_values(form), "errors": errors}, form_action=service.own_url(request))

        outcome = await service.registrar.register(partner, reg, SignUp.from_form(form))
        service.wake.set()
        if wants_json:
            return _cors(JSONResponse({"status": "registered", "subscriber_number": outcome.number,
                                       "trial_ends": outcome.trial_ends.isoformat(), "thanks_url": thanks},
                                      status_code=201), cors_origin)
        return RedirectResponse(thanks, status_code=303)

    async def preflight(request: Request) -> Response:
        partner = service.registry.get(request.path_params["site_id"])
        origin = request.headers.get("origin")
        if partner is None or not origin or not service.origin_allowed(partner, origin):
            return Response(status_code=403)
        return _cors(Response(status_code=204, headers={
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type, Accept",
            "Access-Control-Max-Age": "600"}), origin)

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(db.ping, service.engine)
        except Exception as exc:  # any database failure means "not healthy", said plainly
            return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "sites": service.registry.ids(),
                             "failed": service.registry.failed()})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(db.migrate, service.engine)
        service.secret = await run_in_threadpool(db.secret, service.engine, "links")
        await run_in_threadpool(service.registry.reload)
        gc.collect()
        gc.freeze()  # what start-up loaded lives as long as the process: keep it out of every collection
        tasks = [asyncio.create_task(_watch(service.registry, watch_interval))]
        if send_in_background:
            tasks.append(asyncio.create_task(service.sender.run(service.wake)))
        _on_sighup(service.registry)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await run_in_threadpool(service.registrar.writer.close)
            service.engine.dispose()

    app = Starlette(routes=[
        Route("/r/{site_id}/{page_id}", register, methods=["POST"]),
        Route("/r/{site_id}/{page_id}", preflight, methods=["OPTIONS"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *partner_routes.routes(service),
    ], lifespan=lifespan)
    app.state.service = service
    return app


def _unknown_site(request: Request) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": "there is no such storefront"}, status_code=404)
    return partner_routes.plain_page(404, "Страница не найдена", "Такой витрины нет.")


async def _watch(registry: Registry, interval: float) -> None:
    """Pick up edited site.yaml files without a restart."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(registry.reload)
        except Exception:  # noqa: BLE001 - a failed look at the files must not end the watching
            log.exception("reloading the sites failed; the loaded versions keep serving")


def _on_sighup(registry: Registry) -> None:
    loop = asyncio.get_running_loop()
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, registry.reload))
