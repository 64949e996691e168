"""A partner's cabinet with a believable past, for pictures and demonstrations: three months of
sign-ups across the partner's registration pages, trials running and ending, clients who
converted, left with a reason or extended their trial themselves, agreed to news or unsubscribed,
invitation codes, and the partner's two latest newsletter issues; and every kind of e-mail the
service sends, written to an invented client.

Made from a fixed seed, so the same day gives the same cabinet. The people are invented: their
addresses are on ``example`` domains and their ИНН only have valid check digits.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.delivery import messages, news_mail
from registration_api.domain import invitations, news_audience, newsletter, operators
from registration_api.domain.identifiers import inn_check_digit
from registration_api.domain.partner_sites import PartnerSite
from registration_api.domain.signups import subscriber_number
from registration_api.storage.records import aware
from registration_api.storage.search_text import search_text
from registration_api.storage.tables import (
    letter_deliveries,
    newsletter_deliveries,
    newsletter_issues,
    outbox,
    subscribers,
)
from registration_api.web.forms import news_consent_wording

_FIRST = ("Анна", "Мария", "Ольга", "Елена", "Ирина", "Светлана", "Наталья", "Татьяна", "Юлия", "Алёна")
_FIRST_MEN = ("Иван", "Сергей", "Андрей", "Алексей", "Дмитрий", "Павел", "Михаил", "Олег", "Артём", "Никита")
_LAST = ("Кузнецов", "Смирнов", "Попов", "Соколов", "Лебедев", "Новиков", "Морозов", "Волков", "Зайцев", "Орлов")
_LATIN = ("anna", "maria", "olga", "elena", "irina", "ivan", "sergey", "andrey", "pavel", "oleg")
_COMPANIES = ("Ромашка", "Уралтехснаб", "Север", "Вектор", "Гранит", "Меридиан", "Альфа-Строй", "Исеть", "Лотос")
_FORMS = ("ООО", "ИП", "АО")
_CAUSES = ("price", "another_partner", "closed", "another_product", "not_needed")
#: Shares of the invented people: women, with a company, trials ending within a week that became
#: paid, ended trials whose client left, running trials extended by the client.
_WOMEN, _COMPANY, _CONVERTED, _LEFT, _EXTENDED = 0.5, 0.8, 0.35, 0.5, 0.1
#: Shares of them who agreed to news, and of those who unsubscribed since.
_NEWS, _UNSUBSCRIBED = 0.6, 0.08


@dataclass(frozen=True)
class Demo:
    """What :func:`fill` made: how many subscribers, and one of them to show on its own."""

    subscribers: int
    shown_number: str


def _inn(rng: random.Random) -> str:
    digits = "66" + "".join(str(rng.randrange(10)) for _ in range(7))
    return digits + str(inn_check_digit(digits))


def _person(rng: random.Random, index: int) -> dict[str, str | None]:
    woman = rng.random() < _WOMEN
    first = rng.choice(_FIRST if woman else _FIRST_MEN)
    last = rng.choice(_LAST) + ("а" if woman else "")
    company = f"{rng.choice(_FORMS)} «{rng.choice(_COMPANIES)}»" if rng.random() < _COMPANY else None
    return {
        "name": f"{first} {last}",
        "email": f"{rng.choice(_LATIN)}.{index}@client.example",
        "phone": "+79" + "".join(str(rng.randrange(10)) for _ in range(9)),
        "company": company,
        "inn": _inn(rng) if company else None,
    }


def fill(engine: Engine, partner: PartnerSite, now: dt.datetime, *, count: int = 240, seed: int = 2026) -> Demo:
    """Give ``partner`` ``count`` subscribers who signed up over the 90 days before ``now``, and a
    few invitation codes (none e-mailed)."""
    rng, news_rng = random.Random(seed), random.Random(seed + 1)
    wording = news_consent_wording(partner.site.locale, partner.site.config.partner.name)
    pages = partner.site.config.registration
    today = now.date()
    rows = []
    moments = sorted(
        now - dt.timedelta(days=rng.triangular(0, 90, 0), minutes=rng.randrange(600)) for _ in range(count)
    )
    for index, created in enumerate(moments):
        page = rng.choice(pages)
        trial_ends = created.date() + dt.timedelta(days=page.trial_days)
        person = _person(rng, index)
        row = {
            **person,
            "email_key": str(person["email"]),
            "site_id": partner.id,
            "page_id": page.id,
            "tariff": page.tariff,
            "application": page.application,
            "status": "trial" if trial_ends >= today else "expired",
            "trial_ends": trial_ends,
            "consent_at": created,
            "created_at": created,
            "search_text": search_text(
                str(person["name"]), str(person["email"]), str(person["phone"]), person["company"], person["inn"]
            ),
        }
        fate = rng.random()
        if trial_ends < today + dt.timedelta(days=7) and fate < _CONVERTED:
            converted = dt.datetime.combine(trial_ends, dt.time(11), dt.UTC) - dt.timedelta(days=rng.randrange(3))
            row.update(status="paid", converted_at=min(converted, now), paid_until=trial_ends + dt.timedelta(days=365))
        elif trial_ends < today and fate < _LEFT:
            gone = dt.datetime.combine(trial_ends, dt.time(15), dt.UTC)
            row.update(status="gone", gone_at=gone, gone_cause=rng.choice(_CAUSES), gone_reason=None)
        elif trial_ends >= today and fate > 1 - _EXTENDED:
            row.update(extended_at=now - dt.timedelta(days=rng.randrange(1, 10)))
        if news_rng.random() < _NEWS:
            row.update(news_consent_at=created, news_consent_text=wording, news_confirmed_at=created)
            if news_rng.random() < _UNSUBSCRIBED:
                row.update(news_unsubscribed_at=min(created + dt.timedelta(days=news_rng.randrange(1, 20)), now))
        rows.append(row)
    with engine.begin() as conn:
        for row in rows:
            subscriber_id = conn.execute(subscribers.insert().values(**row).returning(subscribers.c.id)).scalar_one()
            conn.execute(
                subscribers.update()
                .where(subscribers.c.id == subscriber_id)
                .values(number=subscriber_number(subscriber_id))
            )
        shown = conn.execute(
            sa.select(subscribers.c.number)
            .where(subscribers.c.site_id == partner.id, subscribers.c.status == "paid")
            .order_by(subscribers.c.id.desc())
        ).scalar()
        _past_issues(conn, partner, now)
        _letters_sent(conn, partner, now)
    invitations.create(
        engine, partner, invitations.Order(count=5, expires_days=30), now=now, mail_from="", activation_base=""
    )
    return Demo(subscribers=count, shown_number=shown or "")


def _past_issues(conn: sa.Connection, partner: PartnerSite, now: dt.datetime) -> None:
    """The partner's last two issues, each the digest of three news items, sent to everyone who
    received news then (none for a partner without a newsletter or news)."""
    site = partner.site
    schedule = newsletter.schedule_of(site)
    if schedule is None or not site.news:
        return
    news = sorted(site.news, key=lambda item: item.date, reverse=True)
    for back, items in ((2, news[3:6] or news[:3]), (1, news[:3])):
        due = schedule.slot_on_or_after(now - dt.timedelta(weeks=schedule.weeks * back))
        content = news_mail.digest_content(site, items)
        received = conn.execute(
            sa.select(subscribers.c.id, subscribers.c.email).where(
                subscribers.c.site_id == partner.id,
                subscribers.c.news_confirmed_at <= due,
                sa.or_(subscribers.c.news_unsubscribed_at.is_(None), subscribers.c.news_unsubscribed_at > due),
            )
        ).all()
        issue = conn.execute(
            newsletter_issues.insert()
            .values(site_id=partner.id, due_at=due, kind="digest", subject=content.subject, text=content.text,
                    html=content.html, created_at=due, queued_at=due, recipients=len(received))
            .returning(newsletter_issues.c.id)
        ).scalar_one()  # fmt: skip
        if received:
            conn.execute(newsletter_deliveries.insert(), [{"issue_id": issue, "subscriber_id": r.id} for r in received])
            conn.execute(
                outbox.insert(),
                [
                    {"purpose": "newsletter", "site_id": partner.id, "subscriber_id": r.id, "envelope_from": "",
                     "recipients": [r.email], "message": b"", "compose": {"kind": "newsletter", "issue": issue},
                     "created_at": due, "next_attempt_at": due, "sent_at": due + dt.timedelta(seconds=index)}
                    for index, r in enumerate(received)
                ],
            )  # fmt: skip


def _letters_sent(conn: sa.Connection, partner: PartnerSite, now: dt.datetime) -> None:
    """Each onboarding letter, on its day, to the clients on a trial who receive news."""
    trials = conn.execute(
        sa.select(subscribers.c.id, subscribers.c.created_at).where(
            subscribers.c.site_id == partner.id, subscribers.c.status == "trial", news_audience.RECEIVES_NEWS
        )
    ).all()
    sent = [
        {"subscriber_id": row.id, "letter": letter.key, "at": at}
        for row in trials
        for letter in partner.site.letters
        if (at := aware(row.created_at) + dt.timedelta(days=letter.after_days)) <= now
    ]
    if sent:
        conn.execute(letter_deliveries.insert(), sent)


def sample_mails(partner: PartnerSite, *, public_base: str, sender: str, now: dt.datetime) -> dict[str, bytes]:
    """Every kind of e-mail the service sends, composed by the code that sends it for an invented
    client of ``partner``: what ``registration-api screenshots --mail`` photographs."""
    site = partner.site
    base = public_base.rstrip("/")
    today = now.date()
    lead = messages.Lead("1000042", "Анна Кузнецова", "anna@client.example", "+79123456789", "ООО «Ромашка»",
                         "6671045280", today + dt.timedelta(days=30), now)  # fmt: skip
    page = site.config.registration[0]
    notice, welcome = (
        messages.compose_queued(site, queued.purpose, queued.recipients, queued.envelope_from, queued.compose or {})
        for queued in messages.registration_mail(
            site,
            lead,
            sender,
            tariff_id=page.tariff,
            trial_days=page.trial_days,
            application_id=None,
            source=(page.title, None),
        )
    )
    offer = messages.InvitationOffer("K7Q2-M4X9-4RTA-WB3H", f"{base}/invite/K7Q2-M4X9-4RTA-WB3H", page.tariff, 14, None)
    client = {"name": lead.name, "number": lead.number, "ends": today + dt.timedelta(days=7), "days": 7}
    digest_item = {**client, "email": lead.email, "phone": lead.phone, "status": "trial"}
    composed = {
        "reminder": ("reminder", {**client, "kind": "before_7", "link": f"{base}/extend/1000042.sample"}),
        "digest": ("digest", {"items": [digest_item], "today": today, "link": f"{base}/cabinet/{partner.id}/ending"}),
    }
    mails = {"partner_notice": notice, "welcome": welcome}
    mails["invitation"] = messages.invitation_mail(
        site, offer, email="new@client.example", sender=sender, when=now
    ).message
    for kind, (template, context) in composed.items():
        mails[kind] = messages.compose(
            site, template, context, to=[lead.email], reply_to=sender, sender=sender, when=now
        ).message
    asked = operators.LinkRequest(str(site.config.partner.operators[0]), f"{base}/cabinet/", sender, now)
    mails["sign_in"] = operators.sign_in_mail(partner, asked, f"{base}/cabinet/sign-in/sample").message
    wording = news_consent_wording(site.locale, site.config.partner.name)
    confirm = news_audience.link(base, "sample", "confirm", partner.id, lead.number)
    consent = messages.NewsConsent(lead.number, lead.name, lead.email, wording, confirm, now)
    queued = messages.news_confirmation_mail(site, consent, sender)
    mails["news_confirm"] = messages.compose_queued(
        site, queued.purpose, queued.recipients, sender, queued.compose or {}
    )
    unsubscribe = news_audience.link(base, "sample", "unsubscribe", partner.id, lead.number)
    recipient = news_mail.Recipient(lead.email, unsubscribe)
    advertising = {"newsletter": news_mail.digest_content(site, site.news[:3]) if site.news else None}
    if site.newsletter_issues:
        advertising["newsletter_written"] = news_mail.written_content(site, site.newsletter_issues[0])
    if site.letters:
        advertising["letter"] = news_mail.written_content(site, site.letters[0], "letter")
    for kind, content in advertising.items():
        if content is not None:
            mails[kind] = news_mail.personal_message(
                site, content, recipient, sender=sender, when=now, message_id=f"<sample.{kind}@storefront.example>"
            )
    return mails
