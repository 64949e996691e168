"""``storefront schema``: the JSON Schema of site.yaml, for editors' autocompletion."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from storefront.language import N_
from storefront.language import gettext as _

HELP = N_("print the JSON Schema of site.yaml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help=_("write to FILE instead of printing"))


def schema_text() -> str:
    from storefront.site.schema import SiteConfig

    return json.dumps(SiteConfig.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
