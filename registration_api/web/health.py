"""``GET /healthz``: whether the service and its database answer, which sites are served, and
how many problems each site that failed to (re)load has."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from registration_api.storage import engines
from registration_api.web.routing import resource
from registration_api.web.service import service_of


async def healthz(request: Request) -> Response:
    service = service_of(request)
    try:
        await run_in_threadpool(engines.ping, service.engine)
    except Exception as exc:  # any database failure means "not healthy", said plainly
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    failed = {site: len(problems) for site, problems in service.sites.failed().items()}
    return JSONResponse({"status": "ok", "database": "ok", "sites": service.sites.ids(), "failed": failed})


routes: list[BaseRoute] = [resource("/healthz", GET=healthz)]
