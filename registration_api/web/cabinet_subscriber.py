"""One subscriber's page in the cabinet, ``/cabinet/<site-id>/subscribers/<number>``: who it is,
what happened to it (:mod:`registration_api.domain.subscriber_history`), and the operator's two
actions on it, each a form posted and then redirected back to the page:

- ``…/convert``: the client pays, on one of the partner's tariffs, until a day from tomorrow to
  :data:`MOST_PAID_YEARS` years ahead. A trial or an ended trial becomes paid; a paid client is renewed
  or changes tariff (it became paid when it did); a client who left comes back.
- ``…/departure``: the client left, for a cause of ``subscriptions.DEPARTURE_CAUSES`` and in the
  operator's words (required for «other»). A paid client keeps what it paid for; a client already
  gone keeps the day it left and gets the cause and words corrected.

Both are made by :mod:`registration_api.domain.subscriptions`, as for the partner's API, and written
to the audit log with the subscriber's number first, so that its history shows them too. Another
partner's subscriber, or a number that is nobody's, is the cabinet's one 404 page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import BaseRoute
from wtforms import Form, StringField, TextAreaField, validators

from registration_api.domain import news_audience, operators, reminders, subscriber_history, subscriptions
from registration_api.domain.partner_sites import PartnerSite
from registration_api.domain.subscriber_history import (
    Converted,
    Departed,
    Event,
    Extended,
    Invited,
    OperatorAction,
    Queued,
    Registered,
    Reminded,
)
from registration_api.storage.records import Subscriber
from registration_api.web.cabinet_forms import DayField
from registration_api.web.cabinet_pages import (
    PREFIX,
    Opened,
    day,
    mailto,
    moment,
    partner_endpoint,
    partner_form_endpoint,
)
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import language

_ = language.gettext
N_ = language.N_
ngettext = language.ngettext

#: The furthest a paid period may be recorded to end: this many years from today.
MOST_PAID_YEARS = 3
#: The longest comment on a departure (as the partner's API takes).
MOST_REASON = 1000
#: A subscriber's number is digits (``signups.subscriber_number``); nothing longer is looked up.
_MOST_NUMBER_DIGITS = 20

#: When each reminder of :data:`registration_api.domain.reminders.WINDOWS` is sent.
REMINDER_NAMES = {
    "before_7": N_("7 days before the end of access"),
    "before_3": N_("3 days before the end of access"),
    "end_day": N_("on the last day of access"),
    "after_5": N_("5 days after the end of access"),
}
#: What each e-mail queued for a subscriber is (webhooks are named by their event).
MAIL_NAMES = {
    "welcome": N_("Welcome e-mail to the client"),
    "partner_notice": N_("E-mail to the partner about the sign-up"),
    "reminder_before_7": N_("Reminder e-mail to the client"),
    "reminder_before_3": N_("Reminder e-mail to the client"),
    "reminder_end_day": N_("Reminder e-mail to the client"),
    "reminder_after_5": N_("Reminder e-mail to the client"),
    "news_confirm": N_("E-mail asking the client to confirm the subscription to news"),
    "newsletter": N_("Newsletter issue"),
    "letter": N_("Onboarding letter"),
}
#: Whether the partner's newsletter reaches a subscriber (``news_audience.news_state``), as the
#: list's filter names it; the card and the downloads say when and why (:class:`NewsletterWords`).
NEWS_STATE_NAMES: dict[str, str] = {
    "subscribed": N_("Subscribed to the newsletter"),
    "awaiting_confirmation": N_("Awaiting confirmation"),
    "unsubscribed": N_("Unsubscribed"),
    "undeliverable": N_("The address does not accept mail"),
    "none": N_("Not subscribed"),
}
#: Why an advertising e-mail was given up before it went (``news_mail.stop_reason``); a mail
#: server's refusal is shown as the server said it.
GIVEN_UP = {
    "news:unsubscribed": N_("the client unsubscribed"),
    "news:undeliverable": N_("the client's address does not accept mail"),
    "news:awaiting_confirmation": N_("the client has not confirmed the subscription"),
    "news:none": N_("the client gave no consent to news"),
    "trial:paid": N_("the client pays now, and onboarding letters are for trials"),
    "trial:gone": N_("the client has left"),
    "trial:expired": N_("the trial has ended"),
    "letter:removed": N_("the partner removed the letter"),
}
#: What the page says after an action (``?done=``).
DONE = {"converted": N_("The payment is recorded."), "departed": N_("The departure is recorded.")}


# --- the forms ------------------------------------------------------------------------------------
class ConversionForm(Form):
    tariff: StringField
    paid_until: DayField
    #: The partner's tariffs and the range of the last paid day, set by :func:`_conversion`.
    tariff_ids: frozenset[str]
    first_day: dt.date
    last_day: dt.date


class DepartureForm(Form):
    cause: StringField
    reason: TextAreaField


@cache
def conversion_form(lang: str) -> type[ConversionForm]:
    """The conversion form of one language (its messages are fixed per class, so classes are cached)."""
    with language.speaking(lang):
        choose = _("Choose one of your tariffs.")
        unreadable = _("Write the day as 31.12.2026.")
        out_of_range = _("The paid period ends on a day from {first} to {last}.")

        class LocalisedForm(ConversionForm):
            tariff = StringField(validators=[validators.InputRequired(choose)])
            paid_until = DayField(
                unreadable=unreadable, validators=[validators.InputRequired(_("Write the last paid day."))]
            )

            def validate_tariff(self, field: StringField) -> None:
                if field.data not in self.tariff_ids:
                    raise validators.StopValidation(choose)

            def validate_paid_until(self, field: DayField) -> None:
                if field.data is not None and not self.first_day <= field.data <= self.last_day:
                    raise validators.StopValidation(
                        out_of_range.format(first=day(self.first_day), last=day(self.last_day))
                    )

    return LocalisedForm


@cache
def departure_form(lang: str) -> type[DepartureForm]:
    """The departure form of one language, its causes in that language."""
    with language.speaking(lang):
        choose = _("Choose why the client left.")
        say_why = _("Say in a few words why the client left: the cause is «{other}».").format(
            other=_(subscriptions.DEPARTURE_CAUSES[subscriptions.OTHER])
        )

        class LocalisedForm(DepartureForm):
            cause = StringField(validators=[validators.InputRequired(choose)])
            reason = TextAreaField(
                filters=[lambda text: text.strip() if text else text],
                validators=[
                    validators.Length(
                        max=MOST_REASON,
                        message=_("Write at most {most} characters.").format(most=MOST_REASON),
                    )
                ],
            )

            def validate_cause(self, field: StringField) -> None:
                if field.data not in subscriptions.DEPARTURE_CAUSES:
                    raise validators.StopValidation(choose)

            def validate_reason(self, field: TextAreaField) -> None:
                if self.cause.data == subscriptions.OTHER and not field.data:
                    raise validators.StopValidation(say_why)

    return LocalisedForm


def _conversion(service: Service, partner: PartnerSite, subscriber: Subscriber, posted: Any = None) -> ConversionForm:
    """The conversion form for ``subscriber``: the partner's tariffs, the subscriber's chosen."""
    form = conversion_form(partner.site.locale)(posted, tariff=subscriber.tariff)
    form.tariff_ids = frozenset(t.id for t in partner.site.config.tariffs)
    today = service.clock().astimezone(service.settings.timezone).date()
    form.first_day, form.last_day = today + dt.timedelta(days=1), _years_after(today, MOST_PAID_YEARS)
    return form


def _years_after(today: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (28 February for a 29th that year lacks)."""
    try:
        return today.replace(year=today.year + years)
    except ValueError:
        return today.replace(year=today.year + years, day=28)


# --- what the page shows --------------------------------------------------------------------------
def _tariff_name(partner: PartnerSite, tariff_id: str) -> str:
    return next((t.name for t in partner.site.config.tariffs if t.id == tariff_id), tariff_id)


def _page_name(partner: PartnerSite, page_id: str) -> str:
    if page_id == "invitation":
        return _("By an invitation")
    return next((p.title for p in partner.site.config.registration if p.id == page_id), page_id)


def _details(service: Service, partner: PartnerSite, subscriber: Subscriber) -> list[dict[str, str]]:
    """The subscriber's card in the page's language: what, its value, and a link if it has one."""
    named = subscriptions.STATUS_NAMES.get(subscriber.status)
    status = _(named) if named else subscriber.status
    shown = [
        (_("Number"), subscriber.number),
        (_("Name"), subscriber.name),
        (_("Company"), subscriber.company or ""),
        (_("INN"), subscriber.inn or ""),
        (_("E-mail"), subscriber.email),
        (_("Phone"), subscriber.phone),
        (_("Registration page"), _page_name(partner, subscriber.page_id)),
        (_("Tariff"), _tariff_name(partner, subscriber.tariff)),
        (_("Status"), status),
        (_("Trial ends"), day(subscriber.trial_ends)),
        (_("Paid until"), day(subscriber.paid_until)),
        (_("News and offers by e-mail"), _news_consent(service, subscriber)),
        (_("Newsletter"), NewsletterWords.spoken().of(subscriber, service.settings.timezone)),
    ]
    links = {subscriber.email: mailto(subscriber.email), subscriber.phone: f"tel:{subscriber.phone}"}
    return [{"what": what, "value": value, "link": links.get(value, "")} for what, value in shown]


def _news_consent(service: Service, subscriber: Subscriber) -> str:
    """Whether and when they agreed to news and offers, and to which wording."""
    if subscriber.news_consent_at is None:
        return _("not agreed")
    return _("agreed {moment}: {wording}").format(
        moment=moment(service, subscriber.news_consent_at), wording=subscriber.news_consent_text or ""
    )


@dataclass(frozen=True)
class NewsletterWords:
    """Whether the partner's newsletter reaches a subscriber, in the words of one language: made
    where that language is spoken (:meth:`spoken`), used anywhere (a download's rows are written
    after the page's language block has ended)."""

    names: dict[str, str]
    unsubscribed_on: str
    refused: str

    @classmethod
    def spoken(cls) -> NewsletterWords:
        """The words of the language of the block that calls it."""
        return cls(
            names={state: _(name) for state, name in NEWS_STATE_NAMES.items()},
            unsubscribed_on=_("Unsubscribed on {day}"),
            refused=_("The address does not accept mail: {reason}"),
        )

    def of(self, subscriber: Subscriber, timezone: dt.tzinfo) -> str:
        """The subscriber's state, with the day they unsubscribed or why their address refuses mail."""
        state = news_audience.news_state(subscriber)
        if state == "unsubscribed" and subscriber.news_unsubscribed_at is not None:
            return self.unsubscribed_on.format(day=day(subscriber.news_unsubscribed_at.astimezone(timezone).date()))
        if state == "undeliverable" and subscriber.undeliverable_reason:
            return self.refused.format(reason=subscriber.undeliverable_reason)
        return self.names[state]


def _delivery(service: Service, queued: Queued) -> str:
    message = queued.message
    if queued.state == "sent":
        return _("sent {moment}").format(moment=moment(service, message.sent_at))
    if queued.state == "waiting":
        return _("waiting to be sent, first attempt {moment}").format(moment=moment(service, message.next_attempt_at))
    if queued.state == "given_up":
        reason = message.last_error or ""
        return _("not sent, and will not be: {reason}").format(
            reason=_(GIVEN_UP[reason]) if reason in GIVEN_UP else reason
        )
    return ngettext(
        "not delivered: {error}; {n} attempt failed, the next one {moment}",
        "not delivered: {error}; {n} attempts failed, the next one {moment}",
        message.attempts,
    ).format(error=message.last_error, n=message.attempts, moment=moment(service, message.next_attempt_at))


def _said(service: Service, partner: PartnerSite, event: Event) -> tuple[str, str]:
    """What happened and its details, in the page's language."""
    match event:
        case Registered() | Invited() | Extended():
            return _arrival(service, partner, event)
        case Converted() | Departed() | OperatorAction():
            return _change(partner, event)
        case Reminded() | Queued():
            return _message(service, event)
    raise AssertionError(f"an event the page cannot show: {event!r}")


def _arrival(service: Service, partner: PartnerSite, event: Registered | Invited | Extended) -> tuple[str, str]:
    match event:
        case Registered(page_id="invitation"):
            return _("Signed up"), _("by an invitation")
        case Registered(page_id=page_id):
            return _("Signed up"), _("on the page «{page}»").format(page=_page_name(partner, page_id))
        case Invited(code=code, created_at=created_at):
            return _("Used an invitation"), _("{code}, created {moment}").format(
                code=code, moment=moment(service, created_at)
            )
    days = reminders.EXTENSION_DAYS
    return ngettext("Extended access by {n} day", "Extended access by {n} days", days).format(n=days), ""


def _change(partner: PartnerSite, event: Converted | Departed | OperatorAction) -> tuple[str, str]:
    match event:
        case Converted(tariff=tariff, paid_until=paid_until):
            return _("Became paid"), _paid_summary(partner, tariff, paid_until)
        case Departed(cause=cause, reason=reason):
            return _("Left"), _departure_summary(cause, reason)
    entry = event.entry
    action = operators.ACTION_NAMES.get(entry.action)
    subject = (entry.subject or "").split(" — ", 1)[-1]
    return _("Operator's record"), f"{entry.operator} {_(action) if action else entry.action}: {subject}"


def _message(service: Service, event: Reminded | Queued) -> tuple[str, str]:
    match event:
        case Reminded(kind=kind, period_end=period_end):
            when = _(REMINDER_NAMES[kind]) if kind in REMINDER_NAMES else kind
            return _("Reminded of the end of access"), _("{when}; access until {day}").format(
                when=when, day=day(period_end)
            )
        case Queued(message=message) if message.channel == "webhook":
            return _("Webhook {event}").format(event=message.purpose), _delivery(service, event)
    purpose = event.message.purpose
    return _(MAIL_NAMES[purpose]) if purpose in MAIL_NAMES else purpose, _delivery(service, event)


def _paid_summary(partner: PartnerSite, tariff: str, paid_until: dt.date | None) -> str:
    return _("tariff «{tariff}», paid until {day}").format(tariff=_tariff_name(partner, tariff), day=day(paid_until))


def _departure_summary(cause: str | None, reason: str | None) -> str:
    name = next((name for key, name in subscriptions.DEPARTURE_CAUSES.items() if key == cause), None)
    cause_name = _(name) if name else (cause or "")
    return ": ".join(part for part in (cause_name, reason or "") if part)


async def _show(
    page: Opened,
    subscriber: Subscriber,
    *,
    conversion: ConversionForm | None = None,
    departure: DepartureForm | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    service, partner, lang = page.service, page.partner, page.lang
    events = await run_in_threadpool(subscriber_history.history, service.engine, subscriber)
    address = _address(page, subscriber.number)
    with language.speaking(lang):
        conversion = conversion or _conversion(service, partner, subscriber)
        rows = []
        for event in events:
            what, details = _said(service, partner, event)
            rows.append({"when": moment(service, event.at), "what": what, "details": details})
        context = {
            "title": _("Subscriber {number}").format(number=subscriber.number),
            "details": _details(service, partner, subscriber),
            "history": rows,
            "done": _(DONE[done]) if done in DONE else None,
            "notes": _notes(service, subscriber),
            "causes": [(key, _(name)) for key, name in subscriptions.DEPARTURE_CAUSES.items()],
            "paid_hint": _("The last paid day, from {first} to {last}.").format(
                first=day(conversion.first_day), last=day(conversion.last_day)
            ),
        }
    return page.show(
        "subscriber.html",
        "subscribers",
        status,
        **context,
        list_url=f"{page.root}subscribers",
        convert_url=f"{address}/convert",
        departure_url=f"{address}/departure",
        conversion=conversion,
        departure=departure or departure_form(lang)(),
        tariffs=[(t.id, t.name) for t in partner.site.config.tariffs],
        most_reason=MOST_REASON,
    )


def _notes(service: Service, subscriber: Subscriber) -> dict[str, str]:
    """What each action will do to a subscriber that is already paid or gone."""
    if subscriber.status == "paid":
        paid = _("Paid until {day}: this records a renewal or another tariff.").format(day=day(subscriber.paid_until))
        return {"convert": paid}
    if subscriber.status == "gone":
        left = day(subscriber.gone_at.astimezone(service.settings.timezone).date()) if subscriber.gone_at else ""
        return {
            "convert": _("The client left on {day}: recording a payment brings it back.").format(day=left),
            "departure": _("Already recorded as left on {day}: this corrects the cause and the comment.").format(
                day=left
            ),
        }
    return {}


# --- the routes -----------------------------------------------------------------------------------
def _address(page: Opened, number: str) -> str:
    return f"{page.root}subscribers/{number}"


async def _subscriber_of(page: Opened) -> Subscriber | None:
    """The partner's subscriber the path names, or None (not a number, not this partner's)."""
    number = page.request.path_params["number"]
    if not (number.isascii() and number.isdigit()) or len(number) > _MOST_NUMBER_DIGITS:
        return None
    return await run_in_threadpool(subscriptions.find, page.service.engine, page.partner.id, number)


async def _page(page: Opened) -> Response:
    subscriber = await _subscriber_of(page)
    if subscriber is None:
        return page.not_found()
    return await _show(page, subscriber, done=page.request.query_params.get("done"))


async def _convert(page: Opened, posted: FormData) -> Response:
    subscriber = await _subscriber_of(page)
    if subscriber is None:
        return page.not_found()
    service, partner = page.service, page.partner
    form = _conversion(service, partner, subscriber, posted)
    if not form.validate():
        return await _show(page, subscriber, conversion=form, status=400)
    tariff, paid_until = str(form.tariff.data), form.paid_until.data
    assert paid_until is not None  # the form says so when it is missing
    await run_in_threadpool(
        subscriptions.convert, service.engine, partner, subscriber.number, paid_until, page.now, tariff=tariff
    )
    service.outbox_waiting.set()
    with language.speaking(page.lang):
        summary = _paid_summary(partner, tariff, paid_until)
    await page.record(operators.CONVERTED, subscriber_history.audit_subject(subscriber.number, summary))
    return page.go(f"{_address(page, subscriber.number)}?done=converted")


async def _depart(page: Opened, posted: FormData) -> Response:
    subscriber = await _subscriber_of(page)
    if subscriber is None:
        return page.not_found()
    form = departure_form(page.lang)(posted)
    if not form.validate():
        return await _show(page, subscriber, departure=form, status=400)
    cause, reason = str(form.cause.data), form.reason.data or None
    await run_in_threadpool(
        subscriptions.mark_gone, page.service.engine, page.partner.id, subscriber.number, reason, page.now, cause=cause
    )
    with language.speaking(page.lang):
        summary = _departure_summary(cause, reason)
    await page.record(operators.DEPARTED, subscriber_history.audit_subject(subscriber.number, summary), reason)
    return page.go(f"{_address(page, subscriber.number)}?done=departed")


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/subscribers/{number}", GET=partner_endpoint(_page)),
    resource(PREFIX + "{site_id}/subscribers/{number}/convert", POST=partner_form_endpoint(_convert)),
    resource(PREFIX + "{site_id}/subscribers/{number}/departure", POST=partner_form_endpoint(_depart)),
]
