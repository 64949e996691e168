"""A newsletter's recipient leaves it from the link in the e-mail, in a real browser and in every
theme: the page looks like the partner's storefront, is readable on a phone and by axe, and one
press of its button unsubscribes; the double opt-in link confirms the same way."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from registration_api.domain import news_audience
from registration_api.settings import Settings
from registration_api.storage.tables import subscribers
from tests.e2e.cabinet_steps import phone_sized
from tests.e2e.test_registration_flow import unique_email
from tests.e2e.test_service_pages import looks
from tests.support import REPO, THEMES, Api, Storefronts, valid_form

#: The example partner, whose storefront the ``storefronts`` fixture builds in every theme.
PARTNER = "oblako-plus"


def site_in(theme: str) -> str:
    """The id of the example partner's copy that the service renders in ``theme``."""
    return f"{PARTNER}-{theme}"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Api]:
    """The registration service with the example partner once in each theme (its site.yaml names
    one theme: the ``storefronts`` fixture's service renders each site in that one only)."""
    root: Path = tmp_path_factory.mktemp("news-pages")
    for theme in THEMES:
        copy = root / "sites" / site_in(theme)
        shutil.copytree(REPO / "sites" / PARTNER, copy)
        config = copy / "site.yaml"
        text = config.read_text(encoding="utf-8")
        assert text.count("\n  theme: bright\n") == 1
        config.write_text(text.replace("\n  theme: bright\n", f"\n  theme: {theme}\n"), encoding="utf-8")
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{root / 'registrations.sqlite3'}",
            "VAR_DIR": str(root / "var"),
            "MAIL_FROM": "robot@storefront.example",
            "RATE_LIMIT_PER_MINUTE": "10000",
        },
        sites_dir=root / "sites",
    )
    api = Api(settings, clock=lambda: dt.datetime.now(dt.UTC), background=False).start()
    yield api
    api.stop()


def subscriber(api: Api, site: str) -> tuple[str, str]:
    """A real sign-up with consent to news: its number and e-mail address."""
    email = unique_email()
    answer = httpx.post(
        f"{api.url}/r/{site}/trial", data=valid_form(email=email, news="yes"), headers={"Accept": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["subscriber_number"]), email


def news_of(api: Api, number: str):
    with api.service.engine.connect() as conn:
        return conn.execute(sa.select(subscribers).where(subscribers.c.number == number)).one()


def storefront_looks(page: Page, storefronts: Storefronts, theme: str) -> dict[str, dict[str, str]]:
    """How the partner's own storefront in ``theme`` looks (its registration page)."""
    page.goto(storefronts.url(theme, PARTNER, "register/trial/"))
    seen = looks(page)
    assert all(seen.values()), seen
    return seen


@pytest.mark.parametrize("theme", THEMES)
def test_a_subscriber_unsubscribes_with_one_press_in_every_theme(
    page: Page, storefronts: Storefronts, service: Api, theme
):
    page.set_viewport_size({"width": 360, "height": 740})
    expected = storefront_looks(page, storefronts, theme)
    refused = []  # what the page's Content-Security-Policy stopped: nothing the theme needs
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    site = site_in(theme)
    number, email = subscriber(service, site)
    page.goto(news_audience.link(service.url, service.service.link_secret, "unsubscribe", site, number))

    expect(page.get_by_role("heading", level=1)).to_have_text("Отписаться от рассылки компании «Облако Плюс»?")
    expect(page.locator("main")).to_contain_text(f"{email[0]}***@client.example")
    sheets = page.evaluate("() => [...document.styleSheets].filter(s => s.href && s.cssRules.length).map(s => s.href)")
    assert sheets and all(href.startswith(f"{service.url}/sites/{site}/assets/") for href in sheets), sheets
    assert looks(page) == expected, "the page looks like the partner's storefront in its theme"
    phone_sized(page)
    assert news_of(service, number).news_unsubscribed_at is None, "opening the page changes nothing"

    page.get_by_role("button", name="Отписаться").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Вы отписались")
    expect(page.get_by_role("link", name="Написать нам")).to_have_attribute("href", "mailto:hello@oblako-plus.example")
    phone_sized(page)
    assert news_of(service, number).news_unsubscribed_at is not None
    assert refused == []


def test_a_subscriber_confirms_the_subscription(page: Page, service: Api):
    site = site_in("minimal")
    number, _email = subscriber(service, site)
    with service.service.engine.begin() as conn:  # the partner asks for double opt-in: not yet confirmed
        conn.execute(subscribers.update().where(subscribers.c.number == number).values(news_confirmed_at=None))
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(news_audience.link(service.url, service.service.link_secret, "confirm", site, number))

    expect(page.get_by_role("heading", level=1)).to_have_text("Подтвердите подписку на новости компании «Облако Плюс»")
    phone_sized(page)
    page.get_by_role("button", name="Подтвердить подписку").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Подписка подтверждена")
    phone_sized(page)
    assert news_of(service, number).news_confirmed_at is not None
