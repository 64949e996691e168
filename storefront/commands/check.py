"""``storefront check``: validate and render every site without writing anything."""

from __future__ import annotations

import argparse

from storefront import language
from storefront.commands._sites import error, pages, print_problems, selected, summary_language, themes_dir
from storefront.language import N_, ngettext
from storefront.language import gettext as _
from storefront.pipeline import BuildOptions, build_many

HELP = N_("validate sites without writing any output")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_ids", nargs="*", metavar="SITE_ID", help=_("sites to check (default: all)"))


def run(args: argparse.Namespace) -> int:
    ids, missing = selected(args.sites, args.site_ids)
    for message in missing:
        error(message)
    if not ids:
        return 1
    reports = build_many(ids, BuildOptions(args.sites, themes_dir(args.themes), None))
    for report in reports:
        if report.ok:
            with language.for_site(report.locale):
                print(_("{site}: no problems, {pages}").format(site=report.site_id, pages=pages(report.pages)))
        else:
            print_problems(report)
    failed = sum(not r.ok for r in reports)
    with language.speaking(summary_language(reports)):
        if failed:
            print(
                ngettext(
                    "{failed} site of {total} has problems: fix them and run the check again.",
                    "{failed} sites of {total} have problems: fix them and run the check again.",
                    failed,
                ).format(failed=failed, total=len(reports))
            )
        else:
            print(
                ngettext("Checked {n} site: no problems.", "Checked {n} sites: no problems.", len(reports)).format(
                    n=len(reports)
                )
            )
    return 0 if not failed and not missing else 1
