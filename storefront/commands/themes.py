"""``storefront themes``: the themes a site can use."""

from __future__ import annotations

import argparse
import sys

from storefront.commands._sites import themes_dir
from storefront.errors import ThemeError

HELP = "list the available themes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    from storefront.site.theme_chain import available

    try:
        themes = available(themes_dir(args.themes))
    except ThemeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    width = max(len(name) for name in themes)
    for name, theme in sorted(themes.items()):
        parent = f" (extends {theme.manifest.parent})" if theme.manifest.parent else ""
        print(f"{name:<{width}}  {theme.manifest.title}{parent}: {theme.manifest.description}")
    return 0
