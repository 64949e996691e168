"""A visitor agrees to news and offers on a storefront's registration page, in every theme: a box
of its own, unticked until they tick it, stored with the time and the wording they read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_registration_flow import fill_form, stored, unique_email
from tests.support import THEMES, Storefronts

WORDING = "Я хочу получать от «Облако Плюс» новости и предложения по электронной почте."


@pytest.mark.parametrize("theme", THEMES)
def test_ticking_news_and_offers_stores_the_time_and_the_wording(page: Page, storefronts: Storefronts, theme: str):
    page.goto(storefronts.url(theme, "oblako-plus", "register/trial/"))
    news = page.get_by_role("checkbox", name=WORDING, exact=True)
    expect(news).not_to_be_checked()
    email = unique_email()
    fill_form(page, "Нина Орлова", email)  # ticks the personal-data consent only
    expect(news).not_to_be_checked()
    news.check()
    expect(page.get_by_role("checkbox", name=re.compile("согласен на обработку"))).to_be_checked()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/register/trial/thanks/$"))

    row = stored(storefronts, email)
    assert row is not None and row.news_consent_text == WORDING
    assert row.news_consent_at is not None and row.consent_at is not None
