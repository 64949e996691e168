"""``storefront new``: a starter site that passes check, carries the company's name in site.yaml
and in its logo, explains itself in the partner's language, and offers tariffs that differ."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
import yaml
from defusedxml import ElementTree
from lxml import html

from storefront import language
from storefront.cli import main
from storefront.site.loader import load_site
from tests.support import build_in_process

SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str) -> tuple[int, str]:
    """``storefront <args>`` in this process, in the current folder: exit code and what it printed."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(list(args))
    finally:
        language.use()  # back to the tests' language (LANGUAGE=en)
    return code, out.getvalue()


def logo_texts(folder: Path) -> tuple[str, str]:
    """The logo's title and the words it shows beside the monogram."""
    root = ElementTree.fromstring((folder / "assets" / "logo.svg").read_text(encoding="utf-8"))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    return root.findtext(f"{SVG}title"), " ".join(texts[1:])


def comments(text: str) -> list[str]:
    return [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("# ")]


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_russian_starter_carries_the_name_explains_itself_in_russian_and_passes_check(here):
    code, printed = run("--lang", "ru", "new", "schetny-dvor", "--name", "Счётный Двор")
    assert code == 0, printed
    assert "Создана папка sites/schetny-dvor/ для «Счётный Двор»" in printed
    assert "Дальше: отредактируйте sites/schetny-dvor/site.yaml" in printed
    folder = here / "sites" / "schetny-dvor"
    text = (folder / "site.yaml").read_text(encoding="utf-8")
    assert '  name: "Счётный Двор"' in text and '  legal_name: "ООО «Счётный Двор»"' in text
    notes = " ".join(comments(text))
    assert "Название, под которым вас знают клиенты, например «Счётный Двор»" in notes
    assert "запускайте «storefront check schetny-dvor»" in notes
    assert "Цвет пишите как #RRGGBB в кавычках" in notes
    news = next((folder / "news").glob("*.md")).read_text(encoding="utf-8")
    assert "# Новость. Имя файла начинается с её даты" in news
    assert logo_texts(folder) == ("Счётный Двор", "Счётный Двор")

    code, printed = run("--lang", "ru", "check", "schetny-dvor")
    assert code == 0 and "ошибок нет" in printed, printed
    site = load_site(folder)
    assert site.config.partner.name == "Счётный Двор"
    assert site.config.site.seo.title == "1С в облаке — Счётный Двор"


def test_english_starter_explains_itself_in_english_and_passes_check(here):
    code, printed = run("--lang", "en", "new", "demo")
    assert code == 0, printed
    text = (here / "sites" / "demo" / "site.yaml").read_text(encoding="utf-8")
    notes = " ".join(comments(text))
    assert "The name customers know you by, e.g. «Счётный Двор»." in notes
    assert "After each change run «storefront check demo»" in notes
    assert '  name: "Мой облачный партнёр"' in text, "without --name, a neutral placeholder"
    assert logo_texts(here / "sites" / "demo")[0] == "Мой облачный партнёр"
    code, printed = run("--lang", "en", "check", "demo")
    assert code == 0 and "no problems" in printed, printed


def test_the_language_changes_only_the_comments(here):
    assert run("--lang", "ru", "new", "ru-site", "--name", "Счётный Двор")[0] == 0
    assert run("--lang", "en", "new", "en-site", "--name", "Счётный Двор")[0] == 0
    ru, en = (
        (here / "sites" / site / "site.yaml").read_text(encoding="utf-8").replace(site, "x")
        for site in ("ru-site", "en-site")
    )
    assert ru != en
    assert yaml.safe_load(ru) == yaml.safe_load(en)


def test_every_comment_of_the_russian_starter_is_russian(here):
    run("--lang", "ru", "new", "demo")
    folder = here / "sites" / "demo"
    for path in (folder / "site.yaml", *sorted((folder / "news").glob("*.md"))):
        blocks = re.split(r"\n(?!\s*# )", path.read_text(encoding="utf-8"))
        for block in blocks:
            said = " ".join(comments(block))
            if said and not said.startswith("yaml-language-server"):
                assert re.search("[а-яё]{4}", said), f"{path.name}: untranslated comment {said!r}"


def test_starter_tariffs_each_list_what_they_add(here):
    run("new", "demo")
    tariffs = load_site(here / "sites" / "demo").config.tariffs
    features = [f for tariff in tariffs for f in tariff.features]
    assert len(tariffs) >= 2 and all(tariff.features for tariff in tariffs)
    assert len(features) == len(set(features)), "a feature is listed twice"
    document = html.fromstring((build_in_process(here) / "demo" / "tariffs" / "index.html").read_bytes())
    for card in document.xpath("//article[contains(@class, 'tariff-card')]"):
        facts = {" ".join(li.text_content().split()).lower() for li in card.xpath(".//ul[@class='tariff-facts']/li")}
        listed = [" ".join(li.text_content().split()) for li in card.xpath(".//ul[@class='tariff-features']/li")]
        assert listed, "every starter tariff says what it gives"
        for feature in listed:
            assert feature.lower() not in facts, f"{feature!r} repeats the card's numbers"
            assert not re.search(r"\b(баз|сеанс)", feature.lower()), f"{feature!r} restates sessions or bases"


def test_a_name_with_quotes_becomes_valid_yaml_and_a_nested_legal_name(here):
    code, printed = run("new", "romashka", "--name", 'Компания «Ромашка» "Плюс" & Co: №1 # лучшая')
    assert code == 0, printed
    site = load_site(here / "sites" / "romashka")
    assert site.config.partner.name == 'Компания «Ромашка» "Плюс" & Co: №1 # лучшая'
    assert site.config.partner.legal_name == 'ООО «Компания „Ромашка“ "Плюс" & Co: №1 # лучшая»'


def test_wrong_site_id_is_refused_in_the_partners_language(here):
    code, printed = run("--lang", "ru", "new", "Счётный_Двор")
    assert code == 2
    assert "ошибка: «Счётный_Двор» не подходит как id сайта" in printed and "schetny-dvor" in printed
    assert not (here / "sites").exists()


def test_an_existing_folder_is_not_overwritten(here):
    assert run("new", "demo", "--name", "Первое")[0] == 0
    code, printed = run("--lang", "ru", "new", "demo", "--name", "Второе")
    assert code == 1 and "sites/demo уже существует: выберите другой id или удалите эту папку" in printed
    assert '"Первое"' in (here / "sites" / "demo" / "site.yaml").read_text(encoding="utf-8")


def test_an_empty_name_is_refused_with_an_example(here):
    code, printed = run("--lang", "ru", "new", "demo", "--name", "  ")
    assert code == 2 and 'напишите его после --name, например --name "Счётный Двор"' in printed


def test_an_unknown_theme_is_refused_with_the_themes_to_choose_from(here):
    code, printed = run("--lang", "ru", "new", "demo", "--theme", "brigth")
    assert code == 2 and "ошибка: темы «brigth» нет; выберите одну из: base, bright, corporate, minimal" in printed
    assert not (here / "sites").exists()


def test_the_starters_newsletter_example_works_once_its_marks_are_deleted(here):
    assert run("--lang", "en", "new", "demo")[0] == 0
    site_yaml = here / "sites" / "demo" / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    assert load_site(here / "sites" / "demo").config.newsletter is None, "the newsletter waits for the partner"
    assert "delete the «# » at the start of the five lines below" in text
    example = text.split("# newsletter:", 1)[1].splitlines()[1:5]
    assert all(line.startswith("#   ") for line in example), example
    site_yaml.write_text(text.replace("# newsletter:", "newsletter:").replace("\n#   ", "\n  "), encoding="utf-8")
    newsletter = load_site(here / "sites" / "demo").config.newsletter
    assert (newsletter.weeks, newsletter.weekday, newsletter.hour, newsletter.timezone) == (
        2,
        "tuesday",
        10,
        "Europe/Moscow",
    )
