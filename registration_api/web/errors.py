"""How refusals and failures are answered: JSON for scripts, a page for browsers (the partner's
themed page when there is one, else a short plain page), and never a traceback (the operator
finds it in the log).

Endpoints raise; the handlers here, registered by :func:`registration_api.web.app.create_app`,
answer. A plain :class:`~starlette.exceptions.HTTPException` (Starlette's own 404 and 405, the
input readers' 400, 408, 413, 415, 422) gets the short page of its status; a :class:`Refusal`
may name the partner's page to show instead, or other plain texts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from registration_api.web.service import service_of
from registration_api.web.themed_pages import PartnerPage, plain_page, status_page
from storefront import language

log = logging.getLogger("registration_api")


class Refusal(HTTPException):
    """The request is refused: ``{"error": detail}`` for a script; for a browser, ``page`` in the
    partner's theme, else a short page of the ``<plain>_title`` and ``<plain>_text`` texts, else
    the short page of the status."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        page: PartnerPage | None = None,
        plain: str | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(status_code, detail, dict(headers) if headers else None)
        self.page = page
        self.plain = plain


def wants_json(request: Request) -> bool:
    """A script (it asks for JSON, or calls the partner API), not a person with a browser."""
    return "application/json" in request.headers.get("accept", "") or request.url.path.startswith("/api/")


async def refused(request: Request, exc: Exception) -> Response:
    """The handler of every :class:`HTTPException`, :class:`Refusal` included."""
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    headers = exc.headers or {}
    if wants_json(request):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=headers)
    if isinstance(exc, Refusal) and exc.page is not None:
        return await service_of(request).pages.respond(exc.page, exc.status_code, headers)
    if isinstance(exc, Refusal) and exc.plain is not None:
        response = plain_page(exc.status_code, exc.plain)
    else:
        response = status_page(exc.status_code)
    response.headers.update(headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a short answer to the client, the traceback to the operator's log."""
    log.error(
        language.gettext("500 for {method} {path}: the service failed to answer").format(
            method=request.method, path=request.url.path
        ),
        exc_info=exc,
    )
    if wants_json(request):
        return JSONResponse(
            {"error": "the service failed to answer; the operator has the details in the log"}, status_code=500
        )
    return status_page(500)
