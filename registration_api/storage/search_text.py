"""Finding a partner's subscribers by what an operator remembers of them: a part of the name,
e-mail, phone, company, ИНН or subscriber number, in any letter case (Cyrillic included).

Each subscriber row keeps ``search_text``: those fields folded (:func:`fold`) into one string,
written with the row, so a search is one ``LIKE`` over one column on SQLite and PostgreSQL alike
(SQLite folds no Cyrillic case in ``LIKE`` or ``lower()``).
"""

from __future__ import annotations


def fold(text: str) -> str:
    """``text`` as searched: case-folded, «ё» as «е», spaces collapsed."""
    return " ".join(text.casefold().replace("ё", "е").split())


def search_text(name: str, email: str, phone: str, company: str | None, inn: str | None) -> str:
    """What a subscriber is found by (its number is matched on its own column)."""
    digits = "".join(c for c in phone if c.isdigit())
    return fold(" ".join(part for part in (name, email, digits, company or "", inn or "") if part))
