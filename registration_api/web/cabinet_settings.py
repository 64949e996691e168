"""The cabinet's settings, ``/cabinet/<site-id>/settings``: a page leading to its three parts, and
the registration pages with what each gives the partner (the ready page, the HTML code to paste
into another website, the instructions for its web developer). The API keys are
:mod:`~registration_api.web.cabinet_keys`, the webhook deliveries
:mod:`~registration_api.web.cabinet_webhooks`; all three show their pages with :func:`settings_page`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.domain import api_keys
from registration_api.domain.partner_sites import PartnerSite
from registration_api.web.cabinet_pages import HEADERS, PREFIX, TEMPLATES, Opened, partner_endpoint
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import RegistrationPage, RenderError, language

_ = language.gettext
N_ = language.N_
ngettext = language.ngettext

#: The parts of the settings, in the order of their menu: (path under ``settings/``, name).
PARTS = (
    ("keys", N_("API keys")),
    ("webhooks", N_("Webhooks")),
    ("pages", N_("Registration pages")),
)

#: The script of the «Copy» buttons (without it the text stays selectable in its field). A page
#: that has the buttons allows this one script by its hash, and no other.
COPY_SCRIPT = (TEMPLATES / "settings_copy.js").read_text(encoding="utf-8")
_COPY_HASH = base64.b64encode(hashlib.sha256(COPY_SCRIPT.encode()).digest()).decode()
COPY_HEADERS = {"Content-Security-Policy": f"{HEADERS['Content-Security-Policy']}; script-src 'sha256-{_COPY_HASH}'"}


def settings_address(page: Opened) -> str:
    """The path of the settings; its parts are below it."""
    return f"{page.root}settings"


def settings_page(
    page: Opened, template: str, title: str, part: str = "", status: int = 200, **context: Any
) -> Response:
    """A settings page in the partner's language, with the menu of the settings' parts (``part``
    is the current one); ``copy`` adds the script of the «Copy» buttons."""
    address = settings_address(page)
    with language.speaking(page.lang):
        parts = [
            {"path": path, "url": f"{address}/{path}", "name": _(name), "current": path == part} for path, name in PARTS
        ]
    if context.pop("copy", False):
        context.update(copy_script=Markup(COPY_SCRIPT), headers=COPY_HEADERS)
    return page.show(template, "settings", status, title=title, parts=parts, part=part, **context)


# --- the settings' start ---------------------------------------------------------------------------
async def start(page: Opened) -> Response:
    """What each part of the settings holds, in a line, with its link."""
    partner = page.partner
    keys = await run_in_threadpool(api_keys.list_keys, page.service.engine, partner.id)
    live = sum(key.revoked_at is None for key in keys)
    webhook = partner.site.config.webhook
    count = len(partner.site.config.registration)
    with language.speaking(page.lang):
        summaries = {
            "keys": ngettext("{n} key in use.", "{n} keys in use.", live).format(n=live)
            if live
            else _("No key in use."),
            "webhooks": _("Events go to {url}.").format(url=webhook.url) if webhook else _("No webhook is set up."),
            "pages": ngettext(
                "{n} page, each with its code to paste.", "{n} pages, each with its code to paste.", count
            ).format(n=count),
        }
        title = _("Settings")
    return settings_page(page, "settings.html", title, summaries=summaries)


# --- the registration pages ------------------------------------------------------------------------
def _snippet(partner: PartnerSite, reg: RegistrationPage, form_action: str) -> str | None:
    """The HTML code of a registration form to paste into another website, rendered as the build
    renders ``register/<id>/snippet.html`` (the partner's templates, else the theme's), posting
    to this service; None if neither renders."""
    page = partner.renderer.page(f"register/{reg.id}/snippet.html")
    for render in (partner.renderer.render_page, partner.renderer.render_theme_page):
        try:
            return render(page, form_action=form_action)
        except RenderError:
            continue
    return None


def _deliverables(service: Service, partner: PartnerSite) -> list[dict[str, Any]]:
    """Each registration page with its three deliverables' addresses and its code."""
    published = partner.site.config.site.base_url
    posts_to = service.settings.public_base.rstrip("/")
    shown = []
    for reg in partner.site.config.registration:
        base = f"{published}register/{reg.id}/"
        shown.append(
            {
                "id": reg.id,
                "title": reg.title,
                "trial_days": reg.trial_days,
                "tariff": partner.site.tariff(reg.tariff).name,
                "page_url": base,
                "snippet_url": f"{base}snippet.html",
                "embed_url": f"{base}embed/",
                "code": _snippet(partner, reg, f"{posts_to}/r/{partner.id}/{reg.id}"),
            }
        )
    return shown


async def pages(page: Opened) -> Response:
    """The registration pages: the ready page, the code with its «Copy» button, the instructions."""
    shown = await run_in_threadpool(_deliverables, page.service, page.partner)
    with language.speaking(page.lang):
        title = _("Registration pages")
    return settings_page(page, "settings_pages.html", title, "pages", pages=shown, copy=True)


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/settings", GET=partner_endpoint(start)),
    resource(PREFIX + "{site_id}/settings/pages", GET=partner_endpoint(pages)),
]
