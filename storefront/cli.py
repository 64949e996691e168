"""``storefront`` command line: one verb per module in :mod:`storefront.commands`.

Exit codes: 0 success, 1 invalid input (every problem printed first), 2 wrong usage.
A bug of storefront's (an exception outside :class:`~storefront.errors.StorefrontError`)
is one line asking for a report, and exit code 1 too (the public contract names no other);
``--debug`` or ``STOREFRONT_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Protocol

from storefront import language
from storefront.commands import build, check, gallery, new, schema, screenshots, serve, themes
from storefront.commands._sites import error
from storefront.errors import StorefrontError, bug_message
from storefront.language import gettext as _

DEBUG_VARIABLE = "STOREFRONT_DEBUG"
#: Exit code of a bug of storefront's: DESIGN.md section 3 names 0, 1 and 2 only, so a bug
#: exits as a failed build does, telling the two apart by what it prints.
BUG_EXIT = 1


class Verb(Protocol):
    """A module of :mod:`storefront.commands`: one verb of the command line."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


VERBS: dict[str, Verb] = {
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
        prog="storefront", description=_("Build partners' branded storefronts from YAML and Markdown.")
    )
    language.add_option(root)
    verbs = root.add_subparsers(dest="verb", metavar="VERB", required=True, title=_("commands"))
    for name, module in VERBS.items():
        sub = verbs.add_parser(name, help=_(module.HELP), description=_(module.HELP))
        sub.add_argument(
            "--sites",
            type=Path,
            default=Path("sites"),
            metavar="DIR",
            help=_("folder with one sub-folder per site (default: sites)"),
        )
        sub.add_argument(
            "--themes",
            type=Path,
            default=Path("themes"),
            metavar="DIR",
            help=_("folder with extra themes (default: themes, if it exists)"),
        )
        sub.add_argument(
            "--debug",
            action="store_true",
            default=os.environ.get(DEBUG_VARIABLE) == "1",
            help=_("show the traceback when storefront hits a bug (also: {variable}=1)").format(
                variable=DEBUG_VARIABLE
            ),
        )
        language.add_option(sub)
        module.add_arguments(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    """Run one verb; its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    language.use(language.from_arguments(argv))
    language.translate_argparse()
    args = parser().parse_args(argv)
    try:
        return VERBS[args.verb].run(args)
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except StorefrontError as exc:  # a verb that did not report it itself: still the person's to fix
        error(str(exc))
        return 1
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(bug_message(exc), file=sys.stderr)
        return BUG_EXIT


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
