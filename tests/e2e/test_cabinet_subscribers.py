"""An operator works with the list of subscribers in Chromium at a phone's width: finds a client
who registered through the storefront's form by the phone it typed, filters the partner's
clients by status, pages through them, downloads the list as CSV and as XLSX (opened and read
back), and is told what to fix in a mistyped day; every page is accessible and no wider than the
phone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from registration_api.domain.signups import utc_now
from tests.e2e.cabinet_steps import OPERATOR, SITE, downloaded, phone_sized, sign_in
from tests.e2e.test_registration_flow import fill_form, stored, unique_email
from tests.registration_api.domain.test_subscriber_search import add
from tests.support import THEMES, Storefronts, wait_until

#: The surname of the clients this test writes, which no other test's clients have.
SURNAME = "Листалкин"
#: The label of the search box.
BOX = "Имя, почта, телефон, организация, ИНН или номер абонента"


@pytest.fixture(scope="module")
def operator(browser: Browser, storefronts: Storefronts) -> list:
    """The cookies of the operator signed in once through the e-mailed link, for every test here."""
    context = browser.new_context()
    sign_in(context.new_page(), storefronts)
    cookies = context.cookies()
    context.close()
    return cookies


def test_an_operator_finds_a_client_by_the_phone_it_typed(page: Page, storefronts: Storefronts, operator):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(storefronts.url(THEMES[0], SITE, "register/trial/"))
    email = unique_email()
    fill_form(page, "Вера Скачкова", email, phone="8 (916) 777-12-34")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/register/trial/thanks/$"))
    vera = stored(storefronts, email).number
    # the partner's e-mail about the sign-up goes to the operator: let it arrive now, not amid another
    # test's sign-in
    wait_until(lambda: [m for m in storefronts.smtp.mailbox.to(OPERATOR) if email in m.as_string()], timeout=30)

    page.context.add_cookies(operator)
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/")
    page.get_by_role("link", name="Абоненты").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Абоненты")
    phone_sized(page)
    page.get_by_label(BOX).fill("+7 916 777 12 34")
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_role("heading", name="Найден 1 абонент")).to_be_visible()
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    for shown in ("Вера Скачкова", "+7 916 777-12-34", "Пробный период", "Бесплатный доступ на 30 дней"):
        expect(row).to_contain_text(shown)
    phone_sized(page)
    row.get_by_role("link", name=vera).click()
    expect(page).to_have_url(re.compile(rf"/cabinet/{SITE}/subscribers/{vera}$"))


def test_an_operator_filters_pages_and_downloads_the_list(page: Page, storefronts: Storefronts, operator):
    page.set_viewport_size({"width": 360, "height": 740})
    now = utc_now()
    for n in range(60):
        add(storefronts.api.service.engine, f"{SURNAME} {n:02d}", site_id=SITE, number=str(9_000_000 + n),
            created_at=now - dt.timedelta(minutes=n + 1), status="paid" if n % 2 else "expired",
            paid_until=now.date() + dt.timedelta(days=300))  # fmt: skip
    page.context.add_cookies(operator)
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/subscribers")
    page.get_by_label(BOX).fill(SURNAME.lower())
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_role("heading", name="Найдено 60 абонентов")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(50)
    expect(page.locator("tbody tr").first).to_contain_text(f"{SURNAME} 00")
    page.get_by_role("link", name="Следующая страница").click()
    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(10)
    expect(page.locator("tbody tr").last).to_contain_text(f"{SURNAME} 59")
    phone_sized(page)

    page.get_by_label("Статус").select_option(label="Оплачен")
    page.get_by_label("Порядок").select_option(label="Сначала давние")
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_role("heading", name="Найдено 30 абонентов")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=paid"))
    expect(page.locator("tbody tr").first).to_contain_text(f"{SURNAME} 59")
    expect(page.get_by_label(BOX)).to_have_value("листалкин")

    table = downloaded(page, "файл CSV")
    assert table.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Номер", "Имя", "Организация"] and len(rows) == 31
    assert rows[1][1] == f"{SURNAME} 59" and {r[6] for r in rows[1:]} == {"Оплачен"}, "the list's filter and order"
    workbook = load_workbook(io.BytesIO(downloaded(page, "книгу Excel (XLSX)"))).active
    read = list(workbook.iter_rows(values_only=True))
    assert read[0][:3] == ("Номер", "Имя", "Организация") and len(read) == 31
    assert [r[1] for r in read[1:]] == [r[1] for r in rows[1:]]
    assert isinstance(read[1][read[0].index("Оплачен до")], dt.datetime), "the paid period's end is a date cell"

    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/subscribers?q={SURNAME}&from=31.02.2026")
    day = page.get_by_label("Зарегистрирован с")
    expect(day).to_have_value("31.02.2026")
    expect(day).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Напишите дату так: 31.12.2026.")).to_be_visible()
    expect(page.get_by_role("heading", name="Найдено 60 абонентов")).to_be_visible()
    phone_sized(page)
