"""Choosing sites from the command line and printing reports, shared by build and check."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from storefront import language
from storefront.language import gettext as _
from storefront.language import ngettext
from storefront.paths import site_ids
from storefront.pipeline import SiteReport
from storefront.site.diagnostics import display_path


def selected(sites_dir: Path, requested: list[str]) -> tuple[list[str], list[str]]:
    """The site ids to work on, and messages for requested ids that do not exist."""
    known = site_ids(sites_dir) if sites_dir.is_dir() else []
    folder = display_path(sites_dir)
    if not requested:
        return known, [] if known else [
            _("no sites found in {folder}/ (create one with: storefront new SITE_ID)").format(folder=folder)
        ]
    missing = [
        (
            _("there is no site '{site}' in {folder}/ (sites there: {known})")
            if known
            else _("there is no site '{site}' in {folder}/")
        ).format(site=s, folder=folder, known=", ".join(known))
        for s in requested
        if s not in known
    ]
    return [s for s in requested if s in known], missing


def error(message: str) -> None:
    """Print one error for the person at the command line, every line of it marked as one."""
    for line in message.splitlines():
        print(_("error: {message}").format(message=line), file=sys.stderr)


def one_site(sites_dir: Path, site_id: str) -> bool:
    """True if ``site_id`` exists; otherwise says so, for the verbs that work on one site."""
    _ids, missing = selected(sites_dir, [site_id])
    for message in missing:
        error(message)
    return not missing


def print_problems(report: SiteReport) -> None:
    """The site's problems, one a line under a count, in the site's language."""
    count = len(report.problems)
    with language.for_site(report.locale):
        print(
            ngettext("{site}: {n} problem", "{site}: {n} problems", count).format(site=report.site_id, n=count),
            file=sys.stderr,
        )
        for problem in report.problems:
            print(textwrap.indent(str(problem), "  "), file=sys.stderr)


def pages(n: int) -> str:
    return ngettext("{n} page", "{n} pages", n).format(n=n)


def seconds(value: float) -> str:
    """A duration as a person of the current language writes it: ``0.42 s``, ``0,42 с``."""
    text = f"{value:.2f}"
    return _("{seconds} s").format(seconds=text.replace(".", ",") if language.current() == "ru" else text)


def summary_language(reports: Sequence[SiteReport]) -> str:
    """The language of a line about all these sites (see :func:`storefront.language.for_sites`)."""
    return language.for_sites([r.locale or language.DEFAULT for r in reports])


def themes_dir(path: Path) -> Path | None:
    return path if path.is_dir() else None
