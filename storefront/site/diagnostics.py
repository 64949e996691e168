"""Problems found in a partner's input, reported as ``path:line:col: field: message``.

Validation never stops at the first mistake: every stage appends to one list so the
partner can fix everything in a single pass. Lines, columns and list items count from 1,
as a person counts; an item with a name or an id is called by it (``tariffs «Бизнес».price``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from storefront.language import current
from storefront.language import gettext as _
from storefront.site.characters import printable

Loc = tuple[str | int, ...]
#: What a list item is called in a field path, by its key path: its name or its id.
Labels = Mapping[Loc, str]

#: Characters of a quoted line shown on either side of the caret.
_QUOTED_WIDTH = 70


def dotted(loc: Loc, labels: Labels | None = None) -> str:
    """``("tariffs", 1, "price")`` → ``tariffs «Бизнес».price`` when the item has a name,
    else ``tariffs[2].price``: the way a partner reads a key path, counting from 1."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            label = labels.get(loc[: i + 1]) if labels else None
            if label is not None:
                out = _('{path} "{name}"').format(path=out, name=label).lstrip()
            else:
                out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake, located as precisely as the input allows.

    ``quoted`` is the line of the file the mistake is on, when seeing it helps (a YAML syntax
    error): it is shown under the message with a caret under column ``col``.
    """

    path: str
    line: int
    col: int
    field: str
    message: str
    quoted: str | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        head = printable(f"{self.path}:{self.line}:{self.col}:{field} {self.message}")
        if self.quoted is None:
            return head
        shown, caret = excerpt(self.quoted, self.col)
        return f"{head}\n{self.line:>4} | {shown}\n     | {' ' * caret}^"


def excerpt(line: str, col: int) -> tuple[str, int]:
    """``line`` as it is shown under a message (a tab as ``→``, other invisible characters
    as ``U+0001``, a long line cut around ``col``) and how far in the caret goes."""
    shown = [("→" if char == "\t" else printable(char)) for char in line]
    caret = sum(len(part) for part in shown[: col - 1])
    text = "".join(shown)
    if caret > _QUOTED_WIDTH:
        cut = caret - _QUOTED_WIDTH
        text, caret = "…" + text[cut:], caret - cut + 1
    if len(text) > caret + _QUOTED_WIDTH:
        text = text[: caret + _QUOTED_WIDTH] + "…"
    return text, caret


def number(n: int | float) -> str:
    """``n`` as the language of the messages writes it: «100,000» or «100 000»."""
    # deferred: Babel is not needed to print a rebuild with nothing to do
    from storefront import formatting  # noqa: PLC0415

    return formatting.number(n, current())


def display_path(path: Path) -> str:
    """A path as the user typed it: relative to the working directory when possible."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
