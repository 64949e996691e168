"""The cabinet's settings, ``/cabinet/<site-id>/settings``: API keys, webhook deliveries, registration
pages and what each gives the partner. (Being built.)
"""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
