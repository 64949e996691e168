"""The starter's cards in a real browser at 1280 pixels, in every theme: two benefits or two
tariffs share the row evenly, with no empty third column, and three fill it the same way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from storefront.preview import static_server
from storefront.starter import Starter
from tests.support import THEMES, build_in_process

THIRD_BENEFIT = '    - title: "Поддержка рядом"\n      text: "Поможем перенести данные и настроить учёт."\n'
THIRD_TARIFF = (
    "  - id: corp\n    name: Корпоративный\n    based_on: prof\n    price: 4990\n    sessions: 10\n"
    "    bases: unlimited\n    features:\n      - Персональный менеджер\n"
)
#: Pixels of rounding a layout may differ by.
SLACK = 1.5


def starter_sites(root, count: int) -> None:
    """The starter with ``count`` benefits and ``count`` tariffs (it has three and two)."""
    folder = root / "sites" / "demo"
    Starter("demo").write(folder)
    text = (folder / "site.yaml").read_text(encoding="utf-8")
    assert THIRD_BENEFIT in text and "\nfaq:" in text
    fewer, more = text.replace(THIRD_BENEFIT, ""), text.replace("\nfaq:", "\n" + THIRD_TARIFF + "faq:", 1)
    (folder / "site.yaml").write_text(fewer if count == 2 else more, encoding="utf-8")


@pytest.fixture(scope="module")
def urls(tmp_path_factory):
    found, servers = {}, []
    for count in (2, 3):
        root = tmp_path_factory.mktemp(f"starter-{count}")
        starter_sites(root, count)
        for theme in THEMES:
            public = build_in_process(root, "--theme", theme, "--out", f"public/{theme}")
            server = static_server.start(public / theme / "demo")
            servers.append(server)
            found[theme, count] = f"http://127.0.0.1:{server.server_address[1]}/"
    yield found
    for server in servers:
        server.shutdown()


def row_of(page: Page, grid: str, item: str) -> tuple[dict, list[dict]]:
    boxes = [b for b in (e.bounding_box() for e in page.locator(f"{grid} > {item}").all()) if b]
    whole = page.locator(grid).first.bounding_box()
    assert whole and boxes, f"no {grid} on {page.url}"
    return whole, boxes


def rows(boxes: list[dict]) -> list[list[dict]]:
    """The cards grouped into rows: a card starting above the previous one's bottom shares its row
    (a theme may raise the recommended card a little)."""
    grouped: list[list[dict]] = []
    for box in boxes:
        if grouped and box["y"] < grouped[-1][-1]["y"] + grouped[-1][-1]["height"]:
            grouped[-1].append(box)
        else:
            grouped.append([box])
    return grouped


def assert_fills_the_row_evenly(page: Page, grid: str, item: str, count: int) -> None:
    """Every row's cards are equally wide; the first row spans the grid edge to edge (two
    cards always share one row; three may wrap where a theme keeps two columns)."""
    whole, boxes = row_of(page, grid, item)
    where = f"{grid} on {page.url}"
    assert len(boxes) == count, where
    lined = rows(boxes)
    assert count > 2 or len(lined) == 1, f"{where}: two cards do not share one row"
    for row in lined:
        widths = [round(b["width"]) for b in row]
        assert max(widths) - min(widths) <= SLACK, f"{where}: the cards of a row differ in width: {widths}"
    first = lined[0]
    left, right = first[0]["x"], first[-1]["x"] + first[-1]["width"]
    assert abs(left - whole["x"]) <= SLACK, f"{where}: the row does not start at the grid's edge"
    empty = whole["x"] + whole["width"] - right
    assert empty <= SLACK, f"{where}: {empty:.0f} px of the row stay empty after the last card"


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("theme", THEMES)
def test_benefits_and_tariffs_fill_the_row_evenly(page: Page, urls, theme, count):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(urls[theme, count])
    assert_fills_the_row_evenly(page, ".benefit-list", "li", count)
    assert_fills_the_row_evenly(page, ".tariff-grid", ".tariff-card", count)
    page.goto(urls[theme, count] + "tariffs/")
    assert_fills_the_row_evenly(page, ".tariff-grid", ".tariff-card", count)
