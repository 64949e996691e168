"""The language storefront speaks to a partner or an operator: gettext catalogues, ru or en.

Every message a person reads from the command line, the preview or the service's log is
written in English in the code, marked with :func:`gettext` (``_``) or :func:`ngettext`
(or :func:`N_` where it is only named, to be translated later), and translated through the
catalogue ``storefront/translations/<language>/LC_MESSAGES/storefront.mo``. The catalogues
are kept with Babel: ``scripts/translations`` runs ``pybabel extract``, ``update`` and
``compile``; ``tests/test_translations.py`` fails when a message has no Russian.

Which language: ``--lang`` on the command line, else the environment (``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the first that names ru or en), else the language of
the site being read (:func:`for_site`), else Russian, the partners' language.

(The texts of the themes, which visitors read, are another matter: they live in
``storefront/locales/`` with the site's locale; see :mod:`storefront.i18n`.)
"""

from __future__ import annotations

import argparse
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

LANGUAGES = ("ru", "en")
#: The partners' language: spoken when nothing says otherwise.
DEFAULT = "ru"
DOMAIN = "storefront"
#: The compiled catalogues, shipped in the package (a plain folder: cheaper to find than
#: through importlib.resources, which the start of every command would pay for).
TRANSLATIONS = Path(__file__).parent / "translations"
#: Environment variables that name a language, in the order gettext reads them.
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

#: The process's language, set once by :func:`use` (every thread reads it).
_process_language = DEFAULT
#: Whether the person chose it (``--lang`` or the environment): a site's own language then
#: no longer changes it.
_chosen = False
#: A language for the duration of a ``with`` block (:func:`speaking`, :func:`for_site`).
_override: ContextVar[str | None] = ContextVar("storefront_language", default=None)


@cache
def _catalogue(language: str) -> _gettext.NullTranslations:
    if language == "en":  # the messages are written in English
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=TRANSLATIONS, languages=[language], fallback=True)


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return _catalogue(current()).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the number ``n`` in the current language (three in Russian)."""
    return _catalogue(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; translate it with ``_`` where it is shown."""
    return message


@cache
def templates(folder: Path) -> jinja2.Environment:
    """Jinja templates of ``folder`` for pages of messages (escaped), whose ``_()`` and
    ``ngettext()`` are these messages, in the language of the block that renders them."""
    import jinja2  # noqa: PLC0415 (here: the command line's start-up never needs it)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True, extensions=["jinja2.ext.i18n"])
    # the i18n extension adds this method; its callables read the language at each call
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def current() -> str:
    """The language messages are in now."""
    return _override.get() or _process_language


def setting() -> tuple[str, bool]:
    """This process's language and whether it was chosen: what a worker process takes over."""
    return _process_language, _chosen


def restore(taken: tuple[str, bool]) -> None:
    """Take over another process's :func:`setting` (the initializer of a pool's workers, which a
    start method other than fork would otherwise leave speaking the default)."""
    global _process_language, _chosen
    _process_language, _chosen = taken


def chosen() -> bool:
    """Whether the person chose the language (``--lang`` or the environment) rather than left it to the sites."""
    return _chosen


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the environment asks for (``ru_RU.UTF-8`` → ``ru``), or None if it names neither."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        values = [v for v in environ.get(name, "").split(":") if v]
        for value in values:
            code = value.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
        if values and name != "LANGUAGE":
            return None  # a set LC_ALL or LANG that names another language (C, de_DE) hides the rest
    return None


def use(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Choose the language of this process's messages from ``--lang`` and the environment."""
    global _process_language, _chosen  # noqa: PLW0603 (one setting per process, made by its entry point)
    language = explicit or from_environment(environ)
    _chosen = language is not None
    _process_language = language or DEFAULT
    return _process_language


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Messages in ``language`` for the duration, whatever was chosen (an unknown language: no change)."""
    token = _override.set(language if language in LANGUAGES else current())
    try:
        yield
    finally:
        _override.reset(token)


@contextmanager
def for_site(locale: str | None) -> Iterator[None]:
    """Messages about a site in the site's language, unless the person chose one."""
    if _chosen or locale is None:
        yield
        return
    with speaking(locale.split("-")[0].split("_")[0].lower()):
        yield


def for_sites(locales: Sequence[str]) -> str:
    """The language of a summary about several sites: the chosen one, else English only if every site is."""
    if _chosen:
        return _process_language
    return "en" if locales and all(loc.lower().startswith("en") for loc in locales) else DEFAULT


def add_option(parser: argparse.ArgumentParser) -> None:
    """The ``--lang`` option, the same on every command line of the project."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=_("language of the messages: ru or en (default: from LANG, else the site's, else ru)"),
    )


def from_arguments(argv: Sequence[str]) -> str | None:
    """``--lang`` read from the raw arguments, before argparse (whose own messages it translates)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        return value if value in LANGUAGES else None
    return None


def translate_argparse() -> None:
    """Make argparse's own words (``usage:``, «the following arguments are required») ours to translate.

    argparse looks ``_`` and ``ngettext`` up in its module at each call, so the functions of
    this module answer instead; its messages are listed in :data:`ARGPARSE_MESSAGES`.
    """
    argparse._ = gettext  # type: ignore[attr-defined]  # argparse's module-level translation hook
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


#: argparse's messages a person can meet, listed so that ``pybabel extract`` finds them.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("can't open '%(filename)s': %(error)s"),
)
