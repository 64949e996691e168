"""When a partner's newsletter is due: every N weeks, on a weekday, at an hour of the partner's
own time zone (``newsletter:`` in site.yaml).

The days an issue may go are the *slots*: the weekday at the hour, in the partner's zone, so
an issue goes at 10:00 in Yekaterinburg whatever zone the service runs in, and at the same
local hour on either side of a change of clocks. The first issue is due at the first slot on
or after the schedule's start (``starts:``, else the first time the service saw the
newsletter); each next one at the first slot at least N weeks after the last one's.

A run that comes late (the cron job did not run, the server was down) sends the issue that is
due then, once, and records it as the *latest* slot that has passed, not the first missed one:
two missed issues are caught up by one, and the schedule goes on from today's slot instead of
sending the missed ones back to back; and when the next slot is less than a day away, the run
waits for it instead of sending a late issue an hour before a new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: A missed issue is not caught up when the next slot is nearer than this: that one goes instead.
CATCH_UP_BEFORE = dt.timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    """Every ``weeks`` weeks on ``weekday`` (Monday = 0) at ``hour`` in ``zone``."""

    weeks: int
    weekday: int
    hour: int
    zone: ZoneInfo

    def slot_on_or_after(self, moment: dt.datetime) -> dt.datetime:
        """The first slot (weekday at the hour, local) at or after ``moment``, as UTC."""
        local = moment.astimezone(self.zone)
        day = local.date() + dt.timedelta(days=(self.weekday - local.weekday()) % 7)
        slot = self._at(day)
        if slot < moment:
            slot = self._at(day + dt.timedelta(days=7))
        return slot

    def latest_slot(self, first: dt.datetime, now: dt.datetime) -> dt.datetime:
        """The last slot of the series ``first``, ``first`` + N weeks, ... that is not after ``now``
        (``first`` itself when ``now`` is before the second one)."""
        local_first = first.astimezone(self.zone).date()
        step = 7 * self.weeks
        periods = max((now.astimezone(self.zone).date() - local_first).days // step, 0)
        slot = self._at(local_first + dt.timedelta(days=step * periods))
        while periods > 0 and slot > now:  # today's slot, but its hour has not come
            periods -= 1
            slot = self._at(local_first + dt.timedelta(days=step * periods))
        return slot

    def next_due(self, last: dt.datetime | None, started: dt.datetime) -> dt.datetime:
        """When the next issue is due: after the last one's slot by the interval, or the first slot
        from the start."""
        if last is None:
            return self.slot_on_or_after(started)
        following = last.astimezone(self.zone) + dt.timedelta(weeks=self.weeks)
        return self.slot_on_or_after(self._at(following.date()))

    def due(self, last: dt.datetime | None, started: dt.datetime, now: dt.datetime) -> dt.datetime | None:
        """The slot an issue should go out for now, or None when none is due yet (see the module's
        docstring: a late run gives the latest slot that has passed, so it is caught up once)."""
        first = self.next_due(last, started)
        if first > now:
            return None
        latest = self.latest_slot(first, now)
        following = self._at(latest.astimezone(self.zone).date() + dt.timedelta(weeks=self.weeks))
        if following - now < CATCH_UP_BEFORE:
            return None  # the next slot is hours away: it goes then, rather than a late one now and it soon after
        return latest

    def _at(self, day: dt.date) -> dt.datetime:
        """``day`` at the hour in the partner's zone, as UTC (a nonexistent hour on a spring-forward
        night is read with the offset before the change, as zoneinfo does: an hour later)."""
        return dt.datetime.combine(day, dt.time(self.hour), tzinfo=self.zone).astimezone(dt.UTC)
