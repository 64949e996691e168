"""``storefront screenshots SITE_ID --out DIR``: PNGs of the key pages in every theme."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from storefront import language
from storefront.browser import CHROMIUM_FLAGS, chromium_path
from storefront.commands._sites import error, one_site, print_problems, themes_dir
from storefront.errors import InvalidSite
from storefront.language import N_, ngettext
from storefront.language import gettext as _
from storefront.pipeline import SiteReport, declared

HELP = N_("photograph the landing, tariffs and registration pages of every theme (desktop and phone)")
VIEWPORTS = {"desktop": (1280, 800), "phone": (375, 812)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_id", metavar="SITE_ID", help=_("the site to photograph"))
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help=_("folder for the PNG files"))
    parser.add_argument("--theme", action="append", metavar="NAME", help=_("only this theme (repeatable)"))
    parser.add_argument("--full-page", action="store_true", help=_("the whole page, not just the first screen"))


def run(args: argparse.Namespace) -> int:
    if not one_site(args.sites, args.site_id):
        return 1
    with language.for_site(declared(args.sites / args.site_id, "locale")):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    # imported when the verb runs: the command line's start-up pays for every verb's top level
    from storefront.preview import static_server
    from storefront.preview.gallery import build_gallery

    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        error(_("screenshots need Playwright: pip install 'storefront[screenshots]'"))
        return 1
    with tempfile.TemporaryDirectory() as temp:
        try:
            gallery = build_gallery(args.site_id, args.sites, themes_dir(args.themes), Path(temp))
        except InvalidSite as exc:
            print_problems(SiteReport(args.site_id, exc.problems))
            return 1
        wanted = [c for c in gallery.copies if not args.theme or c.name in args.theme]
        shots = (("landing", ""), ("tariffs", "tariffs/"), ("registration", gallery.page("Registration")))
        server = static_server.start(Path(temp))
        base = f"http://127.0.0.1:{server.server_address[1]}"
        args.out.mkdir(parents=True, exist_ok=True)
        written = 0
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                for copy in wanted:
                    if copy.problems:
                        skipped = _("{theme}: skipped, it does not build: {problems}").format(
                            theme=copy.name, problems="; ".join(copy.problems)
                        )
                        print(f"  {skipped}", file=sys.stderr)
                        continue
                    for device, (width, height) in VIEWPORTS.items():
                        page = browser.new_page(viewport={"width": width, "height": height})
                        for label, path in shots:
                            page.goto(f"{base}{copy.url}{path}", wait_until="load")
                            target = args.out / f"{args.site_id}-{copy.name}-{label}-{device}.png"
                            page.screenshot(path=str(target), full_page=args.full_page)
                            written += 1
                        page.close()
                browser.close()
        except PlaywrightError as exc:
            error(
                _("the browser failed: {reason} (install Debian's chromium, or set CHROMIUM_PATH)").format(
                    reason=exc.message.splitlines()[0]
                )
            )
            return 1
        finally:
            server.shutdown()
    print(
        ngettext("Wrote {n} screenshot to {out}/", "Wrote {n} screenshots to {out}/", written).format(
            n=written, out=args.out
        )
    )
    return 0
