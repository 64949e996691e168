"""The pages a client opens from an e-mail, in the partner's theme: ``/invite/<code>`` (activate
an invitation with the registration form) and ``/extend/<token>`` (extend access by 7 days, once,
from the 7-day reminder).

Refusals are raised as :class:`~registration_api.web.errors.Refusal`: a browser sees the
partner's message page (or a plain one when the code or link names no partner), a script JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.delivery.messages import Lead
from registration_api.domain import invitations, reminders, subscriptions
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import Invitation
from registration_api.web.errors import Refusal
from registration_api.web.forms import errors_of, registration_form, signup_of, typed_values
from registration_api.web.inputs import read_form
from registration_api.web.rate_limit import retry_after
from registration_api.web.routing import resource
from registration_api.web.service import Service, service_of
from registration_api.web.themed_pages import PartnerPage
from storefront import Translator, formatting

_CODE = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}")
_STATUS_OF_STATE = {"used": 409, "expired": 410}


def _post_allowed(request: Request, service: Service) -> None:
    """A browser's post from one of these pages, within the address's limit and the body limits."""
    wait = service.browser_post_allowed(request)
    if wait:
        raise HTTPException(429, "too many posts from this address; try again in a minute", retry_after(wait))


async def _form(request: Request, service: Service) -> FormData:
    settings = service.settings
    return await read_form(request, cap=settings.max_body_bytes, timeout=settings.read_timeout_seconds)


# --- /invite/<code> --------------------------------------------------------------------------
def _find_invitation(service: Service, code: str) -> tuple[PartnerSite, Invitation] | None:
    normalised = invitations.normalise_code(code)
    invitation = invitations.find(service.engine, normalised) if _CODE.fullmatch(normalised) else None
    partner = service.sites.get(invitation.site_id) if invitation else None
    return (partner, invitation) if partner and invitation else None


async def _open_invitation(request: Request, service: Service) -> tuple[PartnerSite, Invitation]:
    """The invitation the link names, with its partner; refused when it is unknown, used or expired."""
    found = await run_in_threadpool(_find_invitation, service, request.path_params["code"])
    if found is None:
        raise Refusal(404, "there is no such invitation code", plain="msg_invite_unknown")
    partner, invitation = found
    state = invitation.state(service.clock())
    if state != "open":
        raise Refusal(
            _STATUS_OF_STATE[state],
            f"this invitation is {state}",
            page=_invitation_message(partner, invitation, f"invite_{state}"),
        )
    return partner, invitation


def _invitation_message(
    partner: PartnerSite, invitation: Invitation, key: str, values: Mapping[str, object] | None = None, **context: str
) -> PartnerPage:
    base = partner.site.config.site.base_url
    return PartnerPage.message(partner, f"invite/{invitation.code}/", base, key, values, **context)


def _invitation_form(
    partner: PartnerSite, invitation: Invitation, form_action: str, form: dict[str, object] | None = None
) -> PartnerPage:
    """The activation page: what the invitation gives, and the registration form."""
    t = Translator(partner.site.locale)
    title = t.text("invite_title", partner=t.company(partner.site.config.partner.name, "gen"))
    return PartnerPage.unplanned(
        partner,
        f"invite/{invitation.code}/",
        "invite.html",
        title,
        partner.site.config.site.base_url,
        code=invitation.code,
        reg={"trial_days": invitation.trial_days},
        reg_tariff=partner.site.tariff(invitation.tariff),
        form=form or {"values": {}, "errors": {}},
        form_action=form_action,
    )


async def show_invitation(request: Request) -> Response:
    service = service_of(request)
    partner, invitation = await _open_invitation(request, service)
    return await service.pages.respond(_invitation_form(partner, invitation, service.own_url(request)))


async def activate_invitation(request: Request) -> Response:
    service = service_of(request)
    _post_allowed(request, service)
    data = await _form(request, service)
    partner, invitation = await _open_invitation(request, service)
    origin = service.request_origin(request)
    if not (service.origin_allowed(partner, origin) or origin == service.own_origin()):
        raise Refusal(
            403,
            f"invitations are activated only from the partner's sites or this service, not from {origin}",
            page=_invitation_message(partner, invitation, "foreign"),
        )
    form = registration_form(partner.site.locale)(data)
    if not form.validate():
        shown = _invitation_form(
            partner, invitation, service.own_url(request), {"values": typed_values(form), "errors": errors_of(form)}
        )
        return await service.pages.respond(shown, 422)
    if form.website.data:  # a bot that filled the hidden field: told the code is used, dropped
        return await service.pages.respond(_invitation_message(partner, invitation, "invite_used"))
    signup = signup_of(form, partner.site, with_token=False)
    settings = service.settings

    def activate() -> Lead:
        return invitations.activate(
            service.engine,
            partner,
            invitation,
            signup,
            now=service.clock(),
            timezone=settings.timezone,
            mail_from=settings.mail_from,
            public_base=settings.public_base,
        )

    try:
        activation = await run_in_threadpool(activate)
    except invitations.AlreadyUsed:
        raise Refusal(
            409, "this invitation is used", page=_invitation_message(partner, invitation, "invite_used")
        ) from None
    service.outbox_waiting.set()
    locale = partner.site.locale
    values = {"number": activation.number, "date": formatting.date(activation.trial_ends, locale)}
    done = _invitation_message(
        partner,
        invitation,
        "invite_done",
        values,
        start_url=partner.site.config.partner.service_url,
        start_text=Translator(locale).text("thanks_step_login"),
    )
    return await service.pages.respond(done)


# --- /extend/<token> ----------------------------------------------------------------------------
def _find_extension(service: Service, token: str) -> tuple[PartnerSite, str, dt.date] | None:
    parsed = reminders.read_extension_token(service.link_secret, token)
    if parsed is None:
        return None
    number, period_end = parsed
    site_id = subscriptions.site_of(service.engine, number)
    partner = service.sites.get(site_id) if site_id else None
    return (partner, number, period_end) if partner else None


async def _open_extension(request: Request, service: Service) -> tuple[PartnerSite, str, dt.date]:
    """The partner, subscriber number and end of period a genuine link names; refused otherwise."""
    found = await run_in_threadpool(_find_extension, service, request.path_params["token"])
    if found is None:
        raise Refusal(404, "this link is not valid", plain="plain_unknown_link")
    return found


def _extension_message(
    partner: PartnerSite, key: str, values: Mapping[str, object] | None = None, **context: str
) -> PartnerPage:
    return PartnerPage.message(partner, "extend/", partner.site.config.site.base_url, key, values, **context)


async def show_extension(request: Request) -> Response:
    service = service_of(request)
    partner, number, period_end = await _open_extension(request, service)
    new_end = period_end + dt.timedelta(days=reminders.EXTENSION_DAYS)
    locale = partner.site.locale
    shown = _extension_message(
        partner,
        "extend",
        {
            "number": number,
            "days": Translator(locale).plural("days", reminders.EXTENSION_DAYS),
            "date": formatting.date(new_end, locale),
        },
        post_url=service.own_url(request),
        post_text=Translator(locale).text("msg_extend_button"),
    )
    return await service.pages.respond(shown)


async def extend(request: Request) -> Response:
    service = service_of(request)
    _post_allowed(request, service)
    await _form(request, service)
    partner, number, period_end = await _open_extension(request, service)
    new_end = await run_in_threadpool(reminders.extend, service.engine, partner.id, number, period_end, service.clock())
    if new_end is None:
        raise Refusal(
            409, "this link has been used or is out of date", page=_extension_message(partner, "extend_invalid")
        )
    values = {"number": number, "date": formatting.date(new_end, partner.site.locale)}
    return await service.pages.respond(_extension_message(partner, "extend_done", values))


routes: list[BaseRoute] = [
    resource("/invite/{code}", GET=show_invitation, POST=activate_invitation),
    resource("/extend/{token}", GET=show_extension, POST=extend),
]
