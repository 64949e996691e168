"""Hostile use of the newsletter's links (``/news/<site>/<purpose>/<token>``): a token forged, cut
short, grown, of non-ASCII text or moved to another subscriber opens nothing and changes nothing;
a site id is only ever a name looked up, never a path; the signature is compared in constant
time; a post's body is capped and the posts of one address are limited like every browser post."""

from __future__ import annotations

import hmac
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_api.domain import news_audience
from tests.registration_api.web.test_news_pages import ONE_CLICK, SITE, link, row, signed_up
from tests.security.test_fuzz_endpoints import FUZZ

JSON = {"Accept": "application/json"}


def _forgeries(token: str, other_number: str) -> dict[str, str]:
    number, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "last character changed": f"{number}.{flipped}",
        "signature cut short": f"{number}.{signature[:-4]}",
        "no signature": f"{number}.",
        "no dot": number + signature,
        "two dots": f"{number}.{signature}.{signature}",
        "signature grown": f"{number}.{signature}AAAA",
        "overlong": f"{number}.{signature}{'A' * 5000}",
        "non-ASCII": f"{number}.{signature[:-1]}Ж",
        "full-width digits": f"{''.join(chr(ord(d) + 0xFEE0) for d in number)}.{signature}",
        "another subscriber's number": f"{other_number}.{signature}",
        "empty number": f".{signature}",
        "signature of the empty secret": news_audience.link_token("", "unsubscribe", SITE, number),
    }


FORGERIES = list(_forgeries("1.x", "2"))


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("purpose", ["unsubscribe", "confirm"])
def test_a_forged_token_opens_nothing_and_changes_nothing(in_process_api, forgery, purpose):
    victim, other = signed_up(in_process_api), signed_up(in_process_api, email="boris@client.example")
    token = link(in_process_api, purpose, victim).rsplit("/", 1)[1]
    forged = _forgeries(token, other)[forgery]
    path = f"/news/{SITE}/{purpose}/{forged}"
    for answer in (
        in_process_api.http.get(path),
        in_process_api.http.post(path, data=ONE_CLICK),
        in_process_api.http.post(path, data=ONE_CLICK, headers=JSON),
    ):
        assert answer.status_code == 404, (forged, answer.text[:300])
        assert "Ссылка не действует" in answer.text or answer.json() == {"error": "this link is not valid"}
    for number in (victim, other):
        assert row(in_process_api, number).news_unsubscribed_at is None


@pytest.mark.parametrize(
    "site",
    ["..", "..%2F..%2Fsites%2Foblako-plus", "%2e%2e", "oblako-plus%00", "OBLAKO-PLUS", "oblako-plus%20", "%D0%96"],
)
def test_a_site_id_is_a_name_looked_up_never_a_path(in_process_api, site):
    number = signed_up(in_process_api)
    token = link(in_process_api, "unsubscribe", number).rsplit("/", 1)[1]
    path = f"/news/{site}/unsubscribe/{token}"
    for answer in (in_process_api.http.get(path), in_process_api.http.post(path, data=ONE_CLICK)):
        assert answer.status_code in (400, 404), answer.text[:300]
        assert "Traceback" not in answer.text
    assert row(in_process_api, number).news_unsubscribed_at is None


def test_the_signature_is_compared_in_constant_time(in_process_api, monkeypatch):
    """Read from the code: :func:`news_audience.read_link_token` compares the whole token with
    :func:`hmac.compare_digest`, never with ``==`` (which stops at the first differing byte)."""
    compared: list[tuple[str, str]] = []
    genuine = hmac.compare_digest

    def compare_digest(a, b):
        compared.append((a, b))
        return genuine(a, b)

    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    number = signed_up(in_process_api)
    token = link(in_process_api, "unsubscribe", number).rsplit("/", 1)[1]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert in_process_api.http.get(f"/news/{SITE}/unsubscribe/{forged}").status_code == 404
    assert compared == [(token, forged)]


@pytest.mark.parametrize("purpose", ["unsubscribe", "confirm"])
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "chunked"])
def test_a_huge_body_is_refused_by_the_body_limit(in_process_api, purpose, declared):
    number = signed_up(in_process_api)
    body = b"List-Unsubscribe=One-Click&x=" + b"a" * 40_000
    content = body if declared else (body[i : i + 1024] for i in range(0, len(body), 1024))
    answer = in_process_api.http.post(
        link(in_process_api, purpose, number),
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded", **JSON},
    )
    assert answer.status_code == 413 and "larger than 16384 bytes" in answer.json()["error"]
    assert row(in_process_api, number).news_unsubscribed_at is None


def test_forged_links_are_limited_by_address_and_genuine_ones_each_by_itself(make_in_process_api):
    service = make_in_process_api(rate_limit_per_minute=3)
    numbers = [signed_up(service, email=f"n{i}@client.example") for i in range(2)]  # browser posts too: 1 left
    # a mail service posts many of its users' one-click unsubscribes from one address: each counts
    genuine = [service.http.post(link(service, "unsubscribe", n), data=ONE_CLICK).status_code for n in numbers * 3]
    assert genuine == [200] * 6 and all(row(service, n).news_unsubscribed_at for n in numbers)
    again = service.http.post(link(service, "unsubscribe", numbers[0]), data=ONE_CLICK, headers=JSON)
    assert again.status_code == 429  # one link posted over and over is limited on its own
    forged = f"/news/oblako-plus/unsubscribe/{numbers[0]}.AAAAAAAAAAAAAAAAAAAAAAAA"
    guesses = [service.http.post(forged, data=ONE_CLICK, headers=JSON).status_code for _ in range(2)]
    assert guesses[0] == 404 and guesses[1] == 429  # someone guessing tokens is stopped
    assert service.http.get(link(service, "unsubscribe", numbers[0])).status_code == 200, "opening is not a post"


def test_a_post_of_another_kind_of_body_is_refused(in_process_api):
    number = signed_up(in_process_api)
    answer = in_process_api.http.post(
        link(in_process_api, "unsubscribe", number),
        content=b"<List-Unsubscribe>One-Click</List-Unsubscribe>",
        headers={"Content-Type": "application/xml", **JSON},
    )
    assert answer.status_code == 415
    assert row(in_process_api, number).news_unsubscribed_at is None


def test_any_site_and_token_is_refused_without_a_server_error(in_process_api):
    number = signed_up(in_process_api)

    @FUZZ
    @given(site=st.text(max_size=40), token=st.text(max_size=120))
    def check(site, token):
        path = f"/news/{quote(site, safe='')}/unsubscribe/{quote(token, safe='')}"
        for answer in (in_process_api.http.get(path), in_process_api.http.post(path, data=ONE_CLICK)):
            # 307: Starlette's redirect of a path that ends in a slash to the one without
            assert answer.status_code in (307, 400, 404), (path, answer.status_code)

    check()
    assert row(in_process_api, number).news_unsubscribed_at is None
