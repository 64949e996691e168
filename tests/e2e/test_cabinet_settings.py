"""The cabinet's settings in Chromium at a phone's width: an operator creates an API key, copies it
from the one page that shows it, sees the partner's API take it, revokes it and sees the API refuse
it; sees a webhook event that failed and sends it again; copies a registration page's code with
its button and finds it to be the published snippet.html. Every page is accessible and no wider
than the phone, and the pages run no script but their own."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from registration_api.domain import webhook_events
from registration_api.storage.tables import outbox
from tests.e2e.cabinet_steps import SITE, phone_sized, sign_in
from tests.support import Storefronts, wait_until

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#: A receiver the service never posts to: ``localhost`` is not a public address.
HOOK = "http://localhost:9/hooks/storefront"


@pytest.fixture
def phone(page: Page, storefronts: Storefronts) -> Page:
    """The operator signed in on a phone, its clipboard open to the cabinet's page."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=storefronts.api.url)
    sign_in(page, storefronts)
    return page


@pytest.fixture
def webhook(storefronts: Storefronts) -> Iterator[int]:
    """The partner's site.yaml names a webhook (taken back afterwards), and one event for it is in
    the outbox: its id."""
    service = storefronts.api.service
    yaml_file = storefronts.sites_dir / SITE / "site.yaml"
    before = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(before + f'\nwebhook:\n  url: {HOOK}\n  secret: "{SECRET}"\n', encoding="utf-8")
    wait_until(lambda: service.sites.get(SITE).site.config.webhook, message="the site with its webhook")
    event = webhook_events.event_row(
        service.sites.get(SITE), "subscriber.registered", {"subscriber_number": "009999"}, service.clock()
    )
    with service.engine.begin() as conn:
        event_id = int(conn.execute(outbox.insert().values(event).returning(outbox.c.id)).scalar_one())
    yield event_id
    yaml_file.write_text(before, encoding="utf-8")
    wait_until(lambda: service.sites.get(SITE).site.config.webhook is None, message="the site without its webhook")


def api_status(storefronts: Storefronts, key: str) -> int:
    """What the partner's API answers a program that sends ``key``."""
    answer = httpx.get(
        f"{storefronts.api.url}/api/v1/sites/{SITE}/subscribers", headers={"Authorization": f"Bearer {key}"}
    )
    return answer.status_code


def test_a_key_is_created_copied_once_and_revoked(phone: Page, storefronts: Storefronts):
    page = phone
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Настройки")
    phone_sized(page)
    page.get_by_role("link", name="API-ключи").first.click()
    page.get_by_label("Для чего ключ").fill("CRM")
    page.get_by_role("button", name="Создать ключ").click()
    expect(page.get_by_role("heading", name="Новый ключ «CRM»")).to_be_visible()
    key = page.get_by_label("API-ключ").input_value()
    assert re.fullmatch(r"sfk_[A-Za-z0-9_-]{40}", key)
    page.get_by_role("button", name="Копировать").click()
    expect(page.get_by_role("status").filter(has_text="Скопировано.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    phone_sized(page)
    assert api_status(storefronts, key) == 200

    page.get_by_role("link", name="API-ключи").first.click()
    assert key not in page.content(), "shown once"
    expect(page.get_by_role("cell", name=f"{key[:12]}…")).to_be_visible()
    page.get_by_role("link", name=f"Отозвать ключ {key[:12]}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Отозвать ключ {key[:12]}?")
    phone_sized(page)
    page.get_by_role("button", name="Да, отозвать ключ").click()
    expect(page.get_by_role("status")).to_have_text(f"Ключ {key[:12]} отозван: запросы с ним получают отказ.")
    phone_sized(page)
    assert api_status(storefronts, key) == 401


def test_a_failed_webhook_event_is_listed_and_sent_again(phone: Page, storefronts: Storefronts, webhook: int):
    page = phone
    service = storefronts.api.service
    wait_until(lambda: failed_attempts(service, webhook) >= 1, message="the first attempt")
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/settings/webhooks")
    event = page.get_by_role("listitem").filter(has_text=f"#{webhook} subscriber.registered")
    expect(event).to_contain_text("Ещё не доставлено")
    expect(event).to_contain_text("абонент 009999")
    expect(event).to_contain_text("not a public address")
    phone_sized(page)
    attempts = failed_attempts(service, webhook)
    event.get_by_role("button", name=f"Отправить сейчас: #{webhook}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Событие #{webhook} поставлено в очередь")
    wait_until(lambda: failed_attempts(service, webhook) > attempts, message="the attempt made at once")
    phone_sized(page)


def failed_attempts(service, event_id: int) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(outbox.select().where(outbox.c.id == event_id)).one().attempts)


def test_a_registration_pages_code_is_copied_with_its_button(phone: Page, storefronts: Storefronts):
    page = phone
    page.goto(f"{storefronts.api.url}/cabinet/{SITE}/settings")
    page.get_by_role("link", name="Страницы регистрации").first.click()
    section = page.get_by_role("region", name="Бесплатный доступ на 30 дней")
    expect(section.get_by_role("link", name="Инструкция для веб-разработчика")).to_have_attribute(
        "href", "https://oblako-plus.example/register/trial/embed/"
    )
    code = section.get_by_label("HTML-код для вставки на ваш сайт")
    published = httpx.get(storefronts.url("bright", SITE, "register/trial/snippet.html")).text
    assert code.input_value() == published, "the code is the published snippet.html"
    phone_sized(page)
    section.get_by_role("button", name="Копировать").click()
    expect(section.get_by_role("status")).to_have_text("Скопировано.")
    assert page.evaluate("navigator.clipboard.readText()") == published
    injected = page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
        document.body.append(s); return window.injected === undefined; }"""
    )
    assert injected, "the page's policy runs no script but the copy button's"
