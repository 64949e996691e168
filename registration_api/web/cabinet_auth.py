"""Signing in to the partner's cabinet under ``/cabinet/``: by a one-time link e-mailed to one of
the partner's operators (:mod:`registration_api.domain.operators`), no password.

- ``GET /cabinet/``: the e-mail form; once signed in, the partner's cabinet (or, for an operator
  of several partners, the choice of one).
- ``POST /cabinet/sign-in``: the same answer whether or not the address is an operator's; an
  operator's gets the link. Limited per client address and per e-mail address.
- ``GET /cabinet/sign-in/<token>``: one button, so that a mail scanner opening the link does not
  use it; ``POST`` uses it and starts the session (:mod:`~registration_api.web.cabinet_session`).
- ``GET /cabinet/<site-id>/``: the partner's cabinet, 404 for whoever is not its operator.
- ``POST /cabinet/sign-out``.

Every form carries the session's token against cross-site request forgery; a post without it
is refused with 403. Pages are Russian until a partner is known, then in the partner's language.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute
from wtforms import Form, StringField, validators

from registration_api.domain import cabinet_overview, operators
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import AuditEntry
from registration_api.web import cabinet_pages, cabinet_session, svg_chart
from registration_api.web.cabinet_session import Session
from registration_api.web.inputs import read_form
from registration_api.web.rate_limit import retry_after
from registration_api.web.routing import resource
from registration_api.web.service import Service, service_of
from storefront import formatting, language

_ = language.gettext
N_ = language.N_

#: The language of the cabinet's pages before a partner is known.
DEFAULT_LANGUAGE = "ru"

#: Mounted under the service's public address.
PREFIX = "/cabinet/"

_ACTIONS = {
    operators.SIGN_IN: N_("signed in"),
    operators.SIGN_OUT: N_("signed out"),
    operators.INVITATION_CREATED: N_("created invitations"),
}


class SignInForm(Form):
    email: StringField


@cache
def sign_in_form(lang: str) -> type[SignInForm]:
    """The e-mail form of one language (its messages are fixed per class, so classes are cached)."""
    with language.speaking(lang):

        class LocalisedForm(SignInForm):
            email = StringField(
                filters=[lambda value: value.strip() if isinstance(value, str) else value],
                validators=[
                    validators.DataRequired(_("Type your e-mail address.")),
                    validators.Length(max=254, message=_("This address is too long.")),
                    validators.Email(
                        _("This is not an e-mail address; write it as name@company.ru."), granular_message=False
                    ),
                ],
            )

    return LocalisedForm


# --- the frame of every answer ------------------------------------------------------------------
def root(service: Service) -> str:
    """The cabinet's path on the service's public address (a reverse proxy may add a sub-path)."""
    return urlsplit(service.settings.public_base).path.rstrip("/") + PREFIX


def _secure(service: Service) -> bool:
    return service.settings.public_base.startswith("https://")


def _session(request: Request, service: Service) -> Session:
    """The request's session, or a new anonymous one."""
    return cabinet_session.read(request, service.cabinet_secret, service.clock()) or Session.anonymous()


def _page(service: Service, session: Session, template: str, lang: str, status: int = 200, **context: Any) -> Response:
    """A cabinet page that carries (and so renews) the session."""
    headers = context.pop("headers", None)
    response = cabinet_pages.render(
        template, lang, status, headers, root=root(service), csrf=session.csrf, operator=session.email, **context
    )
    _keep(response, service, session)
    return response


def _keep(response: Response, service: Service, session: Session) -> None:
    cabinet_session.write(
        response,
        session,
        secret=service.cabinet_secret,
        now=service.clock(),
        path=root(service),
        secure=_secure(service),
    )


def _redirect(service: Service, session: Session | None, target: str) -> Response:
    response = RedirectResponse(target, status_code=303, headers=cabinet_pages.HEADERS)
    if session is None:
        cabinet_session.clear(response, path=root(service), secure=_secure(service))
    else:
        _keep(response, service, session)
    return response


def _message(
    service: Service, session: Session, lang: str, status: int, title: str, *paragraphs: str, **context: Any
) -> Response:
    return _page(service, session, "message.html", lang, status, title=title, paragraphs=paragraphs, **context)


async def _post(request: Request, service: Service, session: Session) -> FormData | Response:
    """The posted form, or the 403 page when it lacks the session's token (a forged post)."""
    settings = service.settings
    form = await read_form(request, cap=settings.max_body_bytes, timeout=settings.read_timeout_seconds)
    sent = form.get("csrf")
    if session.csrf_matches(sent if isinstance(sent, str) else None):
        return form
    partners = await _partners(service, session)
    lang = partners[0].site.locale if partners else DEFAULT_LANGUAGE
    with language.speaking(lang):
        return _message(
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


async def _sign_in_post(request: Request, service: Service, session: Session) -> FormData | Response:
    """A sign-in step's form (asking for a link, using one): CSRF-checked, within the client's limit."""
    posted = await _post(request, service, session)
    if isinstance(posted, Response):
        return posted
    wait = service.sign_ins_by_client.take(service.client(request))
    return _too_many(service, session, wait) if wait else posted


def _too_many(service: Service, session: Session, wait: float) -> Response:
    with language.speaking(DEFAULT_LANGUAGE):
        return _message(
            service,
            session,
            DEFAULT_LANGUAGE,
            429,
            _("Too many requests"),
            _("Links were asked for too often. Wait a minute and ask again."),
            back_url=root(service),
            back_text=_("Open the cabinet"),
            headers=retry_after(wait),
        )


async def _partners(service: Service, session: Session) -> list[PartnerSite]:
    if session.email is None:
        return []
    return await run_in_threadpool(operators.partners_of, service.sites, session.email)


# --- the routes ---------------------------------------------------------------------------------
async def home(request: Request) -> Response:
    service = service_of(request)
    session = _session(request, service)
    partners = await _partners(service, session)
    if len(partners) == 1:
        return _redirect(service, session, f"{root(service)}{partners[0].id}/")
    if partners:
        lang = partners[0].site.locale
        with language.speaking(lang):
            title = _("Choose a partner")
        chosen = [{"id": p.id, "name": p.site.config.partner.name} for p in partners]
        return _page(service, session, "choose.html", lang, title=title, partners=chosen)
    if session.email is not None:  # no longer anyone's operator
        session = Session.anonymous()
    return _sign_in_page(service, session, sign_in_form(DEFAULT_LANGUAGE)())


def _sign_in_page(service: Service, session: Session, form: SignInForm, status: int = 200) -> Response:
    with language.speaking(DEFAULT_LANGUAGE):
        title = _("Sign in to the cabinet")
    return _page(service, session, "sign_in.html", DEFAULT_LANGUAGE, status, title=title, form=form)


async def ask_for_link(request: Request) -> Response:
    service = service_of(request)
    session = _session(request, service)
    posted = await _sign_in_post(request, service, session)
    if isinstance(posted, Response):
        return posted
    form = sign_in_form(DEFAULT_LANGUAGE)(posted)
    if not form.validate():
        return _sign_in_page(service, session, form, 400)
    email = form.email.data or ""
    wait = service.sign_ins_by_address.take(operators.address_key(email))
    if wait:
        return _too_many(service, session, wait)
    asked = operators.LinkRequest(
        email=email,
        cabinet_url=service.settings.public_base.rstrip("/") + PREFIX,
        sender=service.settings.mail_from,
        now=service.clock(),
    )
    with language.speaking(DEFAULT_LANGUAGE):
        answer = _message(
            service,
            session,
            DEFAULT_LANGUAGE,
            200,
            _("Check your mail"),
            _(
                "If {email} is on a partner's list of operators, we have sent a link to it. The link works once, "
                "within {minutes} minutes."
            ).format(email=email, minutes=operators.LINK_MINUTES),
            _(
                "No e-mail within a few minutes? Look in the spam folder, and check with your manager that the "
                "address is listed in partner.operators of your site."
            ),
            back_url=root(service),
            back_text=_("Ask for another link"),
        )
    # after the answer is sent: how long it takes then (a link stored, an e-mail composed or
    # nothing at all) tells the client nothing about whether the address is an operator's
    answer.background = BackgroundTask(_send_link, service, asked)
    return answer


async def _send_link(service: Service, asked: operators.LinkRequest) -> None:
    if await run_in_threadpool(operators.request_link, service.engine, service.sites, asked):
        service.outbox_waiting.set()


async def link_page(request: Request) -> Response:
    service = service_of(request)
    session = _session(request, service)
    token = request.path_params["token"]
    if len(token) > operators.MAX_TOKEN:
        return _unusable_link(service, session, 404)
    lang = await run_in_threadpool(_link_language, service, token)
    with language.speaking(lang):
        title = _("Sign in to the cabinet")
    action = f"{root(service)}sign-in/{token}"
    return _page(service, session, "link.html", lang, title=title, action=action)


def _unusable_link(service: Service, session: Session, status: int) -> Response:
    """The page of a link used, late, unknown (410) or longer than any sent (404)."""
    with language.speaking(DEFAULT_LANGUAGE):
        return _message(
            service,
            session,
            DEFAULT_LANGUAGE,
            status,
            _("This link no longer works"),
            _(
                "A sign-in link works once, within {minutes} minutes. This one has been used, has expired or "
                "was never sent. Ask for a new one."
            ).format(minutes=operators.LINK_MINUTES),
            back_url=root(service),
            back_text=_("Ask for a new link"),
        )


def _link_language(service: Service, token: str) -> str:
    """The language of the partner whose operator the link was sent to (its e-mail's), else Russian."""
    email = (
        operators.link_address(service.engine, token, service.clock()) if len(token) <= operators.MAX_TOKEN else None
    )
    partners = operators.partners_of(service.sites, email) if email else []
    return partners[0].site.locale if partners else DEFAULT_LANGUAGE


async def use_link(request: Request) -> Response:
    service = service_of(request)
    session = _session(request, service)
    posted = await _sign_in_post(request, service, session)
    if isinstance(posted, Response):
        return posted
    token = request.path_params["token"]
    if len(token) > operators.MAX_TOKEN:
        return _unusable_link(service, session, 404)
    now = service.clock()
    email = await run_in_threadpool(operators.use_link, service.engine, token, now)
    partners = await run_in_threadpool(operators.partners_of, service.sites, email) if email else []
    if not partners or email is None:
        return _unusable_link(service, session, 410)
    for partner in partners:
        await run_in_threadpool(operators.record, service.engine, partner.id, email, operators.SIGN_IN, now)
    return _redirect(service, Session.signed_in(email), root(service))


async def operated_partner(request: Request, service: Service, session: Session) -> PartnerSite | Response:
    """The partner of the path if the signed-in operator is its operator; else the page to show
    instead (the sign-in for no session, 404 for a partner not theirs). Every cabinet page of a
    partner starts here."""
    if session.email is None:
        return _redirect(service, session, root(service))
    partners = await _partners(service, session)
    partner = next((p for p in partners if p.id == request.path_params["site_id"]), None)
    if partner is None:
        lang = partners[0].site.locale if partners else DEFAULT_LANGUAGE
        title, text, back = _not_found(lang)
        return _message(service, session, lang, 404, title, text, back_url=root(service), back_text=back)
    return partner


async def cabinet(request: Request) -> Response:
    service = service_of(request)
    session = _session(request, service)
    partner = await operated_partner(request, service, session)
    if isinstance(partner, Response):
        return partner
    partners = await _partners(service, session)
    lang = partner.site.locale
    entries = await run_in_threadpool(operators.recent, service.engine, partner.id)
    timezone = service.settings.timezone
    today = service.clock().astimezone(timezone).date()
    figures = await run_in_threadpool(cabinet_overview.overview, service.engine, partner.id, today, timezone)
    pages = {page.id: page.title for page in partner.site.config.registration}
    with language.speaking(lang):
        shown = [_entry(service, entry) for entry in entries]
        # the chart escapes every text it draws (tests/security/test_svg_chart_names.py)
        chart = Markup(svg_chart.daily_chart(figures.daily, figures.first_day, pages, lang))
        rate = figures.trial_to_paid_rate
        rate_text = formatting.percent(rate, lang) if rate is not None else _("no trial has ended yet")
    return _page(
        service,
        session,
        "overview.html",
        lang,
        title=partner.site.config.partner.name,
        site_id=partner.id,
        entries=shown,
        several=len(partners) > 1,
        figures=figures,
        chart=chart,
        rate=rate_text,
    )


def _not_found(lang: str) -> tuple[str, str, str]:
    with language.speaking(lang):
        return (
            _("There is no such cabinet"),
            _("This address is not a cabinet you may open. Open the cabinet from its start page."),
            _("Open the cabinet"),
        )


def _entry(service: Service, entry: AuditEntry) -> dict[str, str]:
    what = _(_ACTIONS[entry.action]) if entry.action in _ACTIONS else entry.action
    if entry.subject:
        what = f"{what}: {entry.subject}"
    when = entry.at.astimezone(service.settings.timezone).strftime("%d.%m.%Y %H:%M")
    return {"when": when, "operator": entry.operator, "what": what}


async def sign_out(request: Request) -> Response:
    service = service_of(request)
    session = _session(request, service)
    posted = await _post(request, service, session)
    if isinstance(posted, Response):
        return posted
    if session.email is not None:
        now = service.clock()
        for partner in await _partners(service, session):
            await run_in_threadpool(
                operators.record, service.engine, partner.id, session.email, operators.SIGN_OUT, now
            )
    return _redirect(service, None, root(service))


routes: list[BaseRoute] = [
    resource(PREFIX, GET=home),
    resource(PREFIX + "sign-in", POST=ask_for_link),
    resource(PREFIX + "sign-in/{token}", GET=link_page, POST=use_link),
    resource(PREFIX + "sign-out", POST=sign_out),
    resource(PREFIX + "{site_id}/", GET=cabinet),
]
