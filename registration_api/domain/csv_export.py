"""CSV files for the partner: every text cell that a spreadsheet would read as a formula is
neutralised, whoever typed it (OWASP's advice on CSV injection). A phone number the service
stored (``+79161234567``) is left as it is: a spreadsheet reads it as a number at worst, which
runs nothing, and an apostrophe would spoil it for every program that reads the file."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

#: How text that a spreadsheet takes for a formula begins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: A whole phone number in the international form the service stores: a plus, then only digits.
_PHONE_NUMBER = re.compile(r"\+[0-9]{7,15}")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it and never runs it: text that starts (after any blanks)
    with = + - @, a tab or a carriage return gets a leading apostrophe. Numbers are left alone,
    and so is a whole phone number (``+79161234567``)."""
    if isinstance(value, str) and value.lstrip().startswith(FORMULA_STARTS) and not _PHONE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(
    out: TextIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any]], lineterminator: str = "\r\n"
) -> None:
    """Write ``rows`` (dicts, extra keys ignored) under a header of ``columns``, each cell made safe."""
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator=lineterminator)
    writer.writeheader()
    writer.writerows({column: safe_cell(row.get(column)) for column in columns} for row in rows)
