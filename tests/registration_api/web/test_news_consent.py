"""Consent to news and offers by e-mail (38-FZ art. 18), asked apart from the personal-data consent
on the registration form and the invitation page: unticked, optional, stored with its time and the
wording the person agreed to."""

from __future__ import annotations

import csv
import io

from lxml import html

from tests.registration_api.web.test_cabinet_auth import sign_in
from tests.registration_api.web.test_cabinet_subscriber import card
from tests.support import CLOCK_START, valid_form

SITE = "oblako-plus"
FROM_STOREFRONT = {"Origin": "https://oblako-plus.example"}
API = f"/api/v1/sites/{SITE}"
WORDING = "Я хочу получать от «Облако Плюс» новости и предложения по электронной почте."


def news_checkbox(page: str) -> tuple[html.HtmlElement, str]:
    """The form's news-and-offers checkbox and the text of its label."""
    form = html.fromstring(page)
    [box] = form.xpath("//form//input[@name='news']")
    [label] = form.xpath(f"//form//label[@for='{box.get('id')}']")
    return box, " ".join(label.text_content().split())


def test_a_sign_up_without_the_tick_stores_no_consent_to_news(in_process_api):
    in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=FROM_STOREFRONT)
    [row] = in_process_api.subscribers()
    assert row.consent_at is not None, "the personal-data consent is stored as before"
    assert row.news_consent_at is None and row.news_consent_text is None


def test_a_ticked_box_stores_when_and_the_wording_the_form_showed(in_process_api):
    answer = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(news="yes"), headers=FROM_STOREFRONT)
    assert answer.status_code == 303
    [row] = in_process_api.subscribers()
    assert str(row.news_consent_at).startswith(str(CLOCK_START.replace(tzinfo=None))), "the moment of sign-up"
    assert row.news_consent_text == WORDING


def test_a_script_ticks_it_with_true(in_process_api):
    body = {**valid_form(), "consent": True, "news": True}
    answer = in_process_api.http.post(f"/r/{SITE}/trial", json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    assert [row.news_consent_text for row in in_process_api.subscribers()] == [WORDING]


def test_the_form_shown_again_keeps_the_tick_and_the_same_wording(in_process_api):
    answer = in_process_api.http.post(
        f"/r/{SITE}/trial", data=valid_form(news="yes", email="not-an-address"), headers=FROM_STOREFRONT
    )
    assert answer.status_code == 422
    box, label = news_checkbox(answer.text)
    assert box.get("checked") is not None and label == WORDING
    assert in_process_api.subscribers() == []


def test_the_form_shown_again_leaves_an_unticked_box_unticked(in_process_api):
    answer = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(email="x"), headers=FROM_STOREFRONT)
    box, _label = news_checkbox(answer.text)
    assert box.get("checked") is None and box.get("required") is None


def invitation(service) -> str:
    answer = service.http.post(f"{API}/invitations", json={"trial_days": 14}, headers=service.bearer(SITE))
    assert answer.status_code == 201, answer.text
    [code] = answer.json()["codes"]
    return code


def test_the_invitation_page_asks_for_it_unticked_apart_from_the_personal_data_consent(in_process_api):
    page = in_process_api.http.get(f"/invite/{invitation(in_process_api)}").text
    box, label = news_checkbox(page)
    assert box.get("type") == "checkbox" and box.get("checked") is None and box.get("required") is None
    assert label == WORDING
    [consent] = html.fromstring(page).xpath("//form//input[@name='consent']")
    assert consent.get("id") != box.get("id") and consent.get("required") is not None


def test_an_invitation_activated_with_the_tick_stores_the_consent(in_process_api):
    code = invitation(in_process_api)
    answer = in_process_api.http.post(f"/invite/{code}", data=valid_form(news="yes"))
    assert answer.status_code == 200, answer.text
    [row] = in_process_api.subscribers()
    assert row.page_id == "invitation" and row.news_consent_text == WORDING and row.news_consent_at is not None


def test_an_invitation_activated_without_it_stores_none(in_process_api):
    in_process_api.http.post(f"/invite/{invitation(in_process_api)}", data=valid_form())
    [row] = in_process_api.subscribers()
    assert row.news_consent_at is None and row.news_consent_text is None


def test_the_partner_api_lists_who_agreed_and_when(in_process_api):
    in_process_api.http.headers.update(in_process_api.bearer(SITE))
    in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(email="a@client.example", news="yes"))
    in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(email="b@client.example"))
    agreed = {row["email"]: row["news_consent_at"] for row in in_process_api.http.get(f"{API}/subscribers").json()}
    assert agreed == {"a@client.example": "2026-03-10T09:30:00+00:00", "b@client.example": None}
    listed = in_process_api.http.get(f"{API}/subscribers", params={"format": "csv"}).text.removeprefix("\ufeff")
    header, *rows = csv.reader(io.StringIO(listed))
    column = header.index("news_consent_at")
    assert {row[header.index("email")]: row[column] for row in rows} == {
        "a@client.example": "2026-03-10T09:30:00+00:00",
        "b@client.example": "",
    }


def test_the_cabinet_shows_the_consent_on_the_card_and_in_the_download(cabinet):
    sign_in(cabinet)
    answer = cabinet.http.post(f"/r/{SITE}/trial", data=valid_form(news="yes"), headers={"Accept": "application/json"})
    number = answer.json()["subscriber_number"]
    shown = card(cabinet.http.get(f"/cabinet/{SITE}/subscribers/{number}").text)
    assert shown["Новости и предложения по почте"] == f"согласие дано 10.03.2026 12:30: {WORDING}"
    download = cabinet.http.get(f"/cabinet/{SITE}/subscribers.csv").content.decode("utf-8-sig")
    titles, row = csv.reader(io.StringIO(download), delimiter=";")
    assert dict(zip(titles, row, strict=True))["Согласие на новости и предложения"] == "2026-03-10 12:30"
