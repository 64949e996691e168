"""The list of pages a site is made of: (url, template, context) each.

Pages are planned from the site model alone, so each one can be rendered on its own,
in any order or in parallel. Two pages that would land on the same address are caught
here, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from storefront.errors import InvalidSite
from storefront.i18n import Translator
from storefront.language import gettext as _
from storefront.render.markdown_html import MarkdownRefused, plain_text, render_markdown
from storefront.site.catalogue import catalogue
from storefront.site.diagnostics import Problem, display_path
from storefront.site.loader import NewsItem, Site
from storefront.site.schema import FaqEntry

NEWS_PER_PAGE = 10
PRIVACY_URL = "privacy/"


@dataclass(frozen=True)
class Page:
    """One output file rendered from a template."""

    url: str
    template: str
    kind: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    in_sitemap: bool = True
    noindex: bool = False
    og_type: str = "website"

    @property
    def output(self) -> str:
        """The file path inside the site's output folder."""
        return self.url + "index.html" if self.url == "" or self.url.endswith("/") else self.url


@dataclass(frozen=True)
class Pager:
    """One page of the news list: its number of ``count``, its items and its neighbours."""

    number: int
    count: int
    items: tuple[NewsItem, ...]
    previous_url: str | None
    next_url: str | None


def _news_list_url(number: int) -> str:
    return "news/" if number == 1 else f"news/page/{number}/"


def plan(site: Site) -> list[Page]:
    """Every page of ``site``, in a stable order."""
    cfg = site.config
    seo = cfg.site.seo
    pages = [Page("", "index.html", "home", "", seo.description)]
    pages.append(
        Page(
            "tariffs/",
            "tariffs.html",
            "tariffs",
            _text(site, "tariffs"),
            f"{_text(site, 'tariffs')}: " + ", ".join(t.name for t in cfg.tariffs),
        )
    )
    pages.append(
        Page("apps/", "apps.html", "apps", _text(site, "applications"), ", ".join(a.name for a in site.applications))
    )
    for app in site.applications:
        tariffs = [t for t in cfg.tariffs if app in site.tariff_applications(t)]
        reg = next((r for r in cfg.registration if r.application == app.id), None) or next(
            (r for r in cfg.registration if r.tariff in {t.id for t in tariffs}), cfg.registration[0]
        )
        pages.append(
            Page(
                f"apps/{app.id}/",
                "app.html",
                "app",
                app.name,
                app.summary,
                {"app": app, "app_tariffs": tariffs, "app_register_url": f"register/{reg.id}/"},
            )
        )
    if cfg.faq:
        pages.append(Page("faq/", "faq.html", "faq", _text(site, "faq"), "; ".join(e.question for e in cfg.faq[:3])))
    pages.extend(_news_pages(site))
    for reg in cfg.registration:
        tariff = site.tariff(reg.tariff)
        context = {
            "reg": reg,
            "reg_tariff": tariff,
            "reg_app": site.application(reg.application) if reg.application else None,
        }
        base = f"register/{reg.id}/"
        pages.append(Page(base, "register.html", "register", reg.title, _first_line(reg.intro) or reg.title, context))
        pages.append(
            Page(
                base + "thanks/", "thanks.html", "thanks", reg.title, reg.title, context, in_sitemap=False, noindex=True
            )
        )
        pages.append(
            Page(base + "embed/", "embed.html", "embed", reg.title, reg.title, context, in_sitemap=False, noindex=True)
        )
        pages.append(
            Page(
                base + "snippet.html",
                "snippet.html",
                "snippet",
                reg.title,
                reg.title,
                context,
                in_sitemap=False,
                noindex=True,
            )
        )
    pages.append(
        Page(
            "contacts/",
            "contacts.html",
            "contacts",
            _text(site, "contacts"),
            f"{cfg.partner.legal_name}: {cfg.partner.phone}, {cfg.partner.email}",
        )
    )
    if site.privacy_page:
        pages.append(
            Page(
                PRIVACY_URL,
                "document.html",
                "privacy",
                _text(site, "privacy_policy"),
                f"{_text(site, 'privacy_policy')}: {cfg.partner.legal_name}",
                {"document": site.privacy_page},
            )
        )
    pages.append(
        Page(
            "404.html",
            "404.html",
            "not-found",
            _text(site, "not_found_title"),
            _text(site, "not_found_text"),
            in_sitemap=False,
            noindex=True,
        )
    )
    _refuse_collisions(site, pages)
    return pages


def _news_pages(site: Site) -> list[Page]:
    news = site.news
    count = max(1, -(-len(news) // NEWS_PER_PAGE))
    pages = []
    for number in range(1, count + 1):
        pager = Pager(
            number,
            count,
            news[(number - 1) * NEWS_PER_PAGE : number * NEWS_PER_PAGE],
            _news_list_url(number - 1) if number > 1 else None,
            _news_list_url(number + 1) if number < count else None,
        )
        pages.append(
            Page(
                _news_list_url(number),
                "news_list.html",
                "news",
                _text(site, "news"),
                site.config.site.seo.description,
                {"pager": pager},
            )
        )
    for item in news:
        pages.append(
            Page(
                f"news/{item.slug}/",
                "news_item.html",
                "news-item",
                item.title,
                item.summary,
                {"item": item},
                og_type="article",
            )
        )
    return pages


def _refuse_collisions(site: Site, pages: list[Page]) -> None:
    """Two pages at one address would silently overwrite each other: name both instead."""
    seen: dict[str, Page] = {}
    problems = []
    for page in pages:
        if page.output in seen:
            first = seen[page.output]
            source = page.context.get("item")
            where = display_path(source.source) if source else display_path(site.root / "site.yaml")
            problems.append(
                Problem(
                    where,
                    1,
                    1,
                    "",
                    _(
                        "two pages would be written to /{url}: «{first}» ({first_kind}) and «{second}» "
                        "({second_kind}); rename one of them"
                    ).format(
                        url=page.url, first=first.title, first_kind=first.kind, second=page.title, second_kind=page.kind
                    ),
                )
            )
        seen.setdefault(page.output, page)
    if problems:
        raise InvalidSite(problems)


def _text(site: Site, key: str) -> str:
    return Translator(site.locale).text(key)


#: Characters of an intro read for its meta description.
FIRST_LINE_SOURCE = 2_000


def _first_line(markdown_text: str) -> str:
    """The first paragraph of partner Markdown as plain text, for a meta description."""
    paragraph = markdown_text.strip()[:FIRST_LINE_SOURCE].split("\n\n", 1)[0]
    try:  # a prefix of text the model let through converts in milliseconds: outside the site's budget
        return plain_text(render_markdown(paragraph, budgeted=False))[:300]
    except MarkdownRefused:  # the whole text was refused too, at its field in site.yaml
        return ""


NAV = (
    ("tariffs/", "tariffs"),
    ("apps/", "applications"),
    ("faq/", "faq"),
    ("news/", "news"),
    ("contacts/", "contacts"),
)


def navigation(site: Site, page: Page) -> list[dict[str, Any]]:
    """Main menu entries, the one containing ``page`` marked current."""
    return [
        {"url": url, "title": _text(site, key), "current": page.url.startswith(url)}
        for url, key in NAV
        if url != "faq/" or site.config.faq
    ]


def site_context(site: Site) -> dict[str, Any]:
    """Values every template of ``site`` may use."""
    cfg = site.config
    default_reg = next((r for r in cfg.registration if r.id == cfg.landing.cta.registration), cfg.registration[0])
    cat = catalogue()
    segments = [
        (cat.segment_name(segment, site.locale), list(apps))
        for segment, apps in groupby(
            sorted(site.applications, key=lambda a: list(cat.segments).index(a.segment)), key=lambda a: a.segment
        )
    ]
    faq_groups: list[tuple[str | None, list[FaqEntry]]] = []
    for entry in cfg.faq:
        if faq_groups and faq_groups[-1][0] == entry.group:
            faq_groups[-1][1].append(entry)
        elif any(g == entry.group for g, _entries in faq_groups):
            next(entries for g, entries in faq_groups if g == entry.group).append(entry)
        else:
            faq_groups.append((entry.group, [entry]))
    return {
        "config": cfg,
        "partner": cfg.partner,
        "landing": cfg.landing,
        "applications": site.applications,
        "news": site.news,
        "standard_tariffs": cat.standard_tariffs,
        "tariff_apps": {t.id: site.tariff_applications(t) for t in cfg.tariffs},
        "extras": [(t, e) for t in cfg.tariffs for e in t.extras],
        "apps_by_segment": segments,
        "faq_groups": faq_groups,
        "default_registration": default_reg,
        "cta_url": f"register/{default_reg.id}/",
        "register_url_for": lambda tariff: (
            f"register/{next((r.id for r in cfg.registration if r.tariff == tariff.id), default_reg.id)}/"
        ),
    }
