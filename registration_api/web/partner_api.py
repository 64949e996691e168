"""Routes beyond the registration form: the partner's API and the pages a client opens from
an e-mail (an invitation to activate, a link to extend access).

Every partner endpoint needs ``Authorization: Bearer <key>`` and sees only the data of the
site its key belongs to.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from registration_api.domain import api_keys, invitations, reminders, subscriptions
from registration_api.domain.partner_sites import PartnerSite
from registration_api.domain.signups import SignUp
from registration_api.storage.tables import subscribers
from registration_api.web.csv_export import write_csv
from registration_api.web.errors import plain_page
from registration_api.web.forms import errors_of, registration_form, typed_values
from registration_api.web.inputs import read_form, read_json
from registration_api.web.partner_inputs import (
    Conversion,
    Departure,
    ListQuery,
    NewInvitations,
    SubscriberQuery,
    validated,
)
from registration_api.web.rate_limit import retry_after
from registration_api.web.routing import resource
from storefront.formatting import date as format_date
from storefront.i18n import Translator
from storefront.render.pages import Page

if TYPE_CHECKING:
    from registration_api.web.app import Service


def _table(rows: list[dict], columns: list[str], wants_csv: bool, filename: str) -> Response:
    if not wants_csv:
        return JSONResponse(rows)
    out = io.StringIO()
    write_csv(out, columns, rows)
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


_CODE = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}")
_BEARER = {"WWW-Authenticate": "Bearer"}


def invitation_row(invitation: invitations.Invitation) -> dict[str, Any]:
    return {
        "code": invitation.code,
        "created_at": invitation.created_at.isoformat(),
        "email": invitation.email,
        "tariff": invitation.tariff,
        "trial_days": invitation.trial_days,
        "expires_at": invitation.expires_at.isoformat() if invitation.expires_at else None,
        "subscriber_number": invitation.subscriber_number,
        "activated_at": invitation.activated_at.isoformat() if invitation.activated_at else None,
    }


INVITATION_COLUMNS = [
    "code",
    "created_at",
    "email",
    "tariff",
    "trial_days",
    "expires_at",
    "subscriber_number",
    "activated_at",
]


def routes(service: Service) -> list[Route]:
    engine, settings = service.engine, service.settings
    limits = {"cap": settings.max_body_bytes, "timeout": settings.read_timeout_seconds}

    async def partner_for(request: Request) -> PartnerSite:
        """The partner whose key came with the request, within the address's and the key's limits."""
        client = service.client(request)
        wait = service.api_limiter.take(f"address:{client}")
        if wait:
            raise HTTPException(429, "too many requests from this address; try again later", retry_after(wait))
        wait = service.auth_failures.peek(client)
        if wait:
            raise HTTPException(429, "too many wrong API keys from this address; try again later", retry_after(wait))
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise HTTPException(
                401, "send your API key as 'Authorization: Bearer <key>' (registration-api keys create)", _BEARER
            )
        key = header[7:].strip()
        site_id = await run_in_threadpool(api_keys.site_of, engine, key)
        if site_id is None:
            service.auth_failures.take(client)
            raise HTTPException(401, "this API key is unknown or revoked", _BEARER)
        wait = service.api_limiter.take(f"key:{key[:12]}")
        if wait:
            raise HTTPException(429, "too many requests with this API key; try again later", retry_after(wait))
        if site_id != request.path_params["site_id"]:
            raise HTTPException(403, "this API key belongs to another partner")
        partner = service.registry.get(site_id)
        if partner is None:
            raise HTTPException(404, "this site is not loaded")
        return partner

    async def list_subscribers(request: Request) -> Response:
        partner = await partner_for(request)
        query = validated(SubscriberQuery, request.query_params)
        rows = await run_in_threadpool(
            subscriptions.list_for, engine, partner.id, status=query.status, since=query.since, until=query.until
        )
        return _table(rows, list(subscriptions.COLUMNS), query.format == "csv", f"{partner.id}-subscribers.csv")

    async def convert(request: Request) -> Response:
        partner = await partner_for(request)
        paid_until = validated(Conversion, await read_json(request, **limits)).paid_until
        number = request.path_params["number"]
        if not await run_in_threadpool(subscriptions.convert, engine, partner, number, paid_until, service.clock()):
            raise HTTPException(404, f"there is no subscriber {number} of this partner")
        service.wake.set()
        return JSONResponse({"subscriber_number": number, "status": "paid", "paid_until": paid_until.isoformat()})

    async def gone(request: Request) -> Response:
        partner = await partner_for(request)
        reason = validated(Departure, await read_json(request, **limits)).reason
        number = request.path_params["number"]
        if not await run_in_threadpool(subscriptions.mark_gone, engine, partner.id, number, reason, service.clock()):
            raise HTTPException(404, f"there is no subscriber {number} of this partner")
        return JSONResponse({"subscriber_number": number, "status": "gone", "reason": reason})

    async def list_invitations(request: Request) -> Response:
        partner = await partner_for(request)
        query = validated(ListQuery, request.query_params)
        rows = [invitation_row(i) for i in await run_in_threadpool(invitations.list_for, engine, partner.id)]
        return _table(rows, INVITATION_COLUMNS, query.format == "csv", f"{partner.id}-invitations.csv")

    async def create_invitations(request: Request) -> Response:
        partner = await partner_for(request)
        wanted = validated(NewInvitations, await read_json(request, **limits))
        try:
            codes = await run_in_threadpool(
                lambda: invitations.create(
                    engine,
                    partner,
                    now=service.clock(),
                    email=wanted.email,
                    tariff=wanted.tariff,
                    trial_days=wanted.trial_days,
                    count=wanted.count,
                    expires_days=wanted.expires_days,
                    mail_from=settings.mail_from,
                    activation_base=service.public_base(),
                    mails_per_day=settings.invitation_mails_per_day,
                )
            )
        except invitations.MailQuota as exc:
            raise HTTPException(429, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        service.wake.set()
        base = service.public_base().rstrip("/")
        return JSONResponse({"codes": codes, "links": [f"{base}/invite/{c}" for c in codes]}, status_code=201)

    def browser_post_allowed(request: Request) -> None:
        """Posts from the pages an e-mail opens share the per-address limit of sign-ups."""
        wait = service.limiter.take(service.client(request))
        if wait:
            raise HTTPException(429, "too many posts from this address; try again in a minute", retry_after(wait))

    # --- pages a client opens from an e-mail ---------------------------------------------
    async def invite_page(
        partner: PartnerSite,
        invitation: invitations.Invitation,
        request: Request,
        status: int = 200,
        form: dict | None = None,
    ) -> Response:
        title = Translator(partner.site.locale).text("invite_title", partner=partner.site.config.partner.name)
        page = Page(f"invite/{invitation.code}/", "invite.html", "invite", title, title, noindex=True)
        return await service.page_response(
            partner,
            page,
            status,
            partner.site.config.site.base_url,
            code=invitation.code,
            reg={"trial_days": invitation.trial_days},
            reg_tariff=partner.site.tariff(invitation.tariff),
            form=form or {"values": {}, "errors": {}},
            form_action=service.own_url(request),
        )

    def invitation_state(request: Request) -> tuple[PartnerSite | None, invitations.Invitation | None, str]:
        code = invitations.normalise_code(request.path_params["code"])
        invitation = invitations.find(engine, code) if _CODE.fullmatch(code) else None
        partner = service.registry.get(invitation.site_id) if invitation else None
        if invitation is None or partner is None:
            return None, None, "missing"
        return partner, invitation, invitation.state(service.clock())

    async def open_invitation(
        request: Request,
    ) -> tuple[PartnerSite | None, invitations.Invitation | None, Response | None]:
        """The invitation a link names, or the page that says why it cannot be used."""
        partner, invitation, state = await run_in_threadpool(invitation_state, request)
        if partner is None or invitation is None:
            return (
                None,
                None,
                plain_page(404, "Приглашение не найдено", "Такого кода приглашения нет. Проверьте ссылку из письма."),
            )
        if state != "open":
            return (
                partner,
                invitation,
                await service.message_page(
                    partner,
                    f"invite/{invitation.code}/",
                    410 if state == "expired" else 409,
                    partner.site.config.site.base_url,
                    f"invite_{state}",
                ),
            )
        return partner, invitation, None

    async def show_invitation(request: Request) -> Response:
        partner, invitation, refusal = await open_invitation(request)
        return refusal or await invite_page(partner, invitation, request)

    async def activate_invitation(request: Request) -> Response:
        browser_post_allowed(request)
        data = await read_form(request, **limits)
        partner, invitation, refusal = await open_invitation(request)
        if refusal:
            return refusal
        origin = service.request_origin(request)
        if not (service.origin_allowed(partner, origin) or origin == service.own_origin()):
            return await service.message_page(
                partner, f"invite/{invitation.code}/", 403, partner.site.config.site.base_url, "foreign"
            )
        form = registration_form(partner.site.locale)(data)
        if not form.validate():
            return await invite_page(
                partner, invitation, request, 422, {"values": typed_values(form), "errors": errors_of(form)}
            )
        if form.website.data:
            return await service.message_page(
                partner, f"invite/{invitation.code}/", 200, partner.site.config.site.base_url, "invite_used"
            )
        signup = SignUp.from_form(form, with_token=False)
        try:
            lead = await run_in_threadpool(
                lambda: invitations.activate(
                    engine,
                    partner,
                    invitation,
                    signup,
                    now=service.clock(),
                    timezone=settings.timezone,
                    mail_from=settings.mail_from,
                )
            )
        except invitations.AlreadyUsed:
            return await service.message_page(
                partner, f"invite/{invitation.code}/", 409, partner.site.config.site.base_url, "invite_used"
            )
        service.wake.set()
        return await service.message_page(
            partner,
            f"invite/{invitation.code}/",
            200,
            partner.site.config.site.base_url,
            "invite_done",
            {"number": lead.number, "date": format_date(lead.trial_ends, partner.site.locale)},
        )

    def extension(request: Request):
        parsed = reminders.read_extension_token(service.secret, request.path_params["token"])
        if parsed is None:
            return None, None, None
        number, period_end = parsed
        with engine.connect() as conn:
            site_id = conn.execute(sa.select(subscribers.c.site_id).where(subscribers.c.number == number)).scalar()
        return service.registry.get(site_id) if site_id else None, number, period_end

    async def show_extension(request: Request) -> Response:
        partner, number, period_end = await run_in_threadpool(extension, request)
        if partner is None:
            return plain_page(404, "Ссылка не действует", "Эта ссылка не действует. Свяжитесь с партнёром.")
        new_end = period_end + dt.timedelta(days=reminders.EXTENSION_DAYS)
        t = Translator(partner.site.locale).text
        return await service.message_page(
            partner,
            "extend/",
            200,
            partner.site.config.site.base_url,
            "extend",
            {"number": number, "date": format_date(new_end, partner.site.locale)},
            post_url=service.own_url(request),
            post_text=t("msg_extend_button"),
        )

    async def do_extension(request: Request) -> Response:
        browser_post_allowed(request)
        await read_form(request, **limits)
        partner, number, period_end = await run_in_threadpool(extension, request)
        if partner is None:
            return plain_page(404, "Ссылка не действует", "Эта ссылка не действует. Свяжитесь с партнёром.")
        new_end = await run_in_threadpool(reminders.extend, engine, partner.id, number, period_end, service.clock())
        base = partner.site.config.site.base_url
        if new_end is None:
            return await service.message_page(partner, "extend/", 409, base, "extend_invalid")
        return await service.message_page(
            partner,
            "extend/",
            200,
            base,
            "extend_done",
            {"number": number, "date": format_date(new_end, partner.site.locale)},
        )

    prefix = "/api/v1/sites/{site_id}"
    return [
        resource(f"{prefix}/subscribers", GET=list_subscribers),
        resource(f"{prefix}/subscribers/{{number}}/convert", POST=convert),
        resource(f"{prefix}/subscribers/{{number}}/gone", POST=gone),
        resource(f"{prefix}/invitations", GET=list_invitations, POST=create_invitations),
        resource("/invite/{code}", GET=show_invitation, POST=activate_invitation),
        resource("/extend/{token}", GET=show_extension, POST=do_extension),
    ]
