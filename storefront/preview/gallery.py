"""One partner's content in every theme, side by side, so the partner can choose.

Each theme's copy is built under ``<out>/<theme>/<site-id>/`` with a matching base path,
and ``<out>/index.html`` shows them next to each other. ``storefront screenshots`` reuses
the same copies to photograph the key pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storefront import language
from storefront.language import N_
from storefront.pipeline import BuildOptions, build_site
from storefront.preview import texts
from storefront.site.loader import load_site
from storefront.site.theme_chain import available

#: The pages to compare, by the label on their button (translated where shown) and address.
PAGES = ((N_("Landing"), ""), (N_("Tariffs"), "tariffs/"), (N_("Registration"), "register/"), (N_("FAQ"), "faq/"))


@dataclass(frozen=True)
class ThemeCopy:
    name: str
    description: str
    url: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Gallery:
    copies: list[ThemeCopy]
    pages: list[tuple[str, str]]

    def page(self, label: str) -> str:
        return dict(self.pages)[label]


def build_gallery(site_id: str, sites_dir: Path, themes_dir: Path | None, out: Path) -> Gallery:
    """Build the site in every available theme and write the side-by-side page, in the
    site's language unless the partner chose one."""
    site = load_site(sites_dir / site_id, themes_dir)
    registration = site.config.registration[0].id
    copies = []
    for name, theme in sorted(available(themes_dir).items()):
        path = f"/{name}/{site_id}/"
        options = BuildOptions(sites_dir, themes_dir, out / name, theme=name, base_url=f"http://localhost{path}")
        report = build_site(site_id, options)
        description = theme.manifest.words("description", language.current())
        copies.append(ThemeCopy(name, description, path, tuple(str(p) for p in report.problems)))
    pages = [(label, f"register/{registration}/" if url == "register/" else url) for label, url in PAGES]
    with language.for_site(site.locale):
        html = texts.render("gallery.html", site_id=site_id, themes=copies, pages=pages)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(html, encoding="utf-8")
    return Gallery(copies, pages)
