"""An operator hands out invitations in Chromium at a phone's width: e-mails one to a person, who
opens it from the real SMTP server's copy and gets a trial; makes a batch of codes and downloads
just that batch as CSV and XLSX; sees the list with each code's subscriber and activation day,
filtered by state. Every page is accessible and no wider than the phone."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.cabinet_steps import SITE, downloaded, phone_sized, sign_in
from tests.e2e.test_registration_flow import fill_form, stored, unique_email
from tests.support import Storefronts, wait_until


def test_an_operator_invites_a_person_and_hands_out_a_batch(page: Page, storefronts: Storefronts):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, storefronts)
    page.get_by_role("link", name="Приглашения").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Приглашения")
    phone_sized(page)

    person = unique_email()
    page.get_by_label("Почта приглашаемого (необязательно)").fill(person)
    page.get_by_label("Дней пробного периода").fill("14")
    page.get_by_role("button", name="Создать").click()
    created = page.locator("section", has=page.get_by_role("heading", name=re.compile("Создано 1 приглашение")))
    [code] = created.locator("code").all_inner_texts()

    mail = wait_until(lambda: storefronts.smtp.mailbox.to(person), message="the invitation e-mail")[0]
    link = re.search(r"http://\S+/invite/\S+", mail.get_body("plain").get_content())
    assert link and code in link.group(0), "the e-mail carries the code's link"
    page.goto(link.group(0))
    fill_form(page, "Пётр Приглашённый", person)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Доступ открыт")
    number = stored(storefronts, person).number

    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/invitations")
    page.get_by_label("Сколько кодов").fill("3")
    page.get_by_role("button", name="Создать").click()
    batch = page.locator("section", has=page.get_by_role("heading", name=re.compile("Создано 3 приглашения")))
    codes = sorted(batch.locator("code").all_inner_texts())
    assert len(codes) == 3
    phone_sized(page)
    rows = list(csv.reader(io.StringIO(downloaded(page, "CSV").decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == codes, "the file holds just this batch"
    sheet = load_workbook(io.BytesIO(downloaded(page, "Excel (XLSX)"))).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == codes

    page.get_by_label("Показать").select_option(label="Использованные")
    page.get_by_role("button", name="Показать").click()
    listed = page.locator("section", has=page.get_by_role("heading", name="Все приглашения")).locator("tbody tr")
    expect(listed.filter(has_text=code)).to_contain_text(number)
    expect(listed.filter(has_text=codes[0])).to_have_count(0)
    page.get_by_label("Показать").select_option(label="Ждут активации")
    page.get_by_role("button", name="Показать").click()
    expect(listed.filter(has_text=codes[0])).to_have_count(1)
    expect(listed.filter(has_text=code)).to_have_count(0)
    phone_sized(page)
