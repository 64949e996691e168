"""Subscription reminders and the partners' Monday digest, for a daily cron run.

Clients hear 7 and 3 days before access ends, on the last day and 5 days after; a run
that missed a day catches up with the latest reminder due. Each reminder is a row keyed
by (subscriber, kind, end of period) written with its e-mail in one transaction, so it
goes out at most once even when two runs overlap. The 7-day reminder carries a signed
link with which the client may extend access by 7 days, once.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.delivery.messages import compose
from registration_api.domain import ending, subscriptions
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.domain.signups import queue_mail
from registration_api.storage.records import Subscriber
from registration_api.storage.tables import digests, reminders, subscribers
from storefront import language

_ = language.gettext
log = logging.getLogger("registration_api")

# kind, and the days left before the end of access during which it is due (latest first)
WINDOWS = (("after_5", -9, -5), ("end_day", 0, 0), ("before_3", 1, 3), ("before_7", 4, 7))
EXTENSION_DAYS = 7


@dataclass
class RemindReport:
    reminders: int = 0
    digests: int = 0


def due_kind(days_left: int) -> str | None:
    """The reminder due with ``days_left`` days of access left, if any."""
    for kind, low, high in WINDOWS:
        if low <= days_left <= high:
            return kind
    return None


def extension_token(secret: str, number: str, period_end: dt.date) -> str:
    message = f"{number}:{period_end.isoformat()}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:18]
    return f"{number}.{period_end.isoformat()}.{base64.urlsafe_b64encode(digest).decode()}"


def read_extension_token(secret: str, token: str) -> tuple[str, dt.date] | None:
    """(number, end of period) from a genuine token, else None."""
    if not token.isascii():
        return None
    try:
        number, day, _signature = token.split(".")
        period_end = dt.date.fromisoformat(day)
    except ValueError:
        return None
    return (number, period_end) if hmac.compare_digest(extension_token(secret, number, period_end), token) else None


def extend(engine: Engine, site_id: str, number: str, period_end: dt.date, now: dt.datetime) -> dt.date | None:
    """Add 7 days to the period the link was made for; None when already used, no longer current,
    or the client has left (a departure recorded by the partner ends what its old links can do)."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(subscribers).where(subscribers.c.site_id == site_id, subscribers.c.number == number)
        ).first()
        subscriber = Subscriber.from_row(row) if row else None
        if (
            subscriber is None
            or subscriber.status == "gone"
            or subscriber.extended_at is not None
            or subscriber.access_ends != period_end
        ):
            return None
        new_end = period_end + dt.timedelta(days=EXTENSION_DAYS)
        column = "paid_until" if subscriber.status == "paid" and subscriber.paid_until else "trial_ends"
        claimed = conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber.id, subscribers.c.extended_at.is_(None))
            .values({column: new_end, "extended_at": now})
        ).rowcount
    return new_end if claimed else None


class Reminder:
    """One day's run: the reminders due to clients and, on Mondays, each partner's digest."""

    def __init__(self, engine: Engine, registry: PartnerSites, *, mail_from: str, public_base: str, secret: str):
        self.engine = engine
        self.registry = registry
        self.mail_from = mail_from
        self.public_base = public_base.rstrip("/")
        self.secret = secret

    def run(self, today: dt.date, now: dt.datetime) -> RemindReport:
        report = RemindReport()
        running = subscriptions.running(self.engine)
        for subscriber in running:
            end = subscriber.access_ends
            kind = due_kind((end - today).days)
            if kind and self._send_once(subscriber, kind, end, now):
                report.reminders += 1
        if today.weekday() == 0:
            for site_id in self.registry.ids():
                partner = self.registry.get(site_id)
                if partner is not None and self._digest_once(partner, today, now):
                    report.digests += 1
        return report

    def _send_once(self, subscriber: Subscriber, kind: str, end: dt.date, now: dt.datetime) -> bool:
        partner = self.registry.get(subscriber.site_id)
        if partner is None:
            return False
        link = None
        if kind == "before_7" and subscriber.extended_at is None:
            link = f"{self.public_base}/extend/{extension_token(self.secret, subscriber.number, end)}"
        context = {
            "kind": kind,
            "name": subscriber.name,
            "number": subscriber.number,
            "ends": end,
            "link": link,
            "days": EXTENSION_DAYS,
        }
        message = compose(
            partner.site,
            "reminder",
            context,
            to=[subscriber.email],
            reply_to=str(partner.site.config.partner.email),
            sender=self.mail_from,
            when=now,
            purpose=f"reminder_{kind}",
        )
        return self._once(
            lambda conn: conn.execute(
                reminders.insert().values(subscriber_id=subscriber.id, kind=kind, period_end=end, sent_at=now)
            ),
            lambda conn: queue_mail(conn, partner, [message], now, subscriber.id),
            _("reminder {kind} queued: subscriber={number}").format(kind=kind, number=subscriber.number),
        )

    def _digest_once(self, partner: PartnerSite, today: dt.date, now: dt.datetime) -> bool:
        """The partner's Monday digest of the subscriptions ending within the horizon, once a day:
        the list the cabinet's page of subscriptions ending shows (:func:`ending.ending_soon`)."""
        site_id = partner.id
        with self.engine.connect() as conn:
            soon = ending.ending_soon(conn, site_id, today)
        if not soon:
            return False
        items = [
            {
                "number": subscriber.number,
                "name": subscriber.name,
                "email": subscriber.email,
                "phone": subscriber.phone,
                "status": subscriber.status,
                "ends": subscriber.access_ends,
            }
            for subscriber in soon
        ]
        notify = [str(a) for a in partner.site.config.partner.notify]
        message = compose(
            partner.site,
            "digest",
            # the button opens the same list, live, in the partner's cabinet
            {"items": items, "today": today, "link": f"{self.public_base}/cabinet/{site_id}/ending"},
            to=notify,
            reply_to=str(partner.site.config.partner.email),
            sender=self.mail_from,
            when=now,
        )
        return self._once(
            lambda conn: conn.execute(digests.insert().values(site_id=site_id, day=today, sent_at=now)),
            lambda conn: queue_mail(conn, partner, [message], now, None),
            _("weekly digest queued: site={site}").format(site=site_id),
        )

    def _once(self, claim: Callable[[Connection], object], then: Callable[[Connection], None], said: str) -> bool:
        """Run ``claim`` (an insert guarded by a unique key) and ``then`` together, or neither;
        ``said`` is the log line for when they ran."""
        try:
            with self.engine.begin() as conn:
                claim(conn)
                then(conn)
        except sa.exc.IntegrityError:
            return False
        log.info(said)
        return True
