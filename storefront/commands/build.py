"""``storefront build``: every site (or the ones named) into ``<out>/<site-id>/``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from storefront.commands._sites import print_problems, selected, themes_dir
from storefront.pipeline import BuildOptions, build_many

HELP = "build sites into static HTML"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_ids", nargs="*", metavar="SITE_ID", help="sites to build (default: all)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("public"),
        metavar="DIR",
        help="output folder; each site goes to DIR/SITE_ID (default: public)",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="address of the registration API the forms post to (default: site.api_url, else http://localhost:8000/)",
    )
    parser.add_argument("--theme", metavar="NAME", help="build in this theme instead of the one in site.yaml")
    parser.add_argument(
        "--no-cache", action="store_true", help="rebuild every site from scratch, ignoring .storefront-cache/"
    )


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    ids, missing = selected(args.sites, args.site_ids)
    for message in missing:
        print(f"error: {message}", file=sys.stderr)
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
            print(
                f"{report.site_id}: {report.pages} pages, {report.written} files written, "
                f"{report.unchanged} unchanged" + (f", {report.removed} removed" if report.removed else "")
            )
        else:
            print_problems(report)
    good = [r for r in reports if r.ok]
    elapsed = time.perf_counter() - started
    print(
        f"Built {len(good)} of {len(reports)} site{'s' if len(reports) != 1 else ''} into {args.out}/: "
        f"{sum(r.pages for r in good)} pages, {sum(r.written for r in good)} files written, "
        f"{sum(r.unchanged for r in good)} unchanged, in {elapsed:.2f} s"
    )
    return 0 if len(good) == len(reports) and not missing else 1
