"""Static files of a site: theme assets, the brand stylesheet and the partner's images.

Every asset is published under a name that contains a hash of its content
(``assets/css/base.3f9a1c2e.css``), so browsers and CDNs may cache it forever and a
changed file always gets a new address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from storefront.errors import InvalidSite
from storefront.site import contrast
from storefront.site.images import refusal
from storefront.site.loader import Site
from storefront.site.partner_files import LIMITS, read_bytes


@dataclass
class Assets:
    """Published asset files, and the hashed address of each by its logical name."""

    files: dict[str, bytes] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def add(self, logical: str, content: bytes) -> str:
        path = PurePosixPath(logical)
        digest = hashlib.sha256(content).hexdigest()[:10]
        published = f"assets/{path.parent / f'{path.stem}.{digest}{path.suffix}'}".replace("/./", "/")
        self.files[published] = content
        self.urls[logical] = published
        return published


def collect(site: Site) -> Assets:
    """All assets of ``site``: theme files (a child's file replaces its parent's), then brand files.

    Raises :class:`InvalidSite` for a logo or icon that may not be published (see :mod:`storefront.site.images`).
    """
    assets = Assets()
    merged: dict[str, bytes] = {}
    for theme in reversed(site.theme.themes):
        if theme.static.is_dir():
            for path in sorted(p for p in theme.static.rglob("*") if p.is_file()):
                merged[path.relative_to(theme.static).as_posix()] = path.read_bytes()
    for logical in sorted(merged):
        assets.add(logical, merged[logical])
    assets.add("site/brand.css", brand_css(site).encode())
    brand = site.config.site.brand
    problems = []
    for key in ("logo", "favicon"):
        name = getattr(brand, key)
        if name:
            image = read_bytes(site.root / name, site.root, LIMITS["image"])
            refused = refusal(image, site.root / name, f"site.brand.{key}")
            if refused is not None:
                problems.append(refused)
            assets.add(f"site/{key}{PurePosixPath(name).suffix.lower()}", image)
    if problems:
        raise InvalidSite(problems)
    return assets


def stylesheets(site: Site, assets: Assets) -> list[str]:
    """Stylesheets a page links, parent theme first: each theme's ``css/<theme-name>.css``, then the brand's."""
    names = [f"css/{theme.name}.css" for theme in reversed(site.theme.themes)]
    return [assets.urls[name] for name in names if name in assets.urls] + [assets.urls["site/brand.css"]]


def brand_colours(site: Site) -> dict[str, str]:
    """The theme's colours with the partner's brand applied, plus readable text on each."""
    variables = dict(site.theme.variables)
    brand = site.config.site.brand
    if brand.primary:
        variables["primary"] = brand.primary
    if brand.accent:
        variables["accent"] = brand.accent
    variables["on_accent"] = contrast.readable_on(variables["accent"])
    return variables


def brand_css(site: Site) -> str:
    """CSS custom properties that carry the theme's variables and the partner's brand."""
    variables = brand_colours(site)
    font = site.config.site.brand.font
    if font:
        variables["font"] = f'"{font}", {variables["font"]}'
    lines = [f"  --sf-{name.replace('_', '-')}: {value};" for name, value in sorted(variables.items())]
    return ":root {\n" + "\n".join(lines) + "\n}\n"
