"""The two example partners, built as a partner would: every link resolves, feeds are valid."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from lxml import etree, html

from storefront import load_site, site_ids
from storefront.pipeline import BuildOptions, build_many
from tests.support import EXAMPLE_SITES

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("public")
    reports = build_many(site_ids(EXAMPLE_SITES), BuildOptions(EXAMPLE_SITES, None, out))
    assert all(r.ok for r in reports), [str(p) for r in reports for p in r.problems]
    return out


def test_there_are_two_example_partners_with_enough_content():
    ids = site_ids(EXAMPLE_SITES)
    assert len(ids) >= 2
    sites = [load_site(EXAMPLE_SITES / i) for i in ids]
    assert len({s.config.site.theme for s in sites}) == len(sites), "each example uses its own theme"
    for site in sites:
        cfg = site.config
        assert len(cfg.tariffs) >= 3 and cfg.services and len(cfg.faq) >= 8
        assert len(site.news) >= 5 and len(cfg.registration) >= 2 and cfg.site.locale == "ru"
    assert len({frozenset(a.id for a in s.applications) for s in sites}) == len(sites)


def site_pages(built: Path):
    for site_id in site_ids(EXAMPLE_SITES):
        site = load_site(EXAMPLE_SITES / site_id)
        root = built / site_id
        for path in sorted(root.rglob("*.html")):
            yield site, root, path


def _target(site, root: Path, url: str) -> Path | None:
    """The output file an internal URL points to, or None for an external one."""
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc:
        base = urlparse(site.config.site.base_url)
        if parsed.netloc != base.netloc or not parsed.path.startswith(base.path):
            return None
    path = parsed.path
    assert path.startswith(site.base_path), f"{url} escapes the site's base path {site.base_path}"
    rel = path[len(site.base_path) :]
    return root / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def test_every_internal_link_and_asset_resolves(built):
    checked = 0
    for site, root, path in site_pages(built):
        if path.name == "snippet.html":
            continue
        doc = html.parse(str(path)).getroot()
        for element, attribute, link, _ in doc.iterlinks():
            if element.tag == "form" or link.startswith(("mailto:", "tel:")):
                continue
            url, fragment = urldefrag(link)
            if not url:
                target = path
            else:
                target = _target(site, root, url)
                if target is None:
                    continue
            assert target.is_file(), f"{path.relative_to(built)}: <{element.tag} {attribute}={url}> is broken"
            if fragment and target.suffix == ".html":
                ids = html.parse(str(target)).getroot().xpath("//@id")
                assert fragment in ids, f"{path.relative_to(built)}: #{fragment} not in {target.name}"
            checked += 1
    assert checked > 500


def test_sitemap_lists_every_indexable_page(built):
    for site_id in site_ids(EXAMPLE_SITES):
        site = load_site(EXAMPLE_SITES / site_id)
        root = built / site_id
        listed = {loc.text for loc in etree.parse(str(root / "sitemap.xml")).iter(f"{SITEMAP}loc")}
        for loc in listed:
            assert _target(site, root, loc).is_file(), loc
        for path in root.rglob("*.html"):
            text = path.read_text()
            if '<meta name="robots" content="noindex">' in text or path.name == "snippet.html":
                continue
            canonical = html.fromstring(text).xpath('//link[@rel="canonical"]/@href')[0]
            assert canonical in listed, f"{path.relative_to(root)} is not in sitemap.xml"
        assert site.config.site.base_url + "news/" in listed


def test_feed_is_valid_atom(built):
    for site_id in site_ids(EXAMPLE_SITES):
        site = load_site(EXAMPLE_SITES / site_id)
        feed = etree.parse(str(built / site_id / "feed.xml")).getroot()
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated", "author"):
            assert feed.find(f"{ATOM}{required}") is not None, required
        assert RFC3339.match(feed.findtext(f"{ATOM}updated"))
        assert feed.find(f"{ATOM}link[@rel='self']").get("href") == site.config.site.base_url + "feed.xml"
        entries = feed.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title") for e in entries] == [n.title for n in site.news]
        ids = [e.findtext(f"{ATOM}id") for e in entries]
        assert len(set(ids)) == len(ids)
        for entry in entries:
            assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
            link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
            assert _target(site, built / site_id, link).is_file()
            content = entry.find(f"{ATOM}content")
            assert content.get("type") == "html" and "<p>" in content.text


def test_every_page_has_language_title_description_and_social_tags(built):
    for site, _root, path in site_pages(built):
        if path.name == "snippet.html":
            continue
        doc = html.parse(str(path)).getroot()
        assert doc.get("lang") == "ru", path
        assert doc.findtext(".//title").strip(), path
        assert doc.xpath('//meta[@name="description"]/@content')[0].strip(), path
        canonical = doc.xpath('//link[@rel="canonical"]/@href')[0]
        assert canonical.startswith(site.config.site.base_url), path
        for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
            assert doc.xpath(f'//meta[@property="{prop}"]/@content'), (path, prop)
        assert len(doc.xpath("//h1")) == (0 if path.name == "snippet.html" else 1), path
        assert doc.xpath('//meta[@name="viewport"]'), path


def test_registration_pages_post_every_field_to_the_api(built):
    for site_id in site_ids(EXAMPLE_SITES):
        site = load_site(EXAMPLE_SITES / site_id)
        for reg in site.config.registration:
            for name in ("index.html", "snippet.html"):
                page = html.parse(str(built / site_id / "register" / reg.id / name)).getroot()
                [form] = page.xpath("//form")
                assert form.get("method") == "post"
                assert form.get("action") == f"http://localhost:8000/r/{site_id}/{reg.id}"
                names = set(form.xpath(".//input/@name"))
                assert {"name", "email", "phone", "company", "inn", "consent", "website", "token"} <= names
                for input_id in form.xpath(".//input[@type!='hidden']/@id"):
                    assert form.xpath(f".//label[@for='{input_id}']"), f"{input_id} has no label"
                consent_links = form.xpath(".//label[@for='sf-consent']/a/@href")
                policy = (
                    (site.config.site.base_url + "privacy/")
                    if site.privacy_page
                    else site.config.partner.privacy_policy
                )
                assert consent_links == [policy]
            embed = (built / site_id / "register" / reg.id / "embed" / "index.html").read_text()
            assert "&lt;form" in embed and f"/r/{site_id}/{reg.id}" in embed


def test_prices_are_formatted_for_russian_readers(built):
    site = load_site(EXAMPLE_SITES / "oblako-plus")
    page = (built / "oblako-plus" / "tariffs" / "index.html").read_text()
    tariff = site.config.tariffs[0]
    from storefront.formatting import money

    assert money(tariff.price, "ru") in page and "\u202f₽" in page
    assert re.search(r"\d+ (сеанс|сеанса|сеансов)<", page)


def test_assets_carry_a_hash_of_their_content(built):
    assets = [p for p in (built / "oblako-plus" / "assets").rglob("*") if p.is_file()]
    assert assets
    for path in assets:
        digest = path.name.split(".")[-2]
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:10] == digest, path.name


def test_robots_points_to_the_sitemap(built):
    text = (built / "buhcentr" / "robots.txt").read_text()
    assert "Sitemap: https://buhcentr-sever.example/cloud/sitemap.xml" in text


def test_partner_text_is_escaped(sites):
    from storefront.cli import main

    sites.make(replace={'  name: "Мой облачный партнёр"': '  name: "<script>alert(1)</script> & Co"'})
    assert main(["build"]) == 0
    page = Path("public/demo/index.html").read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


def test_one_example_partner_shows_its_newsletter_and_onboarding_letters():
    oblako, buhcentr = load_site(EXAMPLE_SITES / "oblako-plus"), load_site(EXAMPLE_SITES / "buhcentr")
    newsletter = oblako.config.newsletter
    assert (newsletter.weeks, newsletter.weekday, newsletter.hour, newsletter.timezone) == (
        2,
        "tuesday",
        10,
        "Asia/Yekaterinburg",
    )
    [issue] = oblako.newsletter_issues
    assert issue.date.strftime("%A") == "Tuesday", "the issue's day is one the newsletter goes out on"
    assert [letter.after_days for letter in oblako.letters] == [1, 3, 7]
    assert (buhcentr.config.newsletter, buhcentr.newsletter_issues, buhcentr.letters) == (None, (), ())


def test_newsletter_issues_and_letters_are_never_published(built):
    site = load_site(EXAMPLE_SITES / "oblako-plus")
    public = built / "oblako-plus"
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in public.rglob("*") if p.is_file())
    for written in (*site.newsletter_issues, *site.letters):
        assert written.subject not in text and (written.preheader or written.subject) not in text
    assert not [p for p in public.rglob("*") if p.name in ("newsletter", "letters") or p.suffix == ".md"]
