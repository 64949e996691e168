"""The vendor's catalogue of applications a partner picks by id: its names and texts reach the
site, a partner may rewrite an application's texts, and the applications page groups them by
the catalogue's segments in the site's language."""

from __future__ import annotations

import pytest
from lxml import html

from storefront import InvalidSite, load_site
from tests.support import build_in_process

OWN_SUMMARY = '  - id: ip\n    summary: "Наш тариф для ИП: декларация за вечер."\n'


def test_an_application_picked_by_id_brings_the_catalogues_texts(sites):
    site = load_site(sites.make())
    bp = site.application("bp")
    assert bp.name == "1С:Бухгалтерия"
    assert bp.summary == "Бухгалтерский и налоговый учёт, отчётность через интернет."
    assert bp.description and not bp.description.endswith("\n"), "texts are trimmed"


def test_a_partner_may_rewrite_an_applications_summary_but_not_its_name(sites):
    site = load_site(sites.make(replace={"  - ip\n": OWN_SUMMARY}))
    standard = load_site(sites.make("plain")).application("ip")
    ip = site.application("ip")
    assert ip.summary == "Наш тариф для ИП: декларация за вечер."
    assert (ip.name, ip.description) == (standard.name, standard.description)


def test_the_applications_page_groups_them_by_segment(sites):
    sites.make(replace={"  - ip\n": "  - ip\n  - kassa\n", "applications: [bp]": "applications: [bp, kassa]"})
    public = build_in_process(sites.root) / "demo"
    page = html.parse(str(public / "apps" / "index.html")).getroot()
    headings = [h.text_content().strip() for h in page.xpath("//main//h2")]
    assert "Микробизнес" in headings, "kassa is the catalogue's micro-business application"
    assert "1С:Касса" in page.text_content()
    assert (public / "apps" / "kassa" / "index.html").is_file()


def test_segments_are_named_in_the_sites_language(sites):
    sites.make(replace={"  locale: ru": "  locale: en", "  - ip\n": "  - ip\n  - kassa\n"})
    public = build_in_process(sites.root) / "demo"
    page = html.parse(str(public / "apps" / "index.html")).getroot()
    assert "Micro business" in [h.text_content().strip() for h in page.xpath("//main//h2")]


def test_an_id_outside_the_catalogue_is_refused_with_the_closest_one(sites):
    with pytest.raises(InvalidSite) as caught:
        load_site(sites.make(replace={"  - ip\n": "  - kasa\n"}))
    [problem] = caught.value.problems
    assert problem.field == "applications[2]" and "did you mean 'kassa' («1С:Касса»)?" in problem.message
