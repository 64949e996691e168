"""The partner cabinet's pages: Jinja templates under ``templates/cabinet/`` in the base theme's
look (never a partner's marketing theme), whose ``_()`` texts are storefront's gettext messages,
in the language of the block that renders them (:func:`storefront.language.speaking`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import jinja2
from starlette.responses import HTMLResponse

from storefront import language

TEMPLATES = Path(__file__).parent.parent / "templates" / "cabinet"

#: What a cabinet page may never be: kept by a shared cache, framed by another site, or
#: running a script (it has none).
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"])
    # the i18n extension adds this method; its callables read the language at each call
    env.install_gettext_callables(  # type: ignore[attr-defined]
        language.gettext, language.ngettext, newstyle=True
    )
    return env


def render(
    template: str, lang: str, status: int = 200, headers: Mapping[str, str] | None = None, **context: object
) -> HTMLResponse:
    """``template`` in ``lang`` as a response that no cache keeps."""
    with language.speaking(lang):
        body = _environment().get_template(template).render(lang=lang, **context)
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(headers or {})})
