"""The cabinet's list of a partner's subscribers: what an operator typed and chose (:class:`Criteria`)
as one query, a page of it with the number found (:func:`search`), or all of it in batches for
the exports (:func:`batches`).

What is typed is found in ``search_text`` (:mod:`registration_api.storage.search_text`: name,
e-mail, phone digits, company and ИНН, folded) or in the subscriber's number, with ``LIKE``
whose wildcards typed by the operator are escaped. A phone is found however it is typed:
«8 916 123-45-67», «+7 (916) 123» and «916 123» all look for its digits. Every query is one
partner's (``site_id`` first in every index it uses) and reads a page through the index of its
order (``OFFSET`` over ids only, then the page's rows by id), so a page costs the same at the
first or the thousandth page; the exports walk the same order in keyset batches, each its own
short transaction, so a long download never holds the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from registration_api.domain.cabinet_overview import INVITATIONS
from registration_api.domain.news_audience import NEWS_STATE, NewsState
from registration_api.storage.records import Subscriber
from registration_api.storage.search_text import fold
from registration_api.storage.tables import NAME_KEY_LENGTH, subscribers

#: The orders of the list: newest or oldest registration first, by name, by the trial's last day.
SORTS = ("newest", "oldest", "name", "trial_end")
#: Subscribers on a page of the list.
PAGE_SIZE = 50
#: What is read of a query: more is ignored (no one types 200 characters to find a person).
MOST_TYPED = 200
#: Words of a query matched (each must be found); the rest are ignored.
MOST_WORDS = 8
#: Rows read per statement by :func:`batches`.
BATCH = 1000

#: Only digits and what people write between them: «8 (916) 123-45-67», «+7 916 1234567».
_PHONE_LIKE = re.compile(r"[\d\s()+\-.]*\d[\d\s()+\-.]*")
#: A number typed with the old trunk prefix: «8 916…», «8(916)…».
_TRUNK_EIGHT = re.compile(r"8[\s(\-]")
_DIGITS_WITH_TRUNK = 11

c = subscribers.c


class _NameKey(FunctionElement[str]):
    """The order by name: ``search_text``, which begins with the folded name (case and «ё» set
    aside); on PostgreSQL its first characters, which its index holds (see ``tables``)."""

    type = sa.Text()
    name = "name_key"
    inherit_cache = True


@compiles(_NameKey)
def _whole_text(element: _NameKey, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(c.search_text, **kw)


@compiles(_NameKey, "postgresql")
def _text_start(element: _NameKey, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(sa.func.left(c.search_text, sa.literal_column(str(NAME_KEY_LENGTH))), **kw)


#: Each order as (key, descending); the id follows in the same direction, so the order is total
#: (and a batch of :func:`batches` starts after the last row of the one before).
_ORDERS: dict[str, tuple[ColumnElement[Any], bool]] = {
    "newest": (c.created_at, True),
    "oldest": (c.created_at, False),
    "name": (_NameKey(), False),
    "trial_end": (c.trial_ends, False),
}


@dataclass(frozen=True)
class Criteria:
    """What the operator asked for; every part is optional (all of the partner's subscribers)."""

    text: str = ""
    #: One of :data:`registration_api.domain.subscriptions.STATUSES`.
    status: str | None = None
    #: A registration page's id, or :data:`INVITATIONS` for those who came with an invitation.
    page: str | None = None
    #: Whether the partner's newsletter reaches them: one of ``news_audience.NEWS_STATES``.
    newsletter: NewsState | None = None
    #: Registered at or after this moment …
    since: dt.datetime | None = None
    #: … and before this one.
    before: dt.datetime | None = None
    sort: str = "newest"


@dataclass(frozen=True)
class Found:
    """A page of the list: its subscribers, and how many the criteria find in all."""

    subscribers: list[Subscriber]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def needles(text: str) -> list[str]:
    """What ``text`` looks for, each to be found: one string of digits for a phone or a number
    however typed, else each word folded (a word of digits and dashes as its digits)."""
    text = text.strip()[:MOST_TYPED]
    if _PHONE_LIKE.fullmatch(text):
        digits = _digits(text)
        if _TRUNK_EIGHT.match(text) or (len(digits) == _DIGITS_WITH_TRUNK and digits.startswith("8")):
            return ["7" + digits[1:]]  # stored as +7…: «8 916 123» is «7916123»
        return [digits]
    words = (_digits(word) if _PHONE_LIKE.fullmatch(word) else word for word in fold(text).split())
    return list(words)[:MOST_WORDS]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _text_matches(text: str) -> ColumnElement[bool] | None:
    found = [_found(needle) for needle in needles(text)]
    return sa.and_(*found) if found else None


def _found(needle: str) -> ColumnElement[bool]:
    """``needle`` anywhere in the searched text; digits in the subscriber's number too."""
    in_text = c.search_text.contains(needle, autoescape=True)
    return sa.or_(in_text, c.number.contains(needle, autoescape=True)) if needle.isdigit() else in_text


def _conditions(site_id: str, criteria: Criteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [c.site_id == site_id]
    if criteria.status:
        conditions.append(c.status == criteria.status)
    if criteria.page == INVITATIONS:
        conditions.append(c.invitation_id.is_not(None))
    elif criteria.page:
        conditions += [c.page_id == criteria.page, c.invitation_id.is_(None)]
    if criteria.newsletter:
        conditions.append(sa.literal(criteria.newsletter) == NEWS_STATE)
    if criteria.since:
        conditions.append(c.created_at >= criteria.since)
    if criteria.before:
        conditions.append(c.created_at < criteria.before)
    matches = _text_matches(criteria.text)
    if matches is not None:
        conditions.append(matches)
    return conditions


def _order(criteria: Criteria) -> tuple[ColumnElement[Any], bool]:
    return _ORDERS.get(criteria.sort, _ORDERS["newest"])


def _order_by(criteria: Criteria) -> list[ColumnElement[Any]]:
    key, descending = _order(criteria)
    return [key.desc(), c.id.desc()] if descending else [key.asc(), c.id.asc()]


def search(engine: Engine, site_id: str, criteria: Criteria, page: int = 1, size: int = PAGE_SIZE) -> Found:
    """Page ``page`` (from 1) of ``site_id``'s subscribers that ``criteria`` find, in its order.
    A page past the last is empty (the total says how many pages there are)."""
    conditions = _conditions(site_id, criteria)
    ids = (
        sa.select(c.id).where(*conditions).order_by(*_order_by(criteria)).limit(size).offset((max(page, 1) - 1) * size)
    )
    count = sa.select(sa.func.count()).select_from(subscribers).where(*conditions)
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        wanted = conn.execute(ids).scalars().all()
        rows = conn.execute(sa.select(subscribers).where(c.id.in_(wanted))).all() if wanted else []
    by_id = {row.id: Subscriber.from_row(row) for row in rows}
    return Found([by_id[i] for i in wanted], total, max(page, 1), size)


def batches(engine: Engine, site_id: str, criteria: Criteria, size: int = BATCH) -> Iterator[list[Subscriber]]:
    """Every subscriber ``criteria`` find, in its order, ``size`` at a time: each batch is read by
    its own statement (a short transaction) after the last row of the one before, so memory
    holds one batch and a long download never keeps the database from a sign-up."""
    key, descending = _order(criteria)
    query = (
        sa.select(subscribers, key.label("sort_key"))
        .where(*_conditions(site_id, criteria))
        .order_by(*_order_by(criteria))
        .limit(size)
    )
    after: ColumnElement[bool] | None = None
    while True:
        with engine.connect() as conn:
            rows = conn.execute(query if after is None else query.where(after)).all()
        if rows:
            yield [Subscriber.from_row(row) for row in rows]
        if len(rows) < size:
            return
        last = rows[-1]
        if descending:
            after = sa.or_(key < last.sort_key, sa.and_(key == last.sort_key, c.id < last.id))
        else:
            after = sa.or_(key > last.sort_key, sa.and_(key == last.sort_key, c.id > last.id))
