"""Hostile and unlucky visits to a subscriber's page in the cabinet: no session, another partner's
subscriber or a made-up number (one 404 page for both, for the page and both actions), posts
without the form token, hostile text shown as text, and absurd dates refused at the field."""

from __future__ import annotations

import pytest
from lxml import html

from tests.registration_api.web.test_cabinet_auth import SITE, csrf_of, sign_in, text_of
from tests.registration_api.web.test_cabinet_subscriber import LIST, post, register
from tests.support import valid_form

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
PAYMENT = {"tariff": "biznes", "paid_until": "2026-12-31"}
DEPARTURE = {"cause": "price", "reason": "дорого"}


def unchanged(service, number: str) -> bool:
    """Nothing happened to subscriber ``number`` and no operator recorded anything."""
    [row] = [row for row in service.subscribers() if row.number == number]
    audit = [row.action for row in service.rows("audit_log")]
    return row.status == "trial" and row.converted_at is None and row.gone_cause is None and "converted" not in audit


def test_without_a_session_the_page_and_its_actions_send_to_the_sign_in(cabinet):
    number = register(cabinet)
    answer = cabinet.http.get(f"{LIST}/{number}")
    assert answer.status_code == 303 and answer.headers["location"] == "/cabinet/"
    anonymous = csrf_of(cabinet.http.get("/cabinet/").text)  # the sign-in form's token, before signing in
    for action, fields in (("convert", PAYMENT), ("departure", DEPARTURE)):
        posted = cabinet.http.post(f"{LIST}/{number}/{action}", data={**fields, "csrf": anonymous})
        assert posted.status_code == 303 and posted.headers["location"] == "/cabinet/"
    assert unchanged(cabinet, number)


def test_a_post_without_the_form_token_is_refused(cabinet):
    number = register(cabinet)
    sign_in(cabinet)
    for action, fields in (("convert", PAYMENT), ("departure", DEPARTURE)):
        for token in ({}, {"csrf": "forged"}):
            answer = cabinet.http.post(f"{LIST}/{number}/{action}", data={**fields, **token})
            assert answer.status_code == 403 and "Форма устарела" in text_of(answer.text)
    assert unchanged(cabinet, number)
    assert [row.action for row in cabinet.rows("audit_log")] == ["sign_in"]


def test_another_partners_subscriber_and_made_up_numbers_are_the_same_404(cabinet):
    theirs = cabinet.http.post("/r/buhcentr/trial", data=valid_form(), headers={"Accept": "application/json"})
    number = theirs.json()["subscriber_number"]
    sign_in(cabinet)
    token = csrf_of(cabinet.http.get(f"/cabinet/{SITE}/").text)
    pages = set()
    for path in (
        f"{LIST}/{number}",  # buhcentr's subscriber under this partner's cabinet
        f"/cabinet/buhcentr/subscribers/{number}",  # … and under buhcentr's, whose operator this is not
        f"{LIST}/9999999",
        f"{LIST}/00{number}",
        f"{LIST}/{'9' * 40}",
        f"{LIST}/١٠٠٠٠٠١",  # digits, but not these
        f"{LIST}/1000001;DROP",
    ):
        shown = cabinet.http.get(path)
        assert shown.status_code == 404, path
        pages.add(text_of(shown.text))
        for action, fields in (("convert", PAYMENT), ("departure", DEPARTURE)):
            posted = cabinet.http.post(f"{path}/{action}", data={**fields, "csrf": token})
            assert posted.status_code == 404, (path, action)
            pages.add(text_of(posted.text))
    assert len(pages) == 1 and "Такой страницы нет" in pages.pop(), "nothing tells a number that exists"
    assert unchanged(cabinet, number)


def test_hostile_text_is_shown_as_text(cabinet):
    number = register(cabinet, name=f"Анна {HOSTILE}", company=HOSTILE)
    sign_in(cabinet)
    typed = post(cabinet, number, "convert", tariff=HOSTILE, paid_until=HOSTILE)
    assert typed.status_code == 400
    tree = html.fromstring(typed.text)
    assert tree.xpath("//input[@name='paid_until']/@value") == [HOSTILE], "what was typed is shown back, as text"
    assert tree.xpath("//select[@name='tariff']/option/@value") == ["start", "biznes", "biznes-god"]
    assert post(cabinet, number, "departure", cause="other", reason=HOSTILE).status_code == 303
    for path in (f"{LIST}/{number}?done={HOSTILE}", f"/cabinet/{SITE}/"):
        page = cabinet.http.get(path)
        tree = html.fromstring(page.text)
        assert not tree.xpath("//script") and not tree.xpath("//img"), path
        assert HOSTILE in text_of(page.text), path
    assert not html.fromstring(cabinet.http.get(f"{LIST}/{number}?done={HOSTILE}").text).xpath("//*[@role='status']")


@pytest.mark.parametrize(
    "paid_until",
    [
        "0001-01-01",
        "1970-01-01",
        "9999-12-31",
        "2100-01-01",
        "2026-02-30",
        "31.02.2027",
        "2027-13-01",
        "+275760-09-13",
        "2027-03-31T00:00",
        "-1",
        "1e9",
        "2027-03-31 2027-04-01",
        "9" * 10_000,
    ],
)
def test_an_absurd_day_is_refused_at_its_field(cabinet, paid_until):
    number = register(cabinet)
    sign_in(cabinet)
    answer = post(cabinet, number, "convert", tariff="biznes", paid_until=paid_until)
    assert answer.status_code == 400
    [said] = html.fromstring(answer.text).xpath("//*[@id='paid_until-error']/text()")
    assert said in ("Напишите день так: 31.12.2026.", "Оплата заканчивается днём от 11.03.2026 до 10.03.2029.")
    assert unchanged(cabinet, number)


def test_a_departure_longer_than_allowed_or_of_an_unknown_cause_is_refused(cabinet):
    number = register(cabinet)
    sign_in(cabinet)
    for fields in ({"cause": "price", "reason": "я" * 1500}, {"cause": HOSTILE}, {"cause": "other"}):
        assert post(cabinet, number, "departure", **fields).status_code == 400
    assert unchanged(cabinet, number)
