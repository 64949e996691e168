"""The cabinet's settings: the page leading to its parts, and the registration pages with their
ready page, the code to paste (the same as the published snippet.html) and the instructions."""

from __future__ import annotations

import base64
import hashlib

import pytest
from lxml import html

from registration_api.web.cabinet_settings import COPY_SCRIPT
from tests.registration_api.web.test_cabinet_auth import SITE, sign_in, text_of
from tests.support import SERVICE_URL

SETTINGS = f"/cabinet/{SITE}/settings"
PAGES = f"{SETTINGS}/pages"


@pytest.fixture
def cabinet(cabinet):
    """The cabinet of tests/conftest.py, its operator signed in."""
    sign_in(cabinet)
    return cabinet


def test_the_menu_leads_to_the_settings_and_they_to_their_three_parts(cabinet):
    overview = html.fromstring(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert overview.xpath(f"//nav//a[@href='{SETTINGS}']/text()") == ["Настройки"]
    answer = cabinet.http.get(SETTINGS)
    assert answer.status_code == 200
    page = html.fromstring(answer.text)
    assert page.xpath("//nav[@class='menu']//a[@aria-current='page']/@href") == [SETTINGS]
    assert page.xpath("//section//h2/a/text()") == ["API-ключи", "Вебхуки", "Страницы регистрации"]
    assert page.xpath("//section//h2/a/@href") == [f"{SETTINGS}/keys", f"{SETTINGS}/webhooks", PAGES]
    shown = text_of(answer.text)
    assert "Действующих ключей нет." in shown
    assert "Вебхук не настроен." in shown
    assert "3 страницы, у каждой свой код для вставки." in shown
    cabinet.partner_key(SITE)
    assert "1 действующий ключ." in text_of(cabinet.http.get(SETTINGS).text)


def test_each_registration_page_has_its_address_code_and_instructions(cabinet):
    answer = cabinet.http.get(PAGES)
    assert answer.status_code == 200
    page = html.fromstring(answer.text)
    assert page.xpath("//nav[@class='parts']//a[@aria-current='page']/text()") == ["Страницы регистрации"]
    titles = page.xpath("//section/h2/text()")
    assert titles == ["Бесплатный доступ на 30 дней", "1С:Касса — 14 дней бесплатно", "Учёт для ИП — месяц бесплатно"]
    [trial] = page.xpath("//section[@aria-labelledby='page-trial']")
    links = dict(zip(trial.xpath(".//a/text()"), trial.xpath(".//a/@href"), strict=True))
    assert links == {
        "https://oblako-plus.example/register/trial/": "https://oblako-plus.example/register/trial/",
        "Инструкция для веб-разработчика": "https://oblako-plus.example/register/trial/embed/",
        "Код отдельным файлом": "https://oblako-plus.example/register/trial/snippet.html",
    }
    assert "30 дней, тариф «Бизнес»" in " ".join(trial.text_content().split())
    [label] = trial.xpath(".//label[@for='code-trial']/text()")
    assert label == "HTML-код для вставки на ваш сайт"
    [code] = trial.xpath(".//textarea[@id='code-trial'][@readonly]/text()")
    form = html.fromstring(code).xpath("//form")[0]
    assert form.get("action") == f"{SERVICE_URL}/r/{SITE}/trial", "the code's form posts to this service"
    assert form.xpath(".//input[@name='email']") and "Бесплатный доступ на 30 дней" in code


def test_the_code_is_what_the_build_publishes_as_snippet_html(cabinet):
    """The storefront's build renders snippet.html with the same renderer; posting to this service,
    both are the same text."""
    partner = cabinet.app.state.service.sites.get(SITE)
    renderer = partner.renderer
    built = renderer.render_page(
        renderer.page("register/kassa/snippet.html"), form_action=f"{SERVICE_URL}/r/{SITE}/kassa"
    )
    [code] = html.fromstring(cabinet.http.get(PAGES).text).xpath("//textarea[@id='code-kassa']/text()")
    assert code == built


def test_the_copy_button_comes_with_its_one_script_allowed_by_hash(cabinet):
    answer = cabinet.http.get(PAGES)
    page = html.fromstring(answer.text)
    buttons = page.xpath("//button[@data-copy]")
    assert [b.get("data-copy") for b in buttons] == ["code-trial", "code-kassa", "code-ip"]
    assert all(b.get("hidden") is not None and b.text == "Копировать" for b in buttons), "shown by the script only"
    assert buttons[0].get("data-copied") == "Скопировано."
    [script] = page.xpath("//script")
    assert script.text == COPY_SCRIPT
    digest = base64.b64encode(hashlib.sha256(COPY_SCRIPT.encode()).digest()).decode()
    assert answer.headers["content-security-policy"].endswith(f"; script-src 'sha256-{digest}'")
    assert not html.fromstring(cabinet.http.get(SETTINGS).text).xpath("//script"), "no script where no button"


def test_an_english_partners_settings_are_in_english(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("locale: ru", "locale: en"), encoding="utf-8")
    service = make_in_process_api()
    sign_in(service)
    shown = text_of(service.http.get(PAGES).text)
    assert "HTML code to paste into your website" in shown and "Instructions for your web developer" in shown
    assert "No webhook is set up." in text_of(service.http.get(SETTINGS).text)
