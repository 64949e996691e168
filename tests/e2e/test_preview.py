"""``storefront serve`` as marketing staff use it: edits show up in the open browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from storefront import language
from storefront.preview import static_server
from tests.support import REPO, THEMES, wait_until


@pytest.fixture
def preview(start_preview):
    return start_preview()


def test_a_changed_news_title_appears_without_a_manual_reload(page: Page, preview):
    url, site = preview
    page.goto(f"{url}/news/unf-novye-vozmozhnosti/")
    news = site / "news" / "2026-03-16-unf-novye-vozmozhnosti.md"
    news.write_text(re.sub(r"^title: .*$", 'title: "Весеннее обновление УНФ"', news.read_text(), count=1, flags=re.M))
    expect(page.locator("h1")).to_have_text("Весеннее обновление УНФ", timeout=10_000)


def test_a_broken_site_yaml_shows_the_overlay_until_it_is_fixed(page: Page, preview):
    url, site = preview
    page.goto(f"{url}/tariffs/")
    yaml_file = site / "site.yaml"
    good = yaml_file.read_text()
    yaml_file.write_text(good.replace("    sessions: 5", "    sessions: много", 1))
    overlay = page.locator("#storefront-error-overlay")
    expect(overlay).to_be_visible(timeout=10_000)
    expect(overlay).to_contain_text(re.compile(r"sites/oblako-plus/site\.yaml:\d+:\d+: tariffs.+\.sessions: "))
    page.reload()
    expect(overlay).to_be_visible(timeout=10_000)
    yaml_file.write_text(good)
    expect(overlay).to_have_count(0, timeout=10_000)
    expect(page.locator("h1")).to_have_text("Тарифы")


def test_a_css_change_is_applied_without_reloading_the_page(page: Page, start_preview, tmp_path):
    theme = tmp_path / "themes" / "promo"
    (theme / "static" / "css").mkdir(parents=True)
    (theme / "theme.yaml").write_text("title: Promo\nparent: bright\n")
    stylesheet = theme / "static" / "css" / "promo.css"
    stylesheet.write_text("h1 { color: rgb(10, 20, 30); }\n")
    url, _ = start_preview("--theme", "promo")
    page.goto(f"{url}/")
    expect(page.locator("h1")).to_have_css("color", "rgb(10, 20, 30)")
    page.evaluate("window.sameDocument = true")
    stylesheet.write_text("h1 { color: rgb(120, 20, 30); }\n")
    expect(page.locator("h1")).to_have_css("color", "rgb(120, 20, 30)", timeout=10_000)
    assert page.evaluate("window.sameDocument === true"), "the stylesheet was swapped, the page not reloaded"


def test_the_registration_form_works_in_the_preview(page: Page, preview):
    url, site = preview
    page.goto(f"{url}/register/trial/")
    page.get_by_label("Имя и фамилия").fill("Из превью")
    page.get_by_label("Электронная почта").fill("preview@client.example")
    page.get_by_label("Телефон").fill("+7 912 345 67 89")
    page.get_by_role("checkbox", name=re.compile("согласен")).check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(f"{url}/register/trial/thanks/")
    maildir = site.parent.parent / "var" / "mail" / "new"
    wait_until(lambda: maildir.is_dir() and len(list(maildir.iterdir())) == 2, message="two e-mails in the Maildir")


@pytest.mark.parametrize("theme", THEMES)
def test_the_error_overlay_is_readable_in_every_theme(page: Page, start_preview, theme):
    url, site = start_preview("--theme", theme)
    page.goto(f"{url}/tariffs/")
    yaml_file = site / "site.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("    sessions: 5", "    sessions: много", 1))
    overlay = page.locator("#storefront-error-overlay")
    expect(overlay).to_be_visible(timeout=10_000)
    results = Axe().run(page, context="#storefront-error-overlay", options={"runOnly": ["color-contrast"]})
    violations = [node["target"] for v in results.response["violations"] for node in v["nodes"]]
    assert not violations, f"text of the overlay without enough contrast in {theme}: {violations}"
    checked = [node for rule in results.response["passes"] for node in rule["nodes"]]
    assert len(checked) >= 2, "axe could measure the overlay's title and problem (none left undecided)"


def test_the_overlay_of_a_russian_site_is_in_russian(page: Page, start_preview, monkeypatch):
    for name in language.ENVIRONMENT:  # the partner's machine names no language: the site's decides
        monkeypatch.delenv(name, raising=False)
    url, site = start_preview()
    page.goto(f"{url}/tariffs/")
    yaml_file = site / "site.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("    sessions: 5", "    sessions: много", 1))
    overlay = page.get_by_role("alertdialog", name="Ошибка сборки")
    expect(overlay).to_be_visible(timeout=10_000)
    expect(overlay).to_have_attribute("lang", "ru")
    expect(overlay.locator("h2")).to_have_text(
        "Сайт не собрался: исправьте ошибку и сохраните файл — страница обновится сама"
    )
    expect(overlay.locator("pre")).to_contain_text("sites/oblako-plus/site.yaml:")


def test_the_gallery_of_a_russian_site_is_in_russian(page: Page, tmp_path, monkeypatch):
    shutil.copytree(REPO / "sites", tmp_path / "sites")
    env = {k: v for k, v in os.environ.items() if k not in language.ENVIRONMENT}
    done = subprocess.run(
        [sys.executable, "-m", "storefront", "gallery", "oblako-plus", "--no-serve", "--out", "gallery"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("  base: сайт собран\n") and "Галерея записана в gallery/index.html" in done.stdout
    server = static_server.start(tmp_path / "gallery")
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.locator("h1")).to_have_text("oblako-plus: все темы рядом")
        nav = page.get_by_role("navigation", name="Какую страницу сравнить")
        expect(nav.get_by_role("button")).to_have_text(["Главная", "Тарифы", "Регистрация", "Вопросы и ответы"])
        expect(page.get_by_role("link", name="открыть целиком")).to_have_count(len(THEMES))
        nav.get_by_role("button", name="Тарифы").click()
        frame = page.frame_locator("iframe[title='bright']")
        expect(frame.locator("h1")).to_have_text("Тарифы")
    finally:
        server.shutdown()
