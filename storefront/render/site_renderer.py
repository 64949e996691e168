"""One site's pages rendered to bytes: the shared context, assets and page loop.

The generator renders every page to publish it; the registration API renders a single
page (the registration form with a visitor's errors) with the very same templates and
context, so both always look alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from storefront import __version__
from storefront.fingerprints import FileStamp, listing
from storefront.i18n import Translator
from storefront.render import assets as assets_mod
from storefront.render import feeds
from storefront.render.environment import environment, render
from storefront.render.markdown_html import site_budget
from storefront.render.pages import PRIVACY_URL, Page, navigation, plan, site_context
from storefront.render.sandbox import MAX_SECONDS
from storefront.site.loader import Site
from storefront.speedups.runner import IN_PROCESS, Runner

DEFAULT_API_URL = "http://localhost:8000/"
#: The fields of the registration form the service shows again with a visitor's errors.
SERVICE_FORM_FIELDS = ("name", "email", "phone", "company", "inn", "consent", "token")


def api_url_for(site: Site, override: str | None) -> str:
    """Where forms post: ``--api-url``, else ``site.api_url``, else the local default."""
    url = override or site.config.site.api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


class SiteRenderer:
    """Renders the pages of one validated site; builds its Jinja environment and assets once.
    Each page may take ``seconds`` to render (see :mod:`storefront.render.sandbox`)."""

    def __init__(self, site: Site, api_url: str | None = None, seconds: float = MAX_SECONDS):
        self.site = site
        self.seconds = seconds
        self.api_url = api_url_for(site, api_url)
        self.pages = plan(site)
        self.env = environment(site)
        self.assets = assets_mod.collect(site)
        self.context = self._common_context()
        self._snippets: dict[str, str] = {}

    def _common_context(self) -> dict[str, Any]:
        site, published = self.site, self.assets
        context = site_context(site)
        policy = site.config.partner.privacy_policy
        context.update(
            url=lambda target="": site.base_path + target,
            abs_url=lambda target="": feeds.absolute(site, target),
            asset=lambda logical: site.base_path + published.urls[logical],
            stylesheets=assets_mod.stylesheets(site, published),
            brand=assets_mod.brand_colours(site),
            brand_assets={
                key: published.urls.get(f"site/{key}{_suffix(getattr(site.config.site.brand, key))}")
                for key in ("logo", "favicon")
            },
            form={"values": {}, "errors": {}},
            privacy_url=site.base_path + PRIVACY_URL if site.privacy_page else policy,
            privacy_url_absolute=feeds.absolute(site, PRIVACY_URL) if site.privacy_page else policy,
        )
        return context

    def page(self, url: str) -> Page:
        """The planned page at ``url`` (relative to the site's base path)."""
        return next(p for p in self.pages if p.url == url)

    @staticmethod
    def service_page(url: str, template: str, title: str) -> Page:
        """A page only the registration service shows (a message, an invitation): not among the
        site's planned pages, never in the sitemap, rendered like them with :meth:`render_page`."""
        return Page(url, template, template.removesuffix(".html"), title, title, in_sitemap=False, noindex=True)

    def render_page(self, page: Page, **extra: Any) -> str:
        """One page as HTML; ``extra`` overrides context values (e.g. ``form`` with errors)."""
        return render(self.env, page.template, self._page_context(page, extra), self.seconds)

    def render_theme_page(self, page: Page, **extra: Any) -> str:
        """One page as :meth:`render_page` does, with the theme's templates only: what the
        service shows when the partner's own template fails for a visitor."""
        return render(
            environment(self.site, overrides=False), page.template, self._page_context(page, extra), self.seconds
        )

    def _page_context(self, page: Page, extra: dict[str, Any]) -> dict[str, Any]:
        context = {**self.context, **page.context, "page": page, "nav": navigation(self.site, page)}
        reg = page.context.get("reg")
        if reg is not None:
            context["form_action"] = f"{self.api_url}r/{self.site.id}/{reg.id}"
            if page.kind == "embed":
                context["snippet_code"] = self._snippet(reg.id)
        context.update(extra)
        return context

    def try_service_pages(self) -> None:
        """Render once what the registration service renders for this site (each registration
        form shown again with every field in error, the message page, the 404 page), so that
        a template that fails is found before the service swaps the site in; raises
        :class:`~storefront.render.environment.RenderError`."""
        form = {
            "values": {name: "x" for name in SERVICE_FORM_FIELDS},
            "errors": {name: "x" for name in SERVICE_FORM_FIELDS},
        }
        for reg in self.site.config.registration:
            url = f"register/{reg.id}/"
            self.render_page(self.page(url), form=form, form_action=f"{self.api_url}r/{self.site.id}/{reg.id}")
            self.render_page(self.service_page(url, "message.html", "x"), message="x", back_url=url, back_text="x")
        self.render_page(self.page("404.html"))

    def _page_bytes(self, page: Page) -> bytes:
        return self.render_page(page).encode()

    def _snippet(self, reg_id: str) -> str:
        if reg_id not in self._snippets:
            self._snippets[reg_id] = self.render_page(self.page(f"register/{reg_id}/snippet.html"))
        return self._snippets[reg_id]

    def page_digests(self) -> dict[str, str]:
        """A hash of everything each page is made from, by output path.

        Shared by every page: the site's configuration, the titles, dates and summaries of
        all news (a theme may list them anywhere), the template files, the assets and the
        build options. Per page: its own news item with its body, or the items of a news
        list page, or the bodies of the news the landing page shows.
        """
        site = self.site
        shared = hashlib.sha256(
            json.dumps(
                [
                    __version__,
                    site.config.model_dump(mode="json"),
                    self.api_url,
                    site.base_path,
                    site.privacy_page,
                    sorted(self.assets.urls.items()),
                    [(n.slug, n.title, str(n.date), n.summary) for n in site.news],
                    _template_files(site),
                ],
                ensure_ascii=False,
                default=str,
            ).encode()
        ).hexdigest()
        digests = {}
        for page in self.pages:
            digest = hashlib.sha256(f"{shared}\0{page.url}\0{page.template}".encode())
            if "item" in page.context:
                digest.update(page.context["item"].body.encode())
            elif "pager" in page.context:
                digest.update("\0".join(n.slug for n in page.context["pager"].items).encode())
            elif page.kind == "home":
                for item in site.news[:3]:
                    digest.update(b"\0" + item.body.encode())
            digests[page.output] = digest.hexdigest()
        return digests

    @site_budget
    def files(self, unchanged: AbstractSet[str] = frozenset(), runner: Runner = IN_PROCESS) -> dict[str, bytes | None]:
        """Every output file of the site (path → bytes); ``None`` for the pages in ``unchanged``,
        whose published file is known to be what rendering would give. The pages are
        rendered by ``runner`` (:mod:`storefront.speedups.runner`)."""
        out: dict[str, bytes | None] = dict(self.assets.files)
        todo = [page for page in self.pages if page.output not in unchanged]
        # One page of each template first, here: the workers then inherit compiled templates.
        first = {page.template: page for page in reversed(todo)}.values()
        rendered = {page.output: self._page_bytes(page) for page in first}
        rest = [page for page in todo if page.output not in rendered]
        rendered.update(zip((page.output for page in rest), runner.map(self._page_bytes, rest), strict=True))
        for page in self.pages:
            out[page.output] = rendered.get(page.output)
        translator = Translator(self.site.locale)
        out["feed.xml"] = feeds.atom(self.site, f"{translator.text('news')} — {self.site.config.partner.name}")
        out["sitemap.xml"] = feeds.sitemap(self.site, self.pages)
        out["robots.txt"] = feeds.robots(self.site)
        return out


def _template_files(site: Site) -> list[FileStamp]:
    """Names, sizes and times of every template the site can use."""
    return list(listing([site.root / "templates", *(theme.templates for theme in site.theme.themes)]))


def _suffix(name: str | None) -> str:
    return Path(name).suffix.lower() if name else ""
