"""The build pipeline: load → plan pages → render → publish, for one site or many.

Every site is independent: many sites build in parallel processes, and one broken site
never stops the others. Nothing is written until the whole site has rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storefront.paths import search_path
from storefront.publish.build_cache import SiteCache, fingerprint
from storefront.site.diagnostics import InvalidSite, Problem
from storefront.speedups.fork_map import default_workers


@dataclass(frozen=True)
class BuildOptions:
    sites_dir: Path
    themes_dir: Path | None
    out_dir: Path | None
    api_url: str | None = None
    theme: str | None = None
    base_url: str | None = None
    cache_dir: Path | None = Path(".storefront-cache")


@dataclass
class SiteReport:
    """What happened to one site: its problems, or what was published."""

    site_id: str
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    changed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def build_site(site_id: str, options: BuildOptions, workers: int = 1) -> SiteReport:
    """Validate, render and (unless ``options.out_dir`` is None) publish one site.

    A site whose input files and options are exactly as at its last successful build is
    skipped: its published output is already what a build would write. ``workers`` > 1
    forks that many processes for its Markdown and its pages (never from a process that
    runs threads: see :mod:`storefront.speedups.fork_map`).
    """
    report = SiteReport(site_id)
    publishing = options.out_dir is not None
    cache = SiteCache(options.cache_dir if publishing else None, site_id)
    inputs = fingerprint(
        [options.sites_dir / site_id, *search_path(options.themes_dir)],
        (options.api_url, options.theme, options.base_url, str(options.out_dir)),
    )
    if publishing and cache.fingerprint == inputs and (options.out_dir / site_id).is_dir():
        report.pages, report.unchanged = cache.pages, cache.files
        return report
    cache.load_details()
    prefetch = None
    if workers > 1:  # a big site's Markdown starts converting before the pipeline is even imported
        from storefront.speedups.prefetch import MarkdownPrefetch

        prefetch = MarkdownPrefetch.start(
            options.sites_dir / site_id / "news", lambda body: cache.recall("markdown", body) is not None, workers
        )
    try:
        return _build_loaded(site_id, options, workers, report, cache, inputs, prefetch)
    finally:
        if prefetch is not None:
            prefetch.close()


def _build_loaded(
    site_id: str, options: BuildOptions, workers: int, report: SiteReport, cache: SiteCache, inputs: str, prefetch
) -> SiteReport:
    from storefront.publish.atomic_output import publish
    from storefront.render.environment import RenderError
    from storefront.render.site_renderer import SiteRenderer
    from storefront.site.loader import load_site  # the pipeline is imported only when there is work to do

    publishing = options.out_dir is not None
    try:
        site = load_site(
            options.sites_dir / site_id,
            options.themes_dir,
            theme=options.theme,
            base_url=options.base_url,
            cache=cache,
            workers=workers,
            prefetched=prefetch,
        )
        renderer = SiteRenderer(site, options.api_url)
        digests = renderer.page_digests()
        published = options.out_dir / site_id if publishing else None
        unchanged = (
            {
                path
                for path, digest in digests.items()
                if cache.pages_digests.get(path) == digest and (published / path).is_file()
            }
            if published
            else set()
        )
        files = renderer.files(unchanged, workers)
    except InvalidSite as exc:
        report.problems = exc.problems
        cache.forget()
        return report
    except RenderError as exc:
        report.problems = [exc.problem]
        cache.forget()
        return report
    report.pages = len(renderer.pages) + 3
    if options.out_dir is not None:
        result = publish(options.out_dir / site_id, files, workers)
        report.written, report.unchanged, report.removed = result.written, result.unchanged, result.removed
        report.changed = result.changed
        cache.save(inputs, len(files), report.pages, digests)
    return report


def build_many(site_ids: list[str], options: BuildOptions) -> list[SiteReport]:
    """Build sites on every core; reports come back in ``site_ids`` order.

    Several sites build side by side, a process each; a single site spreads its own work
    over the cores instead.
    """
    cores = default_workers()
    workers = min(len(site_ids), cores)
    if workers <= 1:
        reports = [build_site(site_id, options, cores) for site_id in site_ids]
    else:
        from concurrent.futures import ProcessPoolExecutor  # costs start-up time: only when needed

        with ProcessPoolExecutor(max_workers=workers) as pool:
            reports = list(pool.map(build_site, site_ids, [options] * len(site_ids), chunksize=1))
    return reports
