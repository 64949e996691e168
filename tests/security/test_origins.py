"""A page on another host cannot post sign-ups as a partner's storefront, nor have the service
send the prospect on to itself: origins are compared exactly (scheme, host, port), and pages
served from this machine are accepted only from real loopback hosts."""

from __future__ import annotations

import pytest

from tests.support import valid_form

SITE = "oblako-plus"

HOSTILE_ORIGINS = [
    "http://127.0.0.1.evil.example",
    "http://127.0.0.1.evil.example:8080",
    "http://localhost.evil.example",
    "http://LocalHost.Evil.Example:8080",
    "http://127.0.0.1@evil.example",
    "http://localhost:8080@evil.example",
    "http://127.0.0.1:9999.evil.example",
    "http://[::1].evil.example",
    "http://[::ffff:127.0.0.1]:8080",
    "http://0x7f000001:8080",
    "http://2130706433:8080",
    "http://localhost.:8080",
    "http://localhost:8080/register/",
    "https://oblako-plus.example.evil.com",
    "https://oblako-plus.example:444",
    "http://oblako-plus.example",
    "https://oblako-plus.example.",
    "https://oblako-plus.example/evil/",
    "https://evil.example#https://oblako-plus.example",
    "null",
    "file://",
    "javascript:alert(1)",
]


def post(api, headers: dict[str, str], json: bool = False, site: str = SITE):
    if json:
        headers = {**headers, "Accept": "application/json"}
    with api.client() as client:
        return client.post(f"/r/{site}/trial", data=valid_form(), headers=headers)


@pytest.fixture
def local_api(make_api, smtp):
    """The service as `storefront serve` runs it: listening locally, loopback pages accepted."""
    return make_api(smtp.url, allow_loopback_origins=True)


@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
def test_a_foreign_origin_is_refused_and_never_redirected_to(local_api, origin):
    page = post(local_api, {"Origin": origin})
    script = post(local_api, {"Origin": origin}, json=True)
    with local_api.client() as client:
        preflight = client.options(
            f"/r/{SITE}/trial", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
    assert page.status_code == 403 and "location" not in page.headers and "evil" not in page.text
    assert script.status_code == 403 and "access-control-allow-origin" not in script.headers
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
    assert local_api.subscribers() == []


@pytest.mark.parametrize(
    "referer",
    [
        "http://127.0.0.1.evil.example/register/trial/",
        "http://localhost@evil.example/",
        "https://oblako-plus.example.evil.com/register/trial/",
        "http://oblako-plus.example/register/trial/",
        "android-app://com.evil/",
    ],
)
def test_a_foreign_referer_without_origin_is_refused(local_api, referer):
    page = post(local_api, {"Referer": referer})
    assert page.status_code == 403 and "location" not in page.headers
    assert local_api.subscribers() == []


@pytest.mark.parametrize(
    "origin, site, thanks",
    [
        ("http://localhost:8080", SITE, "http://localhost:8080/register/trial/thanks/"),
        ("http://127.0.0.1:8000", SITE, "http://127.0.0.1:8000/register/trial/thanks/"),
        ("http://127.45.6.7:1313", SITE, "http://127.45.6.7:1313/register/trial/thanks/"),
        ("http://[::1]:8080", SITE, "http://[::1]:8080/register/trial/thanks/"),
        ("HTTP://LOCALHOST:8080", SITE, "http://localhost:8080/register/trial/thanks/"),
        ("http://localhost:8080", "buhcentr", "http://localhost:8080/cloud/register/trial/thanks/"),
    ],
)
def test_a_real_loopback_page_gets_thanks_on_its_own_host(local_api, origin, site, thanks):
    answer = post(local_api, {"Origin": origin}, site=site)
    assert answer.status_code == 303 and answer.headers["location"] == thanks


@pytest.mark.parametrize(
    "origin", ["https://oblako-plus.example", "https://oblako-plus.example:443", "HTTPS://Oblako-Plus.Example"]
)
def test_the_partners_own_origin_in_any_spelling_of_it_is_accepted(local_api, origin):
    page = post(local_api, {"Origin": origin})
    script = post(local_api, {"Origin": origin}, json=True)
    assert page.status_code == 303 and page.headers["location"] == "https://oblako-plus.example/register/trial/thanks/"
    assert script.status_code == 201 and script.headers["access-control-allow-origin"] == "https://oblako-plus.example"


def test_loopback_pages_are_refused_when_the_service_is_public(make_api, smtp):
    api = make_api(smtp.url)
    for origin in ("http://localhost:8080", "http://127.0.0.1:8000", "http://[::1]:8080"):
        answer = post(api, {"Origin": origin})
        assert answer.status_code == 403 and "location" not in answer.headers
    assert api.subscribers() == []
