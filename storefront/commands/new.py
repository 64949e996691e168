"""``storefront new SITE_ID``: a working site to start from, with the company's name and a logo drawn from it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from storefront.commands._sites import error, themes_dir
from storefront.commands.schema import schema_text
from storefront.errors import ThemeError
from storefront.language import N_, ngettext
from storefront.language import gettext as _
from storefront.site.characters import code_point, first_forbidden
from storefront.site.diagnostics import display_path
from storefront.starter import PLACEHOLDER_NAME, TITLE_LIMIT, Starter

HELP = N_("create a new site that builds and passes check")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "site_id", metavar="SITE_ID", help=_("the new site's id: latin letters, digits, hyphens, e.g. schetny-dvor")
    )
    parser.add_argument("--theme", default="minimal", metavar="NAME", help=_("theme to start with (default: minimal)"))
    parser.add_argument(
        "--name",
        default=PLACEHOLDER_NAME,
        metavar="NAME",
        help=_("your company's name as customers know it, e.g. «Счётный Двор» (default: «{name}»)").format(
            name=PLACEHOLDER_NAME
        ),
    )


def run(args: argparse.Namespace) -> int:
    from storefront.site.schema import SLUG_PATTERN

    if not re.match(SLUG_PATTERN, args.site_id):
        message = _("«{site}» cannot be a site id: use lower-case Latin letters, digits and hyphens, e.g. schetny-dvor")
        error(message.format(site=args.site_id))
        return 2
    name = " ".join(args.name.split())
    problem = _name_problem(name) or _theme_problem(args.theme, args.themes)
    if problem:
        error(problem)
        return 2
    target = args.sites / args.site_id
    if target.exists():
        error(_("{folder} already exists; choose another id or remove it").format(folder=display_path(target)))
        return 1
    Starter(args.site_id, args.theme, name).write(target)
    schema_file = args.sites.parent / "schema" / "site.schema.json"
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file.write_text(schema_text(), encoding="utf-8")
    sites_flag = "" if args.sites == Path("sites") else f" --sites {args.sites}"
    print(
        _("Created {folder}/ for «{name}» (editors check it against {schema}).").format(
            folder=display_path(target), name=name, schema=display_path(schema_file)
        )
    )
    print(
        _("Next: edit {file} (its comments explain each line), then run: storefront build {site}{flags}").format(
            file=display_path(target / "site.yaml"), site=args.site_id, flags=sites_flag
        )
    )
    return 0


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be the company's name on the storefront, or None."""
    if not name:
        return _('the company\'s name is empty: write it after --name, e.g. --name "Счётный Двор"')
    forbidden = first_forbidden(name)
    if forbidden:
        message = _("the company's name holds the invisible character {code}, which no page may show: type it again")
        return message.format(code=code_point(forbidden))
    if len(name) > TITLE_LIMIT:
        message = ngettext(
            "the company's name is {n} character long; at most {limit} fit in the page title search engines show: "
            "give the short name customers know (the full legal name goes into site.yaml later)",
            "the company's name is {n} characters long; at most {limit} fit in the page title search engines show: "
            "give the short name customers know (the full legal name goes into site.yaml later)",
            len(name),
        )
        return message.format(n=len(name), limit=TITLE_LIMIT)
    return None


def _theme_problem(theme: str, folder: Path) -> str | None:
    """Why a new site cannot start with ``theme``, or None."""
    from storefront.site.theme_chain import available

    try:
        themes = available(themes_dir(folder))
    except ThemeError as exc:
        return str(exc)
    if theme in themes:
        return None
    return _("there is no theme «{theme}»; choose one of: {names}").format(theme=theme, names=", ".join(sorted(themes)))
