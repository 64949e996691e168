"""``storefront build``: every site (or the ones named) into ``<out>/<site-id>/``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from storefront import language
from storefront.commands._sites import error, pages, print_problems, seconds, selected, summary_language, themes_dir
from storefront.language import N_, ngettext
from storefront.language import gettext as _
from storefront.pipeline import BuildOptions, SiteReport, build_many
from storefront.site.diagnostics import display_path

HELP = N_("build sites into static HTML")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_ids", nargs="*", metavar="SITE_ID", help=_("sites to build (default: all)"))
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("public"),
        metavar="DIR",
        help=_("output folder; each site goes to DIR/SITE_ID (default: public)"),
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help=_(
            "address of the registration API the forms post to (default: site.api_url, else http://localhost:8000/)"
        ),
    )
    parser.add_argument("--theme", metavar="NAME", help=_("build in this theme instead of the one in site.yaml"))
    parser.add_argument(
        "--no-cache", action="store_true", help=_("rebuild every site from scratch, ignoring .storefront-cache/")
    )


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    ids, missing = selected(args.sites, args.site_ids)
    for message in missing:
        error(message)
    if not ids:
        return 1
    options = BuildOptions(
        args.sites,
        themes_dir(args.themes),
        args.out,
        args.api_url,
        args.theme,
        cache_dir=None if args.no_cache else BuildOptions.cache_dir,
    )
    reports = build_many(ids, options)
    for report in reports:
        if report.ok:
            with language.for_site(report.locale):
                print_built(report, args.out)
        else:
            print_problems(report)
    good = [r for r in reports if r.ok]
    with language.speaking(summary_language(reports)):
        head = ngettext(
            "Built {built} site of {total} into {out}/", "Built {built} sites of {total} into {out}/", len(good)
        ).format(built=len(good), total=len(reports), out=display_path(args.out))
        print(
            _("{head}: {counts}, in {seconds}").format(
                head=head,
                counts=counts(sum(r.pages for r in good), sum(r.written for r in good), sum(r.unchanged for r in good)),
                seconds=seconds(time.perf_counter() - started),
            )
        )
    return 0 if len(good) == len(reports) and not missing else 1


def counts(n_pages: int, written: int, unchanged: int, removed: int = 0) -> str:
    """``12 pages, 3 files written, 40 unchanged`` in the current language."""
    parts = [
        pages(n_pages),
        ngettext("{n} file written", "{n} files written", written).format(n=written),
        ngettext("{n} file unchanged", "{n} files unchanged", unchanged).format(n=unchanged),
    ]
    if removed:
        parts.append(ngettext("{n} file removed", "{n} files removed", removed).format(n=removed))
    return ", ".join(parts)


def print_built(report: SiteReport, out: Path) -> None:
    """What was built of one site, and the address the partner publishes it at."""
    print(
        _("{site}: {counts}").format(
            site=report.site_id, counts=counts(report.pages, report.written, report.unchanged, report.removed)
        )
    )
    if report.address:
        print(
            "  "
            + _("to publish it, put the contents of {folder}/ at {address}").format(
                folder=display_path(out / report.site_id), address=report.address
            )
        )
