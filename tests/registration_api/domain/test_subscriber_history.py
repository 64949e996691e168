"""A subscriber's history, gathered on SQLite and PostgreSQL from its row, its invitations, its
reminders, its outbox and the audit log: everything of its own, nothing of anyone else's, in time
order, and how each e-mail's delivery goes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registration_api.domain import operators, subscriptions
from registration_api.domain import subscriber_history as h
from registration_api.storage import tables
from tests.registration_api.domain.test_subscriptions import NOW, SITE, add, engine_fixture, partner_fixture, stored  # noqa: F401  (fixtures)

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
OPERATOR = "anna@oblako-plus.example"


def insert(engine: sa.Engine, table: sa.Table, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(table.insert().values(**values))


def invite(engine: sa.Engine, code: str, created_at: dt.datetime, **values: object) -> None:
    """An invitation of the partner (used when ``activated_at`` and ``subscriber_id`` are given)."""
    insert(
        engine,
        tables.invitations,
        site_id=SITE,
        code=code,
        tariff="biznes",
        trial_days=30,
        created_at=created_at,
        **values,
    )


def queue(engine: sa.Engine, subscriber_id: int, purpose: str, at: dt.datetime, **values: object) -> None:
    """An outbox row for the subscriber: an e-mail unless said otherwise, due at once."""
    row = {
        "purpose": purpose,
        "subscriber_id": subscriber_id,
        "site_id": SITE,
        "envelope_from": "robot@storefront.example",
        "recipients": ["anna@client.example"],
        "message": b"",
        "created_at": at,
        "next_attempt_at": at,
        **values,
    }
    insert(engine, tables.outbox, **row)


def audit(engine: sa.Engine, number: str, summary: str, site_id: str = SITE, action: str = operators.CONVERTED) -> None:
    subject = h.audit_subject(number, summary)
    operators.record(engine, site_id, OPERATOR, action, NOW + 25 * DAY, subject=subject)


def test_everything_that_happened_comes_in_time_order(engine, partner):
    add(engine, extended_at=NOW + 23 * DAY)
    add(engine, number="1000002")  # another subscriber of the partner
    me, other = stored(engine, "1000001"), stored(engine, "1000002")
    invite(engine, "AAAA-BBBB-CCCC-DDDD", NOW - 2 * DAY, activated_at=NOW + HOUR, subscriber_id=me.id)
    invite(engine, "EEEE-FFFF-GGGG-HHHH", NOW, activated_at=NOW, subscriber_id=other.id)
    reminded = NOW + 23 * DAY - HOUR
    insert(
        engine, tables.reminders, subscriber_id=me.id, kind="before_7", period_end=dt.date(2026, 4, 9), sent_at=reminded
    )
    queue(engine, me.id, "welcome", NOW, sent_at=NOW + dt.timedelta(minutes=1), attempts=1)
    queue(engine, me.id, "reminder_before_7", reminded)
    queue(engine, other.id, "welcome", NOW)
    converted = NOW + 25 * DAY
    subscriptions.convert(engine, partner, me.number, dt.date(2027, 3, 31), converted, tariff="biznes-god")
    audit(engine, me.number, "тариф «Бизнес на год»")
    audit(engine, f"{me.number}0", "another subscriber whose number starts the same")
    audit(engine, me.number, "another partner's", site_id="buhcentr")
    audit(engine, me.number, "not an action on a subscriber", action=operators.SIGN_IN)

    found = h.history(engine, stored(engine, me.number))

    assert [type(event) for event in found] == [
        h.Registered,
        h.Queued,
        h.Invited,
        h.Reminded,
        h.Queued,
        h.Extended,
        h.Converted,
        h.OperatorAction,
        h.Queued,
    ]
    registered, welcome, invited, reminder, reminder_mail, extended, paid, record, webhook = found
    assert registered == h.Registered(NOW, "trial")
    assert (welcome.message.purpose, welcome.state) == ("welcome", "sent")
    assert invited == h.Invited(NOW + HOUR, "AAAA-BBBB-CCCC-DDDD", NOW - 2 * DAY)
    assert reminder == h.Reminded(reminded, "before_7", dt.date(2026, 4, 9))
    assert (reminder_mail.message.purpose, reminder_mail.state) == ("reminder_before_7", "waiting")
    assert extended == h.Extended(NOW + 23 * DAY)
    assert paid == h.Converted(converted, "biznes-god", dt.date(2027, 3, 31))
    assert (record.entry.subject, record.entry.operator) == (f"{me.number} — тариф «Бизнес на год»", OPERATOR)
    assert (webhook.message.purpose, webhook.message.channel, webhook.at) == (
        "subscriber.converted",
        "webhook",
        converted,
    )


def test_a_departure_is_told_with_its_cause_and_words(engine):
    add(engine)
    left = NOW + 10 * DAY
    subscriptions.mark_gone(engine, SITE, "1000001", "нашли дешевле", left, cause="price")

    assert h.history(engine, stored(engine))[-1] == h.Departed(left, "price", "нашли дешевле")


@pytest.mark.parametrize(
    ("values", "state"),
    [
        ({}, "waiting"),
        ({"attempts": 3, "last_error": "SMTPServerDisconnected: closed"}, "failing"),
        ({"attempts": 4, "sent_at": NOW + HOUR}, "sent"),
    ],
)
def test_each_message_says_how_its_delivery_goes(engine, values, state):
    add(engine)
    queue(engine, stored(engine).id, "partner_notice", NOW, next_attempt_at=NOW + HOUR, **values)

    [_registered, queued] = h.history(engine, stored(engine))

    assert queued.state == state
    message = queued.message
    assert (message.attempts, message.last_error, message.next_attempt_at, message.sent_at) == (
        values.get("attempts", 0),
        values.get("last_error"),
        NOW + HOUR,
        values.get("sent_at"),
    )


def test_an_invitation_not_used_yet_is_not_in_the_history(engine):
    add(engine)
    invite(engine, "AAAA-BBBB-CCCC-DDDD", NOW)

    assert h.history(engine, stored(engine)) == [h.Registered(NOW, "trial")]


def test_an_audit_subject_fits_its_column_and_starts_with_the_number():
    subject = h.audit_subject("1000001", "д" * 500)

    assert len(subject) == tables.audit_log.c.subject.type.length
    assert subject.startswith("1000001 — ")
