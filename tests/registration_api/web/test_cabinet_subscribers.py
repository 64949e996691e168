"""The cabinet's subscribers list: an operator finds a subscriber by what it remembers, filters by
status, page and days, orders, pages through the list with its filter kept, is told what to
correct in a filter, and downloads what the list shows as CSV and XLSX, in Russian."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html
from openpyxl import load_workbook

from registration_api.domain import subscriptions
from tests.registration_api.domain.test_subscriber_search import add
from tests.registration_api.web.test_cabinet_auth import SITE, sign_in, text_of
from tests.registration_api.web.test_cabinet_invitations import listed
from tests.support import CLOCK_START, valid_form

PAGE = f"/cabinet/{SITE}/subscribers"


@pytest.fixture
def cabinet(cabinet):
    """The cabinet of tests/conftest.py, its operator signed in."""
    sign_in(cabinet)
    return cabinet


def sign_up(api, **fields: str) -> str:
    """A sign-up through the partner's registration form; the subscriber's number."""
    answer = api.http.post(f"/r/{SITE}/trial", headers={"Accept": "application/json"}, data=valid_form(**fields))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["subscriber_number"])


def numbers(page: str) -> list[str]:
    return [row[0] for row in listed(page)]


def many(api, count: int, **values: object) -> list[str]:
    """``count`` subscribers of the partner, a minute apart, oldest first."""
    return [
        add(api.database, f"Клиент {n:03d}", site_id=SITE, created_at=CLOCK_START + dt.timedelta(minutes=n), **values)
        for n in range(count)
    ]


def test_the_menu_leads_to_the_list_which_says_nobody_is_there_yet(cabinet):
    [link] = html.fromstring(cabinet.http.get(f"/cabinet/{SITE}/").text).xpath("//nav//a[text()='Абоненты']/@href")
    page = cabinet.http.get(link)
    tree = html.fromstring(page.text)
    assert page.status_code == 200 and link == PAGE
    assert tree.xpath("//nav//a[@aria-current='page']/@href") == [PAGE] and tree.xpath("//h1/text()") == ["Абоненты"]
    assert "Найдено 0 абонентов" in text_of(page.text) and "Нет абонентов, подходящих под эти условия." in text_of(
        page.text
    )


def test_a_sign_up_is_listed_with_everything_an_operator_needs(cabinet):
    number = sign_up(cabinet, name="Анна Петрова", email="anna@client.example", phone="8 (916) 123-45-67")
    page = cabinet.http.get(PAGE)
    assert "Найден 1 абонент" in text_of(page.text)
    [row] = listed(page.text)
    assert row == [
        number,
        "Анна Петрова anna@client.example +7 916 123-45-67",
        "ООО «Ромашка» ИНН 6671045280",
        "Пробный период",
        "10.03.2026 12:30 Бесплатный доступ на 30 дней",
        "09.04.2026",
    ]
    tree = html.fromstring(page.text)
    labels = tree.xpath("//tbody//td/@data-label")  # what a phone shows before each cell, the table's head hidden
    assert labels == ["Организация, ИНН", "Статус", "Регистрация", "Доступ до"]
    assert tree.xpath("//tbody//a/@href") == [f"{PAGE}/{number}"], "the number leads to the subscriber's page"
    headers = tree.xpath("//thead//th/text()")
    assert headers[:3] == ["Номер", "Абонент", "Организация, ИНН"] and "Статус" in headers


@pytest.mark.parametrize(
    "typed", ["анна", "ПЕТРОВА", "anna@client", "8 916 123-45-67", "916 123", "ромашка", "6671045"]
)
def test_one_box_finds_by_name_e_mail_phone_company_or_inn(cabinet, typed):
    anna = sign_up(cabinet, name="Анна Петрова", email="anna@client.example", phone="+7 916 123-45-67")
    sign_up(cabinet, name="Борис Иванов", email="boris@other.example", phone="+7 903 111-22-33", company="", inn="")
    page = cabinet.http.get(PAGE, params={"q": typed})
    assert numbers(page.text) == [anna]
    assert html.fromstring(page.text).xpath("//input[@name='q']/@value") == [typed], "what was typed stays in the box"


def test_the_subscribers_number_finds_it(cabinet):
    first = sign_up(cabinet, email="first@client.example")
    sign_up(cabinet, email="second@client.example")
    assert numbers(cabinet.http.get(PAGE, params={"q": first}).text) == [first]


def test_filters_by_status_registration_page_and_days(cabinet):
    [early, paid, invited, late] = [
        add(cabinet.database, "Ранний", site_id=SITE, created_at=dt.datetime(2026, 3, 1, 20, 59, tzinfo=dt.UTC)),
        add(cabinet.database, "Платящий", site_id=SITE, created_at=dt.datetime(2026, 3, 1, 21, 0, tzinfo=dt.UTC),
            status="paid", page_id="kassa", paid_until=dt.date(2027, 3, 1)),
        add(cabinet.database, "Приглашённый", site_id=SITE, created_at=dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC),
            page_id="invitation", invitation_id=1),
        add(cabinet.database, "Поздний", site_id=SITE, created_at=dt.datetime(2026, 3, 3, 21, 0, tzinfo=dt.UTC)),
    ]  # fmt: skip
    assert numbers(cabinet.http.get(PAGE, params={"status": "paid"}).text) == [paid]
    assert numbers(cabinet.http.get(PAGE, params={"source": "kassa"}).text) == [paid]
    assert numbers(cabinet.http.get(PAGE, params={"source": "*invitations"}).text) == [invited]
    # Moscow days: 2 March begins at 21:00 UTC on 1 March, 3 March ends at 21:00 UTC on 3 March
    period = cabinet.http.get(PAGE, params={"from": "2026-03-02", "to": "2026-03-03"})
    assert numbers(period.text) == [invited, paid]
    assert numbers(cabinet.http.get(PAGE, params={"from": "02.03.2026", "to": "02.03.2026"}).text) == [paid]
    assert numbers(cabinet.http.get(PAGE, params={"to": "01.03.2026"}).text) == [early]
    assert numbers(cabinet.http.get(PAGE, params={"from": "04.03.2026"}).text) == [late]
    [row] = listed(cabinet.http.get(PAGE, params={"status": "paid"}).text)
    assert row[-1].endswith("01.03.2027") and "Оплачен" in row[3], "a paying client's access ends with its payment"
    chosen = html.fromstring(cabinet.http.get(PAGE, params={"status": "paid", "source": "kassa"}).text)
    assert chosen.xpath("//select[@name='status']/option[@selected]/text()") == ["Оплачен"]
    assert chosen.xpath("//select[@name='source']/option[@selected]/text()") == ["1С:Касса — 14 дней бесплатно"]
    assert "По приглашениям" in chosen.xpath("//select[@name='source']/option/text()")


def test_orders_the_list_as_chosen(cabinet):
    boris = add(cabinet.database, "Борис", site_id=SITE, created_at=CLOCK_START, trial_ends=dt.date(2026, 4, 2))
    anna = add(cabinet.database, "анна", site_id=SITE, created_at=CLOCK_START + dt.timedelta(hours=1),
               trial_ends=dt.date(2026, 4, 3))  # fmt: skip
    assert numbers(cabinet.http.get(PAGE).text) == [anna, boris]
    assert numbers(cabinet.http.get(PAGE, params={"sort": "oldest"}).text) == [boris, anna]
    assert numbers(cabinet.http.get(PAGE, params={"sort": "name"}).text) == [anna, boris]
    assert numbers(cabinet.http.get(PAGE, params={"sort": "trial_end"}).text) == [boris, anna]
    page = cabinet.http.get(PAGE, params={"sort": "sideways"})
    assert page.status_code == 200 and numbers(page.text) == [anna, boris], "anything else is the newest first"


def test_pages_of_fifty_keep_the_filter_in_their_links(cabinet):
    made = many(cabinet, 120)
    add(cabinet.database, "Чужой", site_id="buhcentr")
    first = cabinet.http.get(PAGE, params={"q": "клиент", "sort": "oldest"})
    assert "Найдено 120 абонентов" in text_of(first.text) and "Страница 1 из 3" in text_of(first.text)
    assert numbers(first.text) == made[:50]
    tree = html.fromstring(first.text)
    assert tree.xpath("//nav[@class='pages']//a[@rel='prev']") == []
    [following] = tree.xpath("//nav[@class='pages']//a[@rel='next']/@href")
    assert parse_qs(urlsplit(following).query) == {"q": ["клиент"], "sort": ["oldest"], "page": ["2"]}
    second = cabinet.http.get(following)
    assert numbers(second.text) == made[50:100]
    last = cabinet.http.get(PAGE, params={"q": "клиент", "sort": "oldest", "page": "3"})
    assert numbers(last.text) == made[100:] and "Страница 3 из 3" in text_of(last.text)
    assert html.fromstring(last.text).xpath("//nav[@class='pages']//a[@rel='next']") == []
    beyond = cabinet.http.get(PAGE, params={"q": "клиент", "sort": "oldest", "page": "99"})
    assert numbers(beyond.text) == made[100:], "past the end: the last page"


@pytest.mark.parametrize(
    ("params", "field", "said"),
    [
        ({"from": "31.02.2026"}, "from", "Напишите дату так: 31.12.2026."),
        ({"to": "вчера"}, "to", "Напишите дату так: 31.12.2026."),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to", "Период кончается раньше, чем начинается"),
        ({"status": "vip"}, "status", "Выберите статус из списка."),
        ({"source": "no-such-page"}, "source", "Выберите страницу регистрации из списка."),
    ],
)
def test_a_filter_it_cannot_read_is_shown_back_with_what_to_write(cabinet, params, field, said):
    number = sign_up(cabinet)
    page = cabinet.http.get(PAGE, params=params)
    assert page.status_code == 400
    tree = html.fromstring(page.text)
    [error] = tree.xpath(f"//*[@id='{field}-error']/text()")
    assert error.startswith(said)
    [control] = tree.xpath(f"//*[@name='{field}']")
    assert control.get("aria-invalid") == "true" and control.get("aria-describedby") == f"{field}-error"
    if control.tag == "input":
        assert control.get("value") == params[field] and control.get("type") == "text", "what was typed is shown"
    assert numbers(page.text) == [number], "the list is shown without the filter it cannot read"
    for link in tree.xpath("//a[contains(@href, 'subscribers.')]/@href"):
        assert params[field] not in link, "the downloads leave it out"


def test_the_downloads_carry_the_filter_and_hold_what_it_finds(cabinet):
    anna = sign_up(cabinet, name="Анна Петрова", email="anna@client.example", phone="+7 916 123-45-67")
    sign_up(cabinet, name="Борис Иванов", email="boris@client.example", phone="+7 903 111-22-33")
    page = html.fromstring(cabinet.http.get(PAGE, params={"q": "анна", "page": "1"}).text)
    [csv_link] = page.xpath("//a[text()='файл CSV']/@href")
    [xlsx_link] = page.xpath("//a[text()='книгу Excel (XLSX)']/@href")
    assert (
        csv_link == f"{PAGE}.csv?q=%D0%B0%D0%BD%D0%BD%D0%B0" and xlsx_link == f"{PAGE}.xlsx?q=%D0%B0%D0%BD%D0%BD%D0%B0"
    )

    answer = cabinet.http.get(csv_link)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="oblako-plus-subscribers-2026-03-10.csv"'
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in answer.content
    [titles, row] = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert titles[:6] == ["Номер", "Имя", "Организация", "ИНН", "Электронная почта", "Телефон"]
    assert row[:8] == [anna, "Анна Петрова", "ООО «Ромашка»", "6671045280", "anna@client.example", "+79161234567",
                       "Пробный период", "Бесплатный доступ на 30 дней"]  # fmt: skip
    assert row[9:12] == ["2026-03-10 12:30", "2026-04-09", ""], "moments in Moscow time, days as ISO dates"

    workbook = cabinet.http.get(xlsx_link)
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert workbook.headers["content-disposition"] == 'attachment; filename="oblako-plus-subscribers-2026-03-10.xlsx"'
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Номер", "Имя", "Организация", "ИНН") and sheet.title == "Абоненты"
    assert len(rows) == 2 and rows[1][:2] == (anna, "Анна Петрова")
    assert rows[1][9] == dt.datetime(2026, 3, 10, 12, 30) and rows[1][10] == dt.datetime(2026, 4, 9)


def test_a_download_of_a_long_list_holds_every_row_in_the_lists_order(cabinet):
    made = many(cabinet, 1234, status="expired")
    many(cabinet, 3)  # trials: not in the file
    answer = cabinet.http.get(f"{PAGE}.csv", params={"status": "expired", "sort": "oldest"})
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))[1:]
    assert [row[0] for row in rows] == made
    assert {row[6] for row in rows} == {"Пробный период закончился"}


def test_a_download_with_a_filter_it_cannot_read_is_the_page_saying_so(cabinet):
    answer = cabinet.http.get(f"{PAGE}.xlsx", params={"from": "завтра"})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "Напишите дату так: 31.12.2026." in text_of(answer.text)


def test_an_english_partners_list_and_csv_are_in_english(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("locale: ru", "locale: en"), encoding="utf-8")
    service = make_in_process_api()
    sign_in(service)
    sign_up(service)
    page = service.http.get(PAGE, params={"from": "someday"})
    assert "1 subscriber found" in text_of(page.text) and "Write a date as 31.12.2026." in text_of(page.text)
    text = service.http.get(f"{PAGE}.csv").content.decode("utf-8-sig")
    assert text.startswith("Number,Name,Company,INN,E-mail,Phone,Status"), "a comma for an English Excel"


def test_the_downloads_say_when_a_payment_was_recorded_and_why_a_client_left(cabinet):
    number = sign_up(cabinet, name="Вера Лебедева", email="vera@client.example", phone="+7 916 555-44-33")
    service = cabinet.app.state.service
    partner = service.sites.get(SITE)
    moment = service.clock()
    assert subscriptions.convert(service.engine, partner, number, dt.date(2027, 3, 31), moment)
    assert subscriptions.mark_gone(service.engine, SITE, number, "нашли дешевле", moment, cause="price")

    answer = cabinet.http.get(f"{PAGE}.csv")
    [titles, row] = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    shown = dict(zip(titles, row, strict=True))
    assert shown["Оплата записана"] == shown["Дата ухода"] == "2026-03-10 12:30"
    assert (shown["Оплачен до"], shown["Причина ухода"], shown["Комментарий к уходу"]) == (
        "2027-03-31",
        "Дорого",
        "нашли дешевле",
    )


def test_every_download_is_in_the_audit_log_with_its_filter(cabinet):
    sign_up(cabinet, name="Анна Петрова", email="anna@client.example", phone="+7 916 123-45-67")
    assert cabinet.http.get(f"{PAGE}.xlsx", params={"q": "анна"}).status_code == 200
    overview = text_of(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert "выгрузка списка: oblako-plus-subscribers-2026-03-10.xlsx (q=анна)" in overview
