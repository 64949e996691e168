"""The Starlette application: the registration endpoint, health and the OpenAPI description.

``POST /r/<site-id>/<page-id>`` answers a browser with ``303`` to the thank-you page or the
form again with errors (``422``), and a script (``Accept: application/json``) with ``201``
or ``422`` and errors per field. Everything a prospect sees is rendered by the
generator's templates in the partner's theme.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from registration_api.delivery.outbox import OutboxSender, transport_for
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.domain.signups import Clock, SignUp, SignupService, utc_now
from registration_api.settings import Settings
from registration_api.storage import engines, migrations
from registration_api.web import errors, partner_api
from registration_api.web.forms import errors_of, registration_form, typed_values
from registration_api.web.inputs import CleanAddress, read_form
from registration_api.web.openapi import openapi_document
from registration_api.web.origins import header_origin, origin_of
from registration_api.web.rate_limit import RateLimiter, client_key, retry_after
from registration_api.web.routing import resource
from storefront.i18n import Translator
from storefront.render.environment import RenderError
from storefront.render.pages import Page

log = logging.getLogger("registration_api")

#: How many of one partner's pages are rendered with its own templates at once; the others are
#: shown with the theme's straight away, so one partner's slow pages cannot take every worker thread.
PARTNER_RENDERS = 4


class Service:
    """Everything the endpoints share, created at start-up."""

    def __init__(self, settings: Settings, clock: Clock):
        self.settings = settings
        self.clock = clock
        self.engine = engines.create_engine(settings.database_url)
        self.registry = PartnerSites(settings.sites_dir, settings.themes_dir)
        self.registrar = SignupService(
            self.engine, mail_from=settings.mail_from, timezone=settings.timezone, clock=clock
        )
        self.sender = OutboxSender(
            self.engine,
            transport_for(settings.smtp_url, settings.maildir),
            clock=clock,
            site=self.registry.site,
            webhook_allow=settings.webhook_allow_hosts,
        )
        self.secret = ""  # read from the database at start-up
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.api_limiter = RateLimiter(settings.api_rate_limit_per_minute)
        self.auth_failures = RateLimiter(settings.auth_failures_per_minute)
        self.wake = asyncio.Event()
        self.render_failures: set[tuple[str, str, int]] = set()
        self.rendering: collections.Counter[str] = collections.Counter()
        self.rendering_lock = threading.Lock()

    # --- who is asking -------------------------------------------------------------
    def request_origin(self, request: Request) -> str | None:
        """The page the request claims to come from (``Origin``, else the origin of ``Referer``),
        in canonical form; as sent (cut short) when it is not an origin; None when neither is sent."""
        origin = request.headers.get("origin")
        if origin:
            return header_origin(origin) or origin[:200]
        referer = request.headers.get("referer")
        return (origin_of(referer) or referer[:200]) if referer else None

    def origin_allowed(self, partner: PartnerSite, origin: str | None) -> bool:
        """No Origin and no Referer: not a browser's cross-site post, so allowed. Otherwise the
        origin must be exactly one of the partner's, or a local page this service accepts."""
        if origin is None:
            return True
        canonical = header_origin(origin)
        return canonical is not None and (canonical in partner.origins or self.settings.is_local_origin(canonical))

    def client(self, request: Request) -> str:
        """Who the rate limits count: the client's address (an IPv6 one by its /64)."""
        if self.settings.trust_proxy and "x-forwarded-for" in request.headers:
            # the proxy appends the address it saw: the right-most entry, not what the client claims
            return client_key(request.headers["x-forwarded-for"].split(",")[-1].strip())
        return client_key(request.client.host) if request.client else "unknown"

    def own_origin(self) -> str | None:
        return origin_of(self.public_base())

    def public_base(self) -> str:
        """This service's public address, for links in e-mails, API answers and forms it renders:
        ``PUBLIC_BASE_URL``, else the address it was started on; never the request's Host header."""
        return self.settings.public_base

    def storefront_base(self, partner: PartnerSite, origin: str | None) -> str:
        """Absolute base URL of the storefront the visitor came from: a local preview this service
        accepts, else the partner's own address; never a host the visitor's request named otherwise."""
        canonical = header_origin(origin) if origin else None
        if canonical and self.settings.is_local_origin(canonical):
            return canonical + partner.site.base_path
        return partner.site.config.site.base_url

    def own_url(self, request: Request) -> str:
        """This endpoint's public address (``PUBLIC_BASE_URL`` behind a reverse proxy)."""
        return self.public_base().rstrip("/") + request.url.path

    # --- answers ---------------------------------------------------------------------
    async def page_response(self, partner: PartnerSite, page: Page, status: int, base: str, **extra: Any) -> Response:
        """A page in the partner's theme, rendered in a worker thread so that no partner's
        template holds up the others' requests."""
        return await run_in_threadpool(self._render, partner, page, status, base, extra)

    def _render(self, partner: PartnerSite, page: Page, status: int, base: str, extra: dict[str, Any]) -> Response:
        """The page with the partner's templates; when they fail for this visitor's input (or
        take too long, or :data:`PARTNER_RENDERS` of its pages are being rendered), with the
        theme's own; and if even that fails, a short plain page."""
        extra = {"url": lambda target="": base + target, **extra}
        with self._render_slot(partner.id) as free:
            if free:
                try:
                    return HTMLResponse(partner.renderer.render_page(page, **extra), status_code=status)
                except RenderError as exc:
                    self._report(partner, exc)
        try:
            return HTMLResponse(partner.renderer.render_theme_page(page, **extra), status_code=status)
        except RenderError as exc:
            self._report(partner, exc)
        return errors.plain_page(status, *_PLAIN_PAGES.get(status, _PLAIN_PAGES[500]))

    @contextlib.contextmanager
    def _render_slot(self, site_id: str) -> Iterator[bool]:
        """Whether one more of this partner's pages may be rendered with its own templates now."""
        with self.rendering_lock:
            free = self.rendering[site_id] < PARTNER_RENDERS
            if free:
                self.rendering[site_id] += 1
        try:
            yield free
        finally:
            if free:
                with self.rendering_lock:
                    self.rendering[site_id] -= 1

    def _report(self, partner: PartnerSite, exc: RenderError) -> None:
        """Tell the operator once per template line that a partner's page failed for a visitor."""
        key = (partner.id, exc.problem.path, exc.problem.line)
        if key not in self.render_failures:
            if len(self.render_failures) > 10_000:
                self.render_failures.clear()
            self.render_failures.add(key)
            log.error(
                "site %s: a page failed for a visitor and was shown with the theme's template: %s",
                partner.id,
                exc.problem,
            )

    async def message(
        self, partner: PartnerSite, reg_id: str, status: int, base: str, key: str, headers: dict[str, str] | None = None
    ) -> Response:
        t = Translator(partner.site.locale).text
        response = await self.message_page(
            partner,
            f"register/{reg_id}/",
            status,
            base,
            key,
            back_url=f"{base}register/{reg_id}/",
            back_text=t("msg_back_to_form"),
        )
        response.headers.update(headers or {})
        return response

    async def message_page(
        self,
        partner: PartnerSite,
        url: str,
        status: int,
        base: str,
        key: str,
        values: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        """A short page in the partner's theme: the title and text of ``msg_<key>_...``."""
        t = Translator(partner.site.locale).text
        title = t(f"msg_{key}_title")
        page = Page(url, "message.html", "message", title, title, noindex=True)
        return await self.page_response(
            partner, page, status, base, message=t(f"msg_{key}_text", **(values or {})), **extra
        )


#: What a visitor reads when neither the partner's nor the theme's template could show the page.
_PLAIN_PAGES = {
    404: ("Страница не найдена", "Такой страницы нет."),
    422: ("Проверьте данные", "Форма заполнена не полностью или с ошибками. Вернитесь назад и проверьте её."),
    500: ("Страница временно недоступна", "Попробуйте ещё раз немного позже."),
}


def _cors(response: Response, origin: str | None) -> Response:
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


def create_app(
    settings: Settings, *, clock: Clock = utc_now, send_in_background: bool = True, watch_interval: float = 2.0
) -> Starlette:
    service = Service(settings, clock)

    async def register(request: Request) -> Response:
        site_id, page_id = request.path_params["site_id"], request.path_params["page_id"]
        partner = service.registry.get(site_id)
        if partner is None:
            return _unknown_site(request)
        origin = service.request_origin(request)
        base = service.storefront_base(partner, origin)
        reg = partner.page(page_id)
        wants_json = errors.wants_json(request)
        allowed = service.origin_allowed(partner, origin)
        cors_origin = origin if allowed and origin else None
        if not allowed:
            log.warning("refused site=%s page=%s: foreign origin %s", site_id, page_id, origin)
            if wants_json:
                return JSONResponse(
                    {"error": f"sign-ups are accepted only from the partner's own sites, not from {origin}"},
                    status_code=403,
                )
            return await service.message(partner, page_id, 403, partner.site.config.site.base_url, "foreign")
        wait = service.limiter.take(service.client(request))
        if wait:
            if wants_json:
                return _cors(
                    JSONResponse(
                        {"error": "too many sign-ups from this address; try again later"},
                        status_code=429,
                        headers=retry_after(wait),
                    ),
                    cors_origin,
                )
            return await service.message(partner, page_id, 429, base, "rate", retry_after(wait))
        if reg is None:
            if wants_json:
                return JSONResponse({"error": f"there is no registration page '{page_id}'"}, status_code=404)
            return await service.page_response(partner, partner.renderer.page("404.html"), 404, base)
        try:
            data = await read_form(request, cap=settings.max_body_bytes, timeout=settings.read_timeout_seconds)
        except HTTPException as exc:
            if exc.status_code == 413 and not wants_json:
                return await service.message(partner, page_id, 413, base, "large", exc.headers)
            return _cors(errors.refusal(request, exc.status_code, exc.detail, exc.headers), cors_origin)

        thanks = f"{base}register/{page_id}/thanks/"
        form = registration_form(partner.site.locale)(data)
        if not form.validate():
            problems = errors_of(form)
            log.info("invalid site=%s page=%s fields=%s", site_id, page_id, ",".join(sorted(problems)))
            if wants_json:
                return _cors(
                    JSONResponse({"errors": {k: [v] for k, v in problems.items()}}, status_code=422), cors_origin
                )
            return await service.page_response(
                partner,
                partner.renderer.page(f"register/{page_id}/"),
                422,
                base,
                form={"values": typed_values(form), "errors": problems},
                form_action=service.own_url(request),
            )
        if form.website.data:  # a bot that filled the hidden field: answered as a success, dropped
            log.info("honeypot site=%s page=%s: dropped", site_id, page_id)
            if wants_json:
                return _cors(JSONResponse({"status": "registered"}, status_code=201), cors_origin)
            return RedirectResponse(thanks, status_code=303)

        signup = SignUp.from_form(form)
        outcome = await service.registrar.register(partner, reg, signup)
        service.wake.set()
        if wants_json:
            answer = {"status": "registered", "thanks_url": thanks}
            if outcome.created or (signup.token is not None and outcome.token == signup.token):
                # a repeat found only by e-mail is someone else's trial, maybe: its number stays private
                answer.update(subscriber_number=outcome.number, trial_ends=outcome.trial_ends.isoformat())
            return _cors(JSONResponse(answer, status_code=201), cors_origin)
        return RedirectResponse(thanks, status_code=303)

    async def preflight(request: Request) -> Response:
        partner = service.registry.get(request.path_params["site_id"])
        origin = request.headers.get("origin")
        if partner is None or not origin or not service.origin_allowed(partner, origin):
            return Response(status_code=403)
        return _cors(
            Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Methods": "POST",
                    "Access-Control-Allow-Headers": "Content-Type, Accept",
                    "Access-Control-Max-Age": "600",
                },
            ),
            origin,
        )

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(engines.ping, service.engine)
        except Exception as exc:  # any database failure means "not healthy", said plainly
            return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
        failed = {site: len(problems) for site, problems in service.registry.failed().items()}
        return JSONResponse({"status": "ok", "database": "ok", "sites": service.registry.ids(), "failed": failed})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(migrations.migrate, service.engine)
        service.secret = await run_in_threadpool(engines.secret, service.engine, "links")
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

    app = Starlette(
        routes=[
            resource("/r/{site_id}/{page_id}", POST=register, OPTIONS=preflight),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            *partner_api.routes(service),
        ],
        lifespan=lifespan,
        middleware=[Middleware(CleanAddress)],
        exception_handlers={HTTPException: errors.http_error, Exception: errors.server_error},
    )
    app.state.service = service
    return app


def _unknown_site(request: Request) -> Response:
    if errors.wants_json(request):
        return JSONResponse({"error": "there is no such storefront"}, status_code=404)
    return errors.plain_page(404, "Страница не найдена", "Такой витрины нет.")


async def _watch(registry: PartnerSites, interval: float) -> None:
    """Pick up edited site.yaml files without a restart."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(registry.reload)
        except Exception:
            log.exception("reloading the sites failed; the loaded versions keep serving")


def _on_sighup(registry: PartnerSites) -> None:
    loop = asyncio.get_running_loop()
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, registry.reload))
