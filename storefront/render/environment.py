"""The Jinja environment a site renders with: its theme chain, filters and texts.

Templates are looked up in the partner's own ``templates/`` first, then in each theme of
the chain, child first. ``theme/<name>`` reaches the theme chain while skipping the
partner's override (so an override can extend the template it replaces), and
``<theme-name>/<name>`` reaches one theme exactly (so a child theme extends its parent's).
An environment without the partner's templates is what the registration service falls back
to when a partner's page fails for a visitor.

Templates run in :mod:`storefront.render.sandbox`. A partner's templates are read once, when the
environment is made, each through :mod:`storefront.site.partner_files` (inside ``templates/``, a
regular file, within the size limit): the environment renders that version however the
files change afterwards, which is how the registration service keeps serving a partner's
last good version.

:func:`sandboxed_environment` is the one place that says how storefront's templates run,
for pages and for the service's e-mails alike. :func:`render` tells a partner's mistake
from a bug of storefront's: a failure while a template written outside storefront runs (a
partner's override, a project theme), or anything the sandbox refuses, is a
:class:`~storefront.errors.RenderError` at the template line; any other exception is a bug
and is raised as it is.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path

from storefront import fingerprints, formatting
from storefront.errors import RenderError
from storefront.i18n import MissingTranslation, Translator
from storefront.language import gettext as _
from storefront.paths import BUILTIN_THEMES
from storefront.render import sandbox
from storefront.render.markdown_html import MarkdownRefused, render_inline, render_markdown
from storefront.render.sandbox import PartnerSandbox, bounded_output, budget
from storefront.site import partner_files
from storefront.site.diagnostics import Problem, display_path
from storefront.site.loader import Site

#: Files a partner's ``templates/`` folder may hold.
MAX_TEMPLATES = 200
#: Templates written as plain text where plain text is allowed (e-mail bodies and subjects).
PLAIN_TEXT_SUFFIX = ".txt"


def sandboxed_environment(
    loader: jinja2.BaseLoader,
    locale: str,
    *,
    plain_text: bool = False,
    keep_trailing_newline: bool = False,
    bytecode_cache: jinja2.BytecodeCache | None = None,
) -> PartnerSandbox:
    """A Jinja environment for storefront's templates, pages and e-mails alike, speaking ``locale``.

    Templates run in the partner sandbox (texts shown are partners' and visitors', and page
    templates may be partners' own); every template is HTML-escaped, except ``.txt`` ones
    with ``plain_text`` (e-mails; a page is HTML even where a partner includes a ``.txt``
    file); an undefined name is an error, never an empty text; block tags leave no blank lines.
    Filters: ``money``, ``number``, ``date`` (the locale's formats), ``markdown``,
    ``inline_markdown`` (sanitised HTML), ``phone`` (a number as a person writes it) and ``tel``
    (the number for a ``tel:`` link);
    globals: ``_()`` and ``plural()`` (the locale's texts), ``quoted()`` and ``company()`` (a name
    inside a sentence) and ``locale``.
    """
    env = PartnerSandbox(
        loader=loader,
        bytecode_cache=bytecode_cache,
        autoescape=_escaped_but_plain_text if plain_text else True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
    )
    translator = Translator(locale)

    def money(amount: Any) -> str:
        return formatting.money(amount, locale)

    def number(value: Any) -> str:
        return formatting.number(value, locale)

    def date(value: Any) -> str:
        return formatting.date(value, locale)

    def phone(text: str) -> str:
        return formatting.phone(text) or text

    def plural(key: str, n: int | float) -> str:
        return translator.plural(key, n, formatting.number(n, locale))

    env.add_filters(
        {
            "money": money,
            "number": number,
            "date": date,
            "markdown": render_markdown,
            "inline_markdown": render_inline,
            "phone": phone,
            "tel": formatting.tel,
        }
    )
    env.globals.update(
        _=translator.text, plural=plural, quoted=translator.quoted, company=translator.company, locale=locale
    )
    return env


def _escaped_but_plain_text(name: str | None) -> bool:
    """Whether a template's output is HTML-escaped: all but plain-text templates."""
    return name is None or not name.endswith(PLAIN_TEXT_SUFFIX)


def environment(site: Site, overrides: bool = True) -> jinja2.Environment:
    """The Jinja environment of one site: its theme chain, with the partner's ``templates/``
    first unless ``overrides`` is false (the theme's templates only).

    Sites with the same theme, locale and override templates share one environment, so
    a build of many sites compiles each template once per process. Raises
    :class:`RenderError` when a file in the partner's ``templates/`` may not be read.
    """
    theme_dirs = tuple(t.templates for t in site.theme.themes)
    return _environment(
        theme_dirs,
        tuple(t.name for t in site.theme.themes),
        _overrides(site.root / "templates") if overrides else (),
        site.locale,
        _listing(theme_dirs),
    )


#: A partner's templates as ``(name, file, text)``.
Overrides = tuple[tuple[str, str, str], ...]
#: The paths of the files in the template folders.
Listing = tuple[str, ...]


def _overrides(folder: Path) -> Overrides:
    """The partner's templates as ``(name, file, text)``, read now and checked as a stranger's files."""
    found: list[tuple[str, str, str]] = []
    if folder.is_symlink():
        raise RenderError(
            Problem(
                display_path(folder), 1, 1, "", _("this folder is a link to another folder; put a real folder here")
            )
        )
    if not folder.is_dir():
        return ()
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(f for f in files if not f.startswith(".")):
            path = Path(parent) / name
            if len(found) == MAX_TEMPLATES:
                raise RenderError(
                    Problem(
                        display_path(folder),
                        1,
                        1,
                        "",
                        _("more than {limit} files in this folder; keep only your templates").format(
                            limit=MAX_TEMPLATES
                        ),
                    )
                )
            try:
                text = partner_files.read_text(path, folder, partner_files.LIMITS["template"], site=folder.parent)
            except FileNotFoundError:
                raise RenderError(
                    Problem(display_path(path), 1, 1, "", _("this link points to a file that does not exist"))
                ) from None
            except partner_files.UnsafeFile as exc:
                raise RenderError(Problem(display_path(path), 1, 1, "", str(exc))) from None
            found.append((path.relative_to(folder).as_posix(), str(path), text))
    return tuple(found)


class _PartnerTemplates(jinja2.BaseLoader):
    """The partner's templates as read by :func:`_overrides`."""

    def __init__(self, overrides: Overrides):
        self.templates = {name: (text, file) for name, file, text in overrides}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        found = self.templates.get("/".join(split_template_path(template)))
        if found is None:
            raise jinja2.TemplateNotFound(template)
        return found[0], found[1], lambda: True


def _listing(folders: tuple[Path, ...]) -> Listing:
    """Which template files exist: a file added or removed must not meet a stale environment."""
    return tuple(found.path for found in fingerprints.listing(folders))


@lru_cache(maxsize=64)
def _environment(
    theme_dirs: tuple[Path, ...], theme_names: tuple[str, ...], overrides: Overrides, locale: str, listing: Listing
) -> jinja2.Environment:
    del listing  # part of the cache key only
    theme_loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(folder) for folder in theme_dirs]
    chain = jinja2.ChoiceLoader(theme_loaders)
    loaders: list[jinja2.BaseLoader] = []
    if overrides:
        loaders.append(_PartnerTemplates(overrides))
    loaders.append(chain)
    by_theme: dict[str, jinja2.BaseLoader] = {
        name: jinja2.FileSystemLoader(folder) for name, folder in zip(theme_names, theme_dirs, strict=True)
    }
    loaders.append(jinja2.PrefixLoader({"theme": chain, **by_theme}))
    return sandboxed_environment(
        jinja2.ChoiceLoader(loaders), locale, keep_trailing_newline=True, bytecode_cache=_compiled_templates()
    )


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, as Python keeps ``__pycache__``.

    Compiling a theme's templates costs more than rendering a small site. Jinja checks
    each entry against the template's source, so an edited template is compiled afresh;
    a cache that cannot be written is simply not used.
    """

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@lru_cache(maxsize=1)
def _compiled_templates() -> jinja2.BytecodeCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    # Compiled code depends on Jinja's version and on how the sandbox compiles (all our
    # page environments are alike otherwise).
    folder = Path(base) / "storefront" / f"templates-jinja-{jinja2.__version__}-{sandbox.code_version()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


def render(
    env: jinja2.Environment, template: str, context: dict[str, Any], seconds: float = sandbox.MAX_SECONDS
) -> str:
    """Render one template within the sandbox's budget, page size and ``seconds``.

    A failure that is the partner's to fix becomes a :class:`RenderError` naming the template
    line (see :func:`_partners_to_fix`); any other exception is a bug of storefront's and is
    raised as it is, with a note of the template being rendered.
    """
    try:
        with budget(seconds=seconds):
            page = env.get_template(template)
            try:
                return bounded_output(page.root_render_func(page.new_context(context)))
            except Exception:
                env.handle_exception()  # re-raised with the template's file and line in the traceback
    except Exception as exc:
        if not _partners_to_fix(exc):
            exc.add_note(f"(storefront was rendering the template {template!r})")
            raise
        raise RenderError(_problem(exc, template)) from None


def _partners_to_fix(exc: Exception) -> bool:
    """Whether a failure while rendering is a mistake in what the partner wrote, not a bug of
    storefront's: the sandbox or the Markdown converter refused it, a template is missing,
    or a template written outside storefront (a partner's override, a project's theme) was
    running when it happened. The built-in themes render every valid site; a failure with
    only them and storefront's code running is storefront's."""
    if isinstance(exc, (SecurityError, MarkdownRefused, jinja2.TemplateNotFound)):
        return True
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename is None or _written_outside_storefront(exc.filename)
    return any(_written_outside_storefront(filename) for filename, _ in _template_frames(exc))


def _written_outside_storefront(filename: str) -> bool:
    return not Path(os.path.abspath(filename)).is_relative_to(BUILTIN_THEMES)


def _problem(exc: Exception, template: str) -> Problem:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = display_path(Path(exc.filename)) if exc.filename else template
        return Problem(path, exc.lineno or 1, 1, "", _("template syntax: {error}").format(error=exc.message))
    frames = _template_frames(exc)
    path, line = (display_path(Path(frames[-1][0])), frames[-1][1]) if frames else (template, 1)
    return Problem(path, line, 1, "", _message(exc))


def _message(exc: Exception) -> str:
    """What went wrong in a template, in the partner's words."""
    if isinstance(exc, MissingTranslation):
        return str(exc)
    if isinstance(exc, SecurityError):
        return _("not allowed: {reason}").format(reason=exc.message or exc)
    if isinstance(exc, jinja2.TemplateNotFound):
        return _("there is no template named '{name}'").format(name=exc.name)
    if isinstance(exc, RecursionError):
        return _("templates nest too deeply (a macro, include or recursive loop that never ends?)")
    if isinstance(exc, MemoryError):
        return _("this template needs too much memory; make the texts and lists it builds smaller")
    return _("template error: {error}").format(
        error=exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else exc
    )


def _template_frames(exc: BaseException) -> list[tuple[str, int]]:
    """The template files and lines in a traceback, outermost first (Jinja rewrites the
    frames of compiled template code to point at the template's source)."""
    return [
        (frame.f_code.co_filename, line)
        for frame, line in traceback.walk_tb(exc.__traceback__)
        if "__jinja_exception__" in frame.f_globals
    ]
