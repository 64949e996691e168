"""A refusal's words come from whatever mail server answered: shown on the subscriber's card and
written to the downloads, they stay text (no markup in the page, no formula in a spreadsheet)."""

from __future__ import annotations

import csv
import io

from lxml import html
from openpyxl import load_workbook

from registration_api.storage import tables
from tests.registration_api.web.test_cabinet_auth import sign_in
from tests.registration_api.web.test_cabinet_subscriber import LIST, card, register

HOSTILE = '=HYPERLINK("https://evil.example","x")"><img src=x onerror=alert(1)><script>alert(2)</script>'


def refused(service, number: str) -> None:
    with service.database.begin() as conn:
        conn.execute(
            tables.subscribers.update()
            .where(tables.subscribers.c.number == number)
            .values(undeliverable_at=service.clock(), undeliverable_reason=HOSTILE)
        )


def test_a_hostile_refusal_is_shown_and_downloaded_as_text(cabinet):
    number = register(cabinet, news="yes")
    refused(cabinet, number)
    sign_in(cabinet)
    page = cabinet.http.get(f"{LIST}/{number}").text
    assert card(page)["Рассылка"] == f"Адрес не принимает почту: {HOSTILE}"
    tree = html.fromstring(page)
    assert not tree.xpath("//img[@src='x']") and not any("alert(2)" in s for s in tree.xpath("//script/text()"))
    download = cabinet.http.get(f"{LIST}.csv").content.decode("utf-8-sig")
    titles, row = csv.reader(io.StringIO(download), delimiter=";")
    assert dict(zip(titles, row, strict=True))["Рассылка"].startswith("Адрес не принимает почту: =HYPERLINK")
    sheet = load_workbook(io.BytesIO(cabinet.http.get(f"{LIST}.xlsx").content)).active
    titles, cells = sheet.iter_rows()
    [shown] = [cell for title, cell in zip(titles, cells, strict=True) if title.value == "Рассылка"]
    assert shown.data_type == "s" and not str(shown.value).startswith("=")
