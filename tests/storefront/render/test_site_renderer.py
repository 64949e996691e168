"""Rendering one page of a site, as the registration service does with ``storefront``'s public
``load_site`` and ``SiteRenderer``: the same page the build publishes, the visitor's values and
errors filled in, forms posting to the API, and the theme's page when the partner's fails."""

from __future__ import annotations

from lxml import html

from storefront import SiteRenderer, load_site
from tests.support import build_in_process

API_URL = "https://api.partner.example/"


def test_a_page_rendered_alone_is_the_page_the_build_publishes(sites):
    folder = sites.make()
    public = build_in_process(sites.root, "--api-url", API_URL) / "demo"
    renderer = SiteRenderer(load_site(folder), API_URL)
    for url, published in (("register/trial/", "register/trial/index.html"), ("tariffs/", "tariffs/index.html")):
        assert renderer.render_page(renderer.page(url)) == (public / published).read_text(encoding="utf-8"), url


def test_forms_post_to_the_registration_api(sites):
    folder = sites.make()
    public = build_in_process(sites.root, "--api-url", API_URL.rstrip("/")) / "demo"
    page = html.parse(str(public / "register" / "trial" / "index.html")).getroot()
    assert page.xpath("//form/@action") == [f"{API_URL}r/demo/trial"]
    assert SiteRenderer(load_site(folder), API_URL).api_url == API_URL


def test_a_visitors_values_and_errors_fill_the_form(sites):
    renderer = SiteRenderer(load_site(sites.make()), API_URL)
    form = {"values": {"name": "Анна <b>", "email": "anna@client"}, "errors": {"email": "Проверьте адрес"}}
    page = html.fromstring(renderer.render_page(renderer.page("register/trial/"), form=form))
    assert page.get_element_by_id("sf-name").get("value") == "Анна <b>", "escaped, shown as typed"
    assert page.get_element_by_id("sf-email").get("aria-invalid") == "true"
    assert page.get_element_by_id("sf-email-error").text_content() == "Проверьте адрес"
    assert page.get_element_by_id("sf-name").get("aria-invalid") is None


def test_the_themes_page_stands_in_for_a_partners_own_template(sites):
    folder = sites.make()
    (folder / "templates").mkdir()
    (folder / "templates" / "register.html").write_text("<p>Своя страница регистрации</p>", encoding="utf-8")
    renderer = SiteRenderer(load_site(folder), API_URL)
    page = renderer.page("register/trial/")
    assert renderer.render_page(page) == "<p>Своя страница регистрации</p>"
    theme_page = html.fromstring(renderer.render_theme_page(page))
    assert theme_page.xpath("//form/@action") == [f"{API_URL}r/demo/trial"]
    assert "Своя страница" not in renderer.render_theme_page(page)
