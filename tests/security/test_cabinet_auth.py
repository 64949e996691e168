"""Hostile and unlucky sign-ins to the partner's cabinet: addresses that are nobody's, links used
twice, late or made up, posts without the session's form token, another partner's cabinet, a
forged cookie, the cookie's flags, and too many requests."""

from __future__ import annotations

import base64
import json

import pytest

from registration_api.web import cabinet_session
from registration_api.web.service import SIGN_INS_PER_ADDRESS, SIGN_INS_PER_CLIENT
from tests.registration_api.web.test_cabinet_auth import (
    OPERATOR,
    SITE,
    ask_for_link,
    csrf_of,
    mailed_link,
    sign_in,
    text_of,
)

STRANGER = "mallory@evil.example"
NEW_LINK = "Ссылка больше не действует"


def test_an_address_that_is_nobodys_gets_the_same_answer_and_no_mail(cabinet):
    stranger = ask_for_link(cabinet, STRANGER)
    operator = ask_for_link(cabinet, OPERATOR)
    assert stranger.status_code == operator.status_code == 200
    assert text_of(stranger.text).replace(STRANGER, "X") == text_of(operator.text).replace(OPERATOR, "X")
    assert [json.loads(row.recipients) for row in cabinet.outbox()] == [[OPERATOR]]
    assert [row.email for row in cabinet.rows("sign_in_links")] == [OPERATOR]


def test_an_address_differently_capitalised_is_the_same_operator(cabinet):
    ask_for_link(cabinet, OPERATOR.upper())
    assert [row.email for row in cabinet.rows("sign_in_links")] == [OPERATOR]


def test_a_used_link_is_refused_with_what_to_do(cabinet):
    ask_for_link(cabinet, OPERATOR)
    path = mailed_link(cabinet, OPERATOR)
    csrf = csrf_of(cabinet.http.get(path).text)
    assert cabinet.http.post(path, data={"csrf": csrf}).status_code == 303
    cabinet.http.cookies.clear()  # someone else, later, with the same link
    again = cabinet.http.post(path, data={"csrf": csrf_of(cabinet.http.get(path).text)})
    assert again.status_code == 410
    assert NEW_LINK in text_of(again.text) and "Запросите новую" in text_of(again.text)
    assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 303, "no session was started"


def test_a_link_later_than_15_minutes_is_refused(cabinet):
    ask_for_link(cabinet, OPERATOR)
    path = mailed_link(cabinet, OPERATOR)
    cabinet.clock.advance(minutes=15, seconds=1)
    late = cabinet.http.post(path, data={"csrf": csrf_of(cabinet.http.get(path).text)})
    assert late.status_code == 410 and NEW_LINK in text_of(late.text)
    assert cabinet.rows("sign_in_links")[0].used_at is None


@pytest.mark.parametrize("token", ["made-up", "x" * 5000, "%00", "'; DROP TABLE sign_in_links; --"])
def test_a_made_up_link_is_refused(cabinet, token):
    path = f"/cabinet/sign-in/{token}"
    assert cabinet.http.get(path).status_code in (200, 400, 404)  # 400: a NUL is no address; 404: too long
    csrf = csrf_of(cabinet.http.get("/cabinet/").text)
    answer = cabinet.http.post(path, data={"csrf": csrf})
    assert answer.status_code in (400, 404, 410)
    assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 303


def test_posts_without_the_sessions_form_token_are_refused(cabinet):
    ask_for_link(cabinet, OPERATOR)
    path = mailed_link(cabinet, OPERATOR)
    for sent in ({}, {"csrf": ""}, {"csrf": "guessed"}):
        refused = cabinet.http.post(path, data=sent)
        assert refused.status_code == 403 and "Форма устарела" in text_of(refused.text)
        assert cabinet.http.post("/cabinet/sign-in", data={"email": OPERATOR, **sent}).status_code == 403
    assert cabinet.rows("sign_in_links")[0].used_at is None
    assert len(cabinet.rows("sign_in_links")) == 1, "no link was sent by a forged post"


def test_a_form_token_from_before_signing_in_does_not_serve_after(cabinet):
    before = csrf_of(cabinet.http.get("/cabinet/").text)
    sign_in(cabinet)
    assert cabinet.http.post("/cabinet/sign-out", data={"csrf": before}).status_code == 403
    assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 200, "still signed in"


def test_sign_out_needs_the_form_token(cabinet):
    sign_in(cabinet)
    assert cabinet.http.post("/cabinet/sign-out", data={}).status_code == 403
    assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 200


def test_another_partners_cabinet_is_not_found(cabinet):
    sign_in(cabinet)
    for site in ("buhcentr", "no-such-site", "sign-in", "OBLAKO-PLUS"):
        answer = cabinet.http.get(f"/cabinet/{site}/")
        assert answer.status_code == 404, site
        assert "Такой страницы нет" in text_of(answer.text)
    assert "Облако Плюс" not in cabinet.http.get("/cabinet/buhcentr/").text


def test_a_forged_or_altered_cookie_signs_nobody_in(cabinet):
    sign_in(cabinet)
    cookie = cabinet.http.cookies[cabinet_session.COOKIE]
    encoded, _, signature = cookie.rpartition(".")
    data = json.loads(base64.urlsafe_b64decode(encoded))
    data["e"] = "cloud-sales@buhcentr-sever.example"
    altered = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    for forged in (f"{altered}.{signature}", f"{encoded}.{'0' * 64}", "garbage", "a" * 5000):
        cabinet.http.cookies.clear()
        cabinet.http.cookies.set(cabinet_session.COOKIE, forged, domain="api.storefront.test", path="/cabinet/")
        assert cabinet.http.get("/cabinet/buhcentr/").status_code == 303
        assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 303


def test_the_session_cookie_is_http_only_same_site_and_secure_under_https(cabinet):
    answer = cabinet.http.get("/cabinet/")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{cabinet_session.COOKIE}=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/cabinet/"} <= flags
    assert answer.headers["cache-control"] == "no-store" and answer.headers["x-frame-options"] == "DENY"


def test_the_session_cookie_is_not_secure_only_when_the_service_is_plain_http(make_in_process_api):
    service = make_in_process_api(public_base_url="http://api.storefront.test/")
    cookie = service.http.get("/cabinet/").headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "secure" not in flags and {"httponly", "samesite=lax"} <= flags


def test_too_many_requests_from_one_address_are_refused(cabinet):
    csrf = csrf_of(cabinet.http.get("/cabinet/").text)
    statuses = [
        cabinet.http.post("/cabinet/sign-in", data={"email": f"n{n}@x.example", "csrf": csrf}).status_code
        for n in range(SIGN_INS_PER_CLIENT + 1)
    ]
    assert statuses == [200] * SIGN_INS_PER_CLIENT + [429]
    refused = cabinet.http.post("/cabinet/sign-in", data={"email": OPERATOR, "csrf": csrf})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "Подождите минуту" in text_of(refused.text)
    assert cabinet.outbox() == []


def test_too_many_links_for_one_e_mail_are_refused_from_any_address(cabinet):
    csrf = csrf_of(cabinet.http.get("/cabinet/").text)
    statuses = []
    for n in range(SIGN_INS_PER_ADDRESS + 1):
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}  # not trusted here: one client, under its limit anyway
        statuses.append(
            cabinet.http.post("/cabinet/sign-in", data={"email": OPERATOR, "csrf": csrf}, headers=headers).status_code
        )
    assert statuses == [200] * SIGN_INS_PER_ADDRESS + [429]
    assert len(cabinet.outbox()) == SIGN_INS_PER_ADDRESS
