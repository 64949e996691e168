"""What every page of the partner cabinet is made with: its Jinja templates under
``templates/cabinet/`` in the base theme's look (never a partner's marketing theme), the session
it carries and renews, the check of every posted form against cross-site request forgery, and the
gate of every partner page (:func:`opened`, :func:`posted`).

The templates' ``_()`` texts are storefront's gettext messages, in the language of the block that
renders them (:func:`storefront.language.speaking`). Pages are Russian until a partner is known,
then in the partner's language. A module per page (``cabinet_auth``, ``cabinet_invitations``,
...) holds its routes and builds its answers only with what is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from registration_api.domain import operators
from registration_api.domain.partner_sites import PartnerSite
from registration_api.web import cabinet_session
from registration_api.web.cabinet_session import Session
from registration_api.web.inputs import read_form
from registration_api.web.routing import Endpoint
from registration_api.web.service import Service, service_of
from storefront import language

_ = language.gettext
N_ = language.N_

TEMPLATES = Path(__file__).parent.parent / "templates" / "cabinet"

#: The language of the cabinet's pages before a partner is known.
DEFAULT_LANGUAGE = "ru"

#: Mounted under the service's public address.
PREFIX = "/cabinet/"

#: What a cabinet page may never be: kept by a shared cache, framed by another site, or
#: running a script (it has none).
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

#: Longest subject of an audit entry (its column's length).
MAX_SUBJECT = 200

#: The sections of a partner's cabinet, in the order of its menu: (path under the partner's
#: cabinet, name). The first is the overview at the partner's own address.
SECTIONS = (
    ("", N_("Overview")),
    ("subscribers", N_("Subscribers")),
    ("invitations", N_("Invitations")),
    ("ending", N_("Subscriptions ending")),
    ("newsletter", N_("Newsletter")),
    ("settings", N_("Settings")),
)


def render(
    template: str, lang: str, status: int = 200, headers: Mapping[str, str] | None = None, **context: object
) -> HTMLResponse:
    """``template`` in ``lang`` as a response that no cache keeps."""
    with language.speaking(lang):
        body = language.templates(TEMPLATES).get_template(template).render(lang=lang, **context)
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(headers or {})})


# --- the session ----------------------------------------------------------------------------------
def root(service: Service) -> str:
    """The cabinet's path on the service's public address (a reverse proxy may add a sub-path)."""
    return urlsplit(service.settings.public_base).path.rstrip("/") + PREFIX


def partner_root(service: Service, partner: PartnerSite) -> str:
    """The path of a partner's cabinet (its overview); its other sections are below it."""
    return f"{root(service)}{partner.id}/"


def _secure(service: Service) -> bool:
    return service.settings.public_base.startswith("https://")


def session_of(request: Request, service: Service) -> Session:
    """The request's session, or a new anonymous one."""
    return cabinet_session.read(request, service.cabinet_secret, service.clock()) or Session.anonymous()


def keep(response: Response, service: Service, session: Session) -> None:
    """Send ``session`` (renewed: its idle time starts again) with ``response``."""
    cabinet_session.write(
        response,
        session,
        secret=service.cabinet_secret,
        now=service.clock(),
        path=root(service),
        secure=_secure(service),
    )


async def partners_of(service: Service, session: Session) -> list[PartnerSite]:
    """The partners whose operator the session's e-mail is (none before signing in)."""
    if session.email is None:
        return []
    return await run_in_threadpool(operators.partners_of, service.sites, session.email)


# --- answers --------------------------------------------------------------------------------------
def page(service: Service, session: Session, template: str, lang: str, status: int = 200, **context: Any) -> Response:
    """A cabinet page that carries (and so renews) the session."""
    headers = context.pop("headers", None)
    response = render(
        template, lang, status, headers, root=root(service), csrf=session.csrf, operator=session.email, **context
    )
    keep(response, service, session)
    return response


def partner_page(
    service: Service,
    session: Session,
    partner: PartnerSite,
    template: str,
    section: str,
    status: int = 200,
    **context: Any,
) -> Response:
    """A page of ``partner``'s cabinet in the partner's language, with the menu of its sections
    (``section`` is the current one, a path of :data:`SECTIONS`)."""
    lang = partner.site.locale
    base = partner_root(service, partner)
    with language.speaking(lang):
        menu = [{"url": base + path, "name": _(name), "current": path == section} for path, name in SECTIONS]
    return page(
        service,
        session,
        template,
        lang,
        status,
        menu=menu,
        site_id=partner.id,
        partner_url=base,
        partner_name=partner.site.config.partner.name,
        **context,
    )


def redirect(service: Service, session: Session | None, target: str) -> Response:
    """303 to ``target``, renewing ``session`` (or ending it, for None)."""
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    if session is None:
        cabinet_session.clear(response, path=root(service), secure=_secure(service))
    else:
        keep(response, service, session)
    return response


def message(
    service: Service, session: Session, lang: str, status: int, title: str, *paragraphs: str, **context: Any
) -> Response:
    """A page that only says something: a title, paragraphs, a way back (``back_url``/``back_text``)."""
    return page(service, session, "message.html", lang, status, title=title, paragraphs=paragraphs, **context)


async def posted_form(request: Request, service: Service, session: Session) -> FormData | Response:
    """The posted form, or the 403 page when it lacks the session's token (a forged post)."""
    settings = service.settings
    form = await read_form(request, cap=settings.max_body_bytes, timeout=settings.read_timeout_seconds)
    sent = form.get("csrf")
    if session.csrf_matches(sent if isinstance(sent, str) else None):
        return form
    partners = await partners_of(service, session)
    lang = partners[0].site.locale if partners else DEFAULT_LANGUAGE
    with language.speaking(lang):
        return message(
            service,
            session,
            lang,
            403,
            _("The form has expired"),
            _(
                "The form was sent without the mark that shows it came from this cabinet, or the session ended "
                "since it was opened. Open the cabinet again and repeat what you did."
            ),
            back_url=root(service),
            back_text=_("Open the cabinet"),
        )


def not_found(service: Service, session: Session, lang: str) -> Response:
    """The 404 page of an address that is not a cabinet page the operator may open: another
    partner's, or a subscriber, invitation or key that is not this partner's."""
    with language.speaking(lang):
        return message(
            service,
            session,
            lang,
            404,
            _("There is no such page"),
            _(
                "This address is not a page of your cabinet: it belongs to another partner or does not exist. "
                "Open the cabinet from its start page."
            ),
            back_url=root(service),
            back_text=_("Open the cabinet"),
        )


def moment(service: Service, value: dt.datetime | None) -> str:
    """A stored moment as the cabinet shows it: day and time in the service's time zone."""
    return value.astimezone(service.settings.timezone).strftime("%d.%m.%Y %H:%M") if value else ""


def mailto(address: str) -> str:
    """The link that writes to ``address``: quoted, so an address that carries ``?cc=…&body=…``
    (a valid e-mail address may) adds no recipient or text to the operator's draft."""
    return "mailto:" + quote(address, safe="@")


def day(value: dt.date | None) -> str:
    """A day as the cabinet shows it."""
    return value.strftime("%d.%m.%Y") if value else ""


# --- a partner's page, opened -----------------------------------------------------------------------
@dataclass(frozen=True)
class Opened:
    """A page of ``partner``'s cabinet that one of its operators opened: what every answer needs.
    Every handler of a partner's page starts with :func:`opened` (or :func:`posted`)."""

    request: Request
    service: Service
    session: Session
    partner: PartnerSite
    #: Every partner the operator serves (``partner`` among them).
    partners: tuple[PartnerSite, ...]

    @property
    def lang(self) -> str:
        """The partner's language: its pages and files speak it."""
        return self.partner.site.locale

    @property
    def root(self) -> str:
        """The path of the partner's cabinet (its overview); its sections are below it."""
        return partner_root(self.service, self.partner)

    @property
    def now(self) -> dt.datetime:
        return self.service.clock()

    @property
    def today(self) -> dt.date:
        """Today in the service's time zone."""
        return self.now.astimezone(self.service.settings.timezone).date()

    def show(self, template: str, section: str, status: int = 200, **context: Any) -> Response:
        """``template`` as a page of the partner's cabinet, ``section`` current in its menu."""
        return partner_page(self.service, self.session, self.partner, template, section, status, **context)

    def go(self, target: str) -> Response:
        """On to ``target`` (post, redirect, get: reloading the page repeats nothing)."""
        return redirect(self.service, self.session, target)

    def not_found(self) -> Response:
        """The 404 of a subscriber, key or event that is not this partner's (or nobody's)."""
        return not_found(self.service, self.session, self.lang)

    async def record(self, action: str, subject: str, details: str | None = None) -> int:
        """Write what the operator did to the partner's audit log; the entry's id."""
        return await run_in_threadpool(
            operators.record,
            self.service.engine,
            self.partner.id,
            self.session.email or "",
            action,
            self.now,
            subject=subject[:MAX_SUBJECT],
            details=details,
        )


PageAnswer = Callable[[Opened], Awaitable[Response]]
"""What a partner's page answers, once :func:`opened`."""
FormAnswer = Callable[[Opened, FormData], Awaitable[Response]]
"""What a partner's page answers to a post, once :func:`posted`."""


def partner_endpoint(answer: PageAnswer) -> Endpoint:
    """The route's endpoint of a partner's page: ``answer`` for its operator (see :func:`opened`)."""

    async def endpoint(request: Request) -> Response:
        page = await opened(request)
        return page if isinstance(page, Response) else await answer(page)

    return endpoint


def partner_form_endpoint(answer: FormAnswer) -> Endpoint:
    """The route's endpoint of a post to a partner's page: ``answer`` with the posted form, once
    its token is checked and the operator's partner is known (see :func:`posted`)."""

    async def endpoint(request: Request) -> Response:
        found = await posted(request)
        return found if isinstance(found, Response) else await answer(*found)

    return endpoint


async def _gate(request: Request, service: Service, session: Session) -> Opened | Response:
    """The page of the path if the signed-in operator is its partner's operator; else the page to
    show instead (the sign-in for no session, 404 for a partner not theirs)."""
    if session.email is None:
        return redirect(service, session, root(service))
    partners = await partners_of(service, session)
    partner = next((p for p in partners if p.id == request.path_params["site_id"]), None)
    if partner is None:
        lang = partners[0].site.locale if partners else DEFAULT_LANGUAGE
        return not_found(service, session, lang)
    return Opened(request, service, session, partner, tuple(partners))


async def opened(request: Request) -> Opened | Response:
    """The page of the path for its partner's operator, or what to answer instead: the sign-in
    for no session, 404 for a partner not theirs."""
    service = service_of(request)
    return await _gate(request, service, session_of(request, service))


async def posted(request: Request) -> tuple[Opened, FormData] | Response:
    """A post to a partner's page with its form, or what to answer instead: 403 for a form
    without the session's token (checked first, before anything is looked up), then as
    :func:`opened`."""
    service = service_of(request)
    session = session_of(request, service)
    form = await posted_form(request, service, session)
    if isinstance(form, Response):
        return form
    page = await _gate(request, service, session)
    return page if isinstance(page, Response) else (page, form)
