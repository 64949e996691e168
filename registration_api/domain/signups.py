"""A valid sign-up becomes a trial subscriber and its e-mails, in one transaction.

"Registered" is only ever answered after the commit: the subscriber row and the outbox
rows are written together or not at all. Repeats never make a second subscriber: the
same form token, or the same e-mail while that partner's trial is active, gives back the
subscriber already stored, and no second partner e-mail; a repeat with the same e-mail that
ticks the news box gives its consent anew if the subscriber had none or had unsubscribed
(:mod:`registration_api.domain.news_consent`), and the answer stays the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.delivery.messages import Lead, Outgoing, registration_mail
from registration_api.domain import news_consent, webhook_events
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.batch_writer import BatchWriter
from registration_api.storage.records import NewOutboxMessage, NewSubscriber, Subscriber
from registration_api.storage.search_text import search_text
from registration_api.storage.tables import outbox, subscribers
from storefront import RegistrationPage, language

_ = language.gettext

log = logging.getLogger("registration_api")

NUMBER_BASE = 1_000_000
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class SignUp:
    """Validated, normalised form data (see :func:`registration_api.web.forms.signup_of`)."""

    name: str
    email: str
    phone: str
    company: str | None
    inn: str | None
    token: str | None
    news_consent: str | None = None  # the wording of news and offers they ticked; None: not ticked

    @property
    def email_key(self) -> str:
        """The e-mail as the "one active trial per partner" rule compares it."""
        return self.email.strip().lower()

    def lead(self, number: str, trial_ends: dt.date, registered_at: dt.datetime) -> Lead:
        """This sign-up as the e-mails describe it, once stored as subscriber ``number``."""
        return Lead(number, self.name, self.email, self.phone, self.company, self.inn, trial_ends, registered_at)


@dataclass(frozen=True)
class Outcome:
    """What a sign-up came to: a new subscriber, or the one it repeats."""

    number: str
    trial_ends: dt.date
    created: bool
    token: str | None = None  # the stored subscriber's form token: a repeat with it is a retry of the same post


class SignupService:
    """Stores sign-ups through one writer thread (group commit); safe with many processes too."""

    def __init__(
        self, engine: Engine, *, mail_from: str, public_base: str, timezone: dt.tzinfo, clock: Clock = utc_now
    ):
        self.writer: BatchWriter[_Request, Outcome] = BatchWriter(engine, self._register_batch)
        self.mail_from = mail_from
        self.public_base = public_base  # where the links of the e-mails lead (news confirmation)
        self.timezone = timezone
        self.clock = clock
        self._news_links: news_consent.Confirmations | None = None  # made when a link is first signed

    async def register(self, partner: PartnerSite, page: RegistrationPage, signup: SignUp) -> Outcome:
        """Store the sign-up; returns once its batch is committed."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                outcome = await asyncio.wrap_future(self.writer.submit(_Request(partner, page, signup)))
                break
            except sa.exc.IntegrityError:
                # a twin in another process (same token or e-mail) committed first: look again, find it
                if attempt == ATTEMPTS:
                    raise
        said = (
            _("sign-up accepted: site={site} page={page} subscriber={number}, a new subscriber")
            if outcome.created
            else _("sign-up repeated: site={site} page={page} subscriber={number}, already registered")
        )
        log.info(said.format(site=partner.id, page=page.id, number=outcome.number))
        return outcome

    def _register_batch(self, conn: Connection, requests: Sequence[_Request]) -> list[Outcome]:
        """Store a batch of sign-ups with a handful of statements, whatever its size.

        Repeats are found for the whole batch at once (by form token, then by e-mail among
        the partner's running trials), including repeats within the batch; then the new
        subscribers, their numbers and their outbox rows are each written in one statement.
        """
        now = self.clock()
        today = now.astimezone(self.timezone).date()
        seen: dict[_Key, _Stored | int] = dict(_existing(conn, requests, today))  # key → stored, or batch position
        outcomes: dict[int, Outcome] = {}  # by position in the batch
        twin_of: dict[int, int] = {}  # position → position of the earlier sign-up in this batch it repeats
        repeats: dict[int, _Stored] = {}  # position → the stored subscriber it repeats
        creating: list[int] = []
        for position, request in enumerate(requests):
            keys = _keys(request)
            known = next((seen[key] for key in keys if key in seen), None)
            if isinstance(known, _Stored):
                outcomes[position] = known.outcome
                repeats[position] = known
            elif known is not None:
                twin_of[position] = known
            else:
                creating.append(position)
                seen.update((key, position) for key in keys)
        mail: list[NewOutboxMessage] = []
        if creating:
            rows = [_subscriber_row(requests[position], now, today) for position in creating]
            ids: list[int] = list(
                conn.execute(subscribers.insert().returning(subscribers.c.id, sort_by_parameter_order=True), rows)
                .scalars()
                .all()
            )
            conn.execute(
                subscribers.update()
                .where(subscribers.c.id == sa.bindparam("row_id"))
                .values(number=sa.bindparam("row_number")),
                [{"row_id": i, "row_number": subscriber_number(i)} for i in ids],
            )
            for position, subscriber_id, row in zip(creating, ids, rows, strict=True):
                number = subscriber_number(subscriber_id)
                outcomes[position] = Outcome(number, row["trial_ends"], created=True, token=row["token"])
                mail.extend(self._outbox_rows(conn, requests[position], number, row, now, subscriber_id))
                signup = requests[position].signup
                stored = _Stored(outcomes[position], subscriber_id, signup.name, signup.email, signup.email_key)
                repeats.update((twin, stored) for twin, original in twin_of.items() if original == position)
        for position, original in twin_of.items():
            first = outcomes[original]  # an earlier position, created above
            outcomes[position] = Outcome(first.number, first.trial_ends, created=False, token=first.token)
        for position, stored in sorted(repeats.items()):
            mail.extend(self._consent_given_again(conn, requests[position], stored, now))
        if mail:
            conn.execute(outbox.insert(), mail)
        return [outcomes[position] for position in range(len(requests))]

    def _consent_given_again(
        self, conn: Connection, request: _Request, stored: _Stored, now: dt.datetime
    ) -> list[NewOutboxMessage]:
        """A repeat with the same e-mail that ticked the news box: the consent is stored anew if the
        subscriber had none or had unsubscribed, and its confirmation e-mailed where the partner asks
        for one. A repeat only by form token (another e-mail) changes nothing of the stored person."""
        partner, wording = request.partner, request.signup.news_consent
        if wording is None or request.signup.email_key != stored.email_key:
            return []
        if not news_consent.renew(conn, partner.site, stored.subscriber_id, wording, now):
            return []
        confirmation = self._confirmations(conn).mail(
            partner, number=stored.outcome.number, name=stored.name, email=stored.email, wording=wording, now=now
        )
        return [mail_row(partner, message, now, stored.subscriber_id) for message in confirmation]

    def _confirmations(self, conn: Connection) -> news_consent.Confirmations:
        """What the e-mails asking to confirm a consent to news need (the link secret read once)."""
        if self._news_links is None:
            self._news_links = news_consent.Confirmations.of(conn, self.public_base, self.mail_from)
        return self._news_links

    def _outbox_rows(
        self, conn: Connection, request: _Request, number: str, row: NewSubscriber, now: dt.datetime, subscriber_id: int
    ) -> list[NewOutboxMessage]:
        """The new subscriber's e-mails (composed later, by the sender) and webhook event."""
        partner, page, signup = request.partner, request.page, request.signup
        lead = signup.lead(number, row["trial_ends"], now.astimezone(self.timezone))
        source = (page.title, f"{partner.site.config.site.base_url}register/{page.id}/")
        messages = registration_mail(
            partner.site,
            lead,
            self.mail_from,
            tariff_id=page.tariff,
            trial_days=page.trial_days,
            application_id=page.application,
            source=source,
        )
        messages += self._confirmations(conn).mail(
            partner, number=number, name=signup.name, email=signup.email, wording=signup.news_consent, now=now
        )
        rows = [mail_row(partner, message, now, subscriber_id) for message in messages]
        event = webhook_events.event_row(
            partner,
            "subscriber.registered",
            event_data(lead, page.tariff, page.application, source[0]),
            now,
            subscriber_id,
        )
        return rows + ([event] if event else [])


#: Tries of a sign-up whose batch lost a race with another process's twin.
ATTEMPTS = 3

#: What makes two sign-ups the same: (site, "token" or "email", the token or the e-mail key).
_Key = tuple[str, str, str]


@dataclass(frozen=True)
class _Request:
    partner: PartnerSite
    page: RegistrationPage
    signup: SignUp


@dataclass(frozen=True)
class _Stored:
    """A subscriber a sign-up repeats: what the sign-up is answered, and who it is (to whom
    a consent to news given again belongs, and where its confirmation goes)."""

    outcome: Outcome
    subscriber_id: int
    name: str
    email: str
    email_key: str


def subscriber_number(subscriber_id: int) -> str:
    """The number a subscriber is known by, from its row's identity (never shared by two processes)."""
    return str(NUMBER_BASE + subscriber_id)


def _keys(request: _Request) -> list[_Key]:
    """What makes two sign-ups the same: the form token, and the e-mail (within one partner)."""
    site_id, signup = request.partner.id, request.signup
    by_token: list[_Key] = [(site_id, "token", signup.token)] if signup.token else []
    return [*by_token, (site_id, "email", signup.email_key)]


def _existing(conn: Connection, requests: Sequence[_Request], today: dt.date) -> dict[_Key, _Stored]:
    """Stored subscribers that a batch's sign-ups repeat, by the keys of :func:`_keys`: the
    same token, or the same e-mail among the partner's running trials. A trial that has
    ended is marked expired instead (one active trial per partner and e-mail is what the
    unique index allows)."""
    found: dict[_Key, _Stored] = {}
    for site_id in {request.partner.id for request in requests}:
        mine = [request.signup for request in requests if request.partner.id == site_id]
        tokens = [signup.token for signup in mine if signup.token]
        if tokens:
            for row in conn.execute(
                sa.select(subscribers).where(subscribers.c.site_id == site_id, subscribers.c.token.in_(tokens))
            ):
                stored = Subscriber.from_row(row)
                if stored.token is not None:
                    found[(site_id, "token", stored.token)] = _repeat(stored)
        expired = []
        for row in conn.execute(
            sa.select(subscribers).where(
                subscribers.c.site_id == site_id,
                subscribers.c.email_key.in_([s.email_key for s in mine]),
                subscribers.c.status == "trial",
            )
        ):
            stored = Subscriber.from_row(row)
            if stored.trial_ends < today:
                expired.append(stored.id)
            else:
                found[(site_id, "email", stored.email_key)] = _repeat(stored)
        if expired:
            conn.execute(subscribers.update().where(subscribers.c.id.in_(expired)).values(status="expired"))
    return found


def _repeat(stored: Subscriber) -> _Stored:
    outcome = Outcome(stored.number, stored.trial_ends, created=False, token=stored.token)
    return _Stored(outcome, stored.id, stored.name, stored.email, stored.email_key)


def _subscriber_row(request: _Request, now: dt.datetime, today: dt.date) -> NewSubscriber:
    signup, page = request.signup, request.page
    return {
        "name": signup.name,
        "email": signup.email,
        "email_key": signup.email_key,
        "phone": signup.phone,
        "company": signup.company,
        "inn": signup.inn,
        "status": "trial",
        "consent_at": now,
        "created_at": now,
        "site_id": request.partner.id,
        "page_id": page.id,
        "tariff": page.tariff,
        "application": page.application,
        "trial_ends": today + dt.timedelta(days=page.trial_days),
        "token": signup.token,
        "search_text": search_text(signup.name, signup.email, signup.phone, signup.company, signup.inn),
        "news_consent_at": now if signup.news_consent else None,
        "news_consent_text": signup.news_consent,
        "news_confirmed_at": news_consent.confirmed_at(request.partner.site, signup.news_consent, now),
    }


def create_subscriber(
    conn: Connection,
    signup: SignUp,
    now: dt.datetime,
    *,
    partner: PartnerSite,
    page_id: str,
    tariff: str,
    trial_ends: dt.date,
    invitation_id: int | None = None,
) -> tuple[int, str]:
    """Insert a trial subscriber; returns its row id and its subscriber number (from the row's identity,
    so processes sharing a database never hand out the same number). A consent to news is confirmed
    at once unless the partner asks for double opt-in (:mod:`registration_api.domain.news_consent`)."""
    subscriber_id: int = conn.execute(
        subscribers.insert()
        .values(
            name=signup.name,
            email=signup.email,
            email_key=signup.email_key,
            phone=signup.phone,
            company=signup.company,
            inn=signup.inn,
            status="trial",
            consent_at=now,
            created_at=now,
            site_id=partner.id,
            page_id=page_id,
            tariff=tariff,
            trial_ends=trial_ends,
            invitation_id=invitation_id,
            search_text=search_text(signup.name, signup.email, signup.phone, signup.company, signup.inn),
            news_consent_at=now if signup.news_consent else None,
            news_consent_text=signup.news_consent,
            news_confirmed_at=news_consent.confirmed_at(partner.site, signup.news_consent, now),
        )
        .returning(subscribers.c.id)
    ).scalar_one()
    number = subscriber_number(subscriber_id)
    conn.execute(subscribers.update().where(subscribers.c.id == subscriber_id).values(number=number))
    return subscriber_id, number


def active_trial(conn: Connection, site_id: str, email_key: str, today: dt.date) -> Subscriber | None:
    """The person's running trial with this partner, if any; a trial that has ended is marked expired
    (one active trial per partner and e-mail is what the unique index allows)."""
    row = conn.execute(
        sa.select(subscribers).where(
            subscribers.c.site_id == site_id, subscribers.c.email_key == email_key, subscribers.c.status == "trial"
        )
    ).first()
    if row is None:
        return None
    trial = Subscriber.from_row(row)
    if trial.trial_ends < today:
        conn.execute(subscribers.update().where(subscribers.c.id == trial.id).values(status="expired"))
        return None
    return trial


def queue_mail(
    conn: Connection, partner: PartnerSite, messages: Iterable[Outgoing], now: dt.datetime, subscriber_id: int | None
) -> None:
    """Write e-mails to the outbox, in the caller's transaction."""
    rows = [mail_row(partner, message, now, subscriber_id) for message in messages]
    if rows:
        conn.execute(outbox.insert(), rows)


def mail_row(partner: PartnerSite, message: Outgoing, now: dt.datetime, subscriber_id: int | None) -> NewOutboxMessage:
    """The outbox row of one e-mail."""
    return {
        "purpose": message.purpose,
        "channel": "email",
        "site_id": partner.id,
        "subscriber_id": subscriber_id,
        "envelope_from": message.envelope_from,
        "recipients": message.recipients,
        "message": message.message,
        "compose": message.compose,
        "created_at": now,
        "next_attempt_at": now,
        "target_url": None,
    }


def event_data(lead: Lead, tariff: str, application: str | None, source: str) -> dict[str, str | None]:
    """What a webhook receiver learns of a subscriber."""
    return {
        "subscriber_number": lead.number,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "inn": lead.inn,
        "tariff": tariff,
        "application": application,
        "trial_ends": lead.trial_ends.isoformat(),
        "source": source,
    }
