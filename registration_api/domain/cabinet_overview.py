"""The figures of the partner's cabinet overview, counted by the database, never row by row.

Every "day", "week" (Monday to Sunday) and "month" is the service's time zone (``TIMEZONE``),
not UTC: a sign-up at 23:30 in Moscow on 31 May counts for May even though it is 20:30 UTC.
Boundaries are computed here as UTC instants and handed to the queries, so SQLite (which
stores UTC without its offset) and PostgreSQL agree. The chart's days are found in SQL as
the date of ``created_at + the zone's offset``, one query per stretch of time with a
constant offset, so a zone with summer time (Europe/Berlin) is bucketed as exactly as
Europe/Moscow, and a zone half an hour off UTC as well.

Statuses (see :mod:`registration_api.domain.subscriptions`): ``trial`` until its last day
``trial_ends``, ``paid`` once converted (``paid_until`` set; kept when a paying client
leaves), ``expired``, ``gone`` (``gone_at`` says when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from registration_api.storage.tables import subscribers

#: How many days the chart and the trial-to-paid rate look back (today included for the chart).
CHART_DAYS = 90
RATE_DAYS = 90
#: "Ending soon": the trial's last day is today or one of the next six days.
ENDING_DAYS = 7
#: The chart's series of sign-ups that came through an invitation rather than a page; not a
#: page id (those are letters, digits and dashes), so it never collides with one.
INVITATIONS = "*invitations"


@dataclass(frozen=True)
class Overview:
    """What the overview page shows; every count is for one partner (site)."""

    today: dt.date
    signups_today: int
    signups_this_week: int
    signups_this_month: int
    trials_running: int
    trials_ending_soon: int
    conversions_this_month: int
    departures_this_month: int
    #: Trials that ended or converted in the last 90 days (the rate's denominator) …
    rate_trials: int
    #: … and how many of them became paid (its numerator).
    rate_converted: int
    #: The first day of :attr:`daily` (``today - 89``).
    first_day: dt.date
    #: Sign-ups per day, oldest first, 90 numbers per series: one series per registration page
    #: (its ``page_id``) that had a sign-up in the period, plus :data:`INVITATIONS`.
    daily: Mapping[str, tuple[int, ...]]

    @property
    def trial_to_paid_rate(self) -> float | None:
        """``rate_converted / rate_trials``, or None when no trial ended in the last 90 days."""
        return self.rate_converted / self.rate_trials if self.rate_trials else None


def overview(engine: Engine, site_id: str, today: dt.date, timezone: ZoneInfo) -> Overview:
    """The overview of ``site_id`` as of ``today`` (a date in ``timezone``).

    - Sign-ups today / this week (since Monday) / this month: subscribers created since the
      start of that local day, of Monday, of the 1st; whatever their status now.
    - Trials running: status ``trial`` whose last day ``trial_ends`` is today or later (a trial
      past its last day that nobody has marked expired yet is not running).
    - Trials ending soon: running trials whose last day is within today … today + 6.
    - Departures this month: ``gone_at`` since the 1st.
    - Conversions this month: subscribers who became paid (whatever they are now) since the 1st,
      by ``converted_at``. A row converted before that column existed has only ``paid_until``:
      it counts in the month of its trial's last day, the month a partner expects the client to
      decide.
    - Trial-to-paid rate: among the trials that *ended or converted in the last 90 days* — a
      last day within today − 90 … yesterday, or converted since today − 90 (an early
      conversion of a trial still running counts) — the share that became paid. Trials still
      running and not converted are left out: they have not decided yet. A row without
      ``converted_at`` converted when its trial ended.

    Conversions are found by their day through an index of their own, whenever the trial ended.
    """
    start_of_day = _local_midnight(today, timezone)
    week_start = _local_midnight(today - dt.timedelta(days=today.weekday()), timezone)
    month_first = today.replace(day=1)
    month_start = _local_midnight(month_first, timezone)
    next_month = (month_first + dt.timedelta(days=32)).replace(day=1)
    tomorrow = _local_midnight(today + dt.timedelta(days=1), timezone)
    since = min(week_start, month_start)
    c = subscribers.c
    mine = c.site_id == site_id

    signups = sa.select(
        _count(c.created_at >= start_of_day),
        _count(c.created_at >= week_start),
        _count(c.created_at >= month_start),
    ).where(mine, c.created_at >= since, c.created_at < tomorrow)

    rate_from = today - dt.timedelta(days=RATE_DAYS)
    states = sa.select(
        _count(sa.and_(c.status == "trial", c.trial_ends >= today)),
        _count(sa.and_(c.status == "trial", c.trial_ends >= today, c.trial_ends < today + dt.timedelta(ENDING_DAYS))),
        _count(sa.and_(c.gone_at >= month_start, c.gone_at < _local_midnight(next_month, timezone))),
        _count(sa.and_(c.paid_until.is_(None), c.trial_ends >= rate_from, c.trial_ends < today)),
    ).where(
        # Every figure above needs a trial ending from the earlier of today − 90 and the 1st on,
        # or a departure this month: older rows are not read (given an index that says so).
        mine,
        sa.or_(c.trial_ends >= min(rate_from, month_first), c.gone_at >= month_start),
    )

    first_day = today - dt.timedelta(days=CHART_DAYS - 1)
    with engine.connect() as conn:
        day, week, month = (int(n) for n in conn.execute(signups).one())
        running, ending, departures, ended_unpaid = (int(n) for n in conn.execute(states).one())
        conversions, rate_converted = _conversions(conn, site_id, today, timezone)
        daily = _daily(conn, site_id, first_day, today, timezone)
    return Overview(
        today=today,
        signups_today=day,
        signups_this_week=week,
        signups_this_month=month,
        trials_running=running,
        trials_ending_soon=ending,
        conversions_this_month=conversions,
        departures_this_month=departures,
        rate_trials=ended_unpaid + rate_converted,
        rate_converted=rate_converted,
        first_day=first_day,
        daily=daily,
    )


def _conversions(conn: sa.Connection, site_id: str, today: dt.date, timezone: ZoneInfo) -> tuple[int, int]:
    """Conversions this month, and conversions that count in the trial-to-paid rate.

    Each is found by the day it was recorded (``converted_at``, through the index of conversions),
    whenever the trial ended. A row converted before that column existed has only ``paid_until``:
    it counts as converted on its trial's last day (through the index of last days).
    """
    c = subscribers.c
    mine = c.site_id == site_id
    month_first = today.replace(day=1)
    next_month = (month_first + dt.timedelta(days=32)).replace(day=1)
    month_start, month_end = _local_midnight(month_first, timezone), _local_midnight(next_month, timezone)
    rate_from = today - dt.timedelta(days=RATE_DAYS)
    rate_start = _local_midnight(rate_from, timezone)
    timed = sa.select(
        _count(sa.and_(c.converted_at >= month_start, c.converted_at < month_end)),
        _count(c.converted_at >= rate_start),
    ).where(mine, c.converted_at >= min(month_start, rate_start))
    untimed = sa.select(
        _count(sa.and_(c.trial_ends >= month_first, c.trial_ends < next_month)),
        _count(c.trial_ends >= rate_from),
    ).where(mine, c.trial_ends >= min(rate_from, month_first), c.converted_at.is_(None), c.paid_until.is_not(None))
    month, rate = conn.execute(timed).one()
    old_month, old_rate = conn.execute(untimed).one()
    return int(month) + int(old_month), int(rate) + int(old_rate)


def _count(condition: Any) -> Any:
    """How many rows meet ``condition``, in SQL."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _local_midnight(day: dt.date, timezone: ZoneInfo) -> dt.datetime:
    """The UTC instant at which ``day`` begins in ``timezone``."""
    return dt.datetime.combine(day, dt.time(), timezone).astimezone(dt.UTC)


def _offset(instant: dt.datetime, timezone: ZoneInfo) -> int:
    """Seconds ``timezone`` is ahead of UTC at ``instant``."""
    offset = instant.astimezone(timezone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return int(offset.total_seconds())


def constant_offset_spans(
    start: dt.datetime, end: dt.datetime, timezone: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """``[start, end)`` cut where ``timezone`` changes its offset: (from, to, offset seconds).

    Offsets change on the quarter hour at the latest in every zone in use, so a change
    within a day is found by stepping through that day by quarter hours.
    """
    spans: list[tuple[dt.datetime, dt.datetime, int]] = []
    span_start, offset = start, _offset(start, timezone)
    moment = start
    while moment < end:
        following = min(moment + dt.timedelta(days=1), end)
        if _offset(following, timezone) != offset:
            step = moment
            while step < following:
                step = min(step + dt.timedelta(minutes=15), following)
                if step < end and _offset(step, timezone) != offset:
                    spans.append((span_start, step, offset))
                    span_start, offset = step, _offset(step, timezone)
        moment = following
    spans.append((span_start, end, offset))
    return spans


class _LocalDay(FunctionElement[dt.date]):
    """The date of a UTC timestamp column moved by an offset in seconds (a zone's local date)."""

    type = sa.Date()
    inherit_cache = True
    name = "local_day"


@compiles(_LocalDay, "sqlite")
def _local_day_sqlite(element: _LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC as text without its offset; date() reads it and applies the shift.
    column, offset = list(element.clauses)
    return f"date({compiler.process(column, **kw)}, {compiler.process(offset, **kw)} || ' seconds')"


@compiles(_LocalDay, "postgresql")
def _local_day_postgresql(element: _LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    column, offset = list(element.clauses)
    return (
        f"CAST(({compiler.process(column, **kw)} AT TIME ZONE 'UTC') "
        f"+ make_interval(secs => {compiler.process(offset, **kw)}) AS DATE)"
    )


def _daily(
    conn: sa.Connection, site_id: str, first_day: dt.date, today: dt.date, timezone: ZoneInfo
) -> dict[str, tuple[int, ...]]:
    c = subscribers.c
    source = sa.case((c.invitation_id.is_not(None), INVITATIONS), else_=c.page_id).label("source")
    counts: dict[str, list[int]] = {}
    start = _local_midnight(first_day, timezone)
    end = _local_midnight(today + dt.timedelta(days=1), timezone)
    for span_start, span_end, offset in constant_offset_spans(start, end, timezone):
        day = _LocalDay(c.created_at, sa.literal(offset, sa.Integer)).label("day")
        query = (
            sa.select(day, source, sa.func.count())
            .where(c.site_id == site_id, c.created_at >= span_start, c.created_at < span_end)
            .group_by(day, source)
        )
        for local_day, name, n in conn.execute(query):
            index = (local_day - first_day).days
            if 0 <= index < CHART_DAYS:
                counts.setdefault(str(name), [0] * CHART_DAYS)[index] += int(n)
    return {name: tuple(values) for name, values in sorted(counts.items())}
