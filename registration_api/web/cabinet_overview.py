"""The overview of a partner's cabinet, ``/cabinet/<site-id>/``: the figures of sign-ups, trials,
conversions and departures (:mod:`registration_api.domain.cabinet_overview`), the chart of
sign-ups per day by registration page, and the audit log of what the partner's operators did.
"""

from __future__ import annotations

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.domain import cabinet_overview, operators
from registration_api.storage.records import AuditEntry
from registration_api.web import svg_chart
from registration_api.web.cabinet_pages import (
    PREFIX,
    moment,
    operated_partner,
    partner_page,
    partners_of,
    session_of,
)
from registration_api.web.routing import resource
from registration_api.web.service import Service, service_of
from storefront import formatting, language

_ = language.gettext


async def overview(request: Request) -> Response:
    service = service_of(request)
    session = session_of(request, service)
    partner = await operated_partner(request, service, session)
    if isinstance(partner, Response):
        return partner
    partners = await partners_of(service, session)
    lang = partner.site.locale
    entries = await run_in_threadpool(operators.recent, service.engine, partner.id)
    timezone = service.settings.timezone
    today = service.clock().astimezone(timezone).date()
    figures = await run_in_threadpool(cabinet_overview.overview, service.engine, partner.id, today, timezone)
    pages = {page.id: page.title for page in partner.site.config.registration}
    with language.speaking(lang):
        shown = [audit_line(service, entry) for entry in entries]
        # the chart escapes every text it draws (tests/security/test_svg_chart_names.py)
        chart = Markup(svg_chart.daily_chart(figures.daily, figures.first_day, pages, lang))
        rate = figures.trial_to_paid_rate
        rate_text = formatting.percent(rate, lang) if rate is not None else _("no trial has ended yet")
    return partner_page(
        service,
        session,
        partner,
        "overview.html",
        "",
        title=partner.site.config.partner.name,
        entries=shown,
        several=len(partners) > 1,
        figures=figures,
        chart=chart,
        rate=rate_text,
    )


def audit_line(service: Service, entry: AuditEntry) -> dict[str, str]:
    """An audit entry as the cabinet lists it (in the language of the block that calls it)."""
    names = operators.ACTION_NAMES
    what = _(names[entry.action]) if entry.action in names else entry.action
    if entry.subject:
        what = f"{what}: {entry.subject}"
    return {"when": moment(service, entry.at), "operator": entry.operator, "what": what}


routes: list[BaseRoute] = [resource(PREFIX + "{site_id}/", GET=overview)]
