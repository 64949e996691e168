"""The files a partner downloads from the cabinet: a table, whatever its length, as CSV for a
spreadsheet or as an XLSX workbook, produced in pieces as its rows arrive so that neither the
rows nor the file are ever held in memory whole.

- CSV: UTF-8 with a byte order mark (Excel then reads Cyrillic right), lines ending in CRLF, the
  separator the partner's Excel expects (``;`` in Russian, where ``,`` is the decimal comma),
  days and moments in ISO 8601 (``2026-03-10``, ``2026-03-10 12:30``: every Excel reads them as
  dates), and every text that a spreadsheet would run as a formula neutralised
  (:func:`~registration_api.domain.csv_export.safe_cell`).
- XLSX: openpyxl's write-only workbook written to an anonymous temporary file (nothing is left
  behind, whatever happens), then read back in chunks. Days and moments are date cells shown as
  ``31.12.2026`` and ``31.12.2026 12:30``; every text is a text cell, never a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from registration_api.domain.csv_export import FORMULA_STARTS, safe_cell

Cell = str | int | dt.date | dt.datetime | None
"""A value of a table: a moment is the partner's local time, without its zone (no spreadsheet
keeps one)."""

#: How an XLSX cell shows a day and a moment (the cabinet's pages show them the same way).
DAY_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
#: Rows of CSV sent at a time, and bytes of a workbook.
CSV_ROWS_PER_CHUNK = 500
CHUNK_BYTES = 64 * 1024
#: The widest an XLSX column is made, in characters.
_WIDEST = 40


@dataclass(frozen=True)
class Table:
    """What a file holds: a name (the workbook's sheet), titles of its columns in the partner's
    language, and its rows (an iterable read once, lazily)."""

    name: str
    titles: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    #: The usual width of each column, in characters, for the workbook.
    widths: Sequence[int] = ()


def csv_chunks(table: Table, separator: str = ";") -> Iterator[bytes]:
    """The CSV file of ``table`` in pieces of :data:`CSV_ROWS_PER_CHUNK` rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(table.titles)
    for count, row in enumerate(table.rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield _taken(out)
    yield _taken(out)


def _taken(out: io.StringIO) -> bytes:
    chunk = out.getvalue().encode("utf-8")
    out.seek(0)
    out.truncate()
    return chunk


def _csv_cell(value: Cell) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(value)


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """The XLSX workbook of ``table`` in pieces of :data:`CHUNK_BYTES`: written whole to an
    anonymous temporary file first (a workbook is a zip, finished only at its end)."""
    with tempfile.TemporaryFile() as file:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_sheet_name(table.name))
        for number, width in enumerate(table.widths, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = min(width, _WIDEST)
        sheet.freeze_panes = "A2"
        sheet.append([_title(sheet, title) for title in table.titles])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def _sheet_name(name: str) -> str:
    """A sheet's name has at most 31 characters, none of ``[]:*?/\\``."""
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in name)[:31]


def _title(sheet: WriteOnlyWorksheet, title: str) -> SheetCell:
    cell = WriteOnlyCell(sheet, _text(title))
    cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> Any:
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet)
        cell.value = value
        cell.number_format = MOMENT_FORMAT if isinstance(value, dt.datetime) else DAY_FORMAT
        return cell
    if isinstance(value, str):
        return _text_cell(sheet, value) if value.lstrip().startswith(FORMULA_STARTS) else _text(value)
    return value


def _text(value: str) -> str:
    """What an XML file may hold of ``value``: characters it cannot carry are replaced."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def _text_cell(sheet: WriteOnlyWorksheet, value: str) -> SheetCell:
    """Text that looks like a formula, as a text cell (openpyxl would write ``=…`` as a formula)
    marked to stay text when a person edits it (Excel's leading apostrophe, ``quotePrefix``)."""
    cell = WriteOnlyCell(sheet, _text(value))
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
