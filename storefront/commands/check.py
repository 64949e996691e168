"""``storefront check``: validate and render every site without writing anything."""

from __future__ import annotations

import argparse
import sys

from storefront.commands._sites import print_problems, selected, themes_dir
from storefront.pipeline import BuildOptions, build_many

HELP = "validate sites without writing any output"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_ids", nargs="*", metavar="SITE_ID", help="sites to check (default: all)")


def run(args: argparse.Namespace) -> int:
    ids, missing = selected(args.sites, args.site_ids)
    for message in missing:
        print(f"error: {message}", file=sys.stderr)
    if not ids:
        return 1
    reports = build_many(ids, BuildOptions(args.sites, themes_dir(args.themes), None))
    for report in reports:
        if report.ok:
            print(f"{report.site_id}: OK ({report.pages} pages)")
        else:
            print_problems(report)
    return 0 if all(r.ok for r in reports) and not missing else 1
