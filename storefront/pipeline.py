"""The build pipeline: load → plan pages → render → publish, for one site or many.

Every site is independent: many sites build in parallel processes, and one broken site
never stops the others. Nothing is written until the whole site has rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from storefront import language
from storefront.errors import InvalidSite, RenderError
from storefront.fingerprints import fingerprint
from storefront.paths import SITE_FILE, search_path
from storefront.publish.build_cache import SiteCache
from storefront.site.diagnostics import Problem
from storefront.speedups.fork_map import default_workers

if TYPE_CHECKING:
    from storefront.speedups.runner import Runner


@dataclass(frozen=True)
class BuildOptions:
    """What to build, from where, into where. ``workers`` is how many processes one site's
    work may be shared between: above 1 the build forks, which only a process without
    threads may do (``storefront build`` and ``check``; never the preview server)."""

    sites_dir: Path
    themes_dir: Path | None
    out_dir: Path | None
    api_url: str | None = None
    theme: str | None = None
    base_url: str | None = None
    cache_dir: Path | None = Path(".storefront-cache")
    workers: int = 1


@dataclass
class SiteReport:
    """What happened to one site: its problems, or what was published; ``locale`` is the
    site's language as its site.yaml says (None when it cannot be read), which messages
    about the site speak (:func:`storefront.language.for_site`), and ``address`` the
    public address its site.yaml gives it, where the published pages are to be seen."""

    site_id: str
    problems: list[Problem] = field(default_factory=list)
    locale: str | None = None
    address: str | None = None
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    changed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def build_site(site_id: str, options: BuildOptions) -> SiteReport:
    """Validate, render and (unless ``options.out_dir`` is None) publish one site.

    A site whose input files and options are exactly as at its last successful build is
    skipped: its published output is already what a build would write.
    """
    published = options.out_dir / site_id if options.out_dir is not None else None
    cache = SiteCache(options.cache_dir if published else None, site_id)
    inputs = fingerprint(
        [options.sites_dir / site_id, *search_path(options.themes_dir)],
        (options.api_url, options.theme, options.base_url, str(options.out_dir)),
    )
    if published and cache.fingerprint == inputs and published.is_dir():
        return SiteReport(site_id, pages=cache.pages, unchanged=cache.files, locale=cache.locale, address=cache.address)
    from storefront.site.loader import site_locale

    locale = site_locale(options.sites_dir / site_id)
    with language.for_site(locale):
        report = _build(site_id, options, cache, inputs)
    report.locale = report.locale or locale
    return report


def declared(site_dir: Path, key: str) -> str | None:
    """What the ``site`` section of a site's site.yaml says for ``key``, read before (and
    whether or not) the site validates; None if it says nothing or cannot be read."""
    from storefront.site.partner_files import LIMITS, UnsafeFile, read_text
    from storefront.site.yaml_positions import parse

    try:
        data = parse(read_text(site_dir / SITE_FILE, site_dir, LIMITS["site.yaml"]), SITE_FILE).data
    except (OSError, UnsafeFile):
        return None
    site = data.get("site") if isinstance(data, dict) else None
    value = site.get(key) if isinstance(site, dict) else None
    return value if isinstance(value, str) else None


def _build(site_id: str, options: BuildOptions, cache: SiteCache, inputs: str) -> SiteReport:
    cache.load_details()
    # Imported only now: a rebuild with nothing to do must not pay for loading the pipeline.
    from storefront.speedups.runner import ForkingRunner, InProcessRunner

    if options.workers <= 1:
        return _build_loaded(site_id, options, InProcessRunner(cache), cache, inputs)
    with ForkingRunner(options.workers, cache) as forking:
        # a big site's Markdown starts converting before the rest of the pipeline is even imported
        forking.prefetch_news(options.sites_dir / site_id / "news")
        return _build_loaded(site_id, options, forking, cache, inputs)


def _build_loaded(
    site_id: str,
    options: BuildOptions,
    runner: Runner,
    cache: SiteCache,
    inputs: str,
) -> SiteReport:
    from storefront.publish.atomic_output import publish
    from storefront.render.site_renderer import SiteRenderer
    from storefront.site.loader import load_site

    report = SiteReport(site_id)
    published = options.out_dir / site_id if options.out_dir is not None else None
    try:
        site = load_site(
            options.sites_dir / site_id,
            options.themes_dir,
            theme=options.theme,
            base_url=options.base_url,
            runner=runner,
        )
        renderer = SiteRenderer(site, options.api_url)
        digests = renderer.page_digests()
        unchanged = (
            {
                path
                for path, digest in digests.items()
                if cache.pages_digests.get(path) == digest and (published / path).is_file()
            }
            if published
            else set()
        )
        files = renderer.files(unchanged, runner)
    except InvalidSite as exc:
        report.problems = exc.problems
        cache.forget()
        return report
    except RenderError as exc:
        report.problems = [exc.problem]
        cache.forget()
        return report
    report.pages = len(renderer.pages) + 3
    report.locale, report.address = site.locale, site.config.site.base_url
    if published is not None:
        result = publish(published, files, runner)
        report.written, report.unchanged, report.removed = result.written, result.unchanged, result.removed
        report.changed = result.changed
        cache.save(inputs, len(files), report.pages, digests, site.locale, report.address)
    return report


def build_many(site_ids: list[str], options: BuildOptions) -> list[SiteReport]:
    """Build sites on every core; reports come back in ``site_ids`` order.

    Several sites build side by side, a process each; a single site spreads its own work
    over the cores instead.
    """
    cores = default_workers()
    workers = min(len(site_ids), cores)
    if workers <= 1:
        reports = [build_site(site_id, replace(options, workers=cores)) for site_id in site_ids]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, initializer=language.restore, initargs=(language.setting(),)) as pool:
            reports = list(pool.map(build_site, site_ids, [options] * len(site_ids), chunksize=1))
    return reports
