"""Hostile paths to the theme files the service serves (``/sites/<id>/assets/...``): nothing
but the files the site's build publishes may come back, whatever a visitor writes in the path.
Sent as raw bytes to a real uvicorn, which decodes the path as it does in production."""

from __future__ import annotations

import http.client
import shutil

import pytest

from registration_api.settings import Settings
from storefront import SiteRenderer, load_site
from tests.support import CLOCK_START, REPO, Api, Clock

SITE = "oblako-plus"
OTHER = "buhcentr"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("theme-assets")
    shutil.copytree(REPO / "sites", root / "sites")
    env = {"DATABASE_URL": f"sqlite:///{root / 'registrations.sqlite3'}", "VAR_DIR": str(root / "var")}
    api = Api(Settings.from_env(env, sites_dir=root / "sites"), Clock(CLOCK_START), background=False).start()
    yield api
    api.stop()


def published(site_id: str) -> dict[str, bytes]:
    return SiteRenderer(load_site(REPO / "sites" / site_id)).assets.files


def raw_get(service: Api, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written: no client normalises its dots or escapes."""
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.putheader("Accept", "text/html")
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def stylesheet(site_id: str) -> str:
    return next(name for name in published(site_id) if name.startswith("assets/site/brand."))


def test_the_published_file_itself_is_served(service):
    status, body = raw_get(service, f"/sites/{SITE}/{stylesheet(SITE)}")
    assert status == 200 and body == published(SITE)[stylesheet(SITE)]


@pytest.mark.parametrize(
    "tail",
    [
        "assets/../site.yaml",
        "assets/%2e%2e/site.yaml",
        "assets/%2E%2E%2Fsite.yaml",
        "assets/..%2fsite.yaml",
        "assets/..%5csite.yaml",
        "assets/css/../../site.yaml",
        "assets/%2e%2e/%2e%2e/%2e%2e/storefront/themes/base/templates/base.html",
        "assets//etc/passwd",
        "assets/%2fetc%2fpasswd",
        "assets/....//....//site.yaml",
        "assets/css%00.css",
        "assets/site.yaml",
        "assets/logo.png",
    ],
)
def test_no_path_reaches_a_file_outside_the_published_theme(service, tail):
    status, body = raw_get(service, f"/sites/{SITE}/{tail}")
    assert status in (400, 404), (tail, status)
    assert b"partner:" not in body and b"root:" not in body and b"{% block" not in body


def test_one_site_cannot_serve_another_sites_files(service):
    theirs = stylesheet(OTHER)
    assert theirs not in published(SITE), "the two examples' brand colours differ"
    assert raw_get(service, f"/sites/{OTHER}/{theirs}")[0] == 200
    assert raw_get(service, f"/sites/{SITE}/{theirs}")[0] == 404
    for tail in (f"assets/../../{OTHER}/{theirs}", f"assets/%2e%2e%2f%2e%2e%2f{OTHER}%2f{theirs}"):
        status, _ = raw_get(service, f"/sites/{SITE}/{tail}")
        assert status in (400, 404), tail


@pytest.mark.parametrize("site_id", ["..", "%2e%2e", "oblako-plus%2f..", "OBLAKO-PLUS", "oblako-plus%00"])
def test_a_site_id_that_is_not_exactly_a_sites_is_not_found(service, site_id):
    assert raw_get(service, f"/sites/{site_id}/{stylesheet(SITE)}")[0] in (400, 404)
