"""What the cabinet's browser tests do again and again: sign an operator in through the link
e-mailed to it (read from the real SMTP server), and ask axe what it finds serious."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from registration_api.web.rate_limit import RateLimiter
from registration_api.web.service import SIGN_INS_PER_ADDRESS, SIGN_INS_PER_CLIENT
from tests.support import Storefronts, wait_until

#: The example partner's operator (``sites/oblako-plus/site.yaml``: partner.notify).
OPERATOR = "sales@oblako-plus.example"
SITE = "oblako-plus"

_axe = Axe()
_LINK = re.compile(r"http://\S+/cabinet/sign-in/\S+")


def serious(page: Page) -> list[str]:
    """What axe finds serious or critical (the pages' Content-Security-Policy does not stop it)."""
    found = _axe.run(page).response
    assert found["passes"], "axe ran"
    return [f"{v['id']}: {v['help']}" for v in found["violations"] if v["impact"] in ("serious", "critical")]


def phone_sized(page: Page) -> None:
    """Nothing serious for axe, and nothing wider than the phone (360 px)."""
    assert serious(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "nothing wider than the phone"


def downloaded(page: Page, link: str) -> bytes:
    """The file the link of exactly this name downloads, as the browser saved it."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link, exact=True).click()
    return download.value.path().read_bytes()


def sign_in_link(page: Page, storefronts: Storefronts, operator: str = OPERATOR) -> str:
    """Ask the cabinet for a sign-in link for ``operator`` and return the one the e-mail carries.

    The service's sign-in limits start afresh, as for each test of the in-process service: the
    tests sign in more often than a minute's limit allows (the limits have tests of their own)."""
    service = storefronts.api.service
    service.sign_ins_by_client = RateLimiter(SIGN_INS_PER_CLIENT)
    service.sign_ins_by_address = RateLimiter(SIGN_INS_PER_ADDRESS)
    mailbox = storefronts.smtp.mailbox
    before = len(mailbox.to(operator))
    page.goto(f"{storefronts.api.url}/cabinet/")
    page.get_by_label("Ваш адрес электронной почты").fill(operator)
    page.get_by_role("button", name="Прислать ссылку").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверьте почту")

    def links() -> list[str]:
        """The links of the e-mails since: the operator may be told of sign-ups meanwhile too."""
        texts = (mail.get_body("plain").get_content() for mail in mailbox.to(operator)[before:])
        return [found.group(0) for text in texts if (found := _LINK.search(text))]

    return wait_until(links, message="the sign-in e-mail")[0]


def sign_in(page: Page, storefronts: Storefronts, operator: str = OPERATOR) -> None:
    """Sign ``operator`` in through its e-mailed link; the page is then the cabinet it lands on."""
    page.goto(sign_in_link(page, storefronts, operator))
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
