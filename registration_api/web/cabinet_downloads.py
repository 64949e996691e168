"""The cabinet's downloads: a table of a partner's (:class:`~registration_api.domain.exports.Table`)
sent as a CSV or XLSX file while it is being made, under a file name the partner's browser keeps,
at the address of the page that lists it with ``.csv`` or ``.xlsx`` added (:func:`file_routes`),
behind the gate of every partner page (:func:`~registration_api.web.cabinet_pages.partner_endpoint`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from urllib.parse import unquote_plus

from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from registration_api.domain import exports, operators
from registration_api.domain.exports import Table
from registration_api.web.cabinet_pages import HEADERS, Opened, PageAnswer, partner_endpoint
from registration_api.web.routing import resource
from registration_api.web.service import Service

#: The kinds of file, by the extension of their address.
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The separator of CSV cells for the partner's language: what its Excel splits on (a Russian
#: Excel's decimal separator is the comma).
_SEPARATORS = {"ru": ";"}

Made = tuple[Table, str] | Response
"""What a page makes for its download: the table and the file's name (without its extension), or
the page to answer instead (a filter it cannot read)."""
Maker = Callable[[Opened], Awaitable[Made]]


def download(table: Table, kind: str, name: str, lang: str) -> StreamingResponse:
    """``table`` as the file ``<name>.<kind>`` (``kind`` one of :data:`FORMATS`), made and sent
    piece by piece (Starlette reads the pieces in a worker thread: the rows come from the database)."""
    chunks = exports.xlsx_chunks(table) if kind == "xlsx" else exports.csv_chunks(table, _SEPARATORS.get(lang, ","))
    return StreamingResponse(
        chunks,
        media_type=FORMATS[kind],
        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


def file_routes(path: str, make: Maker) -> list[BaseRoute]:
    """``<path>.csv`` and ``<path>.xlsx``: what ``make`` makes for the operator's partner."""

    def file(kind: str) -> PageAnswer:
        async def answer(page: Opened) -> Response:
            made = await make(page)
            if isinstance(made, Response):
                return made
            table, name = made
            # a file of clients' personal data leaves the service: the audit log says who took which
            query = page.request.url.query
            await page.record(operators.DOWNLOADED, f"{name}.{kind}" + (f" ({unquote_plus(query)})" if query else ""))
            return download(table, kind, name, page.lang)

        return answer

    return [resource(f"{path}.{kind}", GET=partner_endpoint(file(kind))) for kind in FORMATS]


def local(service: Service, value: dt.datetime | None) -> dt.datetime | None:
    """A stored moment as a file holds it: the day and time in the service's time zone, without
    the zone (a spreadsheet keeps none), as the cabinet's pages show it."""
    return value.astimezone(service.settings.timezone).replace(tzinfo=None) if value else None
