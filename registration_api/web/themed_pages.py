"""The pages a visitor sees, in the partner's theme: rendered by the generator's own renderer
with the partner's templates, else with the theme's, else as a short plain page.

A partner's template runs in a worker thread with a deadline, so no partner's page holds up
the others' requests; at most :data:`PARTNER_RENDERS` of one partner's pages are rendered
with its own templates at once, the rest with the theme's straight away.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from registration_api.domain.partner_sites import PartnerSite
from registration_api.web.theme_assets import PREFIX, page_links
from storefront import Page, RenderError, Translator, language

log = logging.getLogger("registration_api")

#: How many of one partner's pages are rendered with its own templates at once; the others are
#: shown with the theme's straight away, so one partner's slow pages cannot take every worker thread.
PARTNER_RENDERS = 4

#: The language of the short pages shown when no partner (and so no site locale) is known.
PLAIN_LOCALE = "ru"

#: Statuses with a short page of their own (``plain_<status>_*`` texts); others get the first's.
PLAIN_STATUSES = (400, 403, 404, 405, 408, 413, 415, 422, 429, 500)

#: Statuses with their own text for a partner's page that could not be shown at all
#: (``plain_unshown_<status>_*``); others get the last's.
UNSHOWN_STATUSES = (404, 422, 500)

#: Partner pages that fail for a visitor are logged once per template line, up to this many lines.
MAX_REPORTED_FAILURES = 10_000


@dataclass(frozen=True)
class PartnerPage:
    """One of a partner's pages to answer with: the page, the storefront its links lead to
    (``base``, absolute) and what the page's context adds or overrides."""

    partner: PartnerSite
    page: Page
    base: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def planned(cls, partner: PartnerSite, url: str, base: str, **context: Any) -> PartnerPage:
        """A page of the site's own plan (``404.html``, ``register/<id>/``)."""
        return cls(partner, partner.renderer.page(url), base, context)

    @classmethod
    def unplanned(
        cls, partner: PartnerSite, url: str, template: str, title: str, base: str, **context: Any
    ) -> PartnerPage:
        """A page only the service shows (a message, an invitation): not among the site's planned
        pages, so described here and rendered like them."""
        return cls(partner, partner.renderer.service_page(url, template, title), base, context)

    @classmethod
    def message(
        cls,
        partner: PartnerSite,
        url: str,
        base: str,
        key: str,
        values: Mapping[str, object] | None = None,
        **context: Any,
    ) -> PartnerPage:
        """A short page in the partner's theme: the title and text of ``msg_<key>_...``."""
        t = Translator(partner.site.locale).text
        title = t(f"msg_{key}_title")
        message = t(f"msg_{key}_text", **(values or {}))
        return cls.unplanned(partner, url, "message.html", title, base, message=message, **context)

    @classmethod
    def form_message(cls, partner: PartnerSite, page_id: str, base: str, key: str) -> PartnerPage:
        """A short page about a post of the registration form ``page_id``, with a link back to it."""
        back = Translator(partner.site.locale).text("msg_back_to_form")
        url = f"register/{page_id}/"
        return cls.message(partner, url, base, key, back_url=f"{base}{url}", back_text=back)


class ThemedPages:
    """Renders partners' pages for visitors, keeping one partner's failures and slowness its own;
    their theme files come from this service, under ``assets_root``
    (:mod:`~registration_api.web.theme_assets`)."""

    def __init__(self, partner_renders: int = PARTNER_RENDERS, assets_root: str = PREFIX):
        self.partner_renders = partner_renders
        self.assets_root = assets_root
        self._reported: set[tuple[str, str, int]] = set()
        self._rendering: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    async def respond(
        self, shown: PartnerPage, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        """The page as an HTML response, rendered in a worker thread."""
        response = await run_in_threadpool(self._render, shown, status)
        response.headers.update(headers or {})
        return response

    def _render(self, shown: PartnerPage, status: int) -> Response:
        """The page with the partner's templates; when they fail for this visitor's input (or
        take too long, or :attr:`partner_renders` of its pages are being rendered), with the
        theme's own; and if even that fails, a short plain page."""
        partner, base = shown.partner, shown.base
        context = {**page_links(partner, base, self.assets_root), **shown.context}
        with self._render_slot(partner.id) as free:
            if free:
                try:
                    return HTMLResponse(partner.renderer.render_page(shown.page, **context), status_code=status)
                except RenderError as exc:
                    self._report(partner, exc)
        try:
            return HTMLResponse(partner.renderer.render_theme_page(shown.page, **context), status_code=status)
        except RenderError as exc:
            self._report(partner, exc)
        unshown = status if status in UNSHOWN_STATUSES else UNSHOWN_STATUSES[-1]
        return plain_page(status, f"plain_unshown_{unshown}", partner.site.locale)

    @contextlib.contextmanager
    def _render_slot(self, site_id: str) -> Iterator[bool]:
        """Whether one more of this partner's pages may be rendered with its own templates now."""
        with self._lock:
            free = self._rendering[site_id] < self.partner_renders
            if free:
                self._rendering[site_id] += 1
        try:
            yield free
        finally:
            if free:
                with self._lock:
                    self._rendering[site_id] -= 1

    def _report(self, partner: PartnerSite, exc: RenderError) -> None:
        """Tell the operator once per template line that a partner's page failed for a visitor."""
        key = (partner.id, exc.problem.path, exc.problem.line)
        if key in self._reported:
            return
        if len(self._reported) > MAX_REPORTED_FAILURES:
            self._reported.clear()
        self._reported.add(key)
        log.error(
            language.gettext(
                "site={site}: a page failed for a visitor and was shown with the theme's template: {problem}"
            ).format(site=partner.id, problem=exc.problem)
        )


def plain_page(status: int, texts: str, locale: str = PLAIN_LOCALE) -> Response:
    """A short page without any theme, its title and text those of ``<texts>_title`` and
    ``<texts>_text``: for when no partner is known, or none of its pages could be shown."""
    t = Translator(locale).text
    return plain_document(t(f"{texts}_title"), f"<p>{escape(t(f'{texts}_text'))}</p>", locale, status)


def plain_document(title: str, body: str, locale: str = PLAIN_LOCALE, status: int = 200) -> Response:
    """The frame of the service's own pages (no partner theme): ``title`` as text, ``body`` as
    ready HTML under it."""
    return Response(
        f'<!doctype html><html lang="{escape(locale)}"><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f'<main style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">'
        f"<h1>{escape(title)}</h1>{body}</main></html>",
        status_code=status,
        media_type="text/html; charset=utf-8",
    )


def status_page(status: int) -> Response:
    """The short page of a refusal with this status, when no partner's page says more."""
    return plain_page(status, f"plain_{status if status in PLAIN_STATUSES else PLAIN_STATUSES[0]}")
