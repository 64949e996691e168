"""The preview's own pages (the error overlay's words, the gallery, "not built yet") in the
partner's language: Jinja templates whose ``_()`` and ``{% trans %}`` texts are storefront's
gettext messages (:mod:`storefront.language`), extracted by ``pybabel`` like the code's."""

from __future__ import annotations

from pathlib import Path

from storefront import language

TEMPLATES = Path(__file__).parent / "templates"


def render(template: str, **context: object) -> str:
    """``template`` in the current language, which its ``<html lang>`` names as ``lang``."""
    return language.templates(TEMPLATES).get_template(template).render(lang=language.current(), **context)
