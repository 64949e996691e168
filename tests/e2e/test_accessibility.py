"""axe-core on every kind of page of every theme: no serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.support import THEMES

PAGE_TYPES = {
    "landing": "",
    "tariffs": "tariffs/",
    "applications": "apps/",
    "application": "apps/bp/",
    "faq": "faq/",
    "news": "news/",
    "news item": "news/unf-novye-vozmozhnosti/",
    "registration": "register/trial/",
    "thanks": "register/trial/thanks/",
    "embed instructions": "register/trial/embed/",
    "contacts": "contacts/",
    "privacy": "privacy/",
    "not found": "no-such-page/",
}
axe = Axe()


def serious(page: Page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("theme", THEMES)
def test_no_serious_violations_on_any_page_type(page: Page, storefronts, theme):
    found = {}
    for name, path in PAGE_TYPES.items():
        page.goto(storefronts.url(theme, "oblako-plus", path))
        violations = serious(page)
        if violations:
            found[name] = violations
    assert not found, found


@pytest.mark.parametrize("theme", THEMES)
def test_the_form_shown_again_with_errors_is_accessible(page: Page, storefronts, theme):
    page.goto(storefronts.url(theme, "buhcentr", "register/trial/"))
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_selector(".field-error")
    assert serious(page) == []
