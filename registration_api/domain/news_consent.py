"""A consent to news and offers given at sign-up (38-FZ art. 18), made to count.

Where the partner asks for double opt-in (``newsletter.double_opt_in`` in site.yaml) a ticked
box is not enough: the sign-up's own transaction queues an e-mail with a signed link
(:meth:`Confirmations.mail`), and nothing is sent to the subscriber until they open it
(:func:`registration_api.domain.news_audience.confirm`). Elsewhere the sign-up itself confirms
the consent (:func:`confirmed_at`).

A person whose trial runs and who signs up again with the box ticked gives their consent anew
when they had none or had unsubscribed (:func:`renew`); signing up again without the tick
changes nothing, for leaving a box unticked is not unsubscribing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from registration_api.delivery.messages import NewsConsent, Outgoing, news_confirmation_mail
from registration_api.domain import news_audience
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.tables import service_secrets, subscribers
from storefront import Site

#: The name of the database's secret that signs the links in e-mails (``storage.engines.secret``).
LINK_SECRET = "links"


def double_opt_in(site: Site) -> bool:
    """Whether the partner asks each new consent to be confirmed by an e-mailed link."""
    newsletter = site.config.newsletter
    return newsletter is not None and newsletter.double_opt_in


def confirmed_at(site: Site, wording: str | None, now: dt.datetime) -> dt.datetime | None:
    """When a consent given ``now`` (``wording``: None when the box was not ticked) is confirmed:
    at once, unless the partner asks for double opt-in."""
    return now if wording is not None and not double_opt_in(site) else None


def renew(conn: Connection, site: Site, subscriber_id: int, wording: str, now: dt.datetime) -> bool:
    """Store a consent given again by a subscriber who had none or had unsubscribed (a refused
    address stays refused); False when they had consented already and nothing changed."""
    changed = conn.execute(
        subscribers.update()
        .where(
            subscribers.c.id == subscriber_id,
            sa.or_(subscribers.c.news_consent_at.is_(None), subscribers.c.news_unsubscribed_at.is_not(None)),
        )
        .values(
            news_consent_at=now,
            news_consent_text=wording,
            news_confirmed_at=confirmed_at(site, wording, now),
            news_unsubscribed_at=None,
        )
    ).rowcount
    return bool(changed)


@dataclass(frozen=True)
class Confirmations:
    """What the e-mails asking to confirm a consent need: where their links lead (the service's
    public address), the secret that signs them, and the sender's address."""

    public_base: str
    secret: str
    sender: str

    @classmethod
    def of(cls, conn: Connection, public_base: str, sender: str) -> Confirmations:
        """With the database's link secret, read in the caller's transaction."""
        secret: str = conn.execute(
            sa.select(service_secrets.c.value).where(service_secrets.c.name == LINK_SECRET)
        ).scalar_one()
        return cls(public_base, secret, sender)

    def mail(
        self, partner: PartnerSite, *, number: str, name: str, email: str, wording: str | None, now: dt.datetime
    ) -> list[Outgoing]:
        """The e-mail that asks subscriber ``number`` to confirm the consent just given (``wording``),
        to be composed by the sender with its link signed now; none when no consent was given or
        the partner does not ask for double opt-in."""
        if wording is None or not double_opt_in(partner.site):
            return []
        link = news_audience.link(self.public_base, self.secret, "confirm", partner.id, number)
        consent = NewsConsent(number, name, email, wording, link, now)
        return [news_confirmation_mail(partner.site, consent, self.sender)]
