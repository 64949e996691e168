"""The service's built-in catalogue of standard tariffs and applications.

It is data shipped with the package (``data/catalogue.yaml``); partners refer to it by id
and may rewrite an application's texts in their own site.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Application:
    id: str
    name: str
    segment: str
    certified_only: bool
    summary: str
    description: str


@dataclass(frozen=True)
class StandardTariff:
    id: str
    name: str
    price_from: int | None
    sessions: int | None
    summary: str


@dataclass(frozen=True)
class Catalogue:
    applications: dict[str, Application]
    standard_tariffs: dict[str, StandardTariff]
    segments: dict[str, dict[str, str]]

    def segment_name(self, segment: str, locale: str) -> str:
        return self.segments[segment].get(locale) or self.segments[segment]["ru"]


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue, read once per process."""
    text = resources.files("storefront").joinpath("data/catalogue.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return Catalogue(
        applications={key: Application(id=key, **_stripped(value)) for key, value in raw["applications"].items()},
        standard_tariffs={key: StandardTariff(id=key, **value) for key, value in raw["standard_tariffs"].items()},
        segments=raw["segments"],
    )


def _stripped(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with their texts stripped (YAML's block texts end with a line break)."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
