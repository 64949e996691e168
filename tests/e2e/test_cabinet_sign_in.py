"""An operator signs in to the partner's cabinet in Chromium at a phone's width: types the
address, takes the link from the e-mail the real SMTP server received, presses «Войти», sees
the partner's page and its audit log, and signs out; the pages are accessible."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.cabinet_steps import serious, sign_in_link
from tests.support import Storefronts


def test_an_operator_signs_in_with_the_e_mailed_link_and_signs_out(page: Page, storefronts: Storefronts):
    page.set_viewport_size({"width": 360, "height": 740})
    api = storefronts.api
    page.goto(f"{api.url}/cabinet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в кабинет партнёра")
    assert serious(page) == []
    link = sign_in_link(page, storefronts)
    page.goto(link)
    assert serious(page) == []
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Облако Плюс")
    expect(page).to_have_url(re.compile(r"/cabinet/oblako-plus/$"))
    expect(page.get_by_role("cell", name="вход в кабинет").first).to_be_visible()
    assert serious(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "nothing wider than the phone"

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в кабинет партнёра")
    page.goto(f"{api.url}/cabinet/oblako-plus/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в кабинет партнёра")

    page.goto(link)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ссылка больше не действует")
