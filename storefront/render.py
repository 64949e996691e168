"""The Jinja environment a site renders with: its theme chain, filters and texts.

Templates are looked up in the partner's own ``templates/`` first, then in each theme of
the chain, child first. ``theme/<name>`` reaches the theme chain while skipping the
partner's override (so an override can extend the template it replaces), and
``<theme-name>/<name>`` reaches one theme exactly (so a child theme extends its parent's).
"""
from __future__ import annotations

import os
import re
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from . import formatting
from .content import render_markdown, render_inline
from .i18n import MissingTranslation, Translator
from .load import Site
from .problems import Problem, display_path


class RenderError(Exception):
    """A template failed; carries a problem pointing at the template line."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))

    def __reduce__(self):  # raised in a forked worker, re-raised in the parent
        return (RenderError, (self.problem,))


def environment(site: Site) -> jinja2.Environment:
    """A Jinja environment for one site: loaders, filters and globals bound to its locale.

    Sites with the same theme, locale and no template overrides share one environment, so
    a build of many sites compiles each template once per process.
    """
    overrides = site.root / "templates"
    override_dir = overrides if overrides.is_dir() else None
    theme_dirs = tuple(t.templates for t in site.theme.themes)
    return _environment(theme_dirs, tuple(t.name for t in site.theme.themes), override_dir, site.locale,
                        _listing((override_dir, *theme_dirs)))


def _listing(folders: tuple[Path | None, ...]) -> tuple:
    """Which template files exist where: a file added or removed must not meet a stale environment."""
    return tuple(tuple(sorted(p.name for p in folder.iterdir())) if folder and folder.is_dir() else ()
                 for folder in folders)


@lru_cache(maxsize=64)
def _environment(theme_dirs: tuple[Path, ...], theme_names: tuple[str, ...], overrides: Path | None,
                 locale: str, listing: tuple) -> jinja2.Environment:
    del listing  # part of the cache key only
    theme_loaders = [jinja2.FileSystemLoader(folder) for folder in theme_dirs]
    chain = jinja2.ChoiceLoader(theme_loaders)
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(overrides))
    loaders.append(chain)
    loaders.append(jinja2.PrefixLoader({"theme": chain, **{
        name: jinja2.FileSystemLoader(folder) for name, folder in zip(theme_names, theme_dirs)}}))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_compiled_templates(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    translator = Translator(locale)
    env.filters.update(
        money=lambda amount: formatting.money(amount, locale),
        number=lambda value: formatting.number(value, locale),
        date=lambda value: formatting.date(value, locale),
        markdown=render_markdown,
        inline_markdown=render_inline,
        tel=lambda phone: re.sub(r"[^\d+]", "", phone),
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
    # Compiled code depends on Jinja's version and the environment's options (all ours are alike).
    folder = Path(base) / "storefront" / f"templates-jinja-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    """Render one template; any failure becomes a :class:`RenderError` naming the template line."""
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(Problem(display_path(Path(exc.filename)) if exc.filename else template,
                                  exc.lineno or 1, 1, "", f"template syntax: {exc.message}")) from None
    except MissingTranslation as exc:
        path, line = _template_frame(exc, template)
        raise RenderError(Problem(path, line, 1, "", str(exc))) from None
    except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError) as exc:
        path, line = _template_frame(exc, template)
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        raise RenderError(Problem(path, line, 1, "", f"template error: {message}")) from None


def _template_frame(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The innermost template file and line in a traceback (Jinja rewrites frames to them)."""
    found = (fallback, 1)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            found = (display_path(Path(filename)), line)
    return found
