"""Invitation codes: a partner invites a prospect, the prospect activates the code once.

Codes are 80 random bits in Crockford base32 (``7KQ2-M9XD-4RTA-WB3H``): unguessable, easy
to read aloud, case-insensitive. Activation and the new subscriber commit together, and
only one activation of a code can ever win.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import Connection, Engine

from registration_api.delivery.messages import InvitationOffer, Lead, invitation_mail, registration_mail
from registration_api.domain import news_consent, webhook_events
from registration_api.domain.partner_sites import PartnerSite
from registration_api.domain.signups import SignUp, active_trial, create_subscriber, event_data, queue_mail
from registration_api.storage.records import Invitation
from registration_api.storage.tables import invitations, subscribers
from storefront import Translator, language

_ = language.gettext
ngettext = language.ngettext

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAILS_PER_RECIPIENT = 3  # invitations e-mailed to one address by one site in 24 hours


class MailQuota(Exception):
    """A site has e-mailed as many invitations as it may for now; the message says which limit."""


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    cleaned = code.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1").replace("-", "")
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def activation_link(public_base: str, code: str) -> str:
    """The service's page where the invitation ``code`` is activated."""
    return f"{public_base.rstrip('/')}/invite/{code}"


#: Invitations with the number of the subscriber each brought (see :meth:`Invitation.from_row`).
_SELECT = sa.select(invitations, subscribers.c.number).select_from(
    invitations.outerjoin(subscribers, invitations.c.subscriber_id == subscribers.c.id)
)


MAX_TRIAL_DAYS = 30
MAX_CODES = 1000  # created at a time
MAX_EXPIRES_DAYS = 3650


@dataclass(frozen=True)
class Order:
    """What a partner asks for: ``count`` codes for a tariff (default: the first registration
    page's) and a trial length, expiring after ``expires_days`` or never; or, with ``email``, one
    code e-mailed to that person."""

    email: str | None = None
    tariff: str | None = None
    trial_days: int = MAX_TRIAL_DAYS
    count: int = 1
    expires_days: int | None = None


def create(
    engine: Engine,
    partner: PartnerSite,
    order: Order,
    *,
    now: dt.datetime,
    mail_from: str,
    activation_base: str,
    mails_per_day: int = 200,
) -> list[str]:
    """Create the codes of ``order``; with an e-mail, one code and its link are sent to that person,
    within the site's quotas of e-mailed invitations (raises :class:`MailQuota`)."""
    site = partner.site
    email, trial_days, count, expires_days = order.email, order.trial_days, order.count, order.expires_days
    tariff = order.tariff or site.config.registration[0].tariff
    if tariff not in {t.id for t in site.config.tariffs}:
        raise ValueError(
            _("there is no tariff '{tariff}' in {site} (tariffs: {tariffs})").format(
                tariff=tariff, site=site.id, tariffs=", ".join(t.id for t in site.config.tariffs)
            )
        )
    if not 1 <= trial_days <= MAX_TRIAL_DAYS:
        raise ValueError(_("the trial lasts 1 to {most} days").format(most=MAX_TRIAL_DAYS))
    if not 1 <= count <= MAX_CODES:
        raise ValueError(_("create 1 to {most} codes at a time").format(most=MAX_CODES))
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise ValueError(_("an invitation expires after 1 to {most} days").format(most=MAX_EXPIRES_DAYS))
    if email is not None:
        if count != 1:
            raise ValueError(_("count: an invitation e-mailed to a person is one code; leave count out, or email"))
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueError(
                _("«{email}» is not an e-mail address; write it as name@example.ru").format(email=email)
            ) from None
    expires = now + dt.timedelta(days=expires_days) if expires_days else None
    codes = []
    with engine.begin() as conn:
        if email:
            _check_quota(conn, site.id, email, now, mails_per_day)
        for _number in range(count):
            code = new_code()
            conn.execute(
                invitations.insert().values(
                    site_id=site.id,
                    code=code,
                    email=email,
                    tariff=tariff,
                    trial_days=trial_days,
                    created_at=now,
                    expires_at=expires,
                )
            )
            if email:
                offer = InvitationOffer(code, activation_link(activation_base, code), tariff, trial_days, expires)
                queue_mail(
                    conn,
                    partner,
                    [invitation_mail(site, offer, email=email, sender=mail_from, when=now)],
                    now,
                    None,
                )
            codes.append(code)
    return codes


def _check_quota(conn: Connection, site_id: str, email: str, now: dt.datetime, per_day: int) -> None:
    """Nobody gets a stream of invitations, and no site's key sends mail without end."""
    mailed = (
        sa.select(sa.func.count())
        .select_from(invitations)
        .where(
            invitations.c.site_id == site_id,
            invitations.c.email.is_not(None),
            invitations.c.created_at > now - dt.timedelta(days=1),
        )
    )
    if (
        conn.execute(mailed.where(sa.func.lower(invitations.c.email) == email.lower())).scalar_one()
        >= MAILS_PER_RECIPIENT
    ):
        raise MailQuota(
            ngettext(
                "{email} was sent {n} invitation in the last 24 hours; send the codes you have, or try again tomorrow",
                "{email} was sent {n} invitations in the last 24 hours; send the codes you have, or try again tomorrow",
                MAILS_PER_RECIPIENT,
            ).format(email=email, n=MAILS_PER_RECIPIENT)
        )
    if conn.execute(mailed).scalar_one() >= per_day:
        raise MailQuota(
            ngettext(
                "{site} has e-mailed {n} invitation in the last 24 hours, its daily quota "
                "(INVITATION_MAILS_PER_DAY); create codes without email, or try again tomorrow",
                "{site} has e-mailed {n} invitations in the last 24 hours, its daily quota "
                "(INVITATION_MAILS_PER_DAY); create codes without email, or try again tomorrow",
                per_day,
            ).format(site=site_id, n=per_day)
        )


def find(engine: Engine, code: str) -> Invitation | None:
    with engine.connect() as conn:
        row = conn.execute(_SELECT.where(invitations.c.code == normalise_code(code))).first()
    return Invitation.from_row(row) if row else None


def list_for(engine: Engine, site_id: str) -> list[Invitation]:
    with engine.connect() as conn:
        rows = conn.execute(_SELECT.where(invitations.c.site_id == site_id).order_by(invitations.c.id))
        return [Invitation.from_row(row) for row in rows]


class AlreadyUsed(Exception):
    """The code was activated (by someone else, or a second click) before this activation."""


def activate(
    engine: Engine,
    partner: PartnerSite,
    invitation: Invitation,
    signup: SignUp,
    *,
    now: dt.datetime,
    timezone: dt.tzinfo,
    mail_from: str,
    public_base: str,
) -> Lead:
    """Create the trial subscriber of an invitation and tell the partner; once per code. A consent to
    news given on the invitation page is confirmed by an e-mailed link where the partner asks for
    double opt-in (``public_base``: where the link leads)."""
    with engine.begin() as conn:
        return _activate(
            conn, partner, invitation, signup, now=now, timezone=timezone, mail_from=mail_from, public_base=public_base
        )


def _activate(
    conn: Connection,
    partner: PartnerSite,
    invitation: Invitation,
    signup: SignUp,
    *,
    now: dt.datetime,
    timezone: dt.tzinfo,
    mail_from: str,
    public_base: str,
) -> Lead:
    claimed = conn.execute(
        invitations.update()
        .where(invitations.c.id == invitation.id, invitations.c.activated_at.is_(None))
        .values(activated_at=now)
    ).rowcount
    if not claimed:
        raise AlreadyUsed(invitation.code)
    existing = active_trial(conn, partner.id, signup.email_key, now.astimezone(timezone).date())
    wording = signup.news_consent  # of a consent to news that needs its confirmation e-mailed, if any
    if existing is not None:  # already on a trial with this partner: the invitation joins it, no second subscriber
        subscriber_id, number, trial_ends = existing.id, existing.number, existing.trial_ends
        if wording is not None and not news_consent.renew(conn, partner.site, existing.id, wording, now):
            wording = None  # they had consented already: nothing new to confirm
    else:
        trial_ends = now.astimezone(timezone).date() + dt.timedelta(days=invitation.trial_days)
        subscriber_id, number = create_subscriber(
            conn,
            signup,
            now,
            partner=partner,
            page_id="invitation",
            tariff=invitation.tariff,
            trial_ends=trial_ends,
            invitation_id=invitation.id,
        )
    conn.execute(invitations.update().where(invitations.c.id == invitation.id).values(subscriber_id=subscriber_id))
    lead = signup.lead(number, trial_ends, now.astimezone(timezone))
    source = Translator(partner.site.locale).text("mail_invitation_source", code=invitation.code)
    messages = registration_mail(
        partner.site,
        lead,
        mail_from,
        tariff_id=invitation.tariff,
        trial_days=invitation.trial_days,
        application_id=None,
        source=(source, None),
    )
    if existing is not None:  # the person has had the welcome of the trial the invitation joins
        messages = [message for message in messages if message.purpose == "partner_notice"]
    messages += news_consent.Confirmations.of(conn, public_base, mail_from).mail(
        partner,
        number=number,
        name=existing.name if existing else signup.name,
        email=existing.email if existing else signup.email,
        wording=wording,
        now=now,
    )
    queue_mail(conn, partner, messages, now, subscriber_id)
    webhook_events.enqueue(
        conn,
        partner,
        "subscriber.activated",
        {**event_data(lead, invitation.tariff, None, "invitation"), "invitation": invitation.code},
        now,
        subscriber_id,
    )
    return lead
