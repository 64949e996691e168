"""Subscriptions ending: whose access ends within the next 14 days, whose ended lately, and who
extended their own access. The partner's Monday digest e-mails the first list
(:mod:`registration_api.domain.reminders`) and the cabinet's page shows all three; both read
them here, so the e-mail and the page never disagree.

The last day of access is :attr:`Subscriber.access_ends`: ``paid_until`` for a paid subscriber
that has one, else ``trial_ends``. A trial whose last day has passed keeps the status ``trial``
until something marks it ``expired``, so "ended" goes by the day, not by the status. Subscribers
who left (``gone``) are in neither list of ends: their departure is already recorded.

Each query reads one partner's rows through an index that starts with ``site_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.storage.records import Subscriber
from registration_api.storage.tables import subscribers

#: "Ending soon": the last day of access is today or one of the next 14 days.
HORIZON_DAYS = 14
#: "Ended recently": the last day of access was one of the 14 days before today.
ENDED_DAYS = 14
#: "Extended": the subscriber used the e-mailed extension link today or in the 29 days before.
EXTENDED_DAYS = 30

#: Statuses whose access is still running (or was, until its last day).
RUNNING = ("trial", "paid")
#: Statuses whose access may have ended on its last day (``expired`` is a trial marked so).
ENDED = ("trial", "expired", "paid")


@dataclass(frozen=True)
class Ending:
    """The three lists of one partner's page of subscriptions ending, as of ``today``."""

    today: dt.date
    #: Ending today … today + 14, soonest first (the Monday digest's list).
    ending: list[Subscriber]
    #: Ended today − 14 … yesterday, latest first.
    ended: list[Subscriber]
    #: Extended in the last 30 days, latest first.
    extended: list[Subscriber]


def ending(engine: Engine, site_id: str, today: dt.date, timezone: ZoneInfo, limit: int | None = None) -> Ending:
    """The three lists of ``site_id`` as of ``today`` (a day in ``timezone``), each of at most
    ``limit`` subscribers when given."""
    with engine.connect() as conn:
        return Ending(
            today=today,
            ending=ending_soon(conn, site_id, today, limit),
            ended=ended_recently(conn, site_id, today, limit),
            extended=extended_recently(conn, site_id, today, timezone, limit),
        )


def ending_soon(conn: Connection, site_id: str, today: dt.date, limit: int | None = None) -> list[Subscriber]:
    """Subscribers on a trial or paid whose access ends today or within :data:`HORIZON_DAYS`
    days, by their last day (then number): what the Monday digest lists."""
    last = today + dt.timedelta(days=HORIZON_DAYS)
    return _by_last_day(conn, site_id, today, last, RUNNING, limit, latest_first=False)


def ended_recently(conn: Connection, site_id: str, today: dt.date, limit: int | None = None) -> list[Subscriber]:
    """Subscribers whose access ended in the :data:`ENDED_DAYS` days before today and was
    neither extended nor paid beyond it (either would have moved the last day), latest first."""
    first = today - dt.timedelta(days=ENDED_DAYS)
    return _by_last_day(conn, site_id, first, today - dt.timedelta(days=1), ENDED, limit, latest_first=True)


def extended_recently(
    conn: Connection, site_id: str, today: dt.date, timezone: ZoneInfo, limit: int | None = None
) -> list[Subscriber]:
    """Subscribers who extended their access themselves (the 7-day link of the reminder) on one
    of the last :data:`EXTENDED_DAYS` days in ``timezone``, whatever their status now; latest first."""
    since = dt.datetime.combine(today - dt.timedelta(days=EXTENDED_DAYS - 1), dt.time(), timezone)
    c = subscribers.c
    query = (
        sa.select(subscribers)
        .where(c.site_id == site_id, c.extended_at >= since.astimezone(dt.UTC))
        .order_by(c.extended_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [Subscriber.from_row(row) for row in conn.execute(query)]


def _by_last_day(
    conn: Connection,
    site_id: str,
    first: dt.date,
    last: dt.date,
    statuses: Collection[str],
    limit: int | None,
    *,
    latest_first: bool,
) -> list[Subscriber]:
    """Subscribers of ``statuses`` (trial or paid, and others) whose last day of access is within ``first`` … ``last``.

    Written as two ranges of stored days rather than over :attr:`Subscriber.access_ends`, so that
    each is a range of an index: the trial's last day (a paid subscriber without ``paid_until``
    has no other) and the paid period's.
    """
    c = subscribers.c
    trial_statuses = [status for status in statuses if status != "paid"]
    by_trial = sa.and_(
        c.trial_ends.between(first, last),
        sa.or_(c.status.in_(trial_statuses), sa.and_(c.status == "paid", c.paid_until.is_(None))),
    )
    by_payment = sa.and_(c.status == "paid", c.paid_until.between(first, last))
    last_day = sa.case((sa.and_(c.status == "paid", c.paid_until.is_not(None)), c.paid_until), else_=c.trial_ends)
    order = last_day.desc() if latest_first else last_day.asc()
    query = (
        sa.select(subscribers)
        .where(c.site_id == site_id, sa.or_(by_trial, by_payment))
        .order_by(order, c.id)
        .limit(limit)
    )
    return [Subscriber.from_row(row) for row in conn.execute(query)]
