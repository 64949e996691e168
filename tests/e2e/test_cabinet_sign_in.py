"""An operator signs in to the partner's cabinet in Chromium at a phone's width: types the
address, takes the link from the e-mail the real SMTP server received, presses «Войти», sees
the partner's page and its audit log, and signs out; the pages are accessible."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.support import Storefronts, wait_until

OPERATOR = "sales@oblako-plus.example"

axe = Axe()


def serious(page: Page) -> list[str]:
    """What axe finds serious or critical (the pages' Content-Security-Policy does not stop it)."""
    found = axe.run(page).response
    assert found["passes"], "axe ran"
    return [f"{v['id']}: {v['help']}" for v in found["violations"] if v["impact"] in ("serious", "critical")]


def test_an_operator_signs_in_with_the_e_mailed_link_and_signs_out(page: Page, storefronts: Storefronts):
    page.set_viewport_size({"width": 360, "height": 740})
    api, mailbox = storefronts.api, storefronts.smtp.mailbox
    before = len(mailbox.to(OPERATOR))
    page.goto(f"{api.url}/cabinet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в кабинет партнёра")
    assert serious(page) == []
    page.get_by_label("Ваш адрес электронной почты").fill(OPERATOR)
    page.get_by_role("button", name="Прислать ссылку").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверьте почту")

    mail = wait_until(lambda: mailbox.to(OPERATOR)[before:], message="the sign-in e-mail")[0]
    link = re.search(r"http://\S+/cabinet/sign-in/\S+", mail.get_body("plain").get_content())
    assert link, "the e-mail carries the link"
    page.goto(link.group(0))
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

    page.goto(link.group(0))
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ссылка больше не действует")
