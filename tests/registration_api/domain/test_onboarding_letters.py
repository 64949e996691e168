"""Onboarding letters: by the day after registration in the partner's zone, to trial subscribers who
receive news, the latest due only after missed days, stopped by payment or departure."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registration_api.storage import tables
from tests.registration_api.domain.newsletter_support import (
    SITE,
    ZONE,
    add_subscriber,
    newsletter,
    partner_folder,
    queued,
    registry_of,
)

#: Registered on Monday 1 June 2026 at 23:30 in Yekaterinburg (18:30 UTC): day 1 is 2 June there.
REGISTERED = dt.datetime(2026, 6, 1, 23, 30, tzinfo=ZONE).astimezone(dt.UTC)


def at_local(day: int, hour: int = 9) -> dt.datetime:
    """``day`` days after registration, at ``hour`` in Yekaterinburg."""
    return dt.datetime.combine(dt.date(2026, 6, 1) + dt.timedelta(days=day), dt.time(hour), ZONE).astimezone(dt.UTC)


@pytest.fixture
def registry(tmp_path):
    folder = partner_folder(tmp_path)
    letters = folder / SITE / "letters"
    letters.mkdir()
    for key, days, subject in (
        ("first-steps", 1, "Первые шаги в облаке"),
        ("load-data", 3, "Как перенести базу"),
        ("week", 7, "Неделя в облаке — что дальше"),
    ):
        (letters / f"{key}.md").write_text(
            f"---\nsubject: {subject}\nafter_days: {days}\n---\nТекст письма «{subject}».\n", encoding="utf-8"
        )
    return registry_of(folder)


def letters_sent(engine) -> list[str]:
    return [row.compose["letter"] for row in queued(engine, "letter")]


def test_each_letter_goes_on_its_day_counted_in_the_partners_zone_once(engine, registry):
    add_subscriber(engine, created=REGISTERED)
    news = newsletter(engine, registry)

    assert news.run(REGISTERED + dt.timedelta(minutes=20)).letters == 0  # 23:50 there: still day 0
    assert news.run(at_local(1, 0)).letters == 1  # midnight there: day 1 (still 1 June in Moscow)
    assert news.run(at_local(1, 15)).letters == 0  # once
    assert news.run(at_local(2)).letters == 0
    assert news.run(at_local(3)).letters == 1
    assert letters_sent(engine) == ["first-steps", "load-data"]


def test_after_missed_days_only_the_latest_letter_due_goes_and_the_earlier_are_skipped(engine, registry):
    add_subscriber(engine, created=REGISTERED)
    news = newsletter(engine, registry)
    assert news.run(at_local(8)).letters == 1  # nothing ran for a week: days 1, 3 and 7 are all due
    assert letters_sent(engine) == ["week"]
    with engine.connect() as conn:
        skipped = conn.execute(
            sa.select(tables.letter_deliveries.c.letter).where(tables.letter_deliveries.c.skipped)
        ).scalars()
        assert sorted(skipped) == ["first-steps", "load-data"]
    assert news.run(at_local(9)).letters == 0


def test_letters_go_only_to_trial_subscribers_who_receive_news(engine, registry):
    add_subscriber(engine, created=REGISTERED, news="none")
    add_subscriber(engine, created=REGISTERED, news="awaiting_confirmation")
    add_subscriber(engine, created=REGISTERED, status="paid")
    add_subscriber(engine, created=REGISTERED, status="gone")
    _, email = add_subscriber(engine, created=REGISTERED)
    assert newsletter(engine, registry).run(at_local(1)).letters == 1
    assert [row.recipients for row in queued(engine, "letter")] == [[email]]


def test_paying_stops_the_letters_still_to_come(engine, registry):
    subscriber_id, _ = add_subscriber(engine, created=REGISTERED)
    news = newsletter(engine, registry)
    news.run(at_local(1))
    with engine.begin() as conn:
        conn.execute(tables.subscribers.update().where(tables.subscribers.c.id == subscriber_id).values(status="paid"))
    assert news.run(at_local(3)).letters == 0 and news.run(at_local(7)).letters == 0
    assert letters_sent(engine) == ["first-steps"]
