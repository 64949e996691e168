"""Who may sign in to a partner's cabinet, and how: the one-time sign-in links e-mailed to a
partner's operators (``partner.operators`` in its site.yaml), and the audit log of what they do.

A link is a random token; only its SHA-256 is stored, so a copy of the database signs nobody
in. It is valid :data:`LINK_MINUTES` minutes and is consumed by the first use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.delivery.messages import Outgoing, compose
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.domain.signups import queue_mail
from registration_api.storage.records import AuditEntry
from registration_api.storage.tables import audit_log, sign_in_links
from storefront import language

_ = language.gettext
ngettext = language.ngettext

#: Minutes a sign-in link is valid.
LINK_MINUTES = 15

#: Longest token a link may carry (those sent are 43 characters): longer ones are not looked up.
MAX_TOKEN = 100

#: What the audit log records: every change an operator makes, and signing in and out.
SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
INVITATION_CREATED = "invitation_created"
CONVERTED = "converted"
DEPARTED = "departed"
KEY_CREATED = "key_created"
KEY_REVOKED = "key_revoked"
WEBHOOK_RESENT = "webhook_resent"
DOWNLOADED = "downloaded"

#: How the cabinet names each action in its audit log (translated when shown).
ACTION_NAMES = {
    SIGN_IN: language.N_("signed in"),
    SIGN_OUT: language.N_("signed out"),
    INVITATION_CREATED: language.N_("created invitations"),
    CONVERTED: language.N_("recorded a paid subscription"),
    DEPARTED: language.N_("recorded a departure"),
    KEY_CREATED: language.N_("created an API key"),
    KEY_REVOKED: language.N_("revoked an API key"),
    WEBHOOK_RESENT: language.N_("sent a webhook again"),
    DOWNLOADED: language.N_("downloaded a list"),
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def address_key(email: str) -> str:
    """An address as compared: ``Anna@Oblako.example`` and ``anna@oblako.example`` are one operator."""
    return email.strip().casefold()


def partners_of(sites: PartnerSites, email: str) -> list[PartnerSite]:
    """The partners whose site lists ``email`` among its operators, by site id."""
    key = address_key(email)
    found = []
    for site_id in sites.ids():
        partner = sites.get(site_id)
        if partner and any(address_key(str(a)) == key for a in partner.site.config.partner.operators):
            found.append(partner)
    return found


@dataclass(frozen=True)
class LinkRequest:
    """Who asked for a link, and what the e-mail needs: where the cabinet is, who sends it."""

    email: str
    cabinet_url: str
    sender: str
    now: dt.datetime


def request_link(engine: Engine, sites: PartnerSites, asked: LinkRequest) -> bool:
    """Queue a sign-in link to ``asked.email`` if it is an operator of some partner; True if
    one was queued. The caller answers the same either way."""
    partners = partners_of(sites, asked.email)
    if not partners:
        return False
    token = secrets.token_urlsafe(32)
    partner = partners[0]
    with engine.begin() as conn:
        # links a day past their end are of no use, not even to say one was sent: forgotten
        conn.execute(sign_in_links.delete().where(sign_in_links.c.expires_at < asked.now - dt.timedelta(days=1)))
        conn.execute(
            sign_in_links.insert().values(
                token_hash=_hash(token),
                email=address_key(asked.email),
                created_at=asked.now,
                expires_at=asked.now + dt.timedelta(minutes=LINK_MINUTES),
            )
        )
        mail = sign_in_mail(partner, asked, f"{asked.cabinet_url}sign-in/{token}")
        queue_mail(conn, partner, [mail], asked.now, None)
    return True


def sign_in_mail(partner: PartnerSite, asked: LinkRequest, link: str) -> Outgoing:
    """The e-mail with the link, in the language of the (first) partner the address serves."""
    site = partner.site
    with language.speaking(site.locale):
        context = {
            "link": link,
            "intro": _("Someone, probably you, asked to sign in to the partner's cabinet at {cabinet}.").format(
                cabinet=asked.cabinet_url
            ),
            "button": _("Sign in"),
            "valid": ngettext(
                "The link works once, within {n} minute.", "The link works once, within {n} minutes.", LINK_MINUTES
            ).format(n=LINK_MINUTES),
            "ignore": _("If you did not ask for it, ignore this e-mail: nobody signs in without the link."),
            "subject": _("Your link to sign in to the cabinet"),
        }
    return compose(
        site,
        "sign_in",
        context,
        to=[asked.email],
        reply_to=asked.sender,
        sender=asked.sender,
        when=asked.now,
        purpose="sign_in",
    )


def link_address(engine: Engine, token: str, now: dt.datetime) -> str | None:
    """The address a link still valid and not used was sent to (nothing is changed), else None."""
    with engine.connect() as conn:
        email: str | None = conn.execute(
            sa.select(sign_in_links.c.email).where(
                sign_in_links.c.token_hash == _hash(token),
                sign_in_links.c.used_at.is_(None),
                sign_in_links.c.expires_at > now,
            )
        ).scalar_one_or_none()
    return email


def use_link(engine: Engine, token: str, now: dt.datetime) -> str | None:
    """The operator's address if ``token`` is a link still valid and not used (it is used now);
    None for an unknown, used or expired link."""
    hashed = _hash(token)
    with engine.begin() as conn:
        used = conn.execute(
            sign_in_links.update()
            .where(
                sign_in_links.c.token_hash == hashed,
                sign_in_links.c.used_at.is_(None),
                sign_in_links.c.expires_at > now,
            )
            .values(used_at=now)
        )
        if used.rowcount != 1:
            return None
        email: str = conn.execute(
            sa.select(sign_in_links.c.email).where(sign_in_links.c.token_hash == hashed)
        ).scalar_one()
    return email


def record(
    engine: Engine,
    site_id: str,
    operator: str,
    action: str,
    now: dt.datetime,
    *,
    subject: str | None = None,
    details: str | None = None,
) -> int:
    """Write one thing an operator did to the partner's audit log; the entry's id."""
    with engine.begin() as conn:
        result = conn.execute(
            audit_log.insert().values(
                site_id=site_id, operator=operator, action=action, subject=subject, details=details, at=now
            )
        )
        key = result.inserted_primary_key
        if key is None:  # every supported database returns it for a single-row insert
            raise RuntimeError("the database gave no id for the audit entry")
        return int(key[0])


def entry(engine: Engine, site_id: str, entry_id: int) -> AuditEntry | None:
    """The partner's audit entry ``entry_id``; None if there is none (or it is another partner's)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(audit_log).where(audit_log.c.id == entry_id, audit_log.c.site_id == site_id)
        ).first()
    return AuditEntry.from_row(row) if row is not None else None


def recent(engine: Engine, site_id: str, limit: int = 20) -> list[AuditEntry]:
    """The partner's last ``limit`` audit entries, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log)
            .where(audit_log.c.site_id == site_id)
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            .limit(limit)
        )
        return [AuditEntry.from_row(row) for row in rows]
