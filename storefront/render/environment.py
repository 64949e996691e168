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
"""

from __future__ import annotations

import os
import re
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path

from storefront import formatting
from storefront.i18n import MissingTranslation, Translator
from storefront.render import sandbox
from storefront.render.markdown_html import render_inline, render_markdown
from storefront.render.sandbox import PartnerSandbox, SecurityError, bounded_output, budget
from storefront.site import partner_files
from storefront.site.diagnostics import Problem, display_path
from storefront.site.loader import Site

#: Files a partner's ``templates/`` folder may hold.
MAX_TEMPLATES = 200


class RenderError(Exception):
    """A template failed; carries a problem pointing at the template line."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))

    def __reduce__(self):  # raised in a forked worker, re-raised in the parent
        return (RenderError, (self.problem,))


def environment(site: Site, overrides: bool = True) -> jinja2.Environment:
    """A Jinja environment for one site: loaders, filters and globals bound to its locale;
    without ``overrides``, the theme's templates only (the partner's ``templates/`` skipped).

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


Overrides = tuple[tuple[str, str, str], ...]


def _overrides(folder: Path) -> Overrides:
    """The partner's templates as ``(name, file, text)``, read now and checked as a stranger's files."""
    found: list[tuple[str, str, str]] = []
    if folder.is_symlink():
        raise RenderError(
            Problem(display_path(folder), 1, 1, "", "this folder is a link to another folder; put a real folder here")
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
                        f"more than {MAX_TEMPLATES} files in this folder; keep only your templates",
                    )
                )
            try:
                text = partner_files.read_text(path, folder, partner_files.LIMITS["template"], site=folder.parent)
            except FileNotFoundError:
                raise RenderError(
                    Problem(display_path(path), 1, 1, "", "this link points to a file that does not exist")
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


def _listing(folders: tuple[Path, ...]) -> tuple:
    """Which template files exist where: a file added or removed must not meet a stale environment."""
    return tuple(tuple(sorted(p.name for p in folder.iterdir())) if folder.is_dir() else () for folder in folders)


@lru_cache(maxsize=64)
def _environment(
    theme_dirs: tuple[Path, ...], theme_names: tuple[str, ...], overrides: Overrides, locale: str, listing: tuple
) -> jinja2.Environment:
    del listing  # part of the cache key only
    theme_loaders = [jinja2.FileSystemLoader(folder) for folder in theme_dirs]
    chain = jinja2.ChoiceLoader(theme_loaders)
    loaders: list[jinja2.BaseLoader] = []
    if overrides:
        loaders.append(_PartnerTemplates(overrides))
    loaders.append(chain)
    loaders.append(
        jinja2.PrefixLoader(
            {"theme": chain, **{name: jinja2.FileSystemLoader(folder) for name, folder in zip(theme_names, theme_dirs)}}
        )
    )
    env = PartnerSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_compiled_templates(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    translator = Translator(locale)
    env.add_filters(
        dict(
            money=lambda amount: formatting.money(amount, locale),
            number=lambda value: formatting.number(value, locale),
            date=lambda value: formatting.date(value, locale),
            markdown=render_markdown,
            inline_markdown=render_inline,
            tel=lambda phone: re.sub(r"[^\d+]", "", phone),
        )
    )
    env.globals.update(
        _=translator.text,
        plural=lambda key, n: translator.plural(key, n, formatting.number(n, locale)),
        locale=locale,
    )
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, as Python keeps ``__pycache__``.

    Compiling a theme's templates costs more than rendering a small site. Jinja checks
    each entry against the template's source, so an edited template is compiled afresh;
    a cache that cannot be written is simply not used.
    """

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


@lru_cache(maxsize=1)
def _compiled_templates() -> jinja2.BytecodeCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    # Compiled code depends on Jinja's version and on how the sandbox compiles (all our
    # environments are alike otherwise).
    folder = Path(base) / "storefront" / f"templates-jinja-{jinja2.__version__}-{sandbox.code_version()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


def render(
    env: jinja2.Environment, template: str, context: dict[str, Any], seconds: float = sandbox.MAX_SECONDS
) -> str:
    """Render one template within the sandbox's budget, page size and ``seconds``; any failure
    becomes a :class:`RenderError` naming the template line."""
    try:
        with budget(seconds=seconds):
            page = env.get_template(template)
            try:
                return bounded_output(page.root_render_func(page.new_context(context)))
            except Exception:
                env.handle_exception()  # re-raised with the template's file and line in the traceback
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            Problem(
                display_path(Path(exc.filename)) if exc.filename else template,
                exc.lineno or 1,
                1,
                "",
                f"template syntax: {exc.message}",
            )
        ) from None
    except (
        MissingTranslation,
        RecursionError,
        MemoryError,
        jinja2.TemplateError,
        TypeError,
        ValueError,
        LookupError,
        AttributeError,
        ArithmeticError,
    ) as exc:
        path, line = _template_frame(exc, template)
        raise RenderError(Problem(path, line, 1, "", _message(exc))) from None


def _message(exc: BaseException) -> str:
    """What went wrong in a template, in the partner's words."""
    if isinstance(exc, MissingTranslation):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc.message or exc}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"there is no template named {exc.name!r}"
    if isinstance(exc, RecursionError):
        return "templates nest too deeply (a macro, include or recursive loop that never ends?)"
    if isinstance(exc, MemoryError):
        return "this template needs too much memory; make the texts and lists it builds smaller"
    return f"template error: {exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else exc}"


def _template_frame(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The innermost template file and line in a traceback (Jinja rewrites frames to them)."""
    found = (fallback, 1)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            found = (display_path(Path(filename)), line)
    return found
