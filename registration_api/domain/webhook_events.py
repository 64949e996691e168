"""Webhook events for the partner's own systems, signed per the Standard Webhooks scheme.

Events (``subscriber.registered``, ``subscriber.activated``, ``subscriber.converted``) are
written to the outbox in the transaction that caused them and delivered with the same
retries as e-mail. The signature is made at send time, so a retried delivery carries a
fresh timestamp: ``webhook-signature: v1,base64(HMAC-SHA256(secret, id.timestamp.body))``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from sqlalchemy.engine import Connection

from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import NewOutboxMessage
from registration_api.storage.tables import outbox


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
    return {
        "purpose": event,
        "channel": "webhook",
        "target_url": webhook.url,
        "site_id": partner.id,
        "subscriber_id": subscriber_id,
        "envelope_from": "",
        "recipients": [],
        "message": body,
        "compose": None,
        "created_at": now,
        "next_attempt_at": now,
    }
