"""The e-mails a registration sends, composed in the site's locale as text and HTML.

Messages are composed when the subscriber is stored and kept, complete, in the outbox; the
sender only delivers bytes. So what the partner receives is exactly what was decided in
the registration's transaction, even if it is sent hours later.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path

import jinja2
from storefront import formatting
from storefront.i18n import Translator
from storefront.load import Site
from storefront.model import RegistrationPage

TEMPLATES = Path(__file__).parent / "templates" / "mail"


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


@dataclass(frozen=True)
class Outgoing:
    purpose: str
    envelope_from: str
    recipients: list[str]
    message: bytes


@lru_cache(maxsize=None)
def _environment(locale: str, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=html,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    translator = Translator(locale)
    env.globals.update(_=translator.text,
                       plural=lambda key, n: translator.plural(key, n, formatting.number(n, locale)))
    env.filters.update(money=lambda a: formatting.money(a, locale), date=lambda d: formatting.date(d, locale))
    return env


def _render(site: Site, name: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of one message template."""
    text_env, html_env = _environment(site.locale, False), _environment(site.locale, True)
    subject = text_env.get_template(f"{name}.subject.txt").render(context).strip()
    return subject, text_env.get_template(f"{name}.txt").render(context), \
        html_env.get_template(f"{name}.html").render(context)


def _message(site: Site, sender: str, to: list[str], reply_to: str, subject: str, text: str, html: str,
             when: dt.datetime) -> EmailMessage:
    message = EmailMessage()
    local, _, domain = sender.partition("@")
    message["From"] = Address(site.config.partner.name, local, domain)
    message["To"] = ", ".join(to)
    message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain=domain or "localhost")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def registration_mail(site: Site, page: RegistrationPage, lead: Lead, sender: str) -> list[Outgoing]:
    """The partner's notice of a new lead and the prospect's welcome."""
    partner = site.config.partner
    tariff = site.tariff(page.tariff)
    context = {
        "site": site, "partner": partner, "page": page, "tariff": tariff, "lead": lead,
        "application": site.application(page.application) if page.application else None,
        "storefront": site.config.site.base_url,
    }
    notice = _message(site, sender, [str(a) for a in partner.notify], lead.email,
                      *_render(site, "partner_notice", context), lead.created_at)
    welcome = _message(site, sender, [lead.email], str(partner.email),
                       *_render(site, "welcome", context), lead.created_at)
    return [
        Outgoing("partner_notice", sender, [str(a) for a in partner.notify], notice.as_bytes()),
        Outgoing("welcome", sender, [lead.email], welcome.as_bytes()),
    ]
