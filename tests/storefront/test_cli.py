import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from storefront import formatting, language
from storefront.cli import main
from storefront.commands._sites import pages
from storefront.commands.schema import schema_text
from tests.support import REPO, line_of, scaffold_text


def test_schema_is_json_schema_of_site_yaml(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "storefront site.yaml"
    assert set(schema["required"]) >= {"partner", "site", "tariffs", "registration"}
    assert schema["additionalProperties"] is False


def test_committed_schema_is_current():
    """The examples' editors read schema/site.schema.json; it must match the model."""
    assert (REPO / "schema" / "site.schema.json").read_text(encoding="utf-8") == schema_text()
    for site_yaml in (REPO / "sites").glob("*/site.yaml"):
        assert site_yaml.read_text().startswith("# yaml-language-server: $schema=../../schema/site.schema.json")


def test_themes_are_listed(capsys):
    assert main(["themes"]) == 0
    out = capsys.readouterr().out
    for name in ("base", "bright", "corporate", "minimal"):
        assert name in out
    assert "(extends base)" in out


def test_themes_are_described_in_the_chosen_language_and_a_theme_may_give_one_text(sites, capsys):
    own = sites.root / "themes" / "house"
    own.mkdir(parents=True)
    (own / "theme.yaml").write_text("title: Дом\ndescription: Наша тема.\nparent: base\n", encoding="utf-8")
    assert main(["--lang", "ru", "themes", "--themes", str(sites.root / "themes")]) == 0
    russian = capsys.readouterr().out
    assert "corporate  Деловая (на основе base): Сдержанный деловой облик" in russian
    assert "house      Дом (на основе base): Наша тема." in russian
    assert main(["--lang", "en", "themes", "--themes", str(sites.root / "themes")]) == 0
    english = capsys.readouterr().out
    assert "corporate  Corporate (extends base): A sober corporate look" in english
    assert "house      Дом (extends base): Наша тема." in english


def test_new_site_builds_and_passes_check(sites, capsys):
    assert main(["new", "fresh"]) == 0
    assert Path("sites/fresh/site.yaml").is_file() and Path("schema/site.schema.json").is_file()
    assert main(["check", "fresh"]) == 0
    assert main(["build", "fresh"]) == 0
    assert Path("public/fresh/index.html").is_file()
    assert main(["new", "fresh"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_new_refuses_a_bad_id(sites, capsys):
    assert main(["new", "Мой сайт"]) == 2
    assert "cannot be a site id" in capsys.readouterr().err


def test_check_prints_path_line_col_field_message(sites, capsys):
    sites.make(replace={"    sessions: 5": "    sessions: 0"})
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "demo: 1 problem" in err
    line = line_of(scaffold_text(), "sessions: 5")
    assert f"  sites/demo/site.yaml:{line}:15: " in err and ".sessions: " in err


def test_an_english_site_builds(sites):
    sites.make(replace={"locale: ru": "locale: en"})
    assert main(["build"]) == 0
    page = Path("public/demo/tariffs/index.html").read_text()
    assert '<html lang="en">' in page and "2,790\xa0RUB" in page and "5 sessions" in page


def broken_money(amount: object, locale: str) -> str:
    raise KeyError("currency")


BUG_LINE = "storefront hit a bug: KeyError: 'currency' — please report it with the command you ran\n"


def test_a_bug_is_one_line_asking_for_a_report_and_nothing_is_published(sites, capsys, monkeypatch):
    sites.make()
    monkeypatch.setattr(formatting, "money", broken_money)
    assert main(["build"]) == 1
    assert capsys.readouterr().err == BUG_LINE
    assert not Path("public/demo").exists()


def test_debug_shows_where_the_bug_is(sites, capsys, monkeypatch):
    sites.make()
    monkeypatch.setattr(formatting, "money", broken_money)
    assert main(["check", "--debug"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "storefront was rendering the template" in err and err.endswith(BUG_LINE)
    monkeypatch.setenv("STOREFRONT_DEBUG", "1")
    assert main(["check"]) == 1
    assert capsys.readouterr().err.startswith("Traceback")


@pytest.fixture(autouse=True)
def _language_restored():
    """A test may make ``main`` speak Russian; the next one reads English again."""
    yield
    language.use()


def with_problems(sites, count: int, site_id: str = "demo", locale: str = "ru") -> None:
    """A site with exactly ``count`` problems (1 to 5): tariffs with no sessions."""
    extra = "".join(
        f'  - id: extra{i}\n    name: "Дополнительный {i}"\n    based_on: base\n    price: 1190\n'
        f"    sessions: {0 if i + 2 < count else 1}\n    bases: 2\n    applications: [bp]\n"
        for i in range(3)
    )
    replace = {"locale: ru": f"locale: {locale}", "\nfaq:": f"\n{extra}\nfaq:"}
    if count >= 1:
        replace["    sessions: 2\n"] = "    sessions: 0\n"
    if count >= 2:
        replace["    sessions: 5\n"] = "    sessions: 0\n"
    sites.make(site_id, replace=replace)


@pytest.mark.parametrize(("count", "words"), [(1, "1 ошибка"), (2, "2 ошибки"), (5, "5 ошибок")])
def test_check_counts_problems_in_russian_as_a_person_does(sites, capsys, count, words):
    with_problems(sites, count)
    assert main(["--lang", "ru", "check"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"demo: {words}\n  sites/demo/site.yaml:")
    assert captured.err.count("\n  sites/demo/site.yaml:") == count
    assert captured.out == "Ошибки есть в 1 сайте из 1: исправьте их и запустите проверку снова.\n"


def test_check_in_english_says_the_same(sites, capsys):
    with_problems(sites, 5)
    sites.make("good")
    assert main(["--lang", "en", "check"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("demo: 5 problems\n")
    assert captured.out.startswith("good: no problems, ")
    assert captured.out.endswith(" pages\n1 site of 2 has problems: fix them and run the check again.\n")


@pytest.mark.parametrize(
    ("count", "summary"),
    [
        (1, "Собран 1 сайт из 1 в public/: "),
        (2, "Собрано 2 сайта из 2 в public/: "),
        (5, "Собрано 5 сайтов из 5 в public/: "),
    ],
)
def test_build_counts_sites_in_russian(sites, capsys, count, summary):
    for i in range(count):
        sites.make(f"site{i}")
    assert main(["--lang", "ru", "build"]) == 0
    out = capsys.readouterr().out
    [last] = [line for line in out.splitlines() if not line.startswith(("site", "  "))]
    assert last.startswith(summary) and re.search(
        r" страниц[аы]?, записан[оа]? \d+ файл(а|ов)?, 0 файлов без изменений, за \d+,\d\d с$", last
    )


def test_build_says_where_to_publish_each_site_and_what_a_second_build_changed(sites, capsys):
    sites.make()
    assert main(["--lang", "ru", "build"]) == 0
    assert "  чтобы опубликовать сайт, выложите содержимое папки public/demo/ по адресу https://demo.example/\n" in (
        capsys.readouterr().out
    )
    assert main(["--lang", "ru", "build"]) == 0
    out = capsys.readouterr().out
    assert re.match(r"demo: \d+ страниц, записано 0 файлов, \d+ файл(а|ов)? без изменений\n", out)
    assert "по адресу https://demo.example/" in out, "a build with nothing to do still says the address"


@pytest.mark.parametrize(("n", "words"), [(1, "1 страница"), (3, "3 страницы"), (5, "5 страниц"), (21, "21 страница")])
def test_pages_are_counted_with_the_russian_plural(n, words):
    with language.speaking("ru"):
        assert pages(n) == words


def test_the_language_comes_from_the_environment(sites, capsys, monkeypatch):
    with_problems(sites, 2, locale="en")
    monkeypatch.setenv("LANGUAGE", "ru")
    assert main(["check"]) == 1
    assert capsys.readouterr().err.startswith("demo: 2 ошибки\n"), "LANGUAGE=ru wins over the site's en"


@pytest.mark.parametrize("environ", [{}, {"LANG": "C.UTF-8"}])
def test_a_russian_site_speaks_russian_when_the_environment_names_no_language(sites, environ):
    with_problems(sites, 2)
    sites.make("english", replace={"locale: ru": "locale: en"})
    env = {k: v for k, v in os.environ.items() if k not in language.ENVIRONMENT} | environ
    result = subprocess.run(
        [sys.executable, "-m", "storefront", "check"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("demo: 2 ошибки\n")
    assert result.stdout.startswith("english: no problems, "), "the English site's own line is in English"
    assert result.stdout.endswith("Ошибки есть в 1 сайте из 2: исправьте их и запустите проверку снова.\n")


def test_an_english_site_speaks_english_when_the_environment_names_no_language(sites, capsys, monkeypatch):
    sites.make(replace={"locale: ru": "locale: en"})
    monkeypatch.delenv("LANGUAGE")
    assert main(["check"]) == 0
    assert capsys.readouterr().out.endswith(" pages\nChecked 1 site: no problems.\n")


def test_the_help_of_a_verb_is_in_russian(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "ru", "build", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("использование: storefront build ")
    for words in (
        "собрать сайты в готовые HTML-страницы",
        "какие сайты собрать (по умолчанию — все)",
        "папка для результата; каждый сайт попадёт в DIR/SITE_ID (по умолчанию — public)",
        "при сбое storefront показать подробности для разработчиков",
        "показать эту справку и выйти",
    ):
        assert words in " ".join(out.split()), words
    with pytest.raises(SystemExit):
        main(["--lang", "ru", "--help"])
    assert "проверить сайты, ничего не записывая" in capsys.readouterr().out


def test_a_missing_site_and_a_bug_are_said_in_russian(sites, capsys, monkeypatch):
    sites.make()
    assert main(["--lang", "ru", "check", "nope"]) == 1
    assert capsys.readouterr().err == "ошибка: в папке sites/ нет сайта «nope» (там есть: demo)\n"
    monkeypatch.setattr(formatting, "money", broken_money)
    assert main(["--lang", "ru", "build"]) == 1
    assert capsys.readouterr().err == (
        "сбой в storefront: KeyError: 'currency' — пожалуйста, сообщите о нём и приложите команду, "
        "которую вы запускали\n"
    )
