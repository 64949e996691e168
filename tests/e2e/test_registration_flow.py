"""A prospect's path through a storefront in every theme, as a person would take it."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from registration_api.storage import tables
from tests.support import THEMES, Storefronts, wait_until

SITES = {"oblako-plus": "Облако Плюс", "buhcentr": "БухЦентр Север"}


def unique_email() -> str:
    return f"{uuid.uuid4().hex[:10]}@client.example"


def fill_form(page: Page, name: str, email: str, phone: str = "8 (912) 345-67-89", consent: bool = True) -> None:
    page.get_by_label("Имя и фамилия").fill(name)
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Телефон").fill(phone)
    page.get_by_label("Организация").fill("ООО «Ромашка»")
    if consent:
        page.get_by_role("checkbox", name=re.compile("согласен на обработку")).check()


def stored(storefronts: Storefronts, email: str):
    with storefronts.api.service.engine.connect() as conn:
        return conn.execute(sa.select(tables.subscribers).where(tables.subscribers.c.email == email)).first()


@pytest.mark.parametrize("site", sorted(SITES))
@pytest.mark.parametrize("theme", THEMES)
def test_landing_to_tariffs_to_registration_to_thanks(page: Page, storefronts: Storefronts, theme, site):
    page.goto(storefronts.url(theme, site))
    expect(page.locator("h1")).to_be_visible()
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Тарифы").click()
    expect(page).to_have_url(re.compile(r"/tariffs/$"))
    expect(page.get_by_role("heading", name="Сравнение тарифов")).to_be_visible()
    page.locator(".tariff-card.is-recommended").get_by_role("link", name=re.compile("Попробовать")).click()
    expect(page).to_have_url(re.compile(r"/register/[a-z-]+/$"))

    email = unique_email()
    fill_form(page, f"Покупатель {theme}", email)
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/register/[a-z-]+/thanks/$"))
    expect(page.locator("h1")).to_have_text("Спасибо, регистрация прошла успешно!")

    row = stored(storefronts, email)
    assert row is not None and row.site_id == site and row.phone == "+79123456789" and row.company == "ООО «Ромашка»"
    mailbox = storefronts.smtp.mailbox
    welcome = wait_until(lambda: mailbox.to(email), message="the welcome e-mail")[0]
    assert row.number in welcome["Subject"] and SITES[site] in str(welcome["From"])
    notice = wait_until(
        lambda: [
            m
            for m in mailbox.messages
            if email in m.get_body("plain").get_content() and "Новая регистрация" in m["Subject"]
        ],
        message="the partner's e-mail",
    )[0]
    text = notice.get_body("plain").get_content()
    assert f"Покупатель {theme}" in text and row.number in text and "+7 912 345-67-89" in text  # as a person writes it


@pytest.mark.parametrize("theme", THEMES)
def test_mistakes_are_shown_next_to_the_fields_and_fixing_them_registers(page: Page, storefronts, theme):
    page.goto(storefronts.url(theme, "oblako-plus", "register/trial/"))
    email = unique_email()
    fill_form(page, "Мария Иванова", email.replace(".example", ""), consent=False)
    page.get_by_role("button", name="Зарегистрироваться").click()

    expect(page.get_by_role("alert")).to_contain_text("Проверьте")
    email_field = page.get_by_label("Электронная почта")
    expect(email_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sf-email-error")).to_contain_text("в адресе почты ошибка")
    expect(page.locator("#sf-consent-error")).to_contain_text("Без согласия")
    assert "sf-email-error" in email_field.get_attribute("aria-describedby")
    expect(page.get_by_label("Имя и фамилия")).to_have_value("Мария Иванова")
    expect(email_field).to_have_value(email.replace(".example", ""))
    expect(page.get_by_label("Телефон")).to_have_value("8 (912) 345-67-89")
    assert stored(storefronts, email) is None

    email_field.fill(email)
    page.get_by_role("checkbox", name=re.compile("согласен на обработку")).check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/register/trial/thanks/$"))
    assert stored(storefronts, email) is not None


@pytest.mark.parametrize("theme", THEMES)
def test_the_same_path_works_without_javascript(browser, storefronts, theme):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(storefronts.url(theme, "buhcentr"))
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Тарифы").click()
    page.locator(".tariff-card.is-recommended").get_by_role("link", name=re.compile("Попробовать")).click()
    expect(page).to_have_url(re.compile(r"/cloud/register/trial/$"))
    email = unique_email()
    fill_form(page, "Без скриптов", "broken@", consent=True)
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator("#sf-email-error")).to_be_visible()
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/cloud/register/trial/thanks/$"))
    row = stored(storefronts, email)
    assert row is not None and row.token is None, "no script, no token: the e-mail rule guards repeats"
    context.close()


@pytest.mark.parametrize("theme", THEMES)
def test_phone_width_tariffs_and_form_without_horizontal_scrolling(browser, storefronts, theme):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(storefronts.url(theme, "oblako-plus", "tariffs/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    first_row = page.locator(".compare-table tbody tr").first
    expect(first_row).to_be_visible()
    box = first_row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, "a tariff row fits the screen"
    expect(first_row.locator("td[data-label]").first).to_be_visible()

    page.goto(storefronts.url(theme, "oblako-plus", "register/kassa/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    email = unique_email()
    fill_form(page, "Телефонный клиент", email)
    button = page.get_by_role("button", name="Зарегистрироваться")
    button.scroll_into_view_if_needed()
    bbox = button.bounding_box()
    assert bbox["x"] >= 0 and bbox["x"] + bbox["width"] <= 375
    button.tap()
    expect(page).to_have_url(re.compile(r"/register/kassa/thanks/$"))
    assert stored(storefronts, email).application == "kassa"
    context.close()
