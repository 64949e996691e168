"""The overview of a partner's cabinet, ``/cabinet/<site-id>/``: the figures of sign-ups, trials,
conversions and departures (:mod:`registration_api.domain.cabinet_overview`), the chart of
sign-ups per day by registration page, and the audit log of what the partner's operators did.
"""

from __future__ import annotations

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.domain import cabinet_overview, operators
from registration_api.storage.records import AuditEntry
from registration_api.web import svg_chart
from registration_api.web.cabinet_pages import PREFIX, Opened, moment, partner_endpoint
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import formatting, language

_ = language.gettext


async def overview(page: Opened) -> Response:
    service, partner = page.service, page.partner
    entries = await run_in_threadpool(operators.recent, service.engine, partner.id)
    timezone = service.settings.timezone
    figures = await run_in_threadpool(cabinet_overview.overview, service.engine, partner.id, page.today, timezone)
    pages = {registration.id: registration.title for registration in partner.site.config.registration}
    with language.speaking(page.lang):
        shown = [audit_line(service, entry) for entry in entries]
        # the chart escapes every text it draws (tests/security/test_svg_chart_names.py)
        chart = Markup(svg_chart.daily_chart(figures.daily, figures.first_day, pages, page.lang))
        rate = figures.trial_to_paid_rate
        rate_text = formatting.percent(rate, page.lang) if rate is not None else _("no trial has ended yet")
    return page.show(
        "overview.html",
        "",
        title=partner.site.config.partner.name,
        entries=shown,
        several=len(page.partners) > 1,
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


routes: list[BaseRoute] = [resource(PREFIX + "{site_id}/", GET=partner_endpoint(overview))]
