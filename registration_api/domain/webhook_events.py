"""Webhook events for the partner's own systems, signed per the Standard Webhooks scheme.

Events (``subscriber.registered``, ``subscriber.activated``, ``subscriber.converted``) are
written to the outbox in the transaction that caused them and delivered with the same
retries as e-mail. The signature is made at send time, so a retried delivery carries a
fresh timestamp: ``webhook-signature: v1,base64(HMAC-SHA256(secret, id.timestamp.body))``.

The partner's cabinet lists its recent deliveries (:func:`deliveries`) and sends one again
(:func:`resend`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import NewOutboxMessage, OutboxMessage
from registration_api.storage.tables import outbox

#: How many of a partner's deliveries the cabinet lists, newest first.
RECENT = 50


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }


def enqueue(
    conn: Connection,
    partner: PartnerSite,
    event: str,
    data: dict[str, Any],
    now: dt.datetime,
    subscriber_id: int | None = None,
) -> None:
    """Queue ``event`` for the partner's webhook, if it has one, in the caller's transaction."""
    row = event_row(partner, event, data, now, subscriber_id)
    if row is not None:
        conn.execute(outbox.insert(), [row])


def event_row(
    partner: PartnerSite, event: str, data: dict[str, Any], now: dt.datetime, subscriber_id: int | None = None
) -> NewOutboxMessage | None:
    """The outbox row of ``event`` for the partner's webhook; None when it has no webhook."""
    webhook = partner.site.config.webhook
    if webhook is None:
        return None
    body = json.dumps(
        {"type": event, "timestamp": now.isoformat(), "data": data}, ensure_ascii=False, sort_keys=True, default=str
    ).encode()
    return _new_row(partner.id, webhook.url, event, body, now, subscriber_id)


def _new_row(
    site_id: str, url: str, event: str, body: bytes, now: dt.datetime, subscriber_id: int | None
) -> NewOutboxMessage:
    """The outbox row that posts ``body`` to ``url``, due at once."""
    return {
        "purpose": event,
        "channel": "webhook",
        "target_url": url,
        "site_id": site_id,
        "subscriber_id": subscriber_id,
        "envelope_from": "",
        "recipients": [],
        "message": body,
        "compose": None,
        "created_at": now,
        "next_attempt_at": now,
    }


def state(delivery: OutboxMessage) -> str:
    """How a webhook event's delivery stands: ``sent``, ``waiting`` for its first try, or
    ``failing`` (tried, not accepted yet; tried again at its ``next_attempt_at``)."""
    if delivery.sent_at is not None:
        return "sent"
    return "failing" if delivery.attempts else "waiting"


def subscriber_number(delivery: OutboxMessage) -> str | None:
    """The subscriber a webhook event is about, as its body names it (every event this service makes does)."""
    try:
        data = json.loads(delivery.message).get("data")
    except (ValueError, AttributeError):
        return None
    number = data.get("subscriber_number") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None


def _of_site(site_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(outbox.c.site_id == site_id, outbox.c.channel == "webhook")


def deliveries(engine: Engine, site_id: str, limit: int = RECENT) -> list[OutboxMessage]:
    """The site's last ``limit`` webhook events, newest first, sent or not."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox).where(_of_site(site_id)).order_by(outbox.c.id.desc()).limit(limit))
        return [OutboxMessage.from_row(row) for row in rows]


class NoWebhook(Exception):
    """The partner's site.yaml names no webhook now, so there is nowhere to send an event."""


def resend(engine: Engine, partner: PartnerSite, delivery_id: int, now: dt.datetime) -> OutboxMessage | None:
    """Send the partner's event ``delivery_id`` again, now, to the webhook its site.yaml names now;
    the delivery that will carry it, None if the partner has no such event.

    An event not delivered yet is moved to now (not copied: the receiver would get it twice); one
    already delivered is copied into a new row, so its record of success stays as it was and the
    copy has its own ``webhook-id`` (a receiver that drops repeated ids takes it). The caller
    wakes the sender."""
    webhook = partner.site.config.webhook
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(outbox).where(outbox.c.id == delivery_id, _of_site(partner.id)).with_for_update()
        ).first()
        if row is None:
            return None
        if webhook is None:
            raise NoWebhook(partner.id)
        if row.sent_at is None:
            moved = (
                outbox.update().where(outbox.c.id == delivery_id).values(target_url=webhook.url, next_attempt_at=now)
            )
            carried = conn.execute(moved.returning(*outbox.c)).one()
        else:
            copy = _new_row(partner.id, webhook.url, row.purpose, bytes(row.message), now, row.subscriber_id)
            carried = conn.execute(outbox.insert().values(**copy).returning(*outbox.c)).one()
    return OutboxMessage.from_row(carried)
