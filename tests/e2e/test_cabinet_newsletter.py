"""An operator opens the newsletter from the cabinet's menu in Chromium at a phone's width: reads
when issues go out and that the next one is the text the partner wrote, how many receive news,
and opens the e-mail itself, which runs in a sandbox of its own with its unsubscribe link inert;
the page is accessible and no wider than the phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.cabinet_steps import SITE, phone_sized, sign_in
from tests.registration_api.domain.newsletter_support import add_subscriber
from tests.support import Storefronts, wait_until

#: The hand-written issue of the example partner (sites/oblako-plus/newsletter/2027-01-12.md).
WRITTEN = "newsletter/2027-01-12.md"
SUBJECT = "Годовая отчётность в облаке — спокойно и без очередей"


@pytest.fixture(name="written_issue_next")
def written_issue_next_fixture(storefronts: Storefronts) -> Iterator[None]:
    """The partner's newsletter starts on the day of its hand-written issue (``starts:`` in its
    site.yaml, taken back afterwards), so that issue is the next one whatever today is."""
    service = storefronts.api.service
    yaml_file = storefronts.sites_dir / SITE / "site.yaml"
    before = yaml_file.read_text(encoding="utf-8")
    assert before.rstrip().endswith("sender: «Облако Плюс»"), "the newsletter: section ends the file"
    yaml_file.write_text(before.rstrip("\n") + "\n  starts: 2027-01-12\n", encoding="utf-8")

    def started() -> bool:
        newsletter = service.sites.get(SITE).site.config.newsletter
        return newsletter is not None and newsletter.starts is not None

    wait_until(started, message="the site with its newsletter's start")
    yield
    yaml_file.write_text(before, encoding="utf-8")
    wait_until(lambda: not started(), message="the site as it was")


def test_an_operator_reads_the_newsletter_and_opens_the_next_issue(
    page: Page, storefronts: Storefronts, written_issue_next
):
    for _ in range(2):
        add_subscriber(storefronts.api.service.engine, site_id=SITE)
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, storefronts)

    page.get_by_role("navigation").get_by_role("link", name="Рассылка").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Рассылка")
    schedule = page.locator("section", has=page.get_by_role("heading", name="Расписание"))
    expect(schedule).to_contain_text("Каждые 2 недели, по вторникам в 10:00 (Asia/Yekaterinburg)")
    coming = page.locator("section", has=page.get_by_role("heading", name="Следующий выпуск"))
    expect(coming).to_contain_text(f"Ваш текст: {WRITTEN}")
    expect(coming).to_contain_text(SUBJECT)
    audience = page.locator("section", has=page.get_by_role("heading", name="Кто получает новости"))
    expect(audience.get_by_role("link").first).not_to_have_text("0")
    phone_sized(page)

    page.get_by_role("link", name="Посмотреть письмо").click()

    expect(page).to_have_url(f"{storefronts.api.url}/cabinet/{SITE}/newsletter/next")
    expect(page.get_by_text("Начался январь")).to_be_visible()
    assert page.evaluate("window.origin") == "null", "the e-mail runs in a sandbox, apart from the cabinet"
    assert "unsubscribe.invalid" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the e-mail fits the phone"
