"""The cabinet's subscribers list, ``/cabinet/<site-id>/subscribers``: one box finds a subscriber
by a part of the name, e-mail, phone (however typed), company, ИНН or number; filters by status,
registration page, whether the newsletter reaches them and days of registration; four orders;
pages of 50 with the number found.
Everything is in the address (a form sent with GET, links that keep it), so a list can be
bookmarked, and ``subscribers.csv`` / ``subscribers.xlsx`` download what it shows, all of it.

A value the address cannot mean (a day that is not a date, a status not in the list) is shown
back at its field with what to write, with a 400, and the list is shown without it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict, QueryParams
from starlette.responses import Response
from starlette.routing import BaseRoute
from wtforms import Form, StringField, validators

from registration_api.domain import subscriber_search, subscriptions
from registration_api.domain.cabinet_overview import INVITATIONS
from registration_api.domain.exports import Cell, Table
from registration_api.domain.news_audience import NEWS_STATES, NewsState
from registration_api.domain.partner_sites import PartnerSite
from registration_api.domain.subscriber_search import SORTS, Criteria, Found
from registration_api.domain.subscriptions import STATUS_NAMES, STATUSES
from registration_api.storage.records import Subscriber
from registration_api.web import cabinet_pages
from registration_api.web.cabinet_downloads import FORMATS, Made, file_routes, local
from registration_api.web.cabinet_forms import DayField, strip
from registration_api.web.cabinet_pages import PREFIX, Opened, partner_endpoint
from registration_api.web.cabinet_subscriber import NEWS_STATE_NAMES, NewsletterWords
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import formatting, language

_ = language.gettext
N_ = language.N_
ngettext = language.ngettext

#: What each order of the list is called.
SORT_NAMES: dict[str, str] = dict(
    zip(SORTS, (N_("Newest first"), N_("Oldest first"), N_("By name"), N_("By end of trial")), strict=True)
)
#: The query parameters of the list, in the order its links write them.
PARAMETERS = ("q", "status", "source", "newsletter", "from", "to", "sort")
#: A page number has at most this many digits (more is page 1).
_MOST_PAGE_DIGITS = 7
#: Days the filter accepts: the moments of their starts exist in every time zone.
#: A subscriber's phone as the service stores it: +7 and ten digits.
_STORED_PHONE_LENGTH = 12


@dataclass(frozen=True)
class Asked:
    """What the address asks for: the criteria it means, what was typed (shown back in the form),
    the mistakes by parameter, and the page."""

    criteria: Criteria
    typed: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    page: int = 1

    def query(self, **changes: str) -> str:
        """The query string of this list (its valid parameters only), with ``changes``."""
        kept = {name: self.typed[name] for name in PARAMETERS if self.typed.get(name) and name not in self.errors}
        kept.update(changes)
        return urlencode({name: value for name, value in kept.items() if value})


def _page_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= _MOST_PAGE_DIGITS and int(text) else 1


def _start_of(day_: dt.date, service: Service) -> dt.datetime:
    """The moment a day of the service's time zone starts, in UTC (as moments are stored)."""
    return dt.datetime.combine(day_, dt.time(), service.settings.timezone).astimezone(dt.UTC)


class ListFilter(Form):
    """The list's filter, a form sent by GET: what was typed is shown back, a mistake at its field."""

    q: StringField
    status: StringField
    source: StringField
    newsletter: StringField
    since: DayField
    until: DayField
    sort: StringField
    #: The partner's registration pages and invitations, by the filter's value (set before validating).
    sources: dict[str, str]


@cache
def list_filter(lang: str) -> type[ListFilter]:
    """The filter of one language (its messages are fixed per class, so classes are cached)."""
    with language.speaking(lang):
        choose_status = _("Choose a status from the list.")
        choose_source = _("Choose a registration page from the list.")
        choose_newsletter = _("Choose whether the newsletter reaches them from the list.")
        unreadable = _("Write a date as 31.12.2026.")
        backwards = _("The period ends before it begins: write a later day.")

        class LocalisedFilter(ListFilter):
            q = StringField(filters=[strip])
            status = StringField(validators=[validators.Optional(), validators.AnyOf(STATUSES, choose_status)])
            source = StringField(validators=[validators.Optional()])
            newsletter = StringField(
                validators=[validators.Optional(), validators.AnyOf(NEWS_STATES, choose_newsletter)]
            )
            since = DayField(name="from", unreadable=unreadable, validators=[validators.Optional()])
            until = DayField(name="to", unreadable=unreadable, validators=[validators.Optional()])
            sort = StringField()

            def validate_source(self, field: StringField) -> None:
                if field.data not in self.sources:
                    raise validators.ValidationError(choose_source)

            def validate_until(self, field: DayField) -> None:
                if self.since.data and field.data and field.data < self.since.data:
                    raise validators.ValidationError(backwards)

    return LocalisedFilter


def asked(params: QueryParams, service: Service, partner: PartnerSite) -> Asked:
    """The list the address asks for, in the language of the block that calls it (its mistakes)."""
    typed = {name: params.get(name, "")[: subscriber_search.MOST_TYPED] for name in PARAMETERS}
    form = list_filter(partner.site.locale)(ImmutableMultiDict(typed))
    form.sources = _sources(partner)
    form.validate()
    errors = {field.name: str(field.errors[0]) for field in form if field.errors}
    since = form.since.data if "from" not in errors else None
    until = form.until.data if "to" not in errors else None
    criteria = Criteria(
        text=form.q.data or "",
        status=form.status.data or None if "status" not in errors else None,
        page=form.source.data or None if "source" not in errors else None,
        newsletter=_news_state(form.newsletter.data) if "newsletter" not in errors else None,
        since=_start_of(since, service) if since else None,
        before=_start_of(until + dt.timedelta(days=1), service) if until else None,
        sort=typed["sort"] if typed["sort"] in SORTS else SORTS[0],
    )
    return Asked(criteria, typed, errors, _page_number(params.get("page", "")))


def _news_state(typed: str | None) -> NewsState | None:
    return next((state for state in NEWS_STATES if state == typed), None)


def _sources(partner: PartnerSite) -> dict[str, str]:
    """Where subscribers come from, by the filter's value: each registration page, and invitations
    (in the language of the block that calls it)."""
    return {**{page.id: page.title for page in partner.site.config.registration}, INVITATIONS: _("By invitation")}


def phone_shown(stored: str) -> str:
    """``+79161234567`` as people write it, ``+7 916 123-45-67`` (anything else as stored)."""
    if len(stored) != _STORED_PHONE_LENGTH or not stored.startswith("+7") or not stored[1:].isdigit():
        return stored
    d = stored[2:]
    return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"


def _source_of(subscriber: Subscriber, sources: dict[str, str]) -> str:
    if subscriber.invitation_id is not None:
        return sources[INVITATIONS]
    return sources.get(subscriber.page_id, subscriber.page_id)


def _ends(subscriber: Subscriber) -> dt.date:
    """The last day of access: paid until, or the trial's last day."""
    return subscriber.paid_until if subscriber.status == "paid" and subscriber.paid_until else subscriber.trial_ends


def _row(service: Service, base: str, subscriber: Subscriber, sources: dict[str, str]) -> dict[str, str]:
    """A subscriber as a row of the list (in the language of the block that calls it)."""
    return {
        "number": subscriber.number,
        "url": f"{base}subscribers/{subscriber.number}",
        "name": subscriber.name,
        "company": subscriber.company or "",
        "inn": subscriber.inn or "",
        "email": subscriber.email,
        "phone": phone_shown(subscriber.phone),
        "status": _(STATUS_NAMES.get(subscriber.status, subscriber.status)),
        "source": _source_of(subscriber, sources),
        "registered": cabinet_pages.moment(service, subscriber.created_at),
        "ends": cabinet_pages.day(_ends(subscriber)),
    }


async def _found(service: Service, partner: PartnerSite, wanted: Asked) -> Found:
    """The page asked for; past the last page, the last one."""
    engine, criteria = service.engine, wanted.criteria
    found = await run_in_threadpool(subscriber_search.search, engine, partner.id, criteria, wanted.page)
    if not found.subscribers and found.page > found.pages:
        found = await run_in_threadpool(subscriber_search.search, engine, partner.id, criteria, found.pages)
    return found


def _show(page: Opened, wanted: Asked, found: Found) -> Response:
    service, partner, lang, base = page.service, page.partner, page.lang, page.root
    action = f"{base}subscribers"
    with language.speaking(lang):
        sources = _sources(partner)
        rows = [_row(service, base, s, sources) for s in found.subscribers]
        summary = ngettext("{n} subscriber found", "{n} subscribers found", found.total).format(
            n=formatting.number(found.total, lang)
        )
        statuses = [(key, _(name)) for key, name in STATUS_NAMES.items()]
        newsletter_states = [(key, _(name)) for key, name in NEWS_STATE_NAMES.items()]
        sorts = [(key, _(name)) for key, name in SORT_NAMES.items()]
        title = _("Subscribers")
        position = _("Page {page} of {pages}").format(
            page=formatting.number(found.page, lang), pages=formatting.number(found.pages, lang)
        )
    listed = wanted.query()
    pages = {
        "previous": f"{action}?{wanted.query(page=str(found.page - 1))}" if found.page > 1 else None,
        "next": f"{action}?{wanted.query(page=str(found.page + 1))}" if found.page < found.pages else None,
    }
    return page.show(
        "subscribers.html",
        "subscribers",
        400 if wanted.errors else 200,
        title=title,
        action=action,
        typed=wanted.typed,
        errors=wanted.errors,
        sort=wanted.criteria.sort,
        statuses=statuses,
        newsletter_states=newsletter_states,
        sources=list(sources.items()),
        sorts=sorts,
        rows=rows,
        summary=summary,
        found=found,
        pages=pages,
        position=position,
        downloads={kind: f"{base}subscribers.{kind}" + (f"?{listed}" if listed else "") for kind in FORMATS},
        reset=action if listed else None,
    )


async def _list(page: Opened) -> Response:
    with language.speaking(page.lang):
        wanted = asked(page.request.query_params, page.service, page.partner)
    return _show(page, wanted, await _found(page.service, page.partner, wanted))


def _export_table(service: Service, partner: PartnerSite, criteria: Criteria) -> Table:
    """Every subscriber ``criteria`` find, as the exports' table (in the language of the block that calls it)."""
    sources = _sources(partner)
    tariffs = {tariff.id: tariff.name for tariff in partner.site.config.tariffs}
    statuses = {key: _(name) for key, name in STATUS_NAMES.items()}
    causes: dict[str, str] = {key: _(name) for key, name in subscriptions.DEPARTURE_CAUSES.items()}
    newsletter, timezone = NewsletterWords.spoken(), service.settings.timezone

    def row(s: Subscriber) -> list[Cell]:
        return [
            s.number,
            s.name,
            s.company,
            s.inn,
            s.email,
            s.phone,
            statuses.get(s.status, s.status),
            _source_of(s, sources),
            tariffs.get(s.tariff, s.tariff),
            local(service, s.created_at),
            s.trial_ends,
            local(service, s.converted_at),
            s.paid_until,
            local(service, s.gone_at),
            causes.get(s.gone_cause, s.gone_cause) if s.gone_cause else None,
            s.gone_reason,
            local(service, s.news_consent_at),
            newsletter.of(s, timezone),
        ]

    batches = subscriber_search.batches(service.engine, partner.id, criteria)
    return Table(
        name=_("Subscribers"),
        titles=[
            _("Number"),
            _("Name"),
            _("Company"),
            _("INN"),
            _("E-mail"),
            _("Phone"),
            _("Status"),
            _("Registration page"),
            _("Tariff"),
            _("Registered on"),
            _("Trial ends"),
            _("Payment recorded on"),
            _("Paid until"),
            _("Left on"),
            _("Why they left"),
            _("In their own words"),
            _("Agreed to news and offers on"),
            _("Newsletter"),
        ],
        rows=(row(s) for batch in batches for s in batch),
        widths=(10, 28, 30, 13, 30, 17, 14, 30, 14, 17, 12, 17, 12, 17, 30, 40, 17, 30),
    )


async def _export(page: Opened) -> Made:
    """What the list shows, all of it, for its download; the page itself for a filter it cannot read."""
    service, partner = page.service, page.partner
    with language.speaking(page.lang):
        wanted = asked(page.request.query_params, service, partner)
        if wanted.errors:  # the page says what to change; a file of something else would mislead
            return _show(page, wanted, await _found(service, partner, wanted))
        table = _export_table(service, partner, wanted.criteria)
    return table, f"{partner.id}-subscribers-{page.today.isoformat()}"


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/subscribers", GET=partner_endpoint(_list)),
    *file_routes(PREFIX + "{site_id}/subscribers", _export),
]
