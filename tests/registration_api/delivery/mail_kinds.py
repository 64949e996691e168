"""Every kind of e-mail the service sends today, composed by the code that sends it, for the
layout's tests: each with the link its button must carry (None where it has no button)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from types import SimpleNamespace

from registration_api.delivery import messages, news_mail
from registration_api.domain.operators import LinkRequest, sign_in_mail
from storefront.site.loader import load_site
from tests.support import REPO

WHEN = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
SENDER = "robot@storefront.example"
EXTEND = "https://api.storefront.example/extend/abc123"
INVITE = "https://oblako-plus.example/invite/K7Q2-M4X9"
SIGN_IN = "https://api.storefront.example/cabinet/sign-in/tok3n"
DIGEST = "https://api.storefront.example/cabinet/oblako-plus/ending"
CONFIRM = "https://api.storefront.example/news/oblako-plus/confirm/1000042.c0nf1rm"
UNSUBSCRIBE = "https://api.storefront.example/news/oblako-plus/unsubscribe/1000042.uns4b"
WORDING = "Я хочу получать от «Облако Плюс» новости и предложения по электронной почте."


def oblako(partner_changes=None, brand_changes=None):
    """The example partner, with its partner or brand settings changed as a test needs."""
    site = load_site(REPO / "sites" / "oblako-plus")
    config = site.config
    partner = config.partner.model_copy(update=partner_changes or {})
    brand = config.site.brand.model_copy(update=brand_changes or {})
    section = config.site.model_copy(update={"brand": brand})
    return type(site)(**{**site.__dict__, "config": config.model_copy(update={"partner": partner, "site": section})})


def _parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def registration(site, name="Иван Петров"):
    """The partner's notice and the welcome, as the sender composes them."""
    lead = messages.Lead("1000042", name, "ivan@client.example", "+79123456789", None, None, dt.date(2026, 4, 9), WHEN)
    queued = messages.registration_mail(
        site, lead, SENDER, tariff_id=site.config.tariffs[0].id, trial_days=30, application_id=None, source=("x", None)
    )
    return [_parsed(messages.compose_queued(site, o.purpose, o.recipients, o.envelope_from, o.compose)) for o in queued]


def news_confirmation(site, name="Иван Петров"):
    """The request to confirm a consent to news, as the sender composes it."""
    consent = messages.NewsConsent("1000042", name, "ivan@client.example", WORDING, CONFIRM, WHEN)
    queued = messages.news_confirmation_mail(site, consent, SENDER)
    return _parsed(
        messages.compose_queued(site, queued.purpose, queued.recipients, queued.envelope_from, queued.compose)
    )


def reminder(site, kind="before_7", link: str | None = EXTEND, name="Иван Петров"):
    context = {"kind": kind, "name": name, "number": "1000042", "ends": dt.date(2026, 4, 9), "link": link, "days": 7}
    out = messages.compose(
        site, "reminder", context, to=["ivan@client.example"], reply_to=SENDER, sender=SENDER, when=WHEN
    )
    return _parsed(out.message)


def all_kinds(site) -> dict[str, tuple[email.message.EmailMessage, str | None]]:
    """Each kind's composed message and the link its one button must open."""
    notice, welcome = registration(site)
    offer = messages.InvitationOffer("K7Q2-M4X9", INVITE, site.config.tariffs[0].id, 14, None)
    invitation = messages.invitation_mail(site, offer, email="new@client.example", sender=SENDER, when=WHEN)
    item = {"number": "1000042", "name": "Иван Петров", "email": "ivan@client.example", "phone": "+79123456789"}
    digest = messages.compose(
        site,
        "digest",
        {"items": [{**item, "status": "trial", "ends": dt.date(2026, 3, 15)}], "today": WHEN.date(), "link": DIGEST},
        to=["sales@oblako-plus.example"],
        reply_to=SENDER,
        sender=SENDER,
        when=WHEN,
    )
    asked = LinkRequest("anna@oblako-plus.example", "https://api.storefront.example/cabinet/", SENDER, WHEN)
    sign_in = sign_in_mail(SimpleNamespace(site=site), asked, SIGN_IN)
    base = site.config.site.base_url
    return {
        "partner_notice": (notice, "mailto:ivan@client.example"),
        "welcome": (welcome, str(site.config.partner.service_url)),
        "invitation": (_parsed(invitation.message), INVITE),
        "reminder with the extension link": (reminder(site), EXTEND),
        "reminder": (reminder(site, "after_5", None), None),
        "digest": (_parsed(digest.message), DIGEST),
        "sign_in": (_parsed(sign_in.message), SIGN_IN),
        "news_confirm": (news_confirmation(site), CONFIRM),
        "newsletter digest": (newsletter(site, news_mail.digest_content(site, site.news[:3])), f"{base}news/"),
        "newsletter written": (newsletter(site, news_mail.written_content(site, site.newsletter_issues[0])), None),
        "onboarding letter": (newsletter(site, news_mail.written_content(site, site.letters[0], "letter")), None),
    }


def newsletter(site, content: news_mail.Content) -> email.message.EmailMessage:
    """An issue or onboarding letter as one recipient gets it."""
    recipient = news_mail.Recipient("ivan@client.example", UNSUBSCRIBE)
    raw = news_mail.personal_message(site, content, recipient, sender=SENDER, when=WHEN, message_id="<1.news1@x>")
    return _parsed(raw)
