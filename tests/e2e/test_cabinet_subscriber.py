"""An operator handles one subscriber in Chromium at a phone's width: a prospect registers through
the storefront's form, the operator opens its page in the cabinet, records a payment on another
tariff, sees it in the history and in the overview's audit log, is told what to fix in a departure
without words for «Другое», then records the departure with a cause; every page is accessible
and no wider than the phone."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from registration_api.domain.signups import utc_now
from tests.e2e.cabinet_steps import SITE, phone_sized, sign_in
from tests.e2e.test_registration_flow import fill_form, stored, unique_email
from tests.support import THEMES, Storefronts


def test_an_operator_records_a_payment_and_a_departure(page: Page, storefronts: Storefronts):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(storefronts.url(THEMES[0], SITE, "register/trial/"))
    email = unique_email()
    fill_form(page, "Ольга Платёжная", email)
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/register/trial/thanks/$"))
    number = stored(storefronts, email).number
    sign_in(page, storefronts)

    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/subscribers/{number}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Абонент {number}")
    card = page.locator("section", has=page.get_by_role("heading", name="Об абоненте"))
    expect(card.get_by_role("row").filter(has_text="Статус")).to_contain_text("Пробный период")
    history = page.locator("section", has=page.get_by_role("heading", name="История"))
    expect(history.get_by_role("row").filter(has_text="Зарегистрировался")).to_contain_text(
        "на странице «Бесплатный доступ на 30 дней»"
    )
    expect(history.get_by_role("row").filter(has_text="Приветственное письмо клиенту")).to_be_visible()
    phone_sized(page)

    timezone = storefronts.api.service.settings.timezone
    paid_until = utc_now().astimezone(timezone).date() + dt.timedelta(days=365)
    page.get_by_label("Тариф", exact=True).select_option(label="Бизнес на год")
    page.get_by_label("Оплачен до", exact=True).fill(paid_until.isoformat())
    page.get_by_role("button", name="Записать оплату").click()

    expect(page.get_by_role("status")).to_have_text("Оплата записана.")
    shown = paid_until.strftime("%d.%m.%Y")
    expect(card.get_by_role("row").filter(has_text="Статус")).to_contain_text("Оплачен")
    expect(card.get_by_role("row").filter(has_text="Тариф")).to_contain_text("Бизнес на год")
    expect(history.get_by_role("row").filter(has_text="Стал платным")).to_contain_text(
        f"тариф «Бизнес на год», оплачен до {shown}"
    )
    phone_sized(page)

    page.get_by_role("navigation").get_by_role("link", name="Обзор").click()
    expect(page.get_by_role("row").filter(has_text=f"запись оплаты: {number}")).to_contain_text(
        f"тариф «Бизнес на год», оплачен до {shown}"
    )

    page.go_back()
    page.get_by_label("Другое", exact=True).check()
    page.get_by_role("button", name="Записать уход").click()
    reason = page.get_by_label("Своими словами")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reason-error")).to_have_text(
        "Напишите в двух словах, почему клиент ушёл: выбрана причина «Другое»."
    )
    expect(page.get_by_label("Другое", exact=True)).to_be_checked()
    phone_sized(page)

    page.get_by_label("Перешёл к другому партнёру").check()
    reason.fill("Обслуживается у соседей по офису")
    page.get_by_role("button", name="Записать уход").click()

    expect(page.get_by_role("status")).to_have_text("Уход клиента записан.")
    expect(card.get_by_role("row").filter(has_text="Статус")).to_contain_text("Ушёл")
    left = history.get_by_role("row").filter(has=page.get_by_role("cell", name="Ушёл", exact=True))
    expect(left).to_contain_text("Перешёл к другому партнёру: Обслуживается у соседей по офису")
    expect(history.get_by_role("row").filter(has_text="запись ухода клиента")).to_be_visible()
    phone_sized(page)
