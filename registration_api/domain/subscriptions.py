"""A partner's subscribers: listing with filters, conversion to paid, and leaving with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.domain import webhook_events
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import Subscriber
from registration_api.storage.tables import subscribers

Status = Literal["trial", "paid", "expired", "gone"]
STATUSES: tuple[Status, ...] = get_args(Status)


def list_for(
    engine: Engine,
    site_id: str,
    *,
    status: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Subscriber]:
    """Subscribers of one site, newest first; ``since``/``until`` filter by registration day."""
    query = sa.select(subscribers).where(subscribers.c.site_id == site_id)
    if status:
        query = query.where(subscribers.c.status == status)
    if since:
        query = query.where(subscribers.c.created_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        query = query.where(
            subscribers.c.created_at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    with engine.connect() as conn:
        return [Subscriber.from_row(row) for row in conn.execute(query.order_by(subscribers.c.id.desc()))]


def find(engine: Engine, site_id: str, number: str) -> Subscriber | None:
    """The subscriber ``number`` of ``site_id``, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(subscribers).where(subscribers.c.site_id == site_id, subscribers.c.number == number)
        ).first()
    return Subscriber.from_row(row) if row else None


def running(engine: Engine) -> list[Subscriber]:
    """Every subscriber whose access has not ended by status: on a trial or paid."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(subscribers).where(subscribers.c.status.in_(("trial", "paid"))))
        return [Subscriber.from_row(row) for row in rows]


def convert(engine: Engine, partner: PartnerSite, number: str, paid_until: dt.date, now: dt.datetime) -> bool:
    """Trial (or expired) → paid until ``paid_until``; False when the number is not this partner's."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(subscribers).where(subscribers.c.site_id == partner.id, subscribers.c.number == number)
        ).first()
        if row is None:
            return False
        subscriber = Subscriber.from_row(row)
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber.id)
            .values(status="paid", paid_until=paid_until, gone_at=None, gone_reason=None)
        )
        webhook_events.enqueue(
            conn,
            partner,
            "subscriber.converted",
            {"subscriber_number": number, "paid_until": paid_until.isoformat(), "tariff": subscriber.tariff},
            now,
            subscriber.id,
        )
    return True


def mark_gone(engine: Engine, site_id: str, number: str, reason: str, now: dt.datetime) -> bool:
    """Record that a client left, and why (the seeds ask partners to keep the reason)."""
    with engine.begin() as conn:
        changed = conn.execute(
            subscribers.update()
            .where(subscribers.c.site_id == site_id, subscribers.c.number == number)
            .values(status="gone", gone_at=now, gone_reason=reason)
        ).rowcount
    return changed == 1


def site_of(engine: Engine, number: str) -> str | None:
    """The site the subscriber ``number`` belongs to, or None when there is no such subscriber."""
    with engine.connect() as conn:
        site_id: str | None = conn.execute(
            sa.select(subscribers.c.site_id).where(subscribers.c.number == number)
        ).scalar()
    return site_id
