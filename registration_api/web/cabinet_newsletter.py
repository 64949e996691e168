"""The cabinet's newsletter page, ``/cabinet/<site-id>/newsletter``: what ``newsletter preview``
and the database tell a partner who never opens a terminal. The schedule in words, the next
issue (when, what, its subject, how many it would go to today) and a look at it
(``/newsletter/next``), who receives news and who does not, the issues made so far with their
e-mails sent, waiting and given up, and the onboarding letters sent and skipped
(:mod:`registration_api.domain.newsletter_report`). A partner without a newsletter and without
letters is told how to start one. The page changes nothing: the next issue is planned as the
preview plans it, without recording anything.

The look at the next issue is the e-mail itself: HTML the partner wrote (sanitised Markdown) in
the service's layout, the unsubscribe link an inert ``#``. It is served as a document of its own
under a policy stricter than the cabinet's: no script, no form, no frame, nothing fetched but
pictures over HTTPS, and a sandbox that gives it an origin of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute

from registration_api.delivery.news_mail import UNSUBSCRIBE_PLACEHOLDER
from registration_api.domain import newsletter_report
from registration_api.domain.newsletter import Newsletter, Planned
from registration_api.web.cabinet_pages import HEADERS, PREFIX, Opened, keep, partner_endpoint
from registration_api.web.cabinet_subscriber import NEWS_STATE_NAMES
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import Site, formatting, language

_ = language.gettext
N_ = language.N_
ngettext = language.ngettext

#: "on Mondays" … "on Sundays": the day issues go out, Monday first (as ``weekday_number`` counts).
ON_WEEKDAYS = (
    N_("on Mondays"),
    N_("on Tuesdays"),
    N_("on Wednesdays"),
    N_("on Thursdays"),
    N_("on Fridays"),
    N_("on Saturdays"),
    N_("on Sundays"),
)
#: What an issue carried (``newsletter_issues.kind``); a hand-written one also names its file.
KINDS = {
    "digest": N_("The news since the issue before"),
    "written": N_("Your text"),
    "empty": N_("Skipped: there was no news"),
}
#: The look at the next issue: the partner's e-mail, allowed its inline styles and HTTPS pictures
#: only, sandboxed; never cached, never framed.
PREVIEW_HEADERS = {
    **HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox",
}


def _newsletter(service: Service) -> Newsletter:
    """The service's newsletter, to plan with (the page sends nothing)."""
    return Newsletter.configured(service.engine, service.sites, service.settings, service.link_secret)


def _planned(service: Service, site: Site, now: dt.datetime) -> Planned | None:
    """The next issue as ``newsletter preview`` shows it (None: the partner has no newsletter)."""
    if site.config.newsletter is None:
        return None
    return _newsletter(service).plan(site, now, record=False, upcoming=True)


def _zone(service: Service, site: Site) -> ZoneInfo:
    """The partner's time zone: its newsletter's, else the service's (as the letters count days)."""
    newsletter = site.config.newsletter
    return newsletter.zone if newsletter is not None else service.settings.timezone


def _at(value: dt.datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d.%m.%Y %H:%M")


async def newsletter_page(page: Opened) -> Response:
    service, partner = page.service, page.partner
    site = partner.site
    figures = await run_in_threadpool(newsletter_report.report, service.engine, partner.id)
    planned = await run_in_threadpool(_planned, service, site, page.now)
    zone = _zone(service, site)
    lang = page.lang
    with language.speaking(lang):
        title = _("Newsletter")
        schedule, coming = _schedule(site), _next(page, planned, figures, zone)
        audience = _audience(page, figures)
        issues = [_issue(issue, zone, lang) for issue in figures.issues]
    letters = [
        {
            "days": letter.after_days,
            "subject": letter.subject,
            "sent": formatting.number(figures.letter(letter.key).sent, lang),
            "skipped": formatting.number(figures.letter(letter.key).skipped, lang),
        }
        for letter in sorted(site.letters, key=lambda letter: (letter.after_days, letter.key))
    ]
    return page.show(
        "newsletter.html",
        "newsletter",
        title=title,
        configured=site.config.newsletter is not None or bool(site.letters),
        schedule=schedule,
        next=coming,
        audience=audience,
        issues=issues,
        shown=newsletter_report.SHOWN_ISSUES,
        letters=letters,
        site_yaml=f"sites/{partner.id}/site.yaml",
        folder=f"sites/{partner.id}",
        example_yaml=_example(page),
    )


def _schedule(site: Site) -> dict[str, str] | None:
    """The schedule, the sender and double opt-in in words (in the language of the block that calls it)."""
    newsletter = site.config.newsletter
    if newsletter is None:
        return None
    weeks = newsletter.weeks
    every = _("Every week") if weeks == 1 else ngettext("Every {n} week", "Every {n} weeks", weeks).format(n=weeks)
    return {
        "when": _("{every}, {weekday} at {hour} ({zone})").format(
            every=every,
            weekday=_(ON_WEEKDAYS[newsletter.weekday_number]),
            hour=f"{newsletter.hour:02d}:00",
            zone=newsletter.timezone,
        ),
        "sender": newsletter.sender or site.config.partner.name,
        "double_opt_in": _("Yes: a new subscriber confirms by a link in an e-mail before the first issue")
        if newsletter.double_opt_in
        else _("No: an issue goes to everyone who ticked the box for news"),
    }


def _next(
    page: Opened, planned: Planned | None, figures: newsletter_report.NewsletterReport, zone: ZoneInfo
) -> dict[str, object] | None:
    """The next issue in words (in the language of the block that calls it)."""
    if planned is None:
        return None
    content = planned.content
    if content is None:
        what = _("Nothing to send: there was no news")
    else:
        what = _kind("written" if planned.source else "digest", planned.source)
    receiving = figures.receiving
    return {
        "when": f"{_at(planned.due_at, zone)} ({zone.key})",
        "overdue": planned.due_at <= page.now,
        "what": what,
        "subject": content.subject if content else None,
        "recipients": ngettext(
            "{n} subscriber who receives news today",
            "{n} subscribers who receive news today",
            receiving,
        ).format(n=formatting.number(receiving, page.lang)),
        "view_url": f"{page.root}newsletter/next" if content else None,
    }


def _audience(page: Opened, figures: newsletter_report.NewsletterReport) -> list[dict[str, str]]:
    """Each newsletter state with its count, a link to the list of those subscribers."""
    return [
        {
            "name": _(NEWS_STATE_NAMES[state]),
            "count": formatting.number(figures.audience[state], page.lang),
            "url": f"{page.root}subscribers?newsletter={state}",
        }
        for state in ("subscribed", "awaiting_confirmation", "unsubscribed", "undeliverable", "none")
    ]


def _issue(issue: newsletter_report.IssueFigures, zone: ZoneInfo, lang: str) -> dict[str, str]:
    """A past issue as the table shows it (in the language of the block that calls it)."""
    return {
        "when": _at(issue.due_at, zone),
        "kind": _kind(issue.kind, issue.source),
        "subject": issue.subject,
        "recipients": formatting.number(issue.recipients, lang),
        "sent": formatting.number(issue.sent, lang),
        "waiting": formatting.number(issue.waiting, lang),
        "given_up": formatting.number(issue.given_up, lang),
    }


def _kind(kind: str, source: str | None) -> str:
    """What an issue carries, in words; a hand-written one names its file."""
    said = _(KINDS[kind]) if kind in KINDS else kind
    return f"{said}: {source}" if kind == "written" and source else said


def _example(page: Opened) -> str:
    """The lines of site.yaml that start a newsletter, as the README suggests them."""
    settings = page.service.settings
    return "\n".join(
        (
            "newsletter:",
            "  every: 2 weeks",
            "  weekday: tuesday",
            "  hour: 10",
            f"  timezone: {settings.timezone.key}",
            f"  sender: {json.dumps(page.partner.site.config.partner.name, ensure_ascii=False)}",
            "  double_opt_in: false",
        )
    )


async def next_issue(page: Opened) -> Response:
    """The next issue's e-mail as its recipients will see it, or 404 when there is nothing to send."""
    planned = await run_in_threadpool(_planned, page.service, page.partner.site, page.now)
    if planned is None or planned.content is None:
        with language.speaking(page.lang):
            return page.show(
                "message.html",
                "newsletter",
                404,
                title=_("There is no issue to look at"),
                paragraphs=(
                    _(
                        "The next issue has nothing to say yet: there has been no news since the last one "
                        "and no text of yours waits for its day."
                    )
                    if planned is not None
                    else _("There is no newsletter: site.yaml has no newsletter: section."),
                ),
                back_url=f"{page.root}newsletter",
                back_text=_("Back to the newsletter"),
            )
    response = HTMLResponse(planned.content.html.replace(UNSUBSCRIBE_PLACEHOLDER, "#"), headers=PREVIEW_HEADERS)
    keep(response, page.service, page.session)
    return response


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/newsletter", GET=partner_endpoint(newsletter_page)),
    resource(PREFIX + "{site_id}/newsletter/next", GET=partner_endpoint(next_issue)),
]
