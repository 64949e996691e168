"""Problems found in a partner's input, reported as ``path:line:col: field: message``.

Validation never stops at the first mistake: every stage appends to one list so the
partner can fix everything in a single pass.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from storefront.site.characters import code_point

Loc = tuple[str | int, ...]


def dotted(loc: Loc) -> str:
    """``("tariffs", 1, "price")`` → ``tariffs[1].price``, the way a partner reads a key path."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake, located as precisely as the input allows."""

    path: str
    line: int
    col: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return printable(f"{self.path}:{self.line}:{self.col}:{field} {self.message}")


_ACTED_ON = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every character a terminal or a log would act on (a line break, an
    escape sequence, a bidirectional override) written out as ``\\n`` or ``U+001B``: a
    partner's file name or key cannot forge lines in ``storefront check`` or the log."""
    if text.isprintable():
        return text
    return "".join(_ESCAPES.get(c, code_point(c)) if unicodedata.category(c) in _ACTED_ON else c for c in text)


class InvalidSite(Exception):
    """Raised when a site cannot be built; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path as the user typed it: relative to the working directory when possible."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
