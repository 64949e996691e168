"""The Starlette application, composed: the routes of each part, the middleware, the exception
handlers and the lifespan (migrations, the partners' sites loaded and watched, the sender).

The parts: :mod:`~registration_api.web.signup` (the registration form),
:mod:`~registration_api.web.partner_api` (the partner API under ``/api/v1/sites/<site-id>/``),
:mod:`~registration_api.web.link_pages` and :mod:`~registration_api.web.news_pages` (pages opened
from an e-mail),
:mod:`~registration_api.web.theme_assets` (the theme files those pages link),
:mod:`~registration_api.web.cabinet` (the partner's web cabinet),
:mod:`~registration_api.web.health` and :mod:`~registration_api.web.openapi`. They share one
:class:`~registration_api.web.service.Service` through ``app.state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from registration_api.domain.partner_sites import PartnerSites
from registration_api.domain.signups import Clock, utc_now
from registration_api.settings import Settings
from registration_api.storage import engines, migrations
from registration_api.web import (
    cabinet,
    errors,
    health,
    index_page,
    link_pages,
    news_pages,
    openapi,
    partner_api,
    signup,
    theme_assets,
)
from registration_api.web.inputs import CleanAddress
from registration_api.web.service import Service
from storefront import language

log = logging.getLogger("registration_api")


def create_app(
    settings: Settings, *, clock: Clock = utc_now, send_in_background: bool = True, watch_interval: float = 2.0
) -> Starlette:
    """The service for ``settings``; with ``send_in_background``, it delivers the outbox itself
    (``registration-api serve`` leaves that to a child process instead)."""
    service = Service(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(migrations.migrate, service.engine)
        service.link_secret = await run_in_threadpool(engines.secret, service.engine, "links")
        service.cabinet_secret = await run_in_threadpool(engines.secret, service.engine, "cabinet")
        await run_in_threadpool(service.sites.reload)
        gc.collect()
        gc.freeze()  # what start-up loaded lives as long as the process: keep it out of every collection
        tasks = [asyncio.create_task(_watch(service.sites, watch_interval))]
        if send_in_background:
            tasks.append(asyncio.create_task(service.sender.run(service.outbox_waiting)))
        _reload_on_sighup(service.sites)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await run_in_threadpool(service.signups.writer.close)
            service.engine.dispose()

    app = Starlette(
        routes=[
            *index_page.routes,
            *signup.routes,
            *health.routes,
            *openapi.routes,
            *partner_api.routes,
            *link_pages.routes,
            *news_pages.routes,
            *theme_assets.routes,
            *cabinet.routes,
        ],
        lifespan=lifespan,
        middleware=[Middleware(CleanAddress)],
        exception_handlers={HTTPException: errors.refused, Exception: errors.server_error},
    )
    app.state.service = service
    return app


async def _watch(sites: PartnerSites, interval: float) -> None:
    """Pick up edited site.yaml files without a restart."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(sites.reload)
        except Exception:
            log.exception(language.gettext("reloading the sites failed; the loaded versions keep serving"))


def _reload_on_sighup(sites: PartnerSites) -> None:
    loop = asyncio.get_running_loop()
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, sites.reload))
