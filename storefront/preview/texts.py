"""The preview's own pages (the error overlay's words, the gallery, "not built yet") in the
partner's language: Jinja templates whose ``_()`` and ``{% trans %}`` texts are storefront's
gettext messages (:mod:`storefront.language`), extracted by ``pybabel`` like the code's."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from storefront import language

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"])
    # the i18n extension adds this method; its callables read the language at each call
    env.install_gettext_callables(  # type: ignore[attr-defined]
        language.gettext, language.ngettext, newstyle=True
    )
    return env


def render(template: str, **context: object) -> str:
    """``template`` in the current language, which its ``<html lang>`` names as ``lang``."""
    return _environment().get_template(template).render(lang=language.current(), **context)
