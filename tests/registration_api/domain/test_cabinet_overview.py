"""The cabinet overview's figures, checked against hand-counted subscribers on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from registration_api.domain import cabinet_overview
from registration_api.domain.cabinet_overview import INVITATIONS, overview
from registration_api.storage import tables

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
_numbers = itertools.count(1_000_001)


def _add(engine: sa.Engine, created_at: dt.datetime, **values: object) -> None:
    row = {
        "number": str(next(_numbers)),
        "site_id": "acme",
        "page_id": "main",
        "tariff": "basic",
        "name": "Иван",
        "email": "i@example.ru",
        "email_key": f"{next(_numbers)}@example.ru",
        "phone": "+79123456789",
        "status": "expired",
        "trial_ends": created_at.date() + dt.timedelta(days=14),
        "consent_at": created_at,
        "created_at": created_at,
    }
    row.update(values)
    with engine.begin() as conn:
        conn.execute(tables.subscribers.insert().values(**row))


def test_signups_are_counted_by_the_day_week_and_month_of_moscow(engine):
    today = dt.date(2026, 12, 2)  # a Wednesday; the week began on Monday 30 November
    for moment in [
        dt.datetime(2026, 11, 29, 20, 59, tzinfo=UTC),  # Sunday 23:59 in Moscow: last week
        dt.datetime(2026, 11, 29, 21, 0, tzinfo=UTC),  # Monday 00:00: this week, November
        dt.datetime(2026, 11, 30, 20, 59, tzinfo=UTC),  # Monday 23:59: this week, November
        dt.datetime(2026, 11, 30, 21, 0, tzinfo=UTC),  # Tuesday 1 December 00:00
        dt.datetime(2026, 12, 1, 20, 59, tzinfo=UTC),  # Tuesday 23:59
        dt.datetime(2026, 12, 1, 21, 0, tzinfo=UTC),  # today 00:00
        dt.datetime(2026, 12, 2, 20, 59, tzinfo=UTC),  # today 23:59
        dt.datetime(2026, 12, 2, 21, 0, tzinfo=UTC),  # tomorrow in Moscow: not yet counted
    ]:
        _add(engine, moment)
    _add(engine, dt.datetime(2026, 12, 2, 10, 0, tzinfo=UTC), site_id="other")

    figures = overview(engine, "acme", today, MOSCOW)

    assert (figures.signups_today, figures.signups_this_week, figures.signups_this_month) == (2, 6, 4)


def test_a_month_that_begins_on_a_sunday_counts_the_month_apart_from_the_week(engine):
    today = dt.date(2026, 11, 3)  # Tuesday; November began on Sunday, the week on Monday 2 November
    _add(engine, dt.datetime(2026, 10, 31, 20, 59, tzinfo=UTC))  # 31 October 23:59 in Moscow
    _add(engine, dt.datetime(2026, 10, 31, 21, 0, tzinfo=UTC))  # Sunday 1 November 00:00
    _add(engine, dt.datetime(2026, 11, 1, 21, 0, tzinfo=UTC))  # Monday 2 November 00:00

    figures = overview(engine, "acme", today, MOSCOW)

    assert (figures.signups_today, figures.signups_this_week, figures.signups_this_month) == (0, 1, 2)


def test_trials_running_and_ending_soon(engine):
    today = dt.date(2026, 12, 2)
    created = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for days, status in [
        (-1, "trial"),  # ended yesterday, not yet marked expired: not running
        (0, "trial"),  # last day today: running, ending soon
        (6, "trial"),  # ending soon
        (7, "trial"),  # running, a week away
        (30, "trial"),
        (3, "paid"),
        (3, "gone"),
    ]:
        _add(engine, created, status=status, trial_ends=today + dt.timedelta(days=days))

    figures = overview(engine, "acme", today, MOSCOW)

    assert (figures.trials_running, figures.trials_ending_soon) == (4, 2)


def test_conversions_and_departures_this_month(engine):
    today = dt.date(2026, 12, 15)
    created = dt.datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    paid = dt.date(2027, 12, 31)
    _add(engine, created, status="paid", paid_until=paid, trial_ends=dt.date(2026, 12, 1))
    _add(engine, created, status="paid", paid_until=paid, trial_ends=dt.date(2026, 12, 31))
    _add(engine, created, status="paid", paid_until=paid, trial_ends=dt.date(2026, 11, 30))  # November's
    # Paid this month, then left on 1 December 00:30 in Moscow: a conversion and a departure.
    _add(
        engine,
        created,
        status="gone",
        paid_until=paid,
        trial_ends=dt.date(2026, 12, 5),
        gone_at=dt.datetime(2026, 11, 30, 21, 30, tzinfo=UTC),
    )
    # Left on 30 November 23:59 in Moscow (20:59 UTC): November's departure.
    _add(
        engine,
        created,
        status="gone",
        trial_ends=dt.date(2026, 12, 5),
        gone_at=dt.datetime(2026, 11, 30, 20, 59, tzinfo=UTC),
    )
    _add(engine, created, status="expired", trial_ends=dt.date(2026, 12, 3))

    figures = overview(engine, "acme", today, MOSCOW)

    assert (figures.conversions_this_month, figures.departures_this_month) == (3, 1)


def test_trial_to_paid_rate_counts_trials_that_ended_or_converted_in_the_last_90_days(engine):
    today = dt.date(2026, 12, 15)
    rate_from = today - dt.timedelta(days=90)  # 16 September
    created = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    paid = dt.date(2027, 12, 31)
    counted = [
        dict(status="expired", trial_ends=rate_from),
        dict(status="trial", trial_ends=today - dt.timedelta(days=1)),  # ended, not marked expired
        dict(status="gone", trial_ends=dt.date(2026, 10, 1)),  # left without paying
        dict(status="paid", paid_until=paid, trial_ends=dt.date(2026, 11, 1)),
        dict(status="paid", paid_until=paid, trial_ends=today + dt.timedelta(days=5)),  # converted early
        dict(status="gone", paid_until=paid, trial_ends=dt.date(2026, 10, 10)),  # paid, then left
    ]
    left_out = [
        dict(status="expired", trial_ends=rate_from - dt.timedelta(days=1)),  # too long ago
        dict(status="paid", paid_until=paid, trial_ends=rate_from - dt.timedelta(days=1)),
        dict(status="trial", trial_ends=today),  # still deciding
    ]
    for values in counted + left_out:
        _add(engine, created, **values)

    figures = overview(engine, "acme", today, MOSCOW)

    assert (figures.rate_converted, figures.rate_trials) == (3, 6)
    assert figures.trial_to_paid_rate == 0.5


def test_conversions_this_month_are_counted_by_when_they_were_recorded_in_moscow(engine):
    today = dt.date(2026, 12, 15)
    created = dt.datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    paid = dt.date(2027, 12, 31)

    def converted(at: dt.datetime, trial_ends: dt.date, status: str = "paid") -> None:
        _add(engine, created, status=status, paid_until=paid, converted_at=at, trial_ends=trial_ends)

    converted(dt.datetime(2026, 11, 30, 21, 0, tzinfo=UTC), dt.date(2026, 11, 20))  # 1 December 00:00 in Moscow
    converted(dt.datetime(2026, 12, 14, 9, 0, tzinfo=UTC), dt.date(2026, 12, 31))  # early: the trial runs on
    converted(dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC), dt.date(2026, 11, 25), status="gone")  # paid, then left
    converted(dt.datetime(2026, 11, 30, 20, 59, tzinfo=UTC), dt.date(2026, 12, 10))  # 30 November 23:59: November's
    _add(
        engine, created, status="paid", paid_until=paid, trial_ends=dt.date(2026, 12, 5)
    )  # before converted_at existed
    _add(engine, created, status="paid", paid_until=paid, trial_ends=dt.date(2026, 11, 5))  # the same, November's
    # a client whose trial ended half a year ago and who pays this month
    converted(dt.datetime(2026, 12, 10, 9, 0, tzinfo=UTC), dt.date(2026, 6, 1), status="paid")

    assert overview(engine, "acme", today, MOSCOW).conversions_this_month == 5


def test_trial_to_paid_rate_counts_conversions_by_when_they_were_recorded(engine):
    today = dt.date(2026, 12, 15)
    rate_start = dt.datetime(2026, 9, 15, 21, 0, tzinfo=UTC)  # 16 September 00:00 in Moscow, today − 90
    created = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    paid = dt.date(2027, 12, 31)
    counted = [
        dict(status="expired", trial_ends=dt.date(2026, 11, 1)),  # ended, did not pay
        dict(status="paid", converted_at=rate_start, trial_ends=today + dt.timedelta(days=3)),  # early, in time
        dict(status="paid", converted_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC), trial_ends=dt.date(2026, 11, 30)),
        dict(status="gone", converted_at=rate_start, trial_ends=dt.date(2026, 9, 20)),  # paid, then left
    ]
    left_out = [
        # converted before today − 90, its trial still running then and now
        dict(status="paid", converted_at=rate_start - dt.timedelta(minutes=1), trial_ends=today + dt.timedelta(days=3)),
        dict(status="trial", trial_ends=today),  # still deciding
    ]
    for values in counted + left_out:
        _add(engine, created, **{"paid_until": paid if "converted_at" in values else None, **values})

    figures = overview(engine, "acme", today, MOSCOW)

    assert (figures.rate_converted, figures.rate_trials) == (3, 4)


def test_no_trial_ended_means_no_rate_rather_than_zero(engine):
    figures = overview(engine, "acme", dt.date(2026, 12, 15), MOSCOW)

    assert figures.trial_to_paid_rate is None
    assert figures.daily == {}
    assert figures.signups_this_month == 0


def test_the_chart_counts_each_page_and_the_invitations_by_moscow_day(engine):
    today = dt.date(2026, 12, 2)
    first_day = today - dt.timedelta(days=89)  # 4 September
    _add(engine, dt.datetime(2026, 9, 3, 20, 59, tzinfo=UTC))  # 3 September 23:59: before the chart
    _add(engine, dt.datetime(2026, 9, 3, 21, 0, tzinfo=UTC))  # 4 September 00:00: its first day
    _add(engine, dt.datetime(2026, 12, 1, 22, 0, tzinfo=UTC), page_id="promo")  # today 01:00
    _add(engine, dt.datetime(2026, 12, 2, 20, 59, tzinfo=UTC), page_id="promo")  # today 23:59
    _add(engine, dt.datetime(2026, 12, 2, 21, 0, tzinfo=UTC), page_id="promo")  # tomorrow
    _add(engine, dt.datetime(2026, 11, 15, 12, 0, tzinfo=UTC), invitation_id=7)

    figures = overview(engine, "acme", today, MOSCOW)

    assert figures.first_day == first_day
    assert set(figures.daily) == {"main", "promo", INVITATIONS}
    assert all(len(days) == 90 for days in figures.daily.values())
    assert figures.daily["main"][0] == 1 and sum(figures.daily["main"]) == 1
    assert figures.daily["promo"][-1] == 2 and sum(figures.daily["promo"]) == 2
    assert figures.daily[INVITATIONS][(dt.date(2026, 11, 15) - first_day).days] == 1


def test_the_chart_follows_berlin_across_the_end_of_summer_time(engine):
    # Summer time ended on 25 October 2026 at 03:00 CEST (01:00 UTC): that day had 25 hours.
    today = dt.date(2026, 12, 1)
    first_day = today - dt.timedelta(days=89)
    for moment in [
        dt.datetime(2026, 10, 24, 21, 59, tzinfo=UTC),  # 24 October 23:59 CEST
        dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 25 October 00:00 CEST
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first of the two
        dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the second
        dt.datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 25 October 23:59 CET
        dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 26 October 00:00 CET
    ]:
        _add(engine, moment)

    daily = overview(engine, "acme", today, BERLIN).daily["main"]

    def on(day: dt.date) -> int:
        return daily[(day - first_day).days]

    assert (on(dt.date(2026, 10, 24)), on(dt.date(2026, 10, 25)), on(dt.date(2026, 10, 26))) == (1, 4, 1)


def test_today_follows_berlin_in_summer_and_in_winter(engine):
    _add(engine, dt.datetime(2026, 7, 1, 21, 59, tzinfo=UTC))  # 1 July 23:59 CEST
    _add(engine, dt.datetime(2026, 7, 1, 22, 0, tzinfo=UTC))  # 2 July 00:00 CEST
    _add(engine, dt.datetime(2026, 12, 1, 22, 59, tzinfo=UTC))  # 1 December 23:59 CET
    _add(engine, dt.datetime(2026, 12, 1, 23, 0, tzinfo=UTC))  # 2 December 00:00 CET

    assert overview(engine, "acme", dt.date(2026, 7, 2), BERLIN).signups_today == 1
    assert overview(engine, "acme", dt.date(2026, 12, 2), BERLIN).signups_today == 1
    assert overview(engine, "acme", dt.date(2026, 12, 1), BERLIN).signups_today == 1


def test_offset_spans_cut_at_the_change_of_summer_time():
    start = dt.datetime(2026, 10, 20, 22, 0, tzinfo=UTC)
    end = dt.datetime(2026, 10, 30, 23, 0, tzinfo=UTC)

    spans = cabinet_overview.constant_offset_spans(start, end, BERLIN)

    change = dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert spans == [(start, change, 7200), (change, end, 3600)]
    assert cabinet_overview.constant_offset_spans(start, end, MOSCOW) == [(start, end, 10800)]


@pytest.mark.parametrize(
    ("zone", "last_minute_utc"),
    [
        ("Asia/Kolkata", dt.datetime(2026, 11, 15, 18, 29, tzinfo=UTC)),  # UTC+5:30: 23:59 on the 15th
        ("America/New_York", dt.datetime(2026, 11, 16, 4, 59, tzinfo=UTC)),  # UTC−5: 23:59 on the 15th
    ],
)
def test_the_chart_follows_zones_off_by_half_hours_and_west_of_utc(engine, zone, last_minute_utc):
    today = dt.date(2026, 12, 1)
    first_day = today - dt.timedelta(days=89)
    _add(engine, last_minute_utc)
    _add(engine, last_minute_utc + dt.timedelta(minutes=1))  # 00:00 on the 16th

    daily = overview(engine, "acme", today, ZoneInfo(zone)).daily["main"]

    fifteenth = (dt.date(2026, 11, 15) - first_day).days
    assert (daily[fifteenth], daily[fifteenth + 1]) == (1, 1)
