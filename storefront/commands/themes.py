"""``storefront themes``: the themes a site can use."""

from __future__ import annotations

import argparse

from storefront import language
from storefront.commands._sites import error, themes_dir
from storefront.errors import ThemeError
from storefront.language import N_
from storefront.language import gettext as _

HELP = N_("list the available themes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    from storefront.site.theme_chain import available

    try:
        themes = available(themes_dir(args.themes))
    except ThemeError as exc:
        error(str(exc))
        return 1
    width = max(len(name) for name in themes)
    for name, theme in sorted(themes.items()):
        parent = " " + _("(extends {parent})").format(parent=theme.manifest.parent) if theme.manifest.parent else ""
        title, description = (theme.manifest.words(field, language.current()) for field in ("title", "description"))
        print(f"{name:<{width}}  {title}{parent}: {description}")
    return 0
