"""Onboarding letters: the partner's ``letters/*.md``, each ``after_days`` days after a trial
subscriber registered (day 1, 3, 7 …), to those who receive news, for ``newsletter send``.

Days are counted in the partner's time zone (``newsletter.timezone``, else the service's), from
the day of registration. A letter goes only while the subscriber is on trial: once they pay or
leave, the rest never go (and a letter already queued is dropped by the sender). A run that
comes late sends only the latest letter that is due and records the earlier ones as skipped, so
a subscriber never gets three letters in one morning. Each (subscriber, letter) is a row of
``letter_deliveries`` inserted with the e-mail's outbox row in one transaction: once, whatever
runs overlap.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.domain import news_audience
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.inserts import insert_ignoring_duplicates
from registration_api.storage.records import aware
from registration_api.storage.tables import letter_deliveries, outbox, subscribers
from storefront import Letter, language

_ = language.gettext
log = logging.getLogger("registration_api")

#: The longest a trial lasts, extension included, with a margin: older sign-ups get no letters.
TRIAL_HORIZON = dt.timedelta(days=45)


class OnboardingLetters:
    """Queues the onboarding letters due to a partner's trial subscribers."""

    def __init__(
        self, engine: Engine, *, mail_from: str, public_base: str, secret: str, zone: ZoneInfo, interval: dt.timedelta
    ):
        self.engine = engine
        self.interval = interval  # between two of a partner's advertising e-mails
        self.mail_from = mail_from
        self.public_base = public_base.rstrip("/")
        self.secret = secret
        self.zone = zone  # the service's, for a partner without a newsletter section

    def run(self, partner: PartnerSite, now: dt.datetime, first_due: dt.datetime) -> int:
        """Queue every letter due now to the partner's trial subscribers, the first at ``first_due``
        and the rest an interval apart (see :meth:`Newsletter.paced`); returns how many."""
        letters = partner.site.letters
        if not letters:
            return 0
        newsletter = partner.site.config.newsletter
        zone = newsletter.zone if newsletter is not None else self.zone
        today = now.astimezone(zone).date()
        had = self._had(partner.id, now)
        queued = 0
        for row in self._trials(partner.id, now, today):
            age = (today - aware(row.created_at).astimezone(zone).date()).days
            due = [letter for letter in letters if letter.after_days <= age and letter.key not in had.get(row.id, ())]
            if due and self._queue(partner, row, due, now, first_due + self.interval * queued):
                queued += 1
        return queued

    def _trials(self, site_id: str, now: dt.datetime, today: dt.date) -> list[Any]:
        """The partner's subscribers whose trial runs today and who receive news."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(subscribers.c.id, subscribers.c.number, subscribers.c.email, subscribers.c.created_at)
                    .where(
                        subscribers.c.site_id == site_id,
                        subscribers.c.status == "trial",
                        subscribers.c.trial_ends >= today,  # an ended trial stays "trial" until marked expired
                        subscribers.c.created_at >= now - TRIAL_HORIZON,
                        news_audience.RECEIVES_NEWS,
                    )
                    .order_by(subscribers.c.id)
                ).all()
            )

    def _had(self, site_id: str, now: dt.datetime) -> dict[int, set[str]]:
        """The letters each recent trial subscriber has had (or skipped)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(letter_deliveries.c.subscriber_id, letter_deliveries.c.letter)
                .join(subscribers, subscribers.c.id == letter_deliveries.c.subscriber_id)
                .where(subscribers.c.site_id == site_id, subscribers.c.created_at >= now - TRIAL_HORIZON)
            ).all()
        sent: dict[int, set[str]] = {}
        for row in rows:
            sent.setdefault(row.subscriber_id, set()).add(row.letter)
        return sent

    def _queue(self, partner: PartnerSite, row: Any, due: list[Letter], now: dt.datetime, at: dt.datetime) -> bool:
        """The latest due letter to the subscriber, the earlier ones recorded as skipped, with its
        outbox row, in one transaction (False: another run got there first)."""
        latest = max(due, key=lambda letter: letter.after_days)
        subscriber_id = row.id
        with self.engine.begin() as conn:
            claimed = conn.execute(
                insert_ignoring_duplicates(conn, letter_deliveries)
                .values(
                    [
                        {
                            "subscriber_id": subscriber_id,
                            "letter": letter.key,
                            "at": now,
                            "skipped": letter is not latest,
                        }
                        for letter in due
                    ]
                )
                .returning(letter_deliveries.c.letter)
            ).scalars()
            if latest.key not in set(claimed):
                return False
            unsubscribe = news_audience.link(self.public_base, self.secret, "unsubscribe", partner.id, row.number)
            conn.execute(
                outbox.insert().values(
                    purpose="letter",
                    channel="email",
                    site_id=partner.id,
                    subscriber_id=subscriber_id,
                    envelope_from=self.mail_from,
                    recipients=[row.email],
                    message=b"",
                    compose={"kind": "letter", "letter": latest.key, "unsubscribe": unsubscribe},
                    created_at=now,
                    next_attempt_at=at,
                )
            )
        log.info(
            _("onboarding letter queued: site={site} subscriber={number} letter={letter}").format(
                site=partner.id, number=row.number, letter=latest.key
            )
        )
        return True
