"""``storefront gallery SITE_ID``: the partner's content in every theme, side by side."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from storefront import language
from storefront.commands._sites import one_site, print_problems, themes_dir
from storefront.errors import InvalidSite
from storefront.language import N_, ngettext
from storefront.language import gettext as _
from storefront.pipeline import SiteReport, declared
from storefront.site.diagnostics import display_path

HELP = N_("build a site in every theme and show them side by side")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_id", metavar="SITE_ID", help=_("the site to show"))
    parser.add_argument("--out", type=Path, metavar="DIR", help=_("where to write it (default: var/gallery/SITE_ID)"))
    parser.add_argument("--port", type=int, default=8001, help=_("port to serve it on (default: 8001)"))
    parser.add_argument("--no-serve", action="store_true", help=_("only write the gallery, do not serve it"))


def run(args: argparse.Namespace) -> int:
    if not one_site(args.sites, args.site_id):
        return 1
    with language.for_site(declared(args.sites / args.site_id, "locale")):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    # imported when the verb runs: the command line's start-up pays for every verb's top level
    from storefront.preview import static_server
    from storefront.preview.gallery import build_gallery

    out = args.out or Path("var") / "gallery" / args.site_id
    try:
        copies = build_gallery(args.site_id, args.sites, themes_dir(args.themes), out).copies
    except InvalidSite as exc:
        print_problems(SiteReport(args.site_id, exc.problems))
        return 1
    for copy in copies:
        n = len(copy.problems)
        print(
            "  "
            + (
                ngettext("{theme}: {n} problem: {problems}", "{theme}: {n} problems: {problems}", n)
                if n
                else _("{theme}: built")
            ).format(theme=copy.name, n=n, problems="; ".join(copy.problems))
        )
    print(_("Wrote the gallery to {path}").format(path=display_path(out / "index.html")))
    if args.no_serve:
        return 0
    server = static_server.start(out, port=args.port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(_("Serving the gallery at {url} (Ctrl-C stops it).").format(url=url), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0
