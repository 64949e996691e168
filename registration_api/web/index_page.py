"""``GET /``: what this service is and which storefronts it serves, with their addresses, so
whoever opens the service's own address (a partner after the README's first command, an
operator checking a host) sees where the pages are instead of "Not Found"."""

from __future__ import annotations

import re
from html import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from registration_api.domain.partner_sites import PartnerSite
from registration_api.web.errors import wants_json
from registration_api.web.routing import resource
from registration_api.web.service import service_of
from registration_api.web.themed_pages import PLAIN_LOCALE, plain_document
from storefront import Translator


def storefront_addresses(partner: PartnerSite) -> tuple[str, list[tuple[str, str]]]:
    """A site's published address, and each registration page's title and address."""
    base = partner.site.config.site.base_url
    pages = [(page.title, f"{base}register/{page.id}/") for page in partner.site.config.registration]
    return base, pages


async def index(request: Request) -> Response:
    service = service_of(request)
    served = [partner for site_id in service.sites.ids() if (partner := service.sites.get(site_id))]
    failed = len(service.sites.failed())
    if wants_json(request):
        sites = []
        for partner in served:
            base, pages = storefront_addresses(partner)
            sites.append({"id": partner.id, "url": base, "registration": [url for _, url in pages]})
        return JSONResponse({"sites": sites, "failed": failed})
    t = Translator(PLAIN_LOCALE)
    items = []
    for partner in served:
        base, pages = storefront_addresses(partner)
        lines = [_html(t.text("index_site_pages", url="{url}"), url=_link(base))]
        lines += [
            _html(
                t.text("index_registration", title="{title}", url="{url}"),
                title=escape(t.quoted(title)),
                url=_link(url),
            )
            for title, url in pages
        ]
        name = escape(partner.site.config.partner.name)
        items.append(
            f"<li><strong>{name}</strong> ({escape(partner.id)})<ul><li>{'</li><li>'.join(lines)}</li></ul></li>"
        )
    body = f"<ul>{''.join(items)}</ul>" if items else f"<p>{escape(t.text('index_none'))}</p>"
    if failed:
        body += f"<p>{escape(t.plural('index_failed', failed))}</p>"
    machine = _html(
        t.text("index_machine", health="{health}", openapi="{openapi}"),
        health=_link("/healthz"),
        openapi=_link("/openapi.json"),
    )
    body = f"<p>{escape(t.text('index_text'))}</p>{body}<p>{machine}</p>"
    return plain_document(t.text("index_title"), body)


def _link(url: str) -> str:
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def _html(text: str, **parts: str) -> str:
    """A translated ``text`` escaped, with each of its ``{name}`` places filled in one pass by
    the ready HTML in ``parts`` (so a partner's words can never form a place of their own)."""
    return re.sub(r"\{(\w+)\}", lambda m: parts.get(m.group(1), escape(m.group(0))), escape(text))


routes: list[BaseRoute] = [resource("/", GET=index)]
