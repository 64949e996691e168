"""The build pipeline: load → plan pages → render → publish, for one site or many.

Every site is independent: many sites build in parallel processes, and one broken site
never stops the others. Nothing is written until the whole site has rendered.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import assets as assets_mod
from . import feeds
from .i18n import Translator
from .load import Site, load_site
from .pages import PRIVACY_URL, Page, navigation, plan, site_context
from .problems import InvalidSite, Problem
from .render import RenderError, environment, render
from .write import publish

DEFAULT_API_URL = "http://localhost:8000/"


@dataclass(frozen=True)
class BuildOptions:
    sites_dir: Path
    themes_dir: Path | None
    out_dir: Path | None
    api_url: str | None = None
    theme: str | None = None


@dataclass
class SiteReport:
    """What happened to one site: its problems, or what was published."""

    site_id: str
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def api_url_for(site: Site, override: str | None) -> str:
    url = override or site.config.site.api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def render_site(site: Site, api_url: str | None = None) -> tuple[dict[str, bytes], list[Page]]:
    """Every output file of ``site`` in memory (path → bytes), and the pages planned."""
    pages = plan(site)
    env = environment(site)
    published_assets = assets_mod.collect(site)
    common = site_context(site)
    api = api_url_for(site, api_url)
    brand = assets_mod.brand_colours(site)
    common.update(
        url=lambda target="": site.base_path + target,
        abs_url=lambda target="": feeds.absolute(site, target),
        asset=lambda logical: site.base_path + published_assets.urls[logical],
        stylesheets=assets_mod.stylesheets(site, published_assets),
        brand=brand,
        brand_assets={key: published_assets.urls.get(f"site/{key}{_suffix(getattr(site.config.site.brand, key))}")
                      for key in ("logo", "favicon")},
        form={"values": {}, "errors": {}},
        privacy_url=site.base_path + PRIVACY_URL if site.privacy_page else site.config.partner.privacy_policy,
        privacy_url_absolute=feeds.absolute(site, PRIVACY_URL) if site.privacy_page
        else site.config.partner.privacy_policy,
    )
    files: dict[str, bytes] = dict(published_assets.files)
    snippets: dict[str, str] = {}
    for page in sorted(pages, key=lambda p: p.kind != "snippet"):
        context = {**common, **page.context, "page": page, "nav": navigation(site, page)}
        if "reg" in page.context:
            context["form_action"] = f"{api}r/{site.id}/{page.context['reg'].id}"
            context["snippet_code"] = snippets.get(page.context["reg"].id, "")
        html = render(env, page.template, context)
        if page.kind == "snippet":
            snippets[page.context["reg"].id] = html
        files[page.output] = html.encode()
    translator = Translator(site.locale)
    files["feed.xml"] = feeds.atom(site, f"{translator.text('news')} — {site.config.partner.name}")
    files["sitemap.xml"] = feeds.sitemap(site, pages)
    files["robots.txt"] = feeds.robots(site)
    return files, pages


def _suffix(name: str | None) -> str:
    return Path(name).suffix.lower() if name else ""


def build_site(site_id: str, options: BuildOptions) -> SiteReport:
    """Validate, render and (unless ``options.out_dir`` is None) publish one site."""
    report = SiteReport(site_id)
    try:
        site = load_site(options.sites_dir / site_id, options.themes_dir, theme=options.theme)
        files, pages = render_site(site, options.api_url)
    except InvalidSite as exc:
        report.problems = exc.problems
        return report
    except RenderError as exc:
        report.problems = [exc.problem]
        return report
    report.pages = len(pages) + 3
    if options.out_dir is not None:
        result = publish(options.out_dir / site_id, files)
        report.written, report.unchanged, report.removed = result.written, result.unchanged, result.removed
    return report


def build_many(site_ids: list[str], options: BuildOptions) -> list[SiteReport]:
    """Build sites in parallel on every core; reports come back in ``site_ids`` order."""
    workers = min(len(site_ids), os.cpu_count() or 1)
    if workers <= 1:
        reports = [build_site(site_id, options) for site_id in site_ids]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            reports = list(pool.map(build_site, site_ids, [options] * len(site_ids), chunksize=1))
    return reports
