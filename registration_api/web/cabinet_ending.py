"""The cabinet's page of subscriptions ending, ``/cabinet/<site-id>/ending``: the Monday digest, live.
(Being built.)
"""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
