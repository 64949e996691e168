"""Themes: where they are found, and the chain from a theme up to the base theme.

A theme is a folder with ``theme.yaml`` (title, parent, default variables), ``templates/``
and ``static/``. A child names its parent and overrides blocks and variables; the chain is
searched child first, like MkDocs' theme loader. Themes in the project's ``themes/`` come
before the built-in ones, so a partner agency can add or replace a theme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from storefront.errors import ThemeError
from storefront.fingerprints import FileStamp, stamp
from storefront.language import gettext as _
from storefront.paths import search_path
from storefront.site.yaml_positions import parse

#: A theme's title or description: one text, or one per language (``{ru: …, en: …}``).
Words = str | dict[Literal["ru", "en"], str]


class ThemeManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Words
    description: Words = ""
    parent: str | None = None
    variables: dict[str, str] = {}

    def words(self, field: Literal["title", "description"], language: str) -> str:
        """The title or description in ``language`` when the theme gives it, else in the one it has."""
        value: Words = getattr(self, field)
        if isinstance(value, str):
            return value
        texts: dict[str, str] = {str(key): text for key, text in value.items()}
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path
    manifest: ThemeManifest

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"


@dataclass(frozen=True)
class ThemeChain:
    """A theme and its ancestors, child first."""

    themes: tuple[Theme, ...]
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.themes[0].name


def available(themes_dir: Path | None) -> dict[str, Theme]:
    """Every theme that can be used, by name; a project theme hides a built-in of the same name."""
    found: dict[str, Theme] = {}
    for folder in reversed(search_path(themes_dir)):
        for manifest_path in sorted(folder.glob("*/theme.yaml")):
            found[manifest_path.parent.name] = _read(manifest_path)
    return found


def _read(manifest_path: Path) -> Theme:
    return _read_cached(manifest_path, stamp(manifest_path))


@lru_cache(maxsize=256)
def _read_cached(manifest_path: Path, version: FileStamp) -> Theme:
    """One parse per manifest version: a build of many sites resolves the same themes again and again."""
    doc = parse(manifest_path.read_text(encoding="utf-8"), str(manifest_path))
    if doc.problems:
        raise ThemeError(_("the theme manifest is invalid: {problem}").format(problem=doc.problems[0]))
    try:
        manifest = ThemeManifest.model_validate(doc.data or {})
    except ValidationError as exc:
        raise ThemeError(
            _("{path}: the theme manifest is invalid: {problem}").format(path=manifest_path, problem=exc)
        ) from None
    return Theme(manifest_path.parent.name, manifest_path.parent, manifest)


def resolve(name: str, themes_dir: Path | None) -> ThemeChain:
    """The chain for theme ``name``; raises :class:`ThemeError` naming what exists."""
    themes = available(themes_dir)
    chain: list[Theme] = []
    current: str | None = name
    while current is not None:
        if current not in themes:
            known = ", ".join(sorted(themes))
            raise ThemeError(_("there is no theme '{name}' (available: {known})").format(name=current, known=known))
        if any(t.name == current for t in chain):
            raise ThemeError(_("theme '{name}' has a parent loop through '{other}'").format(name=name, other=current))
        chain.append(themes[current])
        current = themes[current].manifest.parent
    variables: dict[str, str] = {}
    for theme in reversed(chain):
        variables.update(theme.manifest.variables)
    return ThemeChain(tuple(chain), variables)
