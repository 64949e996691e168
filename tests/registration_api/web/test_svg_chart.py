"""The overview's chart of sign-ups per day: what a partner (and a screen reader) gets from it."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from registration_api.domain.cabinet_overview import INVITATIONS
from registration_api.web import svg_chart
from registration_api.web.svg_chart import PALETTE, daily_chart
from storefront import language

SVG = "{http://www.w3.org/2000/svg}"
FIRST = dt.date(2026, 9, 3)  # the chart of 90 days ending on 1 December 2026


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))


def bars(root: etree._Element) -> list[etree._Element]:
    return root.findall(f"{SVG}rect[@class='bar']")


def days(*pairs: tuple[int, int]) -> list[int]:
    counts = [0] * 90
    for day, n in pairs:
        counts[day] = n
    return counts


@pytest.fixture
def russian():
    language.use("ru")
    yield
    language.use("en")


def test_one_bar_per_series_and_day_with_a_sign_up_heights_in_proportion():
    root = parse(daily_chart({"main": days((0, 2), (10, 4)), "promo": days((10, 1))}, FIRST, {}, "en"))

    drawn = bars(root)
    assert len(drawn) == 3
    heights = {(b.get("data-day"), b.get("data-count")): float(b.get("height")) for b in drawn}
    assert heights[("2026-09-13", "4")] == pytest.approx(2 * heights[("2026-09-03", "2")])
    assert heights[("2026-09-13", "1")] == pytest.approx(heights[("2026-09-03", "2")] / 2)
    # Stacked: the smaller series sits on top of the larger one on 13 September.
    main, promo = (b for b in drawn if b.get("data-day") == "2026-09-13")
    assert float(promo.get("y")) + float(promo.get("height")) == pytest.approx(float(main.get("y")))


def test_the_title_and_description_give_the_totals_per_page():
    labels = {"main": "Главная", "promo": "Акция"}
    root = parse(daily_chart({"main": days((0, 2), (10, 4)), "promo": days((10, 1))}, FIRST, labels, "en"))

    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "Sign-ups per day"
    assert root.findtext(f"{SVG}desc") == (
        "7 sign-ups from September 3, 2026 to December 1, 2026 — Главная: 6; Акция: 1"
    )
    legend = [t.text for t in root.findall(f"{SVG}text[@class='legend']")]
    assert legend == ["Главная — 6", "Акция — 1"]


def test_the_invitations_are_named_unless_the_caller_names_them(russian):
    series = {INVITATIONS: days((0, 3)), "main": days((0, 5))}

    named = parse(daily_chart(series, FIRST, {}, "ru"))
    relabelled = parse(daily_chart(series, FIRST, {INVITATIONS: "Коды"}, "ru"))

    assert [t.text for t in named.findall(f"{SVG}text[@class='legend']")] == ["main — 5", "По приглашениям — 3"]
    assert relabelled.findall(f"{SVG}text[@class='legend']")[1].text == "Коды — 3"


def test_russian_months_dates_and_plural(russian):
    root = parse(daily_chart({"main": days((0, 21))}, FIRST, {}, "ru"))

    assert [t.text for t in root.findall(f"{SVG}text[@class='month']")] == ["окт.", "нояб.", "дек."]
    assert root.findtext(f"{SVG}title") == "Регистрации по дням"
    assert root.findtext(f"{SVG}desc") == (  # Babel keeps «г.» with its year by a narrow no-break space
        "21 регистрация с 3 сентября 2026\u202fг. по 1 декабря 2026\u202fг. — main: 21"
    )


def test_english_months_are_marked_where_they_begin():
    root = parse(daily_chart({"main": days((0, 1))}, FIRST, {}, "en"))

    months = root.findall(f"{SVG}text[@class='month']")
    assert [t.text for t in months] == ["Oct", "Nov", "Dec"]
    # 1 October is the 29th day of the chart: its tick is 28 day-slots right of the first.
    ticks = [float(line.get("x1")) for line in root.findall(f"{SVG}line") if line.get("x1") == line.get("x2")]
    assert ticks[0] == svg_chart._LEFT + 28 * svg_chart._SLOT


def test_scales_by_viewbox_without_scripts_or_external_resources():
    svg = daily_chart({"main": days((0, 1))}, FIRST, {}, "en")
    root = parse(svg)

    assert root.get("viewBox").startswith("0 0 ")
    assert root.get("width") == "100%" and root.get("height") is None
    assert "<script" not in svg and "href" not in svg and "url(" not in svg


def test_an_empty_period_draws_no_bars_and_says_so():
    root = parse(daily_chart({}, FIRST, {}, "en"))

    assert bars(root) == []
    assert root.findtext(f"{SVG}desc").startswith("0 sign-ups from")


def test_beyond_seven_pages_the_smallest_share_one_grey_series():
    series = {f"page-{n}": days((n, 10 - n)) for n in range(9)}
    root = parse(daily_chart(series, FIRST, {}, "en"))

    legend = [t.text for t in root.findall(f"{SVG}text[@class='legend']")]
    assert len(legend) == len(PALETTE)
    assert legend[-1] == "Other pages — 5"  # page-7 (3) and page-8 (2)
    assert legend[0] == "page-0 — 10"
    grey = [b for b in bars(root) if b.get("fill") == PALETTE[-1]]
    assert [b.get("data-day") for b in grey] == ["2026-09-10", "2026-09-11"]


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("colour", PALETTE)
def test_every_colour_reads_on_white_at_wcag_aa(colour):
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5


def test_the_colours_are_distinct():
    assert len(set(PALETTE)) == len(PALETTE)


def test_text_escapes_and_drops_what_xml_cannot_hold():
    assert svg_chart.text("a & b < c\x00\x1b") == "a &amp; b &lt; c"
