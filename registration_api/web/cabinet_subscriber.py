"""One subscriber's page in the cabinet, ``/cabinet/<site-id>/subscribers/<number>``: its history
and the operator's actions (conversion to paid, departure). (Being built.)
"""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
