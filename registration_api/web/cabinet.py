"""The partner's web cabinet under ``/cabinet/``: one module per part, each with its routes, all
made with :mod:`~registration_api.web.cabinet_pages`.

- :mod:`~registration_api.web.cabinet_auth`: signing in by an e-mailed link, signing out.
- :mod:`~registration_api.web.cabinet_overview`: a partner's figures, chart and audit log.
- :mod:`~registration_api.web.cabinet_subscribers`: the list, search and exports.
- :mod:`~registration_api.web.cabinet_subscriber`: one subscriber, its history and actions.
- :mod:`~registration_api.web.cabinet_invitations`: invitation codes.
- :mod:`~registration_api.web.cabinet_ending`: the subscriptions ending (the digest, live).
- :mod:`~registration_api.web.cabinet_newsletter`: the newsletter, its next issue, its figures.
- :mod:`~registration_api.web.cabinet_settings`: the settings, and the registration pages' code;
  :mod:`~registration_api.web.cabinet_keys`: API keys; :mod:`~registration_api.web.cabinet_webhooks`:
  webhook deliveries.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from registration_api.web import (
    cabinet_auth,
    cabinet_ending,
    cabinet_invitations,
    cabinet_keys,
    cabinet_newsletter,
    cabinet_overview,
    cabinet_settings,
    cabinet_subscriber,
    cabinet_subscribers,
    cabinet_webhooks,
)

routes: list[BaseRoute] = [
    *cabinet_auth.routes,
    *cabinet_overview.routes,
    *cabinet_subscribers.routes,
    *cabinet_subscriber.routes,
    *cabinet_invitations.routes,
    *cabinet_ending.routes,
    *cabinet_newsletter.routes,
    *cabinet_settings.routes,
    *cabinet_keys.routes,
    *cabinet_webhooks.routes,
]
