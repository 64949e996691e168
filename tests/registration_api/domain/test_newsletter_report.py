"""The newsletter's figures for the cabinet, on SQLite and PostgreSQL: the audience by state as the
subscriber's page names each one, every issue with its e-mails sent, waiting and given up as the
outbox holds them, each onboarding letter sent or skipped; one partner's figures only."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registration_api.domain import news_audience, newsletter_report
from registration_api.storage import tables
from registration_api.storage.records import Subscriber
from tests.registration_api.domain.newsletter_support import (
    FIRST_SLOT,
    SITE,
    add_subscriber,
    issues,
    newsletter,
    partner_folder,
    queued,
    registry_of,
)

SECOND_SLOT = FIRST_SLOT + dt.timedelta(weeks=2)  # the digest of the news of 13 April
OTHER = "oblako-plus"


@pytest.fixture
def registry(tmp_path):
    folder = partner_folder(tmp_path)
    letters = folder / SITE / "letters"
    letters.mkdir()
    for key, days in (("first-steps", 1), ("week", 7)):
        (letters / f"{key}.md").write_text(f"---\nsubject: Письмо {key}\nafter_days: {days}\n---\nТекст.\n", "utf-8")
    return registry_of(folder)


def test_the_audience_is_counted_by_state_as_each_subscriber_is_named(engine):
    for state, count in (("subscribed", 3), ("awaiting_confirmation", 2), ("unsubscribed", 1), ("undeliverable", 1)):
        for _ in range(count):
            add_subscriber(engine, news=state)
    add_subscriber(engine, news="none")
    add_subscriber(engine, news="subscribed", site_id=OTHER)

    counted = newsletter_report.report(engine, SITE).audience

    assert counted == {
        "none": 1,
        "awaiting_confirmation": 2,
        "subscribed": 3,
        "unsubscribed": 1,
        "undeliverable": 1,
    }
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tables.subscribers).where(tables.subscribers.c.site_id == SITE)).all()
    named = [news_audience.news_state(Subscriber.from_row(row)) for row in rows]
    assert counted == {state: named.count(state) for state in news_audience.NEWS_STATES}
    assert newsletter_report.report(engine, OTHER).audience["subscribed"] == 1


def test_a_partner_with_no_subscribers_has_every_state_at_zero_and_no_issues(engine):
    found = newsletter_report.report(engine, SITE)
    assert found.audience == dict.fromkeys(news_audience.NEWS_STATES, 0)
    assert found.issues == [] and found.letters == {} and found.receiving == 0


def mark(engine, ids: list[int], **values: object) -> None:
    """What the sender records of these outbox rows."""
    with engine.begin() as conn:
        conn.execute(tables.outbox.update().where(tables.outbox.c.id.in_(ids)).values(**values))


def test_each_issue_shows_its_e_mails_sent_waiting_and_given_up_newest_first(engine, registry):
    for _ in range(5):
        add_subscriber(engine)
    add_subscriber(engine, news="unsubscribed")
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    news.run(FIRST_SLOT + dt.timedelta(minutes=1))  # nothing new: an empty issue
    news.run(SECOND_SLOT + dt.timedelta(minutes=1))  # the digest, to the five
    rows = queued(engine)
    sent_at = SECOND_SLOT + dt.timedelta(minutes=2)
    mark(engine, [rows[0].id, rows[1].id], sent_at=sent_at)
    mark(engine, [rows[2].id], abandoned_at=sent_at, last_error="550 no such user")
    mark(engine, [rows[3].id], attempts=2, last_error="451 try later")  # failed once: still waiting
    # another partner's row that names the same issue is not this partner's e-mail
    with engine.begin() as conn:
        copied = {key: value for key, value in rows[4]._asdict().items() if key != "id"}
        conn.execute(tables.outbox.insert().values({**copied, "site_id": OTHER}))

    found = newsletter_report.report(engine, SITE)

    digest, empty = found.issues
    made = {row.kind: row for row in issues(engine)}
    assert (digest.kind, digest.due_at, digest.subject) == ("digest", SECOND_SLOT, made["digest"].subject)
    assert (digest.recipients, digest.sent, digest.waiting, digest.given_up) == (5, 2, 2, 1)
    assert digest.recipients == made["digest"].recipients, "as many as it was queued to"
    assert (empty.kind, empty.due_at, empty.recipients, empty.sent, empty.waiting) == ("empty", FIRST_SLOT, 0, 0, 0)
    assert newsletter_report.report(engine, OTHER).issues == []


def test_only_the_latest_issues_are_listed(engine, registry):
    add_subscriber(engine)
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    for weeks in range(0, 8, 2):
        news.run(FIRST_SLOT + dt.timedelta(weeks=weeks, minutes=1))
    assert len(issues(engine)) == 4

    shown = newsletter_report.report(engine, SITE, shown=2).issues

    assert [issue.due_at for issue in shown] == [FIRST_SLOT + dt.timedelta(weeks=6), FIRST_SLOT + dt.timedelta(weeks=4)]


def test_each_letter_counts_who_got_it_and_who_skipped_it(engine, registry):
    add_subscriber(engine, created=FIRST_SLOT - dt.timedelta(days=2))  # day 2: the first letter
    for _ in range(2):
        add_subscriber(engine, created=FIRST_SLOT - dt.timedelta(days=8))  # day 8: the first one skipped
    add_subscriber(engine, news="unsubscribed", created=FIRST_SLOT - dt.timedelta(days=8))
    add_subscriber(engine, site_id=OTHER, created=FIRST_SLOT - dt.timedelta(days=8))
    newsletter(engine, registry).run(FIRST_SLOT)

    found = newsletter_report.report(engine, SITE)

    assert found.letters == {
        "first-steps": newsletter_report.LetterFigures(sent=1, skipped=2),
        "week": newsletter_report.LetterFigures(sent=2, skipped=0),
    }
    assert len(queued(engine, "letter")) == 3
    assert found.letter("never-sent") == newsletter_report.LetterFigures(0, 0)
