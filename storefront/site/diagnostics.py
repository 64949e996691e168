"""Problems found in a partner's input, reported as ``path:line:col: field: message``.

Validation never stops at the first mistake: every stage appends to one list so the
partner can fix everything in a single pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storefront.site.characters import printable

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


def display_path(path: Path) -> str:
    """A path as the user typed it: relative to the working directory when possible."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
