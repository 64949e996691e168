"""An incremental build writes exactly what a cold build of the same input writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from storefront.cli import main


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_news_body(site: Path) -> None:
    path = site / "news" / "2026-01-15-welcome.md"
    path.write_text(path.read_text() + "\nЕщё один абзац о **новых** возможностях.\n", encoding="utf-8")


def edit_news_title(site: Path) -> None:
    path = site / "news" / "2026-01-15-welcome.md"
    path.write_text(path.read_text().replace("Мы открыли облачную витрину", "Витрина открыта"), encoding="utf-8")


def add_news(site: Path) -> None:
    (site / "news" / "2026-02-01-second.md").write_text(
        "---\ntitle: Вторая новость\ndate: 2026-02-01\nsummary: Кратко о главном.\n---\nТекст.\n", encoding="utf-8"
    )


def remove_news(site: Path) -> None:
    (site / "news" / "2026-01-15-welcome.md").unlink()


def edit_tariffs(site: Path) -> None:
    path = site / "site.yaml"
    path.write_text(path.read_text().replace("price: 2790", "price: 2990"), encoding="utf-8")


def edit_theme_css(site: Path) -> None:
    css = site.parent.parent / "themes" / "house" / "static" / "css" / "house.css"
    css.write_text("h1 { letter-spacing: -0.02em; }\n", encoding="utf-8")


def edit_theme_template(site: Path) -> None:
    template = site.parent.parent / "themes" / "house" / "templates" / "faq.html"
    template.write_text(
        '{% extends "base/faq.html" %}{% block main %}<p>Новое</p>{{ super() }}{% endblock %}\n', encoding="utf-8"
    )


def add_partner_override(site: Path) -> None:
    (site / "templates").mkdir()
    (site / "templates" / "contacts.html").write_text(
        '{% extends "theme/contacts.html" %}{% block main %}<p>Офис открыт</p>{{ super() }}{% endblock %}\n'
    )


def replace_logo(site: Path) -> None:
    (site / "assets" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Лого</title><circle r="5"/></svg>'
    )


EDITS = [
    edit_news_body,
    edit_news_title,
    add_news,
    remove_news,
    edit_tariffs,
    edit_theme_css,
    edit_theme_template,
    add_partner_override,
    replace_logo,
]


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_incremental_build_equals_cold_build(sites, edit):
    house = Path("themes/house")
    (house / "static" / "css").mkdir(parents=True)
    (house / "templates").mkdir()
    (house / "theme.yaml").write_text("title: House\nparent: minimal\n")
    (house / "static" / "css" / "house.css").write_text("h1 { letter-spacing: 0; }\n")
    site = sites.make(replace={"theme: minimal": "theme: house"})
    assert main(["build", "--out", "incremental"]) == 0
    before = tree(Path("incremental/demo"))
    edit(site)
    assert main(["build", "--out", "incremental"]) == 0
    assert main(["build", "--out", "cold", "--no-cache"]) == 0
    after = tree(Path("incremental/demo"))
    assert after == tree(Path("cold/demo"))
    assert after != before, "the edit changed the output"


def test_nothing_changed_skips_the_site(sites, capsys):
    sites.make()
    assert main(["build"]) == 0
    capsys.readouterr()
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "0 files written" in out and "demo: 17 pages" in out


def test_a_deleted_output_folder_is_rebuilt(sites):
    import shutil

    sites.make()
    assert main(["build"]) == 0
    shutil.rmtree("public/demo")
    assert main(["build"]) == 0
    assert Path("public/demo/index.html").is_file()


def test_editing_an_old_news_body_rewrites_only_its_page_and_the_feed(sites, capsys):
    news = {
        f"2025-0{m}-01-item-{m}.md": f"---\ntitle: Новость {m}\ndate: 2025-0{m}-01\nsummary: Кратко {m}.\n---\n"
        f"Текст {m}.\n"
        for m in range(1, 7)
    }
    site = sites.make(news=news)
    assert main(["build"]) == 0
    capsys.readouterr()
    path = site / "news" / "2025-01-01-item-1.md"
    path.write_text(path.read_text() + "\nДобавили абзац.\n", encoding="utf-8")
    assert main(["build"]) == 0
    assert "2 files written" in capsys.readouterr().out  # news/item-1/index.html and feed.xml
    assert "Добавили абзац" in Path("public/demo/news/item-1/index.html").read_text()
