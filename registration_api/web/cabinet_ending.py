"""The cabinet's page of subscriptions ending, ``/cabinet/<site-id>/ending``: the Monday digest,
live. Whose access ends within the next 14 days (the very list the digest e-mails), whose
ended in the last 14 days without a payment or an extension, and who extended their access
themselves with the reminder's link; each subscriber's number leads to its page. The lists are
:mod:`registration_api.domain.ending`'s, as of today in the service's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.domain import ending, reminders, subscriptions
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import Subscriber
from registration_api.web.cabinet_pages import PREFIX, Opened, day, mailto, moment, partner_endpoint, partner_root
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import formatting, language

_ = language.gettext
ngettext = language.ngettext

#: Most subscribers the page lists in each section (the e-mailed digest lists them all).
SHOWN = 200


@dataclass(frozen=True)
class Section:
    """A section of the page: its heading, a note on what it lists, the table's last three
    columns (the first ones say who), its rows (at most :data:`SHOWN`) and whether there were
    more, and what it says when empty."""

    id: str
    heading: str
    note: str
    headers: list[str]
    rows: list[dict[str, Any]]
    more: bool
    empty: str


async def ending_page(page: Opened) -> Response:
    service, partner, today = page.service, page.partner, page.today
    timezone = service.settings.timezone
    lists = await run_in_threadpool(ending.ending, service.engine, partner.id, today, timezone, SHOWN + 1)
    with language.speaking(page.lang):
        sections = _sections(service, partner, lists)
        title = _("Subscriptions ending")
    return page.show("ending.html", "ending", title=title, today=day(today), shown=SHOWN, sections=sections)


def _sections(service: Service, partner: PartnerSite, lists: ending.Ending) -> list[Section]:
    """The page's three sections (in the language of the block that calls it)."""
    today = lists.today
    subscribers_url = f"{partner_root(service, partner)}subscribers/"
    notify = ", ".join(str(address) for address in partner.site.config.partner.notify)

    def rows(found: list[Subscriber], cells: Callable[[Subscriber], list[str]]) -> list[dict[str, Any]]:
        return [{**_who(s, subscribers_url), "cells": cells(s)} for s in found[:SHOWN]]

    horizon, ended_days, extended_days = ending.HORIZON_DAYS, ending.ENDED_DAYS, ending.EXTENDED_DAYS
    return [
        Section(
            id="ending",
            heading=ngettext("Ending in the next {n} day", "Ending in the next {n} days", horizon).format(n=horizon),
            note=_("Every Monday this list is also e-mailed to {addresses}, unless it is empty.").format(
                addresses=notify
            ),
            headers=[_("Status"), _("Last day"), _("Ends")],
            rows=rows(lists.ending, lambda s: [_period(s), day(s.access_ends), days_left(s, today)]),
            more=len(lists.ending) > SHOWN,
            empty=ngettext(
                "No subscription ends in the next {n} day.", "No subscription ends in the next {n} days.", horizon
            ).format(n=horizon),
        ),
        Section(
            id="ended",
            heading=ngettext("Ended in the last {n} day", "Ended in the last {n} days", ended_days).format(
                n=ended_days
            ),
            note=_("Access ended and was neither paid for nor extended: a good time to call."),
            headers=[_("Status"), _("Last day"), _("Ended")],
            rows=rows(lists.ended, lambda s: [_period(s), day(s.access_ends), days_ago(s, today)]),
            more=len(lists.ended) > SHOWN,
            empty=ngettext(
                "No subscription ended in the last {n} day.",
                "No subscription ended in the last {n} days.",
                ended_days,
            ).format(n=ended_days),
        ),
        Section(
            id="extended",
            heading=_("Extended by the clients themselves"),
            note=ngettext(
                "Clients who added {days} days to their access with the link of the reminder e-mail, "
                "in the last {n} day.",
                "Clients who added {days} days to their access with the link of the reminder e-mail, "
                "in the last {n} days.",
                extended_days,
            ).format(n=extended_days, days=reminders.EXTENSION_DAYS),
            headers=[_("Status now"), _("Extended on"), _("Access until")],
            rows=rows(lists.extended, lambda s: [_status(s), moment(service, s.extended_at), day(s.access_ends)]),
            more=len(lists.extended) > SHOWN,
            empty=ngettext(
                "Nobody extended their access in the last {n} day.",
                "Nobody extended their access in the last {n} days.",
                extended_days,
            ).format(n=extended_days),
        ),
    ]


def _who(subscriber: Subscriber, subscribers_url: str) -> dict[str, str]:
    """Who a row is about: the number (a link to the subscriber's page) and how to reach them."""
    return {
        "number": subscriber.number,
        "url": subscribers_url + subscriber.number,
        "name": subscriber.name,
        "company": subscriber.company or "",
        "email": subscriber.email,
        "mailto": mailto(subscriber.email),
        "phone": formatting.phone(subscriber.phone) or subscriber.phone,
        "tel": formatting.tel(subscriber.phone),
    }


def _period(subscriber: Subscriber) -> str:
    """Which access ends or ended: the trial (whatever marks it) or the paid period."""
    return _(subscriptions.STATUS_NAMES["paid" if subscriber.status == "paid" else "trial"])


def _status(subscriber: Subscriber) -> str:
    return _(subscriptions.STATUS_NAMES.get(subscriber.status, subscriber.status))


def days_left(subscriber: Subscriber, today: dt.date) -> str:
    """How soon the access ends: «сегодня», «завтра», «через 3 дня»."""
    n = (subscriber.access_ends - today).days
    if n == 0:
        return _("today")
    if n == 1:
        return _("tomorrow")
    return ngettext("in {n} day", "in {n} days", n).format(n=n)


def days_ago(subscriber: Subscriber, today: dt.date) -> str:
    """How long ago the access ended: «вчера», «3 дня назад»."""
    n = (today - subscriber.access_ends).days
    if n == 1:
        return _("yesterday")
    return ngettext("{n} day ago", "{n} days ago", n).format(n=n)


routes: list[BaseRoute] = [resource(PREFIX + "{site_id}/ending", GET=partner_endpoint(ending_page))]
