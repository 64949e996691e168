"""``storefront serve SITE_ID``: preview a site with live reload and a working form."""

from __future__ import annotations

import argparse

from storefront.commands._sites import one_site, themes_dir

HELP = "preview a site on localhost; it rebuilds and reloads as you edit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_id", metavar="SITE_ID", help="the site to preview")
    parser.add_argument("--theme", metavar="NAME", help="preview in this theme instead of the one in site.yaml")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1, this machine only)")


def run(args: argparse.Namespace) -> int:
    from storefront.preview.server import serve

    if not one_site(args.sites, args.site_id):
        return 1
    return serve(args.site_id, args.sites, themes_dir(args.themes), theme=args.theme, host=args.host, port=args.port)
