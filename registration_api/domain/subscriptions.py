"""A partner's subscribers: listing with filters, conversion to paid, and leaving with a reason."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.domain import webhook_events
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.tables import subscribers

STATUSES = ("trial", "paid", "expired", "gone")
COLUMNS = (
    "number",
    "status",
    "name",
    "email",
    "phone",
    "company",
    "inn",
    "tariff",
    "application",
    "page_id",
    "created_at",
    "trial_ends",
    "paid_until",
    "extended_at",
    "gone_at",
    "gone_reason",
)


def access_ends(row) -> dt.date:
    """The last day of access: the paid period once converted, else the trial."""
    return row.paid_until if row.status == "paid" and row.paid_until else row.trial_ends


def list_for(
    engine: Engine,
    site_id: str,
    *,
    status: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict]:
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
        rows = conn.execute(query.order_by(subscribers.c.id.desc()))
        return [{column: _plain(getattr(row, column)) for column in COLUMNS} for row in rows]


def _plain(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def convert(engine: Engine, partner: PartnerSite, number: str, paid_until: dt.date, now: dt.datetime) -> bool:
    """Trial (or expired) → paid until ``paid_until``; False when the number is not this partner's."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(subscribers).where(subscribers.c.site_id == partner.id, subscribers.c.number == number)
        ).first()
        if row is None:
            return False
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == row.id)
            .values(status="paid", paid_until=paid_until, gone_at=None, gone_reason=None)
        )
        webhook_events.enqueue(
            conn,
            partner,
            "subscriber.converted",
            {"subscriber_number": number, "paid_until": paid_until.isoformat(), "tariff": row.tariff},
            now,
            row.id,
        )
    return True


def mark_gone(engine: Engine, site_id: str, number: str, reason: str, now: dt.datetime) -> bool:
    """Record that a client left, and why (the seeds ask partners to keep the reason)."""
    with engine.begin() as conn:
        return (
            conn.execute(
                subscribers.update()
                .where(
                    subscribers.c.site_id == site_id,
                    subscribers.c.number == number,
                )
                .values(status="gone", gone_at=now, gone_reason=reason)
            ).rowcount
            == 1
        )


def site_of(engine: Engine, number: str) -> str | None:
    """The site the subscriber ``number`` belongs to, or None when there is no such subscriber."""
    with engine.connect() as conn:
        site_id: str | None = conn.execute(
            sa.select(subscribers.c.site_id).where(subscribers.c.number == number)
        ).scalar()
    return site_id
