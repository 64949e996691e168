"""The e-mails the service sends, composed in the site's locale as text and HTML.

Composing a message (Jinja plus Python's ``email`` package) costs more than storing a
sign-up, so a registration does not compose its two e-mails: its transaction stores, with
each outbox row, everything the message says about the lead (:func:`registration_mail`),
and the sender composes the message when it first takes the row
(:func:`compose_queued`), storing the bytes before sending them, so that a retry sends
the very same message. The request to confirm a consent to news that a sign-up may queue
(:func:`news_confirmation_mail`) is stored the same way. Other e-mails (invitations,
reminders, digests) are composed when they are queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from registration_api.delivery.mail_layout import inline_styles, layout_context
from storefront import Site, sandboxed_environment

TEMPLATES = Path(__file__).parent.parent / "templates" / "mail"


@dataclass(frozen=True)
class Lead:
    """A stored sign-up, as the e-mails describe it."""

    number: str
    name: str
    email: str
    phone: str
    company: str | None
    inn: str | None
    trial_ends: dt.date
    created_at: dt.datetime

    def as_json(self) -> dict[str, str | None]:
        """The lead as stored with a queued e-mail (see :meth:`from_json`), with the name of
        the time zone it registered in, which an offset alone does not keep (MSK, not +03:00)."""
        zone = self.created_at.tzinfo
        return {
            **self.__dict__,
            "trial_ends": self.trial_ends.isoformat(),
            "created_at": self.created_at.isoformat(),
            "zone": zone.key if isinstance(zone, ZoneInfo) else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lead:
        fields = {key: value for key, value in data.items() if key != "zone"}
        created_at = dt.datetime.fromisoformat(data["created_at"])
        if data.get("zone"):  # e-mails queued before the zone was kept have the offset only
            created_at = created_at.astimezone(ZoneInfo(data["zone"]))
        return cls(**{**fields, "trial_ends": dt.date.fromisoformat(data["trial_ends"]), "created_at": created_at})


@dataclass(frozen=True)
class Outgoing:
    """An e-mail for the outbox: its bytes, or (``message`` empty) what :func:`compose_queued`
    needs to compose it."""

    purpose: str
    envelope_from: str
    recipients: list[str]
    message: bytes
    compose: dict[str, Any] | None = None


@cache
def _environment(locale: str) -> jinja2.Environment:
    # sandboxed: the templates are ours, but the texts they show are partners' and prospects'
    return sandboxed_environment(jinja2.FileSystemLoader(TEMPLATES), locale, plain_text=True)


def _render(site: Site, name: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of one message template (``.txt`` ones are not HTML-escaped);
    both bodies in the partner's layout (``base.txt``, ``base.html``), the HTML's styles inlined."""
    env = _environment(site.locale)
    context = {**context, "layout": layout_context(site, name, context)}
    return (
        env.get_template(f"{name}.subject.txt").render(context).strip(),
        env.get_template(f"{name}.txt").render(context),
        inline_styles(env.get_template(f"{name}.html").render(context)),
    )


@dataclass(frozen=True)
class Letterhead:
    """Who a message is from and to: the sending address, the name shown with it (the
    partner's by default), the recipients and where replies go."""

    sender: str
    to: list[str]
    reply_to: str
    sender_name: str | None = None


def mail_message(
    site: Site,
    head: Letterhead,
    *,
    subject: str,
    text: str,
    html: str,
    when: dt.datetime,
    message_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """A text + HTML message, with extra ``headers`` (ASCII: the newsletter's List-Unsubscribe,
    say) and a given ``message_id`` where it must not change (else a new one). The classic MIME
    classes build one several times faster than ``EmailMessage`` (whose header objects dominated
    the sender's time); addresses with non-ASCII characters, which need SMTPUTF8, take
    ``EmailMessage``."""
    sender, to, reply_to = head.sender, head.to, head.reply_to
    local, _, domain = sender.partition("@")
    # a line break in a header would end it and start another: partners' texts (a page title,
    # their name) may hold one, so headers get them as single lines
    subject, name = _one_line(subject), _one_line(head.sender_name or site.config.partner.name)
    to_header, date = ", ".join(to), format_datetime(when)
    message_id = message_id or make_msgid(domain=domain or "localhost")
    extra = {key: _one_line(value) for key, value in (headers or {}).items()}
    if not all(address.isascii() for address in (sender, reply_to, *to)):
        international = EmailMessage()
        international["From"] = Address(name, local, domain)
        international["To"] = to_header
        international["Reply-To"] = reply_to
        international["Subject"] = subject
        international["Date"] = date
        international["Message-ID"] = message_id
        for key, value in extra.items():
            international[key] = value
        international.set_content(text)
        international.add_alternative(html, subtype="html")
        return international.as_bytes(policy=policy.SMTPUTF8)
    classic = MIMEMultipart("alternative")
    classic["From"] = formataddr((name, sender), charset="utf-8")
    classic["To"] = to_header
    classic["Reply-To"] = reply_to
    if subject.isascii():
        classic["Subject"] = subject
    else:  # a Header object is folded by the generator itself; typeshed allows only str here
        classic["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    classic["Date"] = date
    classic["Message-ID"] = message_id
    for key, value in extra.items():
        classic[key] = value
    classic.attach(MIMEText(text, "plain", "utf-8"))
    classic.attach(MIMEText(html, "html", "utf-8"))
    return classic.as_bytes()


def render_mail(site: Site, template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/mail/<template>.*`` for ``site``, in its layout."""
    context = {"site": site, "partner": site.config.partner, "storefront": site.config.site.base_url, **context}
    return _render(site, template, context)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def registration_mail(
    site: Site,
    lead: Lead,
    sender: str,
    *,
    tariff_id: str,
    trial_days: int,
    application_id: str | None,
    source: tuple[str, str | None],
) -> list[Outgoing]:
    """The partner's notice of a new lead and the prospect's welcome, to be composed by the sender.

    ``source`` names where the lead came from: a registration page or an invitation (title, link).
    """
    facts = {
        "kind": "registration",
        "tariff": tariff_id,
        "trial_days": trial_days,
        "application": application_id,
        "source": list(source),
        "lead": lead.as_json(),
        # the names as they were, should the partner rename or drop them before the e-mail goes
        "tariff_name": site.tariff(tariff_id).name,
        "application_name": site.application(application_id).name if application_id else None,
    }
    return [
        Outgoing("partner_notice", sender, [str(a) for a in site.config.partner.notify], b"", facts),
        Outgoing("welcome", sender, [lead.email], b"", facts),
    ]


@dataclass(frozen=True)
class NewsConsent:
    """A consent to news and offers waiting for its confirmation (double opt-in): whose, the
    wording agreed to, when, and the signed link that confirms it."""

    number: str
    name: str
    email: str
    wording: str
    link: str
    given_at: dt.datetime


def news_confirmation_mail(site: Site, consent: NewsConsent, sender: str) -> Outgoing:
    """The request to confirm a consent to news, to be composed by the sender: one button to
    the confirmation link, the wording agreed to, and that nothing is sent until it is opened."""
    facts = {**consent.__dict__, "kind": "news_confirm", "given_at": consent.given_at.isoformat()}
    return Outgoing("news_confirm", sender, [consent.email], b"", facts)


def compose_queued(site: Site, purpose: str, recipients: list[str], sender: str, facts: Mapping[str, Any]) -> bytes:
    """The bytes of an outbox e-mail queued by :func:`registration_mail` or :func:`news_confirmation_mail`."""
    kind = facts.get("kind")
    if kind == "news_confirm" and purpose == "news_confirm":
        return _news_confirmation(site, recipients, sender, facts)
    if kind != "registration" or purpose not in ("partner_notice", "welcome"):
        raise ValueError(f"cannot compose a queued {purpose!r} e-mail of kind {kind!r}")
    lead = Lead.from_json(facts["lead"])
    tariff = next((t for t in site.config.tariffs if t.id == facts["tariff"]), None) or SimpleNamespace(
        id=facts["tariff"], name=facts.get("tariff_name", facts["tariff"])
    )
    application = None
    if facts["application"]:
        application = next((a for a in site.applications if a.id == facts["application"]), None) or SimpleNamespace(
            id=facts["application"], name=facts.get("application_name", facts["application"])
        )
    context = {
        "tariff": tariff,
        "lead": lead,
        "trial_days": facts["trial_days"],
        "application": application,
        "source_title": facts["source"][0],
        "source_url": facts["source"][1],
    }
    reply_to = lead.email if purpose == "partner_notice" else str(site.config.partner.email)
    return compose(
        site, purpose, context, to=recipients, reply_to=reply_to, sender=sender, when=lead.created_at
    ).message


def _news_confirmation(site: Site, recipients: list[str], sender: str, facts: Mapping[str, Any]) -> bytes:
    fields = {key: value for key, value in facts.items() if key != "kind"}
    consent = NewsConsent(**{**fields, "given_at": dt.datetime.fromisoformat(facts["given_at"])})
    return compose(
        site,
        "news_confirm",
        {"consent": consent},
        to=recipients,
        reply_to=str(site.config.partner.email),
        sender=sender,
        when=consent.given_at,
    ).message


def compose(
    site: Site,
    template: str,
    context: Mapping[str, Any],
    *,
    to: list[str],
    reply_to: str,
    sender: str,
    when: dt.datetime,
    purpose: str | None = None,
) -> Outgoing:
    """One message from ``templates/mail/<template>.{subject.txt,txt,html}``."""
    subject, text, html = render_mail(site, template, context)
    message = mail_message(site, Letterhead(sender, to, reply_to), subject=subject, text=text, html=html, when=when)
    return Outgoing(purpose or template, sender, to, message)


@dataclass(frozen=True)
class InvitationOffer:
    """What an e-mailed invitation gives: its code and activation link, the tariff and trial, and
    until when it may be activated."""

    code: str
    link: str
    tariff_id: str
    trial_days: int
    expires: dt.datetime | None


def invitation_mail(site: Site, offer: InvitationOffer, *, email: str, sender: str, when: dt.datetime) -> Outgoing:
    """The invitation itself: the code, the activation link, what it gives."""
    context = {
        "code": offer.code,
        "link": offer.link,
        "tariff": site.tariff(offer.tariff_id),
        "trial_days": offer.trial_days,
        "expires": offer.expires.date() if offer.expires else None,
    }
    return compose(
        site, "invitation", context, to=[email], reply_to=str(site.config.partner.email), sender=sender, when=when
    )
