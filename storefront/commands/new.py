"""``storefront new SITE_ID``: a working site to start from, in the partner's own words later."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from storefront.commands.schema import schema_text

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
from storefront.site.diagnostics import display_path

HELP = "create a new site that builds and passes check"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_id", metavar="SITE_ID", help="the new site's id: latin letters, digits, hyphens")
    parser.add_argument("--theme", default="minimal", metavar="NAME", help="theme to start with (default: minimal)")


def run(args: argparse.Namespace) -> int:
    from storefront.site.schema import SLUG_PATTERN

    if not re.match(SLUG_PATTERN, args.site_id):
        print(
            f"error: '{args.site_id}' cannot be a site id: use lower-case Latin letters, digits and hyphens, "
            "e.g. oblako-plus",
            file=sys.stderr,
        )
        return 2
    target = args.sites / args.site_id
    if target.exists():
        print(f"error: {display_path(target)} already exists; choose another id or remove it", file=sys.stderr)
        return 1
    from importlib import resources

    scaffold = resources.files("storefront").joinpath("scaffold")
    created = []
    for rel, source in _files(scaffold, ""):
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        destination.write_text(
            text.replace("__SITE_ID__", args.site_id).replace("__THEME__", args.theme), encoding="utf-8"
        )
        created.append(destination)
    schema_file = args.sites.parent / "schema" / "site.schema.json"
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file.write_text(schema_text(), encoding="utf-8")
    sites_flag = "" if args.sites == Path("sites") else f" --sites {args.sites}"
    print(
        f"Created {display_path(target)}/ with {len(created)} files "
        f"(editors check it against {display_path(schema_file)})."
    )
    print(f"Next: edit {display_path(target / 'site.yaml')}, then run: storefront build {args.site_id}{sites_flag}")
    return 0


def _files(folder: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    """Every file under ``folder`` as ``(relative path, file)``, sorted."""
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            yield from _files(entry, f"{prefix}{entry.name}/")
        else:
            yield f"{prefix}{entry.name}", entry
