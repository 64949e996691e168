"""An operator opens the subscriptions ending from the cabinet's menu in Chromium at a phone's
width: sees whose trial ends in three days, whose ended yesterday and who extended it, follows a
subscriber's number to its page; the page is accessible and no wider than the phone."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from registration_api.domain.signups import utc_now
from tests.e2e.cabinet_steps import SITE, phone_sized, sign_in
from tests.registration_api.domain.test_ending import add
from tests.support import Storefronts


def test_an_operator_sees_the_subscriptions_ending_and_opens_a_subscriber(page: Page, storefronts: Storefronts):
    service = storefronts.api.service
    today = utc_now().astimezone(service.settings.timezone).date()
    engine = service.engine
    soon = add(engine, "Ольга Скорова", 3, today=today, site_id=SITE, company="ООО «Бухгалтерия и партнёры»")
    add(engine, "Вера Вчерашняя", -1, "expired", today=today, site_id=SITE)
    add(engine, "Эдуард Продливший", 6, today=today, site_id=SITE, extended_at=utc_now() - dt.timedelta(hours=2))
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, storefronts)

    page.get_by_role("navigation").get_by_role("link", name="Окончание подписок").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Окончание подписок")
    ending = page.locator("section", has=page.get_by_role("heading", name="Заканчиваются в ближайшие 14 дней"))
    row = ending.get_by_role("row").filter(has_text="Ольга Скорова")
    expect(row).to_contain_text("через 3 дня")
    expect(row).to_contain_text("ООО «Бухгалтерия и партнёры»")
    ended = page.locator("section", has=page.get_by_role("heading", name="Закончились за последние 14 дней"))
    expect(ended.get_by_role("row").filter(has_text="Вера Вчерашняя")).to_contain_text("вчера")
    extended = page.locator("section", has=page.get_by_role("heading", name="Клиенты продлили сами"))
    expect(extended.get_by_role("row").filter(has_text="Эдуард Продливший")).to_be_visible()
    phone_sized(page)

    number = row.get_by_role("link", name=soon, exact=True)
    expect(number).to_have_attribute("href", f"/cabinet/{SITE}/subscribers/{soon}")
    number.click()
    expect(page).to_have_url(re.compile(rf"/cabinet/{SITE}/subscribers/{soon}$"))
