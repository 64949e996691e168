"""The cabinet in Chromium against what a stranger or a mistake would try: an operator of one
partner opening another partner's pages, files and subscribers (and its API with its own key),
a form posted without the session's token, and a sign-in link opened too late."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from registration_api.domain import api_keys
from registration_api.storage.tables import sign_in_links
from tests.e2e.cabinet_steps import OPERATOR, SITE, sign_in, sign_in_link
from tests.e2e.test_cabinet_newsletter import written_issue_next_fixture  # noqa: F401  (a fixture)
from tests.e2e.test_registration_flow import unique_email
from tests.support import Storefronts

#: The other example partner's operator (sites/buhcentr/site.yaml: partner.notify).
STRANGER = "cloud-sales@buhcentr-sever.example"

#: Every kind of address under a partner's cabinet; ``{number}`` is one of its subscribers.
SECTIONS = (
    "",
    "subscribers",
    "subscribers?q=%D0%B0",
    "subscribers/{number}",
    "subscribers.csv",
    "subscribers.xlsx",
    "invitations",
    "invitations.csv",
    "ending",
    "newsletter",
    "newsletter/next",
    "settings",
)


@pytest.fixture(scope="module")
def number(storefronts: Storefronts) -> str:
    """A subscriber of the example partner, registered through its real form."""
    answer = httpx.post(
        f"{storefronts.api.url}/r/{SITE}/trial",
        headers={"Accept": "application/json"},
        data={
            "name": "Вера Соколова",
            "email": unique_email(),
            "phone": "+7 912 000-11-22",
            "consent": "yes",
        },
    )
    assert answer.status_code == 201 and "subscriber_number" in answer.json(), answer.text
    return str(answer.json()["subscriber_number"])


def _status(page: Page, address: str) -> int:
    """The status of ``address`` as the signed-in browser gets it (files included)."""
    return page.request.get(address, max_redirects=0).status


@pytest.mark.usefixtures("written_issue_next")  # the newsletter's next issue has an e-mail to look at
def test_an_operator_of_another_partner_finds_nothing_of_this_ones(page: Page, storefronts: Storefronts, number):
    base = f"{storefronts.api.url}/cabinet/{SITE}/"
    addresses = [base + section.format(number=number) for section in SECTIONS]

    sign_in(page, storefronts, OPERATOR)
    assert {a: _status(page, a) for a in addresses} == dict.fromkeys(addresses, 200), "the partner's own operator"
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, storefronts, STRANGER)
    assert {a: _status(page, a) for a in addresses} == dict.fromkeys(addresses, 404)
    page.goto(addresses[3])
    expect(page.get_by_role("heading", level=1)).to_have_text("Такой страницы нет")
    expect(page.get_by_text("Вера Соколова")).to_have_count(0)


def test_a_key_of_another_partner_reads_nothing_of_this_ones(storefronts: Storefronts, number):
    now = dt.datetime.now(dt.UTC)
    key = api_keys.create(storefronts.api.service.engine, "buhcentr", "isolation", now)
    api = httpx.Client(
        base_url=f"{storefronts.api.url}/api/v1/sites/{SITE}/", headers={"Authorization": f"Bearer {key}"}
    )
    answers = [
        api.get("subscribers"),
        api.get("invitations"),
        api.post(f"subscribers/{number}/gone", json={"reason": "a stranger says so"}),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert all("Вера" not in a.text for a in answers)
    still = [s for s in storefronts.api.subscribers() if s.number == number]
    assert [s.status for s in still] == ["trial"], "the stranger's departure changed nothing"


def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(page: Page, storefronts: Storefronts):
    sign_in(page, storefronts)
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/invitations")
    listed = page.locator("tbody tr").count()
    page.locator("main form[method=post] input[name=csrf]").first.evaluate("field => { field.value = 'forged' }")
    page.get_by_label("Сколько кодов").fill("3")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Форма устарела")
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/invitations")
    assert page.locator("tbody tr").count() == listed, "no codes were created"


def test_a_link_opened_after_its_15_minutes_signs_nobody_in(page: Page, storefronts: Storefronts):
    link = sign_in_link(page, storefronts)
    with storefronts.api.service.engine.begin() as conn:  # the quarter of an hour passes
        conn.execute(
            sa.update(sign_in_links)
            .where(sign_in_links.c.used_at.is_(None))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    page.goto(link)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ссылка больше не действует")
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход в кабинет партнёра")
