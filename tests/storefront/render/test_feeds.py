"""The machine-read files of a built site: sitemap.xml, the Atom feed and robots.txt are
well-formed, name every address absolutely under the site's base URL (a sub-path included)
and are dated from the news, not from the clock."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support import SiteFactory, build_in_process

BASE = "https://partner.example/cloud/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def news_item(title: str, day: str, summary: str = "Коротко о главном.", body: str = "Текст новости.") -> str:
    return f'---\ntitle: "{title}"\ndate: {day}\nsummary: "{summary}"\n---\n{body}\n'


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site published under a sub-path with three news items and a draft, built once."""
    root = tmp_path_factory.mktemp("feeds")
    SiteFactory(root).make(
        replace={'base_url: "https://demo.example/"': f'base_url: "{BASE}"'},
        news={
            "2026-02-01-tariffs.md": news_item("Новые тарифы", "2026-02-01"),
            "2026-03-05-kassa.md": news_item(
                "Касса & склад <в облаке>", "2026-03-05", summary="Касса", body="**Жирно**"
            ),
            "2026-03-20-draft.md": "---\ntitle: Черновик\ndate: 2026-03-20\nsummary: С\ndraft: true\n---\nЕщё нет\n",
        },
    )
    return build_in_process(root) / "demo"


def test_the_sitemap_lists_the_public_pages_at_absolute_addresses(public):
    urls = {entry.findtext(f"{SITEMAP}loc"): entry for entry in ET.parse(public / "sitemap.xml").getroot()}
    assert all(url.startswith(BASE) for url in urls), sorted(urls)
    for page in ("", "tariffs/", "apps/", "apps/bp/", "news/", "news/tariffs/", "register/trial/", "contacts/"):
        assert BASE + page in urls, page
    for hidden in ("register/trial/thanks/", "register/trial/embed/", "404.html", "news/draft/"):
        assert BASE + hidden not in urls, f"{hidden} is not for search engines"
    assert urls[BASE + "news/kassa/"].findtext(f"{SITEMAP}lastmod") == "2026-03-05"
    assert urls[BASE + "tariffs/"].find(f"{SITEMAP}lastmod") is None


def test_the_feed_holds_the_news_newest_first_with_absolute_links(public):
    feed = ET.parse(public / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    assert feed.findtext(f"{ATOM}id") == BASE + "feed.xml"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": BASE + "feed.xml", "alternate": BASE + "news/"}
    assert feed.findtext(f"{ATOM}updated") == "2026-03-05T00:00:00Z", "the newest item's day, not the build's"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Касса & склад <в облаке>",
        "Новые тарифы",
        "Мы открыли облачную витрину",
    ]
    newest = entries[0]
    assert newest.findtext(f"{ATOM}id") == BASE + "news/kassa/"
    assert newest.find(f"{ATOM}link").get("href") == BASE + "news/kassa/"
    assert newest.findtext(f"{ATOM}published") == "2026-03-05T00:00:00Z"


def test_each_entry_carries_its_summary_and_its_text_as_html(public):
    entries = {e.findtext(f"{ATOM}title"): e for e in ET.parse(public / "feed.xml").getroot().iter(f"{ATOM}entry")}
    kassa = entries["Касса & склад <в облаке>"]
    assert kassa.findtext(f"{ATOM}summary") == "Касса"
    content = kassa.find(f"{ATOM}content")
    assert content.get("type") == "html" and content.text.strip() == "<p><strong>Жирно</strong></p>"
    assert entries["Новые тарифы"].findtext(f"{ATOM}summary") == "Коротко о главном."


def test_robots_allows_everything_and_points_at_the_sitemap(public):
    assert (public / "robots.txt").read_text() == f"User-agent: *\nAllow: /\n\nSitemap: {BASE}sitemap.xml\n"


def test_markup_in_a_title_is_escaped_in_the_xml(public):
    raw = (public / "feed.xml").read_text(encoding="utf-8")
    assert raw.startswith("<?xml version='1.0' encoding='utf-8'?>")
    assert "Касса &amp; склад &lt;в облаке&gt;" in raw


def test_a_site_without_news_has_an_empty_feed_that_is_still_valid(sites):
    folder = sites.make()
    (folder / "news" / "2026-01-15-welcome.md").unlink()
    public = build_in_process(sites.root) / "demo"
    feed = ET.parse(public / "feed.xml").getroot()
    assert feed.findall(f"{ATOM}entry") == [] and feed.findtext(f"{ATOM}updated")
    assert ET.parse(public / "sitemap.xml").getroot().tag == f"{SITEMAP}urlset"
