"""Partners name the chart's series (their pages' titles): whatever they write stays text in the SVG.

The overview's chart is inlined in the cabinet's HTML; a title that closed the ``<text>`` and
opened a ``<script>`` would run in every operator's session.
"""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from registration_api.web.svg_chart import daily_chart

SVG = "{http://www.w3.org/2000/svg}"
ALLOWED = {f"{SVG}{name}" for name in ("svg", "title", "desc", "line", "text", "rect")}

HOSTILE = [
    "</text><script>alert(1)</script>",
    "Tom & Jerry &amp; Co",
    '"><svg onload="alert(1)">',
    "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>&x;",
    "<![CDATA[<script>alert(1)</script>]]>",
    "Звонок\x00\x1b\x7f\ufffe ООО «Рога»",
]


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_page_title_is_only_text(name):
    svg = daily_chart({"page": [1] * 90}, dt.date(2026, 9, 3), {"page": name}, "en")

    root = parse(svg)  # still well-formed XML
    assert {element.tag for element in root.iter()} <= ALLOWED
    assert all(not attribute.startswith("on") for element in root.iter() for attribute in element.attrib)
    legend = root.find(f"{SVG}text[@class='legend']")
    shown = "".join(ch for ch in name if ch not in "\x00\x1b\ufffe")
    assert legend.text == " ".join(shown.split()) + " — 90"
    assert " ".join(shown.split()) in root.findtext(f"{SVG}desc")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_series_key_without_a_label_is_only_text(name):
    root = parse(daily_chart({name: [2] * 90}, dt.date(2026, 9, 3), {}, "ru"))

    assert {element.tag for element in root.iter()} <= ALLOWED
    assert len(root.findall(f"{SVG}rect[@class='bar']")) == 90


def test_a_very_long_title_is_cut_in_the_legend():
    root = parse(daily_chart({"page": [1] * 90}, dt.date(2026, 9, 3), {"page": "Акция " * 1000}, "en"))

    assert len(root.find(f"{SVG}text[@class='legend']").text) < 80
