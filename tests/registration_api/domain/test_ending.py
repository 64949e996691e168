"""The lists of subscriptions ending, ended and extended, at their boundaries, on SQLite and
PostgreSQL: what the Monday digest e-mails and the cabinet's page shows."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from registration_api.domain.ending import ending
from registration_api.storage import tables

MOSCOW = ZoneInfo("Europe/Moscow")
TODAY = dt.date(2026, 12, 7)  # a Monday
_numbers = itertools.count(2_000_001)


def add(
    engine: sa.Engine, name: str, ends_in: int, status: str = "trial", today: dt.date = TODAY, **values: object
) -> str:
    """A subscriber of ``acme`` (or ``site_id``) called ``name`` whose trial ends ``ends_in`` days
    after ``today`` (before it, when negative); its number."""
    number = str(next(_numbers))
    created = dt.datetime.combine(today - dt.timedelta(days=30), dt.time(9), dt.UTC)
    row = {
        "number": number,
        "site_id": "acme",
        "page_id": "main",
        "tariff": "basic",
        "name": name,
        "email": f"{number}@client.example",
        "email_key": f"{number}@client.example",
        "phone": "+79123456789",
        "status": status,
        "trial_ends": today + dt.timedelta(days=ends_in),
        "consent_at": created,
        "created_at": created,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(tables.subscribers.insert().values(**row))
    return number


def names(subscribers) -> list[str]:
    return [subscriber.name for subscriber in subscribers]


def test_ending_soon_is_today_to_fourteen_days_ahead_soonest_first(engine):
    add(engine, "in 14 days", 14)
    add(engine, "in 15 days", 15)
    add(engine, "today", 0)
    add(engine, "yesterday", -1)
    add(engine, "in 3 days", 3)
    add(engine, "another partner's", 3, site_id="other")

    found = ending(engine, "acme", TODAY, MOSCOW)

    assert names(found.ending) == ["today", "in 3 days", "in 14 days"]
    assert found.today == TODAY


def test_a_paid_subscriber_ends_with_its_paid_period_and_one_who_left_is_in_no_list(engine):
    long_ago = -60
    add(engine, "paid until in 5 days", long_ago, "paid", paid_until=TODAY + dt.timedelta(days=5))
    add(engine, "paid until next year", 2, "paid", paid_until=TODAY + dt.timedelta(days=365))
    add(engine, "paid without an end", 7, "paid")
    add(engine, "paid until yesterday", long_ago, "paid", paid_until=TODAY - dt.timedelta(days=1))
    left = dt.datetime.combine(TODAY, dt.time(8), dt.UTC)
    add(engine, "left, trial in 2 days", 2, "gone", gone_at=left)
    add(engine, "left, trial ended", -2, "gone", gone_at=left)
    add(engine, "left, paid until in 4 days", long_ago, "gone", gone_at=left, paid_until=TODAY + dt.timedelta(days=4))

    found = ending(engine, "acme", TODAY, MOSCOW)

    assert names(found.ending) == ["paid until in 5 days", "paid without an end"]
    assert names(found.ended) == ["paid until yesterday"]
    assert [s.access_ends for s in found.ending] == [TODAY + dt.timedelta(days=5), TODAY + dt.timedelta(days=7)]


def test_ended_recently_is_the_fourteen_days_before_today_latest_first_whatever_marks_the_trial(engine):
    add(engine, "ended yesterday, still marked trial", -1)
    add(engine, "ended 14 days ago", -14, "expired")
    add(engine, "ended 15 days ago", -15, "expired")
    add(engine, "ended 5 days ago", -5, "expired")
    add(engine, "ends today", 0)
    add(engine, "another partner's", -1, site_id="other")

    found = ending(engine, "acme", TODAY, MOSCOW)

    assert names(found.ended) == ["ended yesterday, still marked trial", "ended 5 days ago", "ended 14 days ago"]
    assert names(found.ending) == ["ends today"]


def test_extended_are_those_who_used_the_link_in_the_last_thirty_moscow_days_latest_first(engine):
    first_day = dt.datetime.combine(TODAY - dt.timedelta(days=29), dt.time(), MOSCOW).astimezone(dt.UTC)
    add(engine, "at the first minute", 6, extended_at=first_day)
    add(engine, "a minute too early", 6, "expired", extended_at=first_day - dt.timedelta(minutes=1))
    add(engine, "this morning, now paid", 40, "paid", extended_at=dt.datetime(2026, 12, 7, 6, tzinfo=dt.UTC))
    add(engine, "never extended", 6)
    add(engine, "another partner's", 6, site_id="other", extended_at=first_day)

    found = ending(engine, "acme", TODAY, MOSCOW)

    assert names(found.extended) == ["this morning, now paid", "at the first minute"]
    assert found.extended[1].extended_at == first_day


def test_a_limit_keeps_the_first_of_each_list(engine):
    for days in (4, 2, 3):
        add(engine, f"in {days} days", days)
        add(engine, f"{days} days ago", -days, extended_at=dt.datetime(2026, 12, days, 9, tzinfo=dt.UTC))

    found = ending(engine, "acme", TODAY, MOSCOW, limit=2)

    assert names(found.ending) == ["in 2 days", "in 3 days"]
    assert names(found.ended) == ["2 days ago", "3 days ago"]
    assert names(found.extended) == ["4 days ago", "3 days ago"]
