"""``storefront`` command line: one verb per module in :mod:`storefront.commands`.

Exit codes: 0 success, 1 invalid input (every problem printed first), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from storefront.commands import build, check, gallery, new, schema, screenshots, serve, themes

VERBS = {
    "build": build,
    "check": check,
    "serve": serve,
    "gallery": gallery,
    "screenshots": screenshots,
    "new": new,
    "schema": schema,
    "themes": themes,
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="storefront", description="Build partners' branded storefronts from YAML and Markdown."
    )
    verbs = root.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name, module in VERBS.items():
        sub = verbs.add_parser(name, help=module.HELP, description=module.HELP)
        sub.add_argument(
            "--sites",
            type=Path,
            default=Path("sites"),
            metavar="DIR",
            help="folder with one sub-folder per site (default: sites)",
        )
        sub.add_argument(
            "--themes",
            type=Path,
            default=Path("themes"),
            metavar="DIR",
            help="folder with extra themes (default: themes, if it exists)",
        )
        module.add_arguments(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return VERBS[args.verb].run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    """The command's entry point: :func:`main`, then an immediate exit. Tearing down the
    objects of a big build one by one took the interpreter a tenth of a second or more;
    the operating system frees them at once. (Every file is closed and every worker
    process reaped before ``main`` returns.)"""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
