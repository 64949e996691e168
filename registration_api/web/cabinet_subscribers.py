"""The cabinet's subscribers list, ``/cabinet/<site-id>/subscribers``: search, filters, sort, pages,
and the exports of the current filter as CSV and XLSX. (Being built.)
"""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
