"""Choosing sites from the command line and printing reports, shared by build and check."""

from __future__ import annotations

import sys
from pathlib import Path

from storefront.paths import site_ids
from storefront.pipeline import SiteReport
from storefront.site.diagnostics import display_path


def selected(sites_dir: Path, requested: list[str]) -> tuple[list[str], list[str]]:
    """The site ids to work on, and messages for requested ids that do not exist."""
    known = site_ids(sites_dir) if sites_dir.is_dir() else []
    if not requested:
        return known, [] if known else [
            f"no sites found in {display_path(sites_dir)}/ (create one with: storefront new SITE_ID)"
        ]
    missing = [
        f"there is no site '{s}' in {display_path(sites_dir)}/"
        + (f" (sites there: {', '.join(known)})" if known else "")
        for s in requested
        if s not in known
    ]
    return [s for s in requested if s in known], missing


def one_site(sites_dir: Path, site_id: str) -> bool:
    """True if ``site_id`` exists; otherwise says so, for the verbs that work on one site."""
    _, missing = selected(sites_dir, [site_id])
    for message in missing:
        print(f"error: {message}", file=sys.stderr)
    return not missing


def print_problems(report: SiteReport) -> None:
    count = len(report.problems)
    print(f"{report.site_id}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)


def themes_dir(path: Path) -> Path | None:
    return path if path.is_dir() else None
