"""Signing in to the partner's cabinet under ``/cabinet/``: by a one-time link e-mailed to one of
the partner's operators (:mod:`registration_api.domain.operators`), no password.

- ``GET /cabinet/``: the e-mail form; once signed in, the partner's cabinet (or, for an operator
  of several partners, the choice of one).
- ``POST /cabinet/sign-in``: the same answer whether or not the address is an operator's; an
  operator's gets the link. Limited per client address and per e-mail address.
- ``GET /cabinet/sign-in/<token>``: one button, so that a mail scanner opening the link does not
  use it; ``POST`` uses it and starts the session (:mod:`~registration_api.web.cabinet_session`).
- ``POST /cabinet/sign-out``.

Every form carries the session's token against cross-site request forgery; a post without it
is refused with 403 (:func:`~registration_api.web.cabinet_pages.posted_form`).
"""

from __future__ import annotations

from functools import cache

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from wtforms import Form, StringField, validators

from registration_api.domain import operators
from registration_api.web.cabinet_forms import email_checks, strip
from registration_api.web.cabinet_pages import (
    DEFAULT_LANGUAGE,
    PREFIX,
    message,
    page,
    partners_of,
    posted_form,
    redirect,
    root,
    session_of,
)
from registration_api.web.cabinet_session import Session
from registration_api.web.rate_limit import retry_after
from registration_api.web.routing import resource
from registration_api.web.service import Service, service_of
from storefront import language

_ = language.gettext


class SignInForm(Form):
    email: StringField


@cache
def sign_in_form(lang: str) -> type[SignInForm]:
    """The e-mail form of one language (its messages are fixed per class, so classes are cached)."""
    with language.speaking(lang):

        class LocalisedForm(SignInForm):
            email = StringField(
                filters=[strip],
                validators=[
                    validators.DataRequired(_("Type your e-mail address.")),
                    *email_checks(),
                ],
            )

    return LocalisedForm


async def _sign_in_post(request: Request, service: Service, session: Session) -> FormData | Response:
    """A sign-in step's form (asking for a link, using one): CSRF-checked, within the client's limit."""
    posted = await posted_form(request, service, session)
    if isinstance(posted, Response):
        return posted
    wait = service.sign_ins_by_client.take(service.client(request))
    return _too_many(service, session, wait) if wait else posted


def _too_many(service: Service, session: Session, wait: float) -> Response:
    with language.speaking(DEFAULT_LANGUAGE):
        return message(
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


# --- the routes ---------------------------------------------------------------------------------
async def home(request: Request) -> Response:
    service = service_of(request)
    session = session_of(request, service)
    partners = await partners_of(service, session)
    if len(partners) == 1:
        return redirect(service, session, f"{root(service)}{partners[0].id}/")
    if partners:
        lang = partners[0].site.locale
        with language.speaking(lang):
            title = _("Choose a partner")
        chosen = [{"id": p.id, "name": p.site.config.partner.name} for p in partners]
        return page(service, session, "choose.html", lang, title=title, partners=chosen)
    if session.email is not None:  # no longer anyone's operator
        session = Session.anonymous()
    return _sign_in_page(service, session, sign_in_form(DEFAULT_LANGUAGE)())


def _sign_in_page(service: Service, session: Session, form: SignInForm, status: int = 200) -> Response:
    with language.speaking(DEFAULT_LANGUAGE):
        title = _("Sign in to the cabinet")
    return page(service, session, "sign_in.html", DEFAULT_LANGUAGE, status, title=title, form=form)


async def ask_for_link(request: Request) -> Response:
    service = service_of(request)
    session = session_of(request, service)
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
        answer = message(
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
    session = session_of(request, service)
    token = request.path_params["token"]
    if len(token) > operators.MAX_TOKEN:
        return _unusable_link(service, session, 404)
    lang = await run_in_threadpool(_link_language, service, token)
    with language.speaking(lang):
        title = _("Sign in to the cabinet")
    action = f"{root(service)}sign-in/{token}"
    return page(service, session, "link.html", lang, title=title, action=action)


def _unusable_link(service: Service, session: Session, status: int) -> Response:
    """The page of a link used, late, unknown (410) or longer than any sent (404)."""
    with language.speaking(DEFAULT_LANGUAGE):
        return message(
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
    session = session_of(request, service)
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
    return redirect(service, Session.signed_in(email, now), root(service))


async def sign_out(request: Request) -> Response:
    service = service_of(request)
    session = session_of(request, service)
    posted = await posted_form(request, service, session)
    if isinstance(posted, Response):
        return posted
    if session.email is not None:
        now = service.clock()
        for partner in await partners_of(service, session):
            await run_in_threadpool(
                operators.record, service.engine, partner.id, session.email, operators.SIGN_OUT, now
            )
    return redirect(service, None, root(service))


routes: list[BaseRoute] = [
    resource(PREFIX, GET=home),
    resource(PREFIX + "sign-in", POST=ask_for_link),
    resource(PREFIX + "sign-in/{token}", GET=link_page, POST=use_link),
    resource(PREFIX + "sign-out", POST=sign_out),
]
