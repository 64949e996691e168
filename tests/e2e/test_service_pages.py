"""The pages the registration service renders itself look like the storefront they belong to:
the same stylesheets, served by the service (so a page works whatever the partner's published
copy of the site holds), the honeypot and the skip link hidden, and nothing axe finds serious."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from registration_api.domain import api_keys
from tests.support import Storefronts

#: Each example site in the theme its site.yaml names: the one the service renders it in.
SITES = {"oblako-plus": "bright", "buhcentr": "corporate"}

#: What makes a page look like the storefront: (selector, computed properties).
LOOKS = (
    ("body", ("font-family", "color", "background-color")),
    (".site-header", ("background-color", "color", "border-bottom-color")),
    (".brand", ("color", "font-weight")),
    (".button-primary", ("background-color", "color", "border-radius")),
    ("h1", ("font-family", "font-size", "color")),
)

axe = Axe()


def looks(page: Page) -> dict[str, dict[str, str]]:
    """The computed style of the first element of each selector of :data:`LOOKS`."""
    return page.evaluate(
        """(looks) => Object.fromEntries(looks.map(([selector, properties]) => {
            const element = document.querySelector(selector);
            const style = element && getComputedStyle(element);
            return [selector, style ? Object.fromEntries(properties.map(p => [p, style.getPropertyValue(p)])) : null];
        }))""",
        [[selector, list(properties)] for selector, properties in LOOKS],
    )


def hidden_helpers(page: Page) -> dict[str, bool]:
    """Whether the honeypot field and the skip link are out of sight (as they must be until focused)."""
    return page.evaluate(
        """() => {
            const out = (selector) => {
                const element = document.querySelector(selector);
                if (!element) return null;
                const box = element.getBoundingClientRect();
                return box.right <= 0 || box.bottom <= 0 || box.left >= innerWidth || box.width * box.height <= 1;
            };
            return {honeypot: out('.field-honeypot'), skip: out('.skip-link')};
        }"""
    )


def stylesheets_loaded_from(page: Page) -> list[str]:
    """The address of every stylesheet the page loaded with rules in it."""
    return page.evaluate(
        "() => [...document.styleSheets].filter(s => s.href && s.cssRules.length > 0).map(s => s.href)"
    )


def serious(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def storefront_looks(page: Page, storefronts: Storefronts, site: str) -> dict[str, dict[str, str]]:
    page.goto(storefronts.url(SITES[site], site, "register/trial/"))
    seen = looks(page)
    assert all(seen.values()), seen
    return seen


def assert_looks_like_the_storefront(page: Page, storefronts: Storefronts, expected) -> None:
    sheets = stylesheets_loaded_from(page)
    assert sheets and all(href.startswith(storefronts.api.url + "/sites/") for href in sheets), sheets
    assert looks(page) == expected
    assert hidden_helpers(page) == {"honeypot": True, "skip": True}
    assert serious(page) == []


@pytest.mark.parametrize("site", sorted(SITES))
def test_the_form_shown_again_looks_like_the_storefront(page: Page, storefronts: Storefronts, site):
    expected = storefront_looks(page, storefronts, site)
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_selector(".field-error")
    assert page.url.startswith(storefronts.api.url), "the page shown again is the service's"
    assert_looks_like_the_storefront(page, storefronts, expected)
    page.keyboard.press("Tab")  # the skip link appears when it is reached with the keyboard
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert not hidden_helpers(page)["skip"]


@pytest.mark.parametrize("site", sorted(SITES))
def test_an_invitation_looks_like_the_storefront(page: Page, storefronts: Storefronts, site):
    expected = storefront_looks(page, storefronts, site)
    api = storefronts.api
    key = api_keys.create(api.service.engine, site, "e2e", dt.datetime.now(dt.UTC))
    with api.client() as client:
        answer = client.post(f"/api/v1/sites/{site}/invitations", json={}, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 201, answer.text
    [code] = answer.json()["codes"]
    page.goto(f"{api.url}/invite/{code}")
    expect(page.locator("h1")).to_contain_text("Приглашение от")
    assert_looks_like_the_storefront(page, storefronts, expected)


@pytest.mark.parametrize("path", ["/invite/NOPE-NOPE-NOPE-NOPE", "/"])
def test_the_services_own_pages_are_readable(page: Page, storefronts: Storefronts, path):
    page.goto(storefronts.api.url + path)
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    assert serious(page) == []


def test_the_honeypot_and_skip_link_stay_hidden_when_no_stylesheet_loads(page: Page, storefronts: Storefronts):
    page.route("**/*.css", lambda route: route.abort())
    page.goto(storefronts.url("bright", "oblako-plus", "register/trial/"))
    unstyled = "getComputedStyle(document.querySelector('.button-primary')).borderRadius"
    assert page.evaluate(unstyled) == "0px", "the theme's stylesheet did not load"
    assert hidden_helpers(page) == {"honeypot": True, "skip": True}
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_selector(".field-error")
    assert page.url.startswith(storefronts.api.url)
    assert page.evaluate(unstyled) == "0px"
    assert hidden_helpers(page) == {"honeypot": True, "skip": True}
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert not hidden_helpers(page)["skip"]
