"""Whether the partner's newsletter reaches each subscriber, where the partner looks: the partner
API's listing (JSON and CSV), the cabinet's card in words, the list's filter and its CSV and XLSX
downloads (in-process, SQLite; the filter's SQL on both databases is in
tests/registration_api/domain/test_subscriber_search.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from lxml import html
from openpyxl import load_workbook

from registration_api.domain import news_audience
from registration_api.storage import tables
from tests.registration_api.web.test_cabinet_auth import sign_in, text_of
from tests.registration_api.web.test_cabinet_invitations import listed
from tests.registration_api.web.test_cabinet_subscriber import card
from tests.support import valid_form

SITE = "oblako-plus"
API = f"/api/v1/sites/{SITE}"
LIST = f"/cabinet/{SITE}/subscribers"
REFUSED = "550 5.1.1 <undeliverable@client.example>: Recipient address rejected: User unknown"
#: Each state as the card and the downloads say it (the list's filter names the same, without when or why).
SAID = {
    "none": "Не подписан",
    "awaiting_confirmation": "Ждёт подтверждения",
    "subscribed": "Подписан на рассылку",
    "unsubscribed": "Отписался 12.03.2026",
    "undeliverable": f"Адрес не принимает почту: {REFUSED}",
}


def one_in_each_state(service) -> dict[str, str]:
    """A subscriber in each newsletter state, by the state: the subscriber's number. Each signs up
    through the form (ticking the news box but ``none``); the example partner confirms at sign-up,
    so the one awaiting confirmation is set back as a partner asking for double opt-in would leave it."""
    numbers = {}
    for state in news_audience.NEWS_STATES:
        form = valid_form(email=f"{state}@client.example", news=None if state == "none" else "yes")
        answer = service.http.post(f"/r/{SITE}/trial", data=form, headers={"Accept": "application/json"})
        numbers[state] = answer.json()["subscriber_number"]
    unsubscribed = dt.datetime(2026, 3, 12, 8, 0, tzinfo=dt.UTC)  # 11:00 in Moscow
    assert news_audience.unsubscribe(service.database, SITE, numbers["unsubscribed"], unsubscribed)
    subscribers = tables.subscribers
    with service.database.begin() as conn:
        conn.execute(
            subscribers.update()
            .where(subscribers.c.number == numbers["awaiting_confirmation"])
            .values(news_confirmed_at=None)
        )
        conn.execute(
            subscribers.update()
            .where(subscribers.c.number == numbers["undeliverable"])
            .values(undeliverable_at=unsubscribed, undeliverable_reason=REFUSED)
        )
    return numbers


@pytest.fixture
def states(in_process_api) -> dict[str, str]:
    return one_in_each_state(in_process_api)


def test_the_partner_api_names_each_subscribers_state(in_process_api, states):
    in_process_api.http.headers.update(in_process_api.bearer(SITE))
    rows = in_process_api.http.get(f"{API}/subscribers").json()
    assert {row["number"]: row["newsletter"] for row in rows} == {number: state for state, number in states.items()}
    assert all("news_consent_at" in row for row in rows), "the fields it had stay"
    listed_csv = in_process_api.http.get(f"{API}/subscribers", params={"format": "csv"}).text.removeprefix("\ufeff")
    header, *lines = csv.reader(io.StringIO(listed_csv))
    assert header[-2:] == ["news_consent_at", "newsletter"]
    assert {line[0]: line[-1] for line in lines} == {number: state for state, number in states.items()}


def test_the_openapi_document_lists_the_field(in_process_api):
    document = in_process_api.http.get("/openapi.json").json()
    listing = document["paths"]["/api/v1/sites/{site_id}/subscribers"]["get"]["responses"]["200"]
    assert "newsletter" in listing["content"]["application/json"]["schema"]["items"]["properties"]


def test_the_card_says_the_state_in_words(cabinet, states):
    sign_in(cabinet)
    for state, number in states.items():
        assert card(cabinet.http.get(f"{LIST}/{number}").text)["Рассылка"] == SAID[state], state


def test_the_downloads_carry_a_newsletter_column_in_words(cabinet, states):
    sign_in(cabinet)
    download = cabinet.http.get(f"{LIST}.csv").content.decode("utf-8-sig")
    titles, *rows = csv.reader(io.StringIO(download), delimiter=";")
    column = titles.index("Рассылка")
    assert {row[0]: row[column] for row in rows} == {number: SAID[state] for state, number in states.items()}
    sheet = load_workbook(io.BytesIO(cabinet.http.get(f"{LIST}.xlsx").content)).active
    titles, *cells = sheet.iter_rows(values_only=True)
    column = titles.index("Рассылка")
    assert {row[0]: row[column] for row in cells} == {number: SAID[state] for state, number in states.items()}


def test_the_list_filters_by_the_state_and_its_downloads_keep_the_filter(cabinet, states):
    sign_in(cabinet)
    page = cabinet.http.get(LIST)
    options = html.fromstring(page.text).xpath("//select[@name='newsletter']/option")
    assert [" ".join(o.text_content().split()) for o in options] == [
        "Все",
        "Подписан на рассылку",
        "Ждёт подтверждения",
        "Отписался",
        "Адрес не принимает почту",
        "Не подписан",
    ]
    for state, number in states.items():
        shown = cabinet.http.get(LIST, params={"newsletter": state})
        assert [row[0] for row in listed(shown.text)] == [number], state
        [chosen] = html.fromstring(shown.text).xpath("//select[@name='newsletter']/option[@selected]/@value")
        assert chosen == state
    download = cabinet.http.get(f"{LIST}.csv", params={"newsletter": "subscribed"}).content.decode("utf-8-sig")
    assert [row[0] for row in list(csv.reader(io.StringIO(download), delimiter=";"))[1:]] == [states["subscribed"]]


def test_a_state_the_filter_does_not_know_is_named_at_its_field(cabinet, states):
    sign_in(cabinet)
    answer = cabinet.http.get(LIST, params={"newsletter": "happy"})
    assert answer.status_code == 400
    assert "Выберите состояние рассылки из списка." in text_of(answer.text)
    assert len(listed(answer.text)) == len(states), "the list is shown without it"
