"""The cabinet's files: CSV that Russian Excel opens as a table, XLSX workbooks read back with
openpyxl, both made piece by piece from rows read lazily, and nothing left on disk."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from registration_api.domain import exports
from registration_api.domain.exports import Table, csv_chunks, xlsx_chunks

TITLES = ["Номер", "Имя", "Телефон", "Зарегистрирован", "Пробный до", "Дней"]
ROW = [
    "1000001",
    "Анна; «Ромашка»\nвторая строка",
    "+79161234567",
    dt.datetime(2026, 3, 10, 12, 30),
    dt.date(2026, 4, 9),
    30,
]


def test_csv_is_utf8_with_bom_semicolons_crlf_and_iso_dates():
    data = b"".join(csv_chunks(Table("Подписчики", TITLES, [ROW, ["1000002", "Пётр", "", None, None, None]])))
    assert data.startswith(b"\xef\xbb\xbf" + "Номер;Имя;".encode())
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\r\n1000002;Пётр;;;;\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == TITLES
    assert rows[1] == [
        "1000001",
        "Анна; «Ромашка»\nвторая строка",
        "+79161234567",
        "2026-03-10 12:30",
        "2026-04-09",
        "30",
    ]


def test_csv_separator_can_be_a_comma():
    text = b"".join(csv_chunks(Table("x", ["a", "b"], [["1", "2"]]), separator=",")).decode("utf-8-sig")
    assert text == "a,b\r\n1,2\r\n"


def test_csv_neutralises_formulas_but_keeps_a_phone_number():
    rows = [["=1+1", "+1+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "+79161234567", "+7 916 123-45-67"]]
    text = b"".join(csv_chunks(Table("x", list("abcdef"), rows))).decode("utf-8-sig")
    [cells] = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert cells == ["'=1+1", "'+1+cmd|' /C calc'!A0", "'-2", "'@SUM(A1)", "+79161234567", "'+7 916 123-45-67"]


def counted(rows: int, seen: list[int]) -> Iterator[list[exports.Cell]]:
    for n in range(rows):
        seen.append(n)
        yield [str(n), f"Клиент {n}"]


def test_csv_is_sent_while_the_rows_are_still_being_read():
    seen: list[int] = []
    chunks = csv_chunks(Table("x", ["n", "name"], counted(3 * exports.CSV_ROWS_PER_CHUNK + 7, seen)))
    first = next(chunks)
    assert len(seen) == exports.CSV_ROWS_PER_CHUNK, "the first piece goes before the other rows are read"
    rest = list(chunks)
    assert len(rest) == 3 and len(seen) == 3 * exports.CSV_ROWS_PER_CHUNK + 7
    assert (first + b"".join(rest)).decode("utf-8-sig").count("\r\n") == len(seen) + 1


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary files go to a folder of the test's, to see what is left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_xlsx_reads_back_with_titles_date_cells_and_text(private_tmp):
    rows = [ROW, ["1000002", '=HYPERLINK("http://evil.example")', "+7 916", None, None, -1]]
    chunks = list(xlsx_chunks(Table("Подписчики: все", TITLES, rows, widths=[10, 30, 18, 17, 12, 6])))
    assert all(len(chunk) <= exports.CHUNK_BYTES for chunk in chunks)
    assert list(private_tmp.iterdir()) == [], "no temporary file is left behind"
    sheet = load_workbook(io.BytesIO(b"".join(chunks))).active
    assert sheet.title == "Подписчики  все"
    assert [c.value for c in sheet[1]] == TITLES and sheet["A1"].font.b
    first = sheet[2]
    assert [c.value for c in first] == [*ROW[:4], dt.datetime(2026, 4, 9), 30], "a day reads back as its midnight"
    assert first[3].is_date and first[3].number_format == "DD.MM.YYYY HH:MM"
    assert first[4].is_date and first[4].number_format == "DD.MM.YYYY"
    formula = sheet["B3"]
    assert formula.value == '=HYPERLINK("http://evil.example")' and formula.data_type == "s", "text, never a formula"
    assert formula.quotePrefix and sheet["C3"].quotePrefix, "kept text when a person edits it"
    assert sheet["D3"].value is None and sheet["F3"].value == -1
    assert sheet.column_dimensions["B"].width == 30 and sheet.freeze_panes == "A2"


def test_xlsx_replaces_characters_a_workbook_cannot_hold():
    data = b"".join(xlsx_chunks(Table("x", ["a"], [["звонок\x07 и\x00нуль"]])))
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "звонок\ufffd и\ufffdнуль"


def test_a_long_xlsx_comes_in_many_pieces():
    rows = ([str(n), f"client{n}@example.ru", dt.date(2026, 1, 1)] for n in range(20_000))
    chunks = list(xlsx_chunks(Table("x", ["n", "email", "day"], rows)))
    assert len(chunks) > 3
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    read = list(sheet.iter_rows(values_only=True))
    assert len(read) == 20_001 and read[-1] == ("19999", "client19999@example.ru", dt.datetime(2026, 1, 1))
