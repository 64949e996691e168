"""The cabinet's page of subscriptions ending, in Russian: whose access ends in the next 14 days
and how soon, whose ended lately and how long ago, who extended it themselves; each number
leads to the subscriber's page, and the first list is the Monday digest's, to the subscriber."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from lxml import html

from registration_api.web import cabinet_ending
from tests.registration_api.domain.test_ending import add
from tests.registration_api.web.test_cabinet_auth import SITE, sign_in, text_of
from tests.support import SERVICE_URL

PAGE = f"/cabinet/{SITE}/ending"
#: The page's day, a Monday (the day of the digest): 9 March 2026 at 12:30 in Moscow.
TODAY = dt.date(2026, 3, 9)


@pytest.fixture
def cabinet(cabinet):
    """The cabinet of tests/conftest.py on :data:`TODAY`, its operator signed in."""
    cabinet.clock.now = dt.datetime(2026, 3, 9, 9, 30, tzinfo=dt.UTC)
    sign_in(cabinet)
    return cabinet


def client(cabinet, name: str, ends_in: int, **values: object) -> str:
    """A subscriber of the example partner whose trial ends ``ends_in`` days from today; its number."""
    return add(cabinet.database, name, ends_in, today=TODAY, site_id=SITE, **values)


def section(page: str, name: str) -> list[list[str]]:
    """The cells of the rows of one section (``ending``, ``ended`` or ``extended``)."""
    rows = html.fromstring(page).xpath(f"//section[@aria-labelledby='{name}']//tbody/tr")
    return [[" ".join(" ".join(td.itertext()).split()) for td in row.xpath("td")] for row in rows]


def test_the_menu_leads_to_the_page_which_says_each_list_is_empty_and_where_the_digest_goes(cabinet):
    overview = html.fromstring(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert overview.xpath(f"//nav//a[@href='{PAGE}']/text()") == ["Окончание подписок"]
    page = cabinet.http.get(PAGE)
    assert page.status_code == 200
    assert html.fromstring(page.text).xpath("//nav//a[@aria-current='page']/@href") == [PAGE]
    shown = text_of(page.text)
    assert "На 09.03.2026." in shown
    assert "Заканчиваются в ближайшие 14 дней" in shown
    assert "Ни одна подписка не заканчивается в ближайшие 14 дней." in shown
    assert "Ни одна подписка не закончилась за последние 14 дней." in shown
    assert "Никто не продлевал доступ за последние 30 дней." in shown
    assert (
        "Каждый понедельник этот же список приходит письмом на "
        "sales@oblako-plus.example, anna.kuzmina@oblako-plus.example, если он не пуст." in shown
    )


def test_subscriptions_ending_are_listed_soonest_first_with_the_days_left_in_words(cabinet):
    for name, days in [("Через пять", 5), ("Сегодня", 0), ("Через четырнадцать", 14), ("Через пятнадцать", 15)]:
        client(cabinet, name, days)
    client(cabinet, "Завтра", 1, company="ООО «Ромашка»", phone="8 (921) 555-12-34")
    client(cabinet, "Через три", 3)
    paid = client(
        cabinet, "Оплатил", -40, status="paid", paid_until=TODAY + dt.timedelta(days=2), email="pay@client.example"
    )

    page = cabinet.http.get(PAGE).text

    rows = section(page, "ending")
    assert [row[1] for row in rows] == [
        "Сегодня",
        "Завтра ООО «Ромашка»",
        "Оплатил",
        "Через три",
        "Через пять",
        "Через четырнадцать",
    ]
    assert [row[-1] for row in rows] == [
        "сегодня",
        "завтра",
        "через 2 дня",
        "через 3 дня",
        "через 5 дней",
        "через 14 дней",
    ]
    assert rows[1][2].endswith(" +7 921 555-12-34")
    assert rows[2] == [paid, "Оплатил", "pay@client.example +7 912 345-67-89", "Оплачен", "11.03.2026", "через 2 дня"]
    assert rows[0][3] == "Пробный период"
    tree = html.fromstring(page)
    link = tree.xpath(f"//section[@aria-labelledby='ending']//a[text()='{paid}']/@href")
    assert link == [f"/cabinet/{SITE}/subscribers/{paid}"]
    assert tree.xpath("//a[@href='tel:+79215551234']/text()") == ["+7 921 555-12-34"]


def test_ended_lately_shows_how_long_ago_and_who_extended_shows_when_and_until(cabinet):
    client(cabinet, "Вчера", -1)
    client(cabinet, "Два дня назад", -2, status="expired")
    client(cabinet, "Одиннадцать дней назад", -11, status="expired")
    client(cabinet, "Давно", -15, status="expired")
    client(cabinet, "Продлил", 5, extended_at=dt.datetime(2026, 3, 8, 21, 15, tzinfo=dt.UTC))

    page = cabinet.http.get(PAGE).text

    ended = section(page, "ended")
    assert [(row[1], row[-2], row[-1]) for row in ended] == [
        ("Вчера", "08.03.2026", "вчера"),
        ("Два дня назад", "07.03.2026", "2 дня назад"),
        ("Одиннадцать дней назад", "26.02.2026", "11 дней назад"),
    ]
    [extended] = section(page, "extended")
    assert extended[1] == "Продлил" and extended[3:] == ["Пробный период", "09.03.2026 00:15", "14.03.2026"]
    assert "Клиенты, которые добавили себе 7 дней доступа по ссылке из письма-напоминания" in text_of(page)


def test_the_monday_digest_lists_the_same_subscribers_as_the_page(cabinet):
    for days in (0, 14, 15, -1, 6):
        client(cabinet, f"Клиент {days}", days)
    client(cabinet, "Оплатил", -60, status="paid", paid_until=TODAY + dt.timedelta(days=3))
    client(cabinet, "Ушёл", 3, status="gone", gone_at=cabinet.clock())

    listed = [row[0] for row in section(cabinet.http.get(PAGE).text, "ending")]
    assert cabinet.cli("remind", "--today", TODAY.isoformat()).code == 0

    [digest] = [mail for mail in cabinet.mail() if "Заканчиваются подписки" in mail["Subject"]]
    assert "sales@oblako-plus.example" in digest["To"]
    assert re.findall(r"— (\d+) ", digest.get_body("plain").get_content()) == listed
    assert len(listed) == 4
    assert f"Открыть список в кабинете: {SERVICE_URL}{PAGE}" in digest.get_body("plain").get_content()
    [button] = html.fromstring(digest.get_body("html").get_content()).xpath("//a[text()='Открыть список в кабинете']")
    assert button.get("href") == f"{SERVICE_URL}{PAGE}", "the digest's button opens the live page"


def test_a_long_list_shows_its_first_rows_and_says_so(cabinet, monkeypatch):
    monkeypatch.setattr(cabinet_ending, "SHOWN", 2)
    for days in (3, 1, 2):
        client(cabinet, f"Через {days}", days)

    page = cabinet.http.get(PAGE).text

    assert [row[1] for row in section(page, "ending")] == ["Через 1", "Через 2"]
    assert "Показаны только первые 2." in text_of(page)
