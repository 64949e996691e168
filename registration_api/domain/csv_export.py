"""CSV files for the partner: every text cell that a spreadsheet would read as a formula is
neutralised, whoever typed it (OWASP's advice on CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it and never runs it: text that starts (after any blanks)
    with = + - @, a tab or a carriage return gets a leading apostrophe. Numbers are left alone."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(
    out: TextIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any]], lineterminator: str = "\r\n"
) -> None:
    """Write ``rows`` (dicts, extra keys ignored) under a header of ``columns``, each cell made safe."""
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator=lineterminator)
    writer.writeheader()
    writer.writerows({column: safe_cell(row.get(column)) for column in columns} for row in rows)
