"""The newsletter's due-logic: every N weeks on a weekday at an hour of the partner's own zone,
a late run catching up once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from registration_api.domain.newsletter_schedule import Schedule

YEKATERINBURG = ZoneInfo("Asia/Yekaterinburg")  # UTC+5
TUESDAY_10 = Schedule(weeks=2, weekday=1, hour=10, zone=YEKATERINBURG)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_the_hour_is_the_partners_own_not_the_services():
    # Monday 2027-01-11, 12:00 UTC: the next Tuesday 10:00 in Yekaterinburg is 05:00 UTC
    assert TUESDAY_10.slot_on_or_after(utc(2027, 1, 11, 12)) == utc(2027, 1, 12, 5)
    # on the Tuesday itself, before and after the hour
    assert TUESDAY_10.slot_on_or_after(utc(2027, 1, 12, 4, 59)) == utc(2027, 1, 12, 5)
    assert TUESDAY_10.slot_on_or_after(utc(2027, 1, 12, 5, 1)) == utc(2027, 1, 19, 5)


def test_nothing_is_due_before_the_first_slot_after_the_start_and_the_issue_is_due_at_it():
    started = utc(2027, 1, 8, 9)  # a Friday
    assert TUESDAY_10.due(None, started, utc(2027, 1, 12, 4, 59)) is None
    assert TUESDAY_10.due(None, started, utc(2027, 1, 12, 5)) == utc(2027, 1, 12, 5)


def test_the_next_issue_is_due_the_interval_later_on_the_same_weekday_and_hour():
    last = utc(2027, 1, 12, 5)
    assert TUESDAY_10.next_due(last, utc(2027, 1, 1)) == utc(2027, 1, 26, 5)
    assert TUESDAY_10.due(last, utc(2027, 1, 1), utc(2027, 1, 19, 5)) is None  # a week on: not yet
    assert TUESDAY_10.due(last, utc(2027, 1, 1), utc(2027, 1, 26, 4)) is None
    assert TUESDAY_10.due(last, utc(2027, 1, 1), utc(2027, 1, 26, 5, 30)) == utc(2027, 1, 26, 5)


def test_a_missed_day_is_caught_up_once_not_once_per_missed_issue():
    last = utc(2027, 1, 12, 5)
    # the cron job did not run for seven weeks: issues of 26 Jan, 9 Feb and 23 Feb were missed
    late = utc(2027, 3, 2, 8)
    due = TUESDAY_10.due(last, utc(2027, 1, 1), late)
    assert due == utc(2027, 2, 23, 5)  # one issue, recorded as the latest slot that passed
    # with that issue recorded, nothing more is due until its own interval has passed
    assert TUESDAY_10.due(due, utc(2027, 1, 1), late) is None
    assert TUESDAY_10.due(due, utc(2027, 1, 1), utc(2027, 3, 9, 5)) == utc(2027, 3, 9, 5)


def test_a_run_on_a_slot_day_before_the_hour_waits_for_that_days_slot():
    last = utc(2027, 1, 12, 5)
    # 23 Feb is a slot day; at 04:00 UTC its 10:00 has not come: the missed 9 Feb issue is not sent now
    assert TUESDAY_10.due(last, utc(2027, 1, 1), utc(2027, 2, 23, 4)) is None
    assert TUESDAY_10.due(last, utc(2027, 1, 1), utc(2027, 2, 23, 5, 1)) == utc(2027, 2, 23, 5)


def test_the_local_hour_holds_on_either_side_of_a_change_of_clocks():
    berlin = Schedule(weeks=1, weekday=0, hour=9, zone=ZoneInfo("Europe/Berlin"))
    before = berlin.slot_on_or_after(utc(2027, 3, 22))  # Monday before summer time: UTC+1
    after = berlin.next_due(before, utc(2027, 1, 1))  # Monday after 28 March: UTC+2
    assert before == utc(2027, 3, 22, 8)
    assert after == utc(2027, 3, 29, 7)
    assert after.astimezone(berlin.zone).hour == 9


def test_a_changed_weekday_takes_effect_from_the_next_issue():
    last = utc(2027, 1, 12, 5)  # a Tuesday issue
    friday = Schedule(weeks=2, weekday=4, hour=10, zone=YEKATERINBURG)
    assert friday.next_due(last, utc(2027, 1, 1)) == utc(2027, 1, 29, 5)


def test_a_missed_issue_is_not_caught_up_hours_before_the_next_one():
    weekly = Schedule(weeks=1, weekday=1, hour=10, zone=ZoneInfo("Europe/Moscow"))
    last = utc(2027, 1, 12, 7)  # Tuesday 10:00 in Moscow
    # down for a week: at 09:00 on the next Tuesday, last week's slot was missed, today's is an hour away
    assert weekly.due(last, utc(2027, 1, 1), utc(2027, 1, 26, 6)) is None
    assert weekly.due(last, utc(2027, 1, 1), utc(2027, 1, 26, 7, 1)) == utc(2027, 1, 26, 7)  # one issue, on time
    # with days to go before the next slot, the missed one is caught up at once
    assert weekly.due(last, utc(2027, 1, 1), utc(2027, 1, 20, 6)) == utc(2027, 1, 19, 7)
