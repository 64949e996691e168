"""Routes beyond the registration form: the partner's API and the pages a client opens from
an e-mail (an invitation to activate, a link to extend access).

Every partner endpoint needs ``Authorization: Bearer <key>`` and sees only the data of the
site its key belongs to.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from html import escape
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from storefront.formatting import date as format_date
from storefront.i18n import Translator
from storefront.pages import Page

from . import invitations, keys, reminders, subscriptions
from .db import subscribers
from .forms import errors_of, registration_form, typed_values
from .registration import SignUp
from .registry import Partner

if TYPE_CHECKING:
    from .app import Service


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _table(rows: list[dict], columns: list[str], wants_csv: bool, filename: str) -> Response:
    if not wants_csv:
        return JSONResponse(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def invitation_row(invitation: invitations.Invitation) -> dict[str, Any]:
    return {"code": invitation.code, "created_at": invitation.created_at.isoformat(), "email": invitation.email,
            "tariff": invitation.tariff, "trial_days": invitation.trial_days,
            "expires_at": invitation.expires_at.isoformat() if invitation.expires_at else None,
            "subscriber_number": invitation.subscriber_number,
            "activated_at": invitation.activated_at.isoformat() if invitation.activated_at else None}


INVITATION_COLUMNS = ["code", "created_at", "email", "tariff", "trial_days", "expires_at", "subscriber_number",
                      "activated_at"]


def routes(service: "Service") -> list[Route]:
    engine, settings = service.engine, service.settings

    async def partner_for(request: Request) -> Partner | Response:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return _error(401, "send your API key as 'Authorization: Bearer <key>' (registration-api keys create)")
        site_id = await run_in_threadpool(keys.site_of, engine, header[7:].strip())
        if site_id is None:
            return _error(401, "this API key is unknown or revoked")
        if site_id != request.path_params["site_id"]:
            return _error(403, "this API key belongs to another partner")
        partner = service.registry.get(site_id)
        return partner if partner is not None else _error(404, "this site is not loaded")

    async def list_subscribers(request: Request) -> Response:
        partner = await partner_for(request)
        if isinstance(partner, Response):
            return partner
        query = request.query_params
        status = query.get("status") or None
        if status and status not in subscriptions.STATUSES:
            return _error(400, f"status must be one of {', '.join(subscriptions.STATUSES)}")
        try:
            since, until = _date(query.get("since"), "since"), _date(query.get("until"), "until")
        except ValueError as exc:
            return _error(400, str(exc))
        rows = await run_in_threadpool(subscriptions.list_for, engine, partner.id, status=status, since=since,
                                       until=until)
        return _table(rows, list(subscriptions.COLUMNS), query.get("format") == "csv", f"{partner.id}-subscribers.csv")

    async def body_of(request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise ValueError("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    async def convert(request: Request) -> Response:
        partner = await partner_for(request)
        if isinstance(partner, Response):
            return partner
        try:
            paid_until = _date((await body_of(request)).get("paid_until"), "paid_until")
        except ValueError as exc:
            return _error(400, str(exc))
        if paid_until is None:
            return _error(400, "send {\"paid_until\": \"YYYY-MM-DD\"}")
        number = request.path_params["number"]
        if not await run_in_threadpool(subscriptions.convert, engine, partner, number, paid_until, service.clock()):
            return _error(404, f"there is no subscriber {number} of this partner")
        service.wake.set()
        return JSONResponse({"subscriber_number": number, "status": "paid", "paid_until": paid_until.isoformat()})

    async def gone(request: Request) -> Response:
        partner = await partner_for(request)
        if isinstance(partner, Response):
            return partner
        try:
            reason = str((await body_of(request)).get("reason") or "").strip()
        except ValueError as exc:
            return _error(400, str(exc))
        if not reason:
            return _error(400, "send {\"reason\": \"...\"}: why the client left")
        number = request.path_params["number"]
        if not await run_in_threadpool(subscriptions.mark_gone, engine, partner.id, number, reason[:1000],
                                       service.clock()):
            return _error(404, f"there is no subscriber {number} of this partner")
        return JSONResponse({"subscriber_number": number, "status": "gone", "reason": reason[:1000]})

    async def list_invitations(request: Request) -> Response:
        partner = await partner_for(request)
        if isinstance(partner, Response):
            return partner
        rows = [invitation_row(i) for i in await run_in_threadpool(invitations.list_for, engine, partner.id)]
        return _table(rows, INVITATION_COLUMNS, request.query_params.get("format") == "csv",
                      f"{partner.id}-invitations.csv")

    async def create_invitations(request: Request) -> Response:
        partner = await partner_for(request)
        if isinstance(partner, Response):
            return partner
        try:
            body = await body_of(request)
            codes = await run_in_threadpool(
                lambda: invitations.create(
                    engine, partner, now=service.clock(), email=body.get("email") or None,
                    tariff=body.get("tariff"), trial_days=int(body.get("trial_days", 30)),
                    count=int(body.get("count", 1)),
                    expires_days=int(body["expires_days"]) if body.get("expires_days") is not None else None,
                    mail_from=settings.mail_from, activation_base=service.public_base(request)))
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        service.wake.set()
        base = service.public_base(request).rstrip("/")
        return JSONResponse({"codes": codes, "links": [f"{base}/invite/{c}" for c in codes]}, status_code=201)

    # --- pages a client opens from an e-mail ---------------------------------------------
    def invite_page(partner: Partner, invitation: invitations.Invitation, request: Request, status: int = 200,
                    form: dict | None = None) -> Response:
        title = Translator(partner.site.locale).text("invite_title", partner=partner.site.config.partner.name)
        page = Page(f"invite/{invitation.code}/", "invite.html", "invite", title, title, noindex=True)
        return service.page_response(
            partner, page, status, partner.site.config.site.base_url, code=invitation.code,
            reg={"trial_days": invitation.trial_days}, reg_tariff=partner.site.tariff(invitation.tariff),
            form=form or {"values": {}, "errors": {}}, form_action=service.own_url(request))

    def invitation_state(request: Request) -> tuple[Partner | None, invitations.Invitation | None, Response | None]:
        invitation = invitations.find(engine, request.path_params["code"])
        partner = service.registry.get(invitation.site_id) if invitation else None
        if invitation is None or partner is None:
            return None, None, plain_page(404, "Приглашение не найдено",
                                           "Такого кода приглашения нет. Проверьте ссылку из письма.")
        state = invitation.state(service.clock())
        if state != "open":
            base = partner.site.config.site.base_url
            return partner, invitation, service.message_page(partner, f"invite/{invitation.code}/",
                                                             410 if state == "expired" else 409, base,
                                                             f"invite_{state}")
        return partner, invitation, None

    async def show_invitation(request: Request) -> Response:
        partner, invitation, refusal = await run_in_threadpool(invitation_state, request)
        return refusal or invite_page(partner, invitation, request)

    async def activate_invitation(request: Request) -> Response:
        partner, invitation, refusal = await run_in_threadpool(invitation_state, request)
        if refusal:
            return refusal
        origin = service.request_origin(request)
        if not (service.origin_allowed(partner, origin) or origin == service.own_origin(request)):
            return service.message_page(partner, f"invite/{invitation.code}/", 403,
                                        partner.site.config.site.base_url, "foreign")
        form = registration_form(partner.site.locale)(await request.form())
        if form.website.data:
            return service.message_page(partner, f"invite/{invitation.code}/", 200,
                                        partner.site.config.site.base_url, "invite_used")
        if not form.validate():
            return invite_page(partner, invitation, request, 422,
                               {"values": typed_values(form), "errors": errors_of(form)})
        signup = SignUp.from_form(form, with_token=False)
        try:
            lead = await run_in_threadpool(lambda: invitations.activate(
                engine, partner, invitation, signup, now=service.clock(), timezone=settings.timezone,
                mail_from=settings.mail_from))
        except invitations.AlreadyUsed:
            return service.message_page(partner, f"invite/{invitation.code}/", 409,
                                        partner.site.config.site.base_url, "invite_used")
        service.wake.set()
        return service.message_page(partner, f"invite/{invitation.code}/", 200, partner.site.config.site.base_url,
                                    "invite_done", {"number": lead.number,
                                                    "date": format_date(lead.trial_ends, partner.site.locale)})

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
        return service.message_page(partner, "extend/", 200, partner.site.config.site.base_url, "extend",
                                    {"number": number, "date": format_date(new_end, partner.site.locale)},
                                    post_url=service.own_url(request), post_text=t("msg_extend_button"))

    async def do_extension(request: Request) -> Response:
        partner, number, period_end = await run_in_threadpool(extension, request)
        if partner is None:
            return plain_page(404, "Ссылка не действует", "Эта ссылка не действует. Свяжитесь с партнёром.")
        new_end = await run_in_threadpool(reminders.extend, engine, partner.id, number, period_end, service.clock())
        base = partner.site.config.site.base_url
        if new_end is None:
            return service.message_page(partner, "extend/", 409, base, "extend_invalid")
        return service.message_page(partner, "extend/", 200, base, "extend_done",
                                    {"number": number, "date": format_date(new_end, partner.site.locale)})

    prefix = "/api/v1/sites/{site_id}"
    return [
        Route(f"{prefix}/subscribers", list_subscribers, methods=["GET"]),
        Route(f"{prefix}/subscribers/{{number}}/convert", convert, methods=["POST"]),
        Route(f"{prefix}/subscribers/{{number}}/gone", gone, methods=["POST"]),
        Route(f"{prefix}/invitations", list_invitations, methods=["GET"]),
        Route(f"{prefix}/invitations", create_invitations, methods=["POST"]),
        Route("/invite/{code}", show_invitation, methods=["GET"]),
        Route("/invite/{code}", activate_invitation, methods=["POST"]),
        Route("/extend/{token}", show_extension, methods=["GET"]),
        Route("/extend/{token}", do_extension, methods=["POST"]),
    ]


def plain_page(status: int, title: str, text: str) -> Response:
    """A page for when no partner is known (an unknown site, code or link)."""
    return Response(f"<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><meta name=\"viewport\" "
                    f"content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
                    f"<main style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem\">"
                    f"<h1>{escape(title)}</h1><p>{escape(text)}</p></main></html>",
                    status_code=status, media_type="text/html; charset=utf-8")
