"""The service's stored rows as typed, read-only objects: one class per table, built from a
SQLAlchemy row in one place (``from_row``), so the domain, the web layer and the command line
never handle tuples of optionals.

Every time is timezone-aware UTC (SQLite hands back naive datetimes; what is stored is UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy.engine import Row


class MissingValue(ValueError):
    """A stored row lacks a value every committed row of its table has: the database was changed
    by hand, or a write was interrupted in a way the service does not expect."""


def aware(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, with its offset: SQLite forgets it (everything stored is UTC), and
    PostgreSQL answers in its session's zone, which is the server's to choose."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def aware_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else aware(value)


def _required(value: str | None, column: str) -> str:
    if value is None:
        raise MissingValue(f"a row of {column.partition('.')[0]} has no {column}")
    return value


#: Columns of the partner's listing of subscribers (API, CSV), in order.
SUBSCRIBER_COLUMNS = (
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
    "news_consent_at",
    "newsletter",  # none, awaiting_confirmation, subscribed, unsubscribed or undeliverable (domain.news_audience)
)

#: Columns of the partner's listing of invitations (API, CSV and the command line), in order.
INVITATION_COLUMNS = (
    "code",
    "created_at",
    "email",
    "tariff",
    "trial_days",
    "expires_at",
    "subscriber_number",
    "activated_at",
)

#: Columns of the listings that are moments: ISO 8601 with their UTC offset, ``2026-03-10T09:30:00+00:00``.
MOMENT_COLUMNS = frozenset({"created_at", "extended_at", "gone_at", "expires_at", "activated_at", "news_consent_at"})
#: Columns of the listings that are days, ``2026-04-09``: a trial or a paid period ends with a day.
DAY_COLUMNS = frozenset({"trial_ends", "paid_until"})

Listed = dict[str, str | int | None]
"""A row as the partner's listings show it: texts, whole numbers, ISO 8601 moments and days."""


@dataclass(frozen=True)
class Subscriber:
    """A row of ``subscribers``: a person's trial or subscription with one partner."""

    id: int
    number: str
    site_id: str
    page_id: str
    tariff: str
    application: str | None
    name: str
    email: str
    email_key: str
    phone: str
    company: str | None
    inn: str | None
    status: str
    trial_ends: dt.date
    consent_at: dt.datetime
    created_at: dt.datetime
    token: str | None
    paid_until: dt.date | None
    gone_at: dt.datetime | None
    gone_reason: str | None
    extended_at: dt.datetime | None
    invitation_id: int | None
    converted_at: dt.datetime | None
    gone_cause: str | None
    news_consent_at: dt.datetime | None  # when they agreed to news and offers by e-mail; None: they did not
    news_consent_text: str | None  # the wording they agreed to
    news_confirmed_at: dt.datetime | None = None  # double opt-in: when they confirmed by the e-mailed link
    news_unsubscribed_at: dt.datetime | None = None  # when they unsubscribed from the newsletter
    undeliverable_at: dt.datetime | None = None  # when their mail server refused the address for good
    undeliverable_reason: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Subscriber:
        """A whole row of ``subscribers`` (``select(subscribers)``)."""
        return cls(
            id=row.id,
            number=_required(row.number, "subscribers.number"),
            site_id=row.site_id,
            page_id=row.page_id,
            tariff=row.tariff,
            application=row.application,
            name=row.name,
            email=row.email,
            email_key=row.email_key,
            phone=row.phone,
            company=row.company,
            inn=row.inn,
            status=row.status,
            trial_ends=row.trial_ends,
            consent_at=aware(row.consent_at),
            created_at=aware(row.created_at),
            token=row.token,
            paid_until=row.paid_until,
            gone_at=aware_or_none(row.gone_at),
            gone_reason=row.gone_reason,
            extended_at=aware_or_none(row.extended_at),
            invitation_id=row.invitation_id,
            converted_at=aware_or_none(row.converted_at),
            gone_cause=row.gone_cause,
            news_consent_at=aware_or_none(row.news_consent_at),
            news_consent_text=row.news_consent_text,
            news_confirmed_at=aware_or_none(row.news_confirmed_at),
            news_unsubscribed_at=aware_or_none(row.news_unsubscribed_at),
            undeliverable_at=aware_or_none(row.undeliverable_at),
            undeliverable_reason=row.undeliverable_reason,
        )

    @property
    def access_ends(self) -> dt.date:
        """The last day of access: the paid period once converted, else the trial."""
        if self.status == "paid" and self.paid_until is not None:
            return self.paid_until
        return self.trial_ends

    def listed(self, newsletter: str) -> Listed:
        """The subscriber as the partner's listings show it (:data:`SUBSCRIBER_COLUMNS`), with whether
        the partner's newsletter reaches it (``registration_api.domain.news_audience.news_state``)."""
        return {
            "number": self.number,
            "status": self.status,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "company": self.company,
            "inn": self.inn,
            "tariff": self.tariff,
            "application": self.application,
            "page_id": self.page_id,
            "created_at": self.created_at.isoformat(),
            "trial_ends": self.trial_ends.isoformat(),
            "paid_until": _iso(self.paid_until),
            "extended_at": _iso(self.extended_at),
            "gone_at": _iso(self.gone_at),
            "gone_reason": self.gone_reason,
            "news_consent_at": _iso(self.news_consent_at),
            "newsletter": newsletter,
        }


@dataclass(frozen=True)
class Invitation:
    """A row of ``invitations``, with the number of the subscriber it brought (if activated)."""

    id: int
    code: str
    site_id: str
    email: str | None
    tariff: str
    trial_days: int
    created_at: dt.datetime
    expires_at: dt.datetime | None
    activated_at: dt.datetime | None
    subscriber_number: str | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Invitation:
        """A row of ``invitations`` joined with its subscriber's ``number``."""
        return cls(
            id=row.id,
            code=row.code,
            site_id=row.site_id,
            email=row.email,
            tariff=row.tariff,
            trial_days=row.trial_days,
            created_at=aware(row.created_at),
            expires_at=aware_or_none(row.expires_at),
            activated_at=aware_or_none(row.activated_at),
            subscriber_number=row.number,
        )

    def state(self, now: dt.datetime) -> str:
        """``open``, ``used`` or ``expired`` at ``now``."""
        if self.activated_at is not None:
            return "used"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "open"

    def listed(self) -> Listed:
        """The invitation as the partner's listings show it (:data:`INVITATION_COLUMNS`)."""
        return {
            "code": self.code,
            "created_at": self.created_at.isoformat(),
            "email": self.email,
            "tariff": self.tariff,
            "trial_days": self.trial_days,
            "expires_at": _iso(self.expires_at),
            "subscriber_number": self.subscriber_number,
            "activated_at": _iso(self.activated_at),
        }


@dataclass(frozen=True)
class ApiKey:
    """A row of ``api_keys``: a partner's key, known by its prefix (the key itself is never stored)."""

    id: int
    site_id: str
    prefix: str
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> ApiKey:
        return cls(
            id=row.id,
            site_id=row.site_id,
            prefix=row.prefix,
            label=row.label,
            created_at=aware(row.created_at),
            revoked_at=aware_or_none(row.revoked_at),
        )


@dataclass(frozen=True)
class OutboxMessage:
    """A row of ``outbox``: an e-mail (its bytes, or the facts to compose it from) or a webhook
    event, with its delivery attempts."""

    id: int
    purpose: str
    channel: str
    site_id: str | None
    subscriber_id: int | None
    envelope_from: str
    recipients: list[str]
    message: bytes
    compose: dict[str, Any] | None
    target_url: str | None
    created_at: dt.datetime
    attempts: int
    next_attempt_at: dt.datetime
    claimed_until: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str | None
    abandoned_at: dt.datetime | None = None  # given up for good (refused with 5xx, or no longer wanted)

    @classmethod
    def from_row(cls, row: Row[Any]) -> OutboxMessage:
        return cls(
            id=row.id,
            purpose=row.purpose,
            channel=row.channel,
            site_id=row.site_id,
            subscriber_id=row.subscriber_id,
            envelope_from=row.envelope_from,
            recipients=[str(address) for address in row.recipients],
            message=bytes(row.message),
            compose=row.compose,
            target_url=row.target_url,
            created_at=aware(row.created_at),
            attempts=row.attempts,
            next_attempt_at=aware(row.next_attempt_at),
            claimed_until=aware_or_none(row.claimed_until),
            sent_at=aware_or_none(row.sent_at),
            last_error=row.last_error,
            abandoned_at=aware_or_none(row.abandoned_at),
        )


@dataclass(frozen=True)
class SignInLink:
    """A row of ``sign_in_links``: a one-time link sent to an operator (only its SHA-256 is stored)."""

    id: int
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> SignInLink:
        return cls(
            id=row.id,
            email=row.email,
            created_at=aware(row.created_at),
            expires_at=aware(row.expires_at),
            used_at=aware_or_none(row.used_at),
        )


@dataclass(frozen=True)
class AuditEntry:
    """A row of ``audit_log``: what an operator did in a partner's cabinet, and when."""

    id: int
    site_id: str
    operator: str
    action: str
    subject: str | None
    details: str | None
    at: dt.datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> AuditEntry:
        return cls(
            id=row.id,
            site_id=row.site_id,
            operator=row.operator,
            action=row.action,
            subject=row.subject,
            details=row.details,
            at=aware(row.at),
        )


class NewOutboxMessage(TypedDict):
    """The values of an ``outbox`` row to insert: an e-mail or a webhook event, due at once."""

    purpose: str
    channel: str
    site_id: str
    subscriber_id: int | None
    envelope_from: str
    recipients: list[str]
    message: bytes
    compose: dict[str, Any] | None
    target_url: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


class NewSubscriber(TypedDict):
    """The values of a ``subscribers`` row to insert: a new trial (its number is set from its id)."""

    name: str
    email: str
    email_key: str
    phone: str
    company: str | None
    inn: str | None
    status: str
    consent_at: dt.datetime
    created_at: dt.datetime
    site_id: str
    page_id: str
    tariff: str
    application: str | None
    trial_ends: dt.date
    token: str | None
    search_text: str  # what the cabinet search finds it by (storage.search_text)
    news_consent_at: dt.datetime | None
    news_consent_text: str | None
    news_confirmed_at: dt.datetime | None
