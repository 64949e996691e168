"""What happened to one subscriber, in time order: the cabinet's subscriber page shows it.

Gathered from every table that remembers something of a subscriber: its own row (registration,
the extension, the conversion, the departure), the invitations it came by, the reminders sent,
every e-mail and webhook queued for it with how its delivery goes, and what the partner's
operators recorded about it in the audit log (an entry's subject starts with its number).

The row keeps only the latest conversion and departure: a client who left and came back shows
its return, and the departure only as the operator's audit entry, if one recorded it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.domain import operators
from registration_api.storage.records import AuditEntry, OutboxMessage, Subscriber, aware
from registration_api.storage.tables import audit_log, invitations, outbox, reminders

#: The operator's actions on one subscriber that its history shows.
SUBSCRIBER_ACTIONS = (operators.CONVERTED, operators.DEPARTED)


@dataclass(frozen=True)
class Registered:
    """The sign-up: on a registration page, or by an invitation (``page_id`` ``invitation``)."""

    at: dt.datetime
    page_id: str


@dataclass(frozen=True)
class Invited:
    """An invitation used by the subscriber: the one it signed up with, or one that joined its trial."""

    at: dt.datetime  # when it was used
    code: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Reminded:
    """A reminder about the end of access (``kind`` as in :data:`registration_api.domain.reminders.WINDOWS`)."""

    at: dt.datetime
    kind: str
    period_end: dt.date


@dataclass(frozen=True)
class Extended:
    """The client extended its access by the link of a reminder."""

    at: dt.datetime


@dataclass(frozen=True)
class Converted:
    """Became paid: the tariff and the last paid day it has now."""

    at: dt.datetime
    tariff: str
    paid_until: dt.date | None


@dataclass(frozen=True)
class Departed:
    """Left: the cause (a key of ``subscriptions.DEPARTURE_CAUSES``, or None if not given) and the partner's words."""

    at: dt.datetime
    cause: str | None
    reason: str | None


DeliveryState = Literal["sent", "waiting", "failing", "given_up"]


@dataclass(frozen=True)
class Queued:
    """An e-mail or a webhook queued for the subscriber, and how its delivery goes."""

    at: dt.datetime
    message: OutboxMessage

    @property
    def state(self) -> DeliveryState:
        """``sent``; ``given_up`` for good (``last_error`` says why: the address refused, or the
        subscriber no longer wants it); ``failing`` when the last attempt failed (it is tried again
        at ``next_attempt_at``); ``waiting`` when not tried yet."""
        if self.message.sent_at is not None:
            return "sent"
        if self.message.abandoned_at is not None:
            return "given_up"
        return "failing" if self.message.last_error else "waiting"


@dataclass(frozen=True)
class OperatorAction:
    """An operator's entry in the audit log about this subscriber."""

    at: dt.datetime
    entry: AuditEntry


Event = Registered | Invited | Reminded | Extended | Converted | Departed | Queued | OperatorAction

#: Of events at one moment, which comes first: what happened, then what the operator recorded,
#: then the mail and webhooks it caused.
_ORDER = (Registered, Invited, Reminded, Extended, Converted, Departed, OperatorAction, Queued)


def history(engine: Engine, subscriber: Subscriber) -> list[Event]:
    """Everything that happened to ``subscriber``, oldest first."""
    with engine.connect() as conn:
        events = [
            *_own(subscriber),
            *_invitations(conn, subscriber.id),
            *_reminders(conn, subscriber.id),
            *_queued(conn, subscriber.id),
            *_audit(conn, subscriber),
        ]
    return sorted(events, key=lambda event: (event.at, _ORDER.index(type(event))))


def _own(subscriber: Subscriber) -> list[Event]:
    """What the subscriber's own row remembers."""
    events: list[Event] = [Registered(subscriber.created_at, subscriber.page_id)]
    if subscriber.extended_at is not None:
        events.append(Extended(subscriber.extended_at))
    if subscriber.converted_at is not None:
        events.append(Converted(subscriber.converted_at, subscriber.tariff, subscriber.paid_until))
    if subscriber.gone_at is not None:
        events.append(Departed(subscriber.gone_at, subscriber.gone_cause, subscriber.gone_reason))
    return events


def _invitations(conn: Connection, subscriber_id: int) -> list[Event]:
    c = invitations.c
    rows = conn.execute(
        sa.select(c.code, c.created_at, c.activated_at).where(
            c.subscriber_id == subscriber_id, c.activated_at.is_not(None)
        )
    )
    return [Invited(aware(row.activated_at), row.code, aware(row.created_at)) for row in rows]


def _reminders(conn: Connection, subscriber_id: int) -> list[Event]:
    rows = conn.execute(sa.select(reminders).where(reminders.c.subscriber_id == subscriber_id))
    return [Reminded(aware(row.sent_at), row.kind, row.period_end) for row in rows]


def _queued(conn: Connection, subscriber_id: int) -> list[Event]:
    rows = conn.execute(sa.select(outbox).where(outbox.c.subscriber_id == subscriber_id).order_by(outbox.c.id))
    return [Queued(message.created_at, message) for message in map(OutboxMessage.from_row, rows)]


def _audit(conn: Connection, subscriber: Subscriber) -> list[Event]:
    c = audit_log.c
    rows = conn.execute(
        sa.select(audit_log).where(
            c.site_id == subscriber.site_id,
            c.action.in_(SUBSCRIBER_ACTIONS),
            sa.or_(c.subject == subscriber.number, c.subject.startswith(f"{subscriber.number} ", autoescape=True)),
        )
    )
    return [OperatorAction(entry.at, entry) for entry in map(AuditEntry.from_row, rows)]


def audit_subject(number: str, summary: str) -> str:
    """The subject of an operator's audit entry about subscriber ``number``: how :func:`history`
    finds it, within the column's 200 characters."""
    return f"{number} — {summary}"[:200]
