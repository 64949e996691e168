"""A partner's subscribers: listing with filters, conversion to paid, and leaving with a cause and a reason."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.domain import webhook_events
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import Subscriber
from registration_api.storage.tables import subscribers
from storefront import language

_ = language.gettext
N_ = language.N_

Status = Literal["trial", "paid", "expired", "gone"]
STATUSES: tuple[Status, ...] = get_args(Status)
#: What the cabinet calls each status (translated when shown).
STATUS_NAMES: dict[str, str] = {
    "trial": N_("Trial"),
    "paid": N_("Paid"),
    "expired": N_("Trial ended"),
    "gone": N_("Left"),
}

#: The cause of a departure the partner writes down (``subscribers.gone_cause``), with what the
#: cabinet calls it; the partner's own words go with it (``gone_reason``). From the seeds: a
#: client moves to another partner, or back to the desktop 1C ("перейдёт в коробку").
DepartureCause = Literal["price", "another_partner", "desktop", "another_product", "closed", "not_needed", "other"]
OTHER: DepartureCause = "other"
DEPARTURE_CAUSES: dict[DepartureCause, str] = {
    "price": N_("Too expensive"),
    "another_partner": N_("Moved to another partner"),
    "desktop": N_("Went back to 1C on its own computers"),
    "another_product": N_("Switched to another product"),
    "closed": N_("Closed the business"),
    "not_needed": N_("No longer needed"),
    OTHER: N_("Other"),
}


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
        return _found(conn, site_id, number)


def running(engine: Engine) -> list[Subscriber]:
    """Every subscriber whose access has not ended by status: on a trial or paid."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(subscribers).where(subscribers.c.status.in_(("trial", "paid"))))
        return [Subscriber.from_row(row) for row in rows]


def convert(
    engine: Engine,
    partner: PartnerSite,
    number: str,
    paid_until: dt.date,
    now: dt.datetime,
    *,
    tariff: str | None = None,
) -> bool:
    """Record that the subscriber ``number`` pays until ``paid_until`` (on ``tariff``, one of the
    partner's, if given; else the tariff it has), and queue the ``subscriber.converted`` webhook;
    False when the number is not this partner's. Raises ValueError for a tariff the partner has not.

    - A trial, or a trial that ended: it becomes paid now (``converted_at``).
    - Already paid: a renewal or a change of tariff; it became paid when it did, so ``converted_at``
      stays and the overview counts no second conversion.
    - Gone: the client came back and pays; the departure is cleared from the row (an operator's
      record of it stays in the audit log) and it becomes paid now.
    """
    if tariff is not None and tariff not in {t.id for t in partner.site.config.tariffs}:
        raise ValueError(
            _("there is no tariff '{tariff}' in {site} (tariffs: {tariffs})").format(
                tariff=tariff, site=partner.id, tariffs=", ".join(t.id for t in partner.site.config.tariffs)
            )
        )
    with engine.begin() as conn:
        subscriber = _found(conn, partner.id, number)
        if subscriber is None:
            return False
        converted_at = subscriber.converted_at if subscriber.status == "paid" and subscriber.converted_at else now
        kept_tariff = tariff or subscriber.tariff
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber.id)
            .values(
                status="paid",
                paid_until=paid_until,
                tariff=kept_tariff,
                converted_at=converted_at,
                gone_at=None,
                gone_cause=None,
                gone_reason=None,
            )
        )
        webhook_events.enqueue(
            conn,
            partner,
            "subscriber.converted",
            {"subscriber_number": number, "paid_until": paid_until.isoformat(), "tariff": kept_tariff},
            now,
            subscriber.id,
        )
    return True


def mark_gone(
    engine: Engine, site_id: str, number: str, reason: str | None, now: dt.datetime, *, cause: str = OTHER
) -> bool:
    """Record that a client left: a ``cause`` of :data:`DEPARTURE_CAUSES` and the partner's own
    words (the seeds ask partners to keep the reason); False when the number is not this site's.
    Raises ValueError for an unknown cause.

    A paid client who leaves keeps its ``paid_until`` and ``converted_at``: it did pay. A client
    already gone keeps the moment it left; recording again corrects the cause and the words.
    """
    if cause not in DEPARTURE_CAUSES:
        raise ValueError(f"unknown cause of departure {cause!r}; known: {', '.join(DEPARTURE_CAUSES)}")
    with engine.begin() as conn:
        subscriber = _found(conn, site_id, number)
        if subscriber is None:
            return False
        left_at = subscriber.gone_at if subscriber.status == "gone" and subscriber.gone_at else now
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber.id)
            .values(status="gone", gone_at=left_at, gone_cause=cause, gone_reason=reason or None)
        )
    return True


def _found(conn: Connection, site_id: str, number: str) -> Subscriber | None:
    row = conn.execute(
        sa.select(subscribers).where(subscribers.c.site_id == site_id, subscribers.c.number == number)
    ).first()
    return Subscriber.from_row(row) if row else None


def site_of(engine: Engine, number: str) -> str | None:
    """The site the subscriber ``number`` belongs to, or None when there is no such subscriber."""
    with engine.connect() as conn:
        site_id: str | None = conn.execute(
            sa.select(subscribers.c.site_id).where(subscribers.c.number == number)
        ).scalar()
    return site_id
