"""The theme files the service's own pages link, served by the service: the same bytes as the
site's build, kept by browsers for a year, and the pages link them under the public address."""

from __future__ import annotations

from lxml import html

from storefront import SiteRenderer, load_site
from tests.support import REPO

SITE = "oblako-plus"


def published(site_id: str = SITE) -> dict[str, bytes]:
    """What the site's build publishes under assets/, by name."""
    return SiteRenderer(load_site(REPO / "sites" / site_id)).assets.files


def test_every_theme_file_of_the_build_is_served_as_published(in_process_api):
    files = published()
    assert any(name.endswith(".css") for name in files)
    for name, content in files.items():
        answer = in_process_api.http.get(f"/sites/{SITE}/{name}")
        assert answer.status_code == 200, name
        assert answer.content == content
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_stylesheet_and_a_logo_say_what_they_are(in_process_api):
    files = published()
    [stylesheet] = [name for name in files if name.startswith("assets/site/brand.")]
    assert in_process_api.http.get(f"/sites/{SITE}/{stylesheet}").headers["content-type"] == "text/css; charset=utf-8"
    assert in_process_api.http.head(f"/sites/{SITE}/{stylesheet}").status_code == 200


def test_a_file_the_site_does_not_publish_is_not_found(in_process_api):
    [stylesheet] = [name for name in published() if name.startswith("assets/css/base.")]
    for path in (
        f"/sites/{SITE}/assets/css/base.css",  # the theme's file under its own name: never published so
        f"/sites/{SITE}/{stylesheet}x",
        f"/sites/no-such-site/{stylesheet}",
        f"/sites/{SITE}/assets/",
    ):
        answer = in_process_api.http.get(path, headers={"Accept": "text/html"})
        assert answer.status_code == 404, path
        assert "immutable" not in answer.headers.get("cache-control", "")


def test_pages_link_the_files_under_the_public_address_of_the_service(make_in_process_api):
    service = make_in_process_api(PUBLIC_BASE_URL="https://example.test/registration/")
    answer = service.http.post(f"/r/{SITE}/trial", data={"email": "nope"})
    assert answer.status_code == 422
    page = html.fromstring(answer.text)
    links = page.xpath("//link[@rel='stylesheet']/@href | //link[@rel='icon']/@href")
    assert links and all(href.startswith(f"/registration/sites/{SITE}/assets/") for href in links)


def test_only_the_kinds_of_file_a_look_is_made_of_are_served(in_process_api):
    """A published file of another kind (a page, a script) is not the service's to hand out,
    even from a site's assets: it would run on the service's own address."""
    files = in_process_api.app.state.service.sites.get(SITE).renderer.assets.files
    planted = {"page.0123456789.html": b"<script>alert(1)</script>", "tool.0123456789.js": b"alert(1)"}
    files.update({f"assets/site/{name}": content for name, content in planted.items()})
    try:
        for name in planted:
            assert in_process_api.http.get(f"/sites/{SITE}/assets/site/{name}").status_code == 404, name
    finally:
        for name in planted:
            del files[f"assets/site/{name}"]
