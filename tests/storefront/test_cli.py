import json
from pathlib import Path

from storefront import formatting
from storefront.cli import main
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
    assert f"  sites/demo/site.yaml:{line}:15: tariffs[1].sessions: must be at least 1 (now 0)\n" in err


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
