"""Which pages a site gets and where: one per application and registration page, news in
pages of ten, the menu marking where the visitor is, pages meant only for people kept out
of search engines, and two news items at one address refused before anything is written."""

from __future__ import annotations

from pathlib import Path

from lxml import html

from storefront.cli import main
from tests.support import build_in_process

NEWS = "---\ntitle: Новость {n:02d}\ndate: 2026-02-{n:02d}\nsummary: Кратко {n}\n---\nТекст {n}\n"


def page(public: Path, path: str) -> html.HtmlElement:
    return html.parse(str(public / path)).getroot()


def test_each_application_and_registration_page_gets_its_pages(sites):
    sites.make(
        replace={
            "    tariff: business": "    tariff: business\n  - id: kassa\n    title: Касса\n    intro: Касса.\n"
            "    tariff: start\n    application: bp",
        }
    )
    public = build_in_process(sites.root) / "demo"
    for application in ("bp", "ip"):
        assert (public / "apps" / application / "index.html").is_file(), application
    for registration in ("trial", "kassa"):
        for path in ("index.html", "thanks/index.html", "embed/index.html", "snippet.html"):
            assert (public / "register" / registration / path).is_file(), f"{registration}/{path}"
    bp = page(public, "apps/bp/index.html")
    assert "/register/kassa/" in bp.xpath("//a/@href"), "an application's page offers its own registration page"


def test_news_come_in_pages_of_ten_linked_to_each_other(sites):
    sites.make(news={f"2026-02-{n:02d}-item-{n:02d}.md": NEWS.format(n=n) for n in range(1, 12)})
    public = build_in_process(sites.root) / "demo"
    first, second = page(public, "news/index.html"), page(public, "news/page/2/index.html")
    assert not (public / "news/page/3").exists()
    first_titles = [a.text_content().strip() for a in first.xpath("//main//h2//a")]
    assert len(first_titles) == 10 and first_titles[0] == "Новость 11", "newest first"
    second_titles = [a.text_content().strip() for a in second.xpath("//main//h2//a")]
    assert second_titles == ["Новость 01", "Мы открыли облачную витрину"]
    assert first.xpath("//a[@rel='next']/@href") == ["/news/page/2/"] and not first.xpath("//a[@rel='prev']")
    assert second.xpath("//a[@rel='prev']/@href") == ["/news/"] and not second.xpath("//a[@rel='next']")
    for n in range(1, 12):
        assert (public / f"news/item-{n:02d}/index.html").is_file()


def test_the_menu_marks_the_section_the_visitor_is_in(sites):
    sites.make()
    public = build_in_process(sites.root) / "demo"
    for path, current in (
        ("tariffs/index.html", "/tariffs/"),
        ("apps/bp/index.html", "/apps/"),
        ("news/welcome/index.html", "/news/"),
    ):
        assert page(public, path).xpath("//a[@aria-current='page']/@href") == [current], path
    assert page(public, "index.html").xpath("//a[@aria-current='page']") == []


def test_without_questions_there_is_no_faq_page_nor_menu_entry(sites):
    sites.make(
        replace={
            "faq:\n": "",
            '  - question: "Сколько длится пробный период?"\n': "",
            '    answer: "30 дней. Оплата не нужна, доступ открывается сразу после регистрации."\n': "",
        }
    )
    public = build_in_process(sites.root) / "demo"
    assert not (public / "faq").exists()
    assert "/faq/" not in page(public, "index.html").xpath("//a/@href")


def test_pages_meant_for_people_only_ask_search_engines_not_to_index_them(sites):
    sites.make()
    public = build_in_process(sites.root) / "demo"
    robots = "//meta[@name='robots']/@content"
    for path in ("register/trial/thanks/index.html", "register/trial/embed/index.html", "404.html"):
        assert page(public, path).xpath(robots) == ["noindex"], path
    for path in ("index.html", "tariffs/index.html", "register/trial/index.html"):
        assert page(public, path).xpath(robots) == [], path


def test_two_news_items_at_one_address_are_refused_naming_both_files(sites, capsys):
    body = "---\ntitle: {title}\ndate: 2026-02-0{day}\nsummary: С\n---\nТекст\n"
    sites.make(
        news={
            "2026-02-01-same.md": body.format(title="Первая", day=1),
            "2026-02-02-same.md": body.format(title="Вторая", day=2),
        }
    )
    assert main(["build"]) == 1
    printed = capsys.readouterr().err
    assert "sites/demo/news/2026-02-02-same.md:1:1: slug: the news address /news/same/" in printed
    assert "2026-02-01-same.md" in printed.split("slug:", 1)[1], "the other file is named too"
    assert not (sites.root / "public" / "demo").exists(), "nothing is published"
