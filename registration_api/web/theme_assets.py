"""The theme files of each partner's site, served by the service itself: the stylesheets, brand
colours, logo and icon that its pages (an invitation, an extension, the form shown again) link.

The pages the service renders then look like the storefront wherever the service runs: they
never depend on the partner's published copy of the site, which may be older or newer than the
one the service loaded (a partner re-styles the site and publishes it without the service, or
the other way round). Only the files the site's build publishes under ``assets/`` are served,
looked up by their exact published name in memory, so no path a visitor writes reaches anything
else; their names carry a hash of their content, so browsers keep them for a year.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.web.routing import resource
from storefront import language

_ = language.gettext

#: Where the service serves a site's theme files: ``/sites/<site-id>/assets/<published name>``,
#: the tree of the published site, so that links inside a stylesheet keep working.
PREFIX = "/sites/"
ASSETS = "assets/"

#: A published file's name changes with its content: browsers may keep it as long as they like.
HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    # a stylesheet or image opened on its own runs nothing (an SVG logo is checked at load, too)
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
}


#: The kinds of file a page's look is made of, and the only ones served: a partner's file of
#: another kind under ``assets/`` (an .html, a .js) is not the service's to hand out.
MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}


def assets_root(public_base: str) -> str:
    """The path the theme files are served under, on the service's public address."""
    return urlsplit(public_base).path.rstrip("/") + PREFIX


def page_links(partner: PartnerSite, base: str, root: str) -> dict[str, Callable[..., str]]:
    """``url()`` and ``asset()`` for a page the service renders: the site's theme files from
    this service (under ``root``), every other link to the storefront at ``base``."""
    published = partner.renderer.assets
    own = f"{root}{partner.id}/"

    def url(target: str = "") -> str:
        return own + target if target in published.files else base + target

    def asset(logical: str) -> str:
        return own + published.urls[logical]

    return {"url": url, "asset": asset}


async def theme_file(request: Request) -> Response:
    """One of a site's published theme files, or 404."""
    sites: PartnerSites = request.app.state.service.sites
    partner = sites.get(request.path_params["site_id"])
    name = request.path_params["name"]
    media_type = MEDIA_TYPES.get(PurePosixPath(name).suffix.lower())
    content = partner.renderer.assets.files.get(ASSETS + name) if partner and media_type else None
    if content is None or media_type is None:
        raise HTTPException(404, _("the site has no such theme file"))
    return Response(content, media_type=media_type, headers=HEADERS)


routes: list[BaseRoute] = [resource(PREFIX + "{site_id}/" + ASSETS + "{name:path}", GET=theme_file)]
