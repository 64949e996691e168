"""A valid sign-up becomes a trial subscriber and its e-mails, in one transaction.

"Registered" is only ever answered after the commit: the subscriber row and the outbox
rows are written together or not at all. Repeats never make a second subscriber: the
same form token, or the same e-mail while that partner's trial is active, gives back the
subscriber already stored, and no second partner e-mail.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from storefront.model import RegistrationPage

from . import webhooks
from .db import outbox, subscribers
from .mail import Lead, registration_mail
from .registry import Partner
from .writer import BatchWriter

log = logging.getLogger("registration_api")

NUMBER_BASE = 1_000_000
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class SignUp:
    """Validated, normalised form data."""

    name: str
    email: str
    phone: str
    company: str | None
    inn: str | None
    token: str | None

    @classmethod
    def from_form(cls, form, *, with_token: bool = True) -> "SignUp":
        """The validated registration form (see :mod:`registration_api.forms`), normalised."""
        return cls(name=form.name.data, email=form.email.data, phone=form.phone.normalised,
                   company=form.company.data or None, inn=(form.inn.data or "").replace(" ", "") or None,
                   token=(form.token.data or None) if with_token else None)

    @property
    def email_key(self) -> str:
        """The e-mail as the "one active trial per partner" rule compares it."""
        return self.email.strip().lower()


@dataclass(frozen=True)
class Outcome:
    number: str
    trial_ends: dt.date
    created: bool


class Registrar:
    """Stores sign-ups through one writer thread (group commit); safe with many processes too."""

    def __init__(self, engine: Engine, *, mail_from: str, timezone: dt.tzinfo, clock: Clock = utc_now):
        self.engine = engine
        self.writer = BatchWriter(engine)
        self.mail_from = mail_from
        self.timezone = timezone
        self.clock = clock

    async def register(self, partner: Partner, page: RegistrationPage, signup: SignUp) -> Outcome:
        """Store the sign-up; returns once its batch is committed."""
        for attempt in range(3):
            try:
                outcome = await asyncio.wrap_future(self.writer.submit(
                    lambda conn: self._register(conn, partner, page, signup)))
                break
            except sa.exc.IntegrityError:
                # a twin in another process (same token or e-mail) committed first: look again, find it
                if attempt == 2:
                    raise
        log.info("registration site=%s page=%s subscriber=%s %s", partner.id, page.id, outcome.number,
                 "created" if outcome.created else "repeat")
        return outcome

    def _register(self, conn: Connection, partner: Partner, page: RegistrationPage, signup: SignUp) -> Outcome:
        now = self.clock()
        today = now.astimezone(self.timezone).date()
        if signup.token:
            row = conn.execute(sa.select(subscribers.c.number, subscribers.c.trial_ends).where(
                subscribers.c.site_id == partner.id, subscribers.c.token == signup.token)).first()
            if row:
                return Outcome(row.number, row.trial_ends, created=False)
        row = active_trial(conn, partner.id, signup.email_key, today)
        if row:
            return Outcome(row.number, row.trial_ends, created=False)

        trial_ends = today + dt.timedelta(days=page.trial_days)
        subscriber_id, number = create_subscriber(conn, signup, now, site_id=partner.id, page_id=page.id,
                                                  tariff=page.tariff, application=page.application,
                                                  trial_ends=trial_ends, token=signup.token)

        lead = Lead(number, signup.name, signup.email, signup.phone, signup.company, signup.inn, trial_ends,
                    now.astimezone(self.timezone))
        source = (page.title, f"{partner.site.config.site.base_url}register/{page.id}/")
        queue_mail(conn, partner, registration_mail(partner.site, page.tariff, page.trial_days, page.application,
                                                    source, lead, self.mail_from), now, subscriber_id)
        webhooks.enqueue(conn, partner, "subscriber.registered", event_data(lead, page.tariff, page.application,
                                                                            source[0]), now, subscriber_id)
        return Outcome(number, trial_ends, created=True)


def create_subscriber(conn: Connection, signup: SignUp, now: dt.datetime, **columns) -> tuple[int, str]:
    """Insert a trial subscriber; returns its row id and its subscriber number (from the row's identity,
    so processes sharing a database never hand out the same number)."""
    subscriber_id = conn.execute(subscribers.insert().values(
        name=signup.name, email=signup.email, email_key=signup.email_key, phone=signup.phone,
        company=signup.company, inn=signup.inn, status="trial", consent_at=now, created_at=now, **columns,
    ).returning(subscribers.c.id)).scalar_one()
    number = str(NUMBER_BASE + subscriber_id)
    conn.execute(subscribers.update().where(subscribers.c.id == subscriber_id).values(number=number))
    return subscriber_id, number


def active_trial(conn: Connection, site_id: str, email_key: str, today: dt.date):
    """The person's running trial with this partner, if any; a trial that has ended is marked expired
    (one active trial per partner and e-mail is what the unique index allows)."""
    row = conn.execute(sa.select(subscribers.c.id, subscribers.c.number, subscribers.c.trial_ends).where(
        subscribers.c.site_id == site_id, subscribers.c.email_key == email_key,
        subscribers.c.status == "trial")).first()
    if row and row.trial_ends < today:
        conn.execute(subscribers.update().where(subscribers.c.id == row.id).values(status="expired"))
        return None
    return row


def queue_mail(conn: Connection, partner: Partner, messages, now: dt.datetime, subscriber_id: int | None) -> None:
    """Write composed e-mails to the outbox, in the caller's transaction."""
    for message in messages:
        conn.execute(outbox.insert().values(
            purpose=message.purpose, channel="email", site_id=partner.id, subscriber_id=subscriber_id,
            envelope_from=message.envelope_from, recipients=message.recipients, message=message.message,
            created_at=now, next_attempt_at=now))


def event_data(lead: Lead, tariff: str, application: str | None, source: str) -> dict:
    """What a webhook receiver learns of a subscriber."""
    return {"subscriber_number": lead.number, "name": lead.name, "email": lead.email, "phone": lead.phone,
            "company": lead.company, "inn": lead.inn, "tariff": tariff, "application": application,
            "trial_ends": lead.trial_ends.isoformat(), "source": source}
