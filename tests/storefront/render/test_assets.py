"""The static files of a built site: published under names that change exactly when their
content does, linked from every page parent theme first, and carrying the partner's brand."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lxml import html

from tests.support import build_in_process

LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="{}"/></svg>'


def asset_files(public: Path) -> dict[str, bytes]:
    """Every published asset by its path under the site, e.g. ``assets/css/minimal.<hash>.css``."""
    return {p.relative_to(public).as_posix(): p.read_bytes() for p in (public / "assets").rglob("*") if p.is_file()}


def stylesheet_links(public: Path, page: str = "index.html") -> list[str]:
    return html.parse(str(public / page)).getroot().xpath("//link[@rel='stylesheet']/@href")


def named(files: dict[str, bytes], pattern: str) -> str:
    [name] = [name for name in files if re.fullmatch(pattern, name)]
    return name


def test_every_asset_is_named_by_a_hash_of_its_content(sites):
    sites.make()
    files = asset_files(build_in_process(sites.root) / "demo")
    assert files
    for name, content in files.items():
        stem = name.rsplit("/", 1)[1]
        digest = stem.split(".")[-2]
        assert re.fullmatch(r"[0-9a-f]{10}", digest), name
        assert hashlib.sha256(content).hexdigest().startswith(digest), f"{name} is named after its content"


def test_pages_link_the_parent_theme_first_then_the_child_then_the_brand(sites):
    sites.make(replace={"theme: minimal": "theme: bright"})
    public = build_in_process(sites.root) / "demo"
    links = stylesheet_links(public)
    names = [re.sub(r"\.[0-9a-f]{10}\.css$", "", link.rsplit("/", 1)[1]) for link in links]
    assert names == ["base", "bright", "brand"]
    for link in links:
        assert link.startswith("/assets/") and (public / link.removeprefix("/")).is_file(), link
    assert stylesheet_links(public, "tariffs/index.html") == links, "every page links the same files"


def test_a_site_under_a_sub_path_links_its_assets_there(sites):
    sites.make(replace={'base_url: "https://demo.example/"': 'base_url: "https://demo.example/cloud/"'})
    public = build_in_process(sites.root) / "demo"
    links = stylesheet_links(public)
    assert links and all(link.startswith("/cloud/assets/") for link in links), links
    assert all((public / link.removeprefix("/cloud/")).is_file() for link in links)


def test_a_changed_brand_colour_renames_only_the_brand_stylesheet(sites):
    folder = sites.make()
    before = asset_files(build_in_process(sites.root) / "demo")
    brand_before = named(before, r"assets/site/brand\.[0-9a-f]{10}\.css")
    assert b"--sf-primary: #1f5fbf;" in before[brand_before]

    yaml_file = folder / "site.yaml"
    yaml_file.write_text(yaml_file.read_text().replace('primary: "#1f5fbf"', 'primary: "#1f4fa0"'), encoding="utf-8")
    public = build_in_process(sites.root) / "demo"
    after = asset_files(public)
    brand_after = named(after, r"assets/site/brand\.[0-9a-f]{10}\.css")
    assert brand_after != brand_before and b"--sf-primary: #1f4fa0;" in after[brand_after]
    assert brand_before not in after, "the old name is gone, so no cache serves the old colours"
    assert {n for n in before if "brand" not in n} == {n for n in after if "brand" not in n}, "theme files keep theirs"
    assert any(link.endswith(brand_after.rsplit("/", 1)[1]) for link in stylesheet_links(public))


def test_a_new_logo_gets_a_new_address_on_the_pages(sites):
    folder = sites.make()
    (folder / "assets" / "logo.svg").write_text(LOGO.format("#1f5fbf"), encoding="utf-8")
    public = build_in_process(sites.root) / "demo"
    first = named(asset_files(public), r"assets/site/logo\.[0-9a-f]{10}\.svg")
    assert first in (public / "index.html").read_text(encoding="utf-8")

    (folder / "assets" / "logo.svg").write_text(LOGO.format("#c2410c"), encoding="utf-8")
    public = build_in_process(sites.root) / "demo"
    second = named(asset_files(public), r"assets/site/logo\.[0-9a-f]{10}\.svg")
    page = (public / "index.html").read_text(encoding="utf-8")
    assert second != first and second in page and first not in page
    assert (public / second).read_text(encoding="utf-8") == LOGO.format("#c2410c"), "published byte for byte"


def test_the_brand_font_comes_before_the_themes_own(sites):
    sites.make(replace={"    logo: assets/logo.svg": "    logo: assets/logo.svg\n    font: PT Sans"})
    files = asset_files(build_in_process(sites.root) / "demo")
    brand = files[named(files, r"assets/site/brand\.[0-9a-f]{10}\.css")].decode()
    assert re.search(r'--sf-font: "PT Sans", \S', brand), brand


def test_two_builds_of_the_same_site_publish_the_same_names(sites, tmp_path):
    sites.make()
    first = asset_files(build_in_process(sites.root, "--no-cache") / "demo")
    second = asset_files(build_in_process(sites.root, "--no-cache", "--out", str(tmp_path / "again")) / "demo")
    assert first == second
