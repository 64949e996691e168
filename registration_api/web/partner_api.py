"""The partner's API under ``/api/v1/sites/<site-id>/``: its subscribers (listing, conversion,
departure) and its invitation codes.

Every endpoint needs ``Authorization: Bearer <key>`` (``registration-api keys create``) and sees
only the data of the site its key belongs to; refusals are JSON, always, in the language the
client asks for (``Accept-Language``), else the partner's site's.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from registration_api.domain import api_keys, invitations, subscriptions
from registration_api.domain.csv_export import write_csv
from registration_api.domain.news_audience import news_state
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import INVITATION_COLUMNS, SUBSCRIBER_COLUMNS
from registration_api.web.inputs import read_json
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
from registration_api.web.service import Service, service_of
from storefront import language

_ = language.gettext

PREFIX = "/api/v1/sites/{site_id}"
_BEARER = {"WWW-Authenticate": "Bearer"}


async def authorised_partner(request: Request) -> tuple[Service, PartnerSite]:
    """The partner whose key came with the request, within the address's and the key's limits."""
    service = service_of(request)
    client = service.client(request)
    wait = service.api_requests.take(f"address:{client}")
    if wait:
        raise HTTPException(429, _("too many requests from this address; try again later"), retry_after(wait))
    wait = service.auth_failures.peek(client)
    if wait:
        raise HTTPException(429, _("too many wrong API keys from this address; try again later"), retry_after(wait))
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        raise HTTPException(
            401, _("send your API key as 'Authorization: Bearer <key>' (registration-api keys create)"), _BEARER
        )
    key = header.removeprefix("Bearer ").strip()
    site_id = await run_in_threadpool(api_keys.site_of, service.engine, key)
    if site_id is None:
        service.auth_failures.take(client)
        raise HTTPException(401, _("this API key is unknown or revoked"), _BEARER)
    wait = service.api_requests.take(f"key:{key[: api_keys.PREFIX_LENGTH]}")
    if wait:
        raise HTTPException(429, _("too many requests with this API key; try again later"), retry_after(wait))
    if site_id != request.path_params["site_id"]:
        raise HTTPException(403, _("this API key belongs to another partner"))
    partner = service.sites.get(site_id)
    if partner is None:
        raise HTTPException(404, _("this site is not loaded"))
    return service, partner


async def json_body(request: Request, service: Service) -> dict[str, Any]:
    """The request's JSON object, within the service's body limits."""
    settings = service.settings
    return await read_json(request, cap=settings.max_body_bytes, timeout=settings.read_timeout_seconds)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], query: ListQuery, filename: str) -> Response:
    """A listing as JSON, or as a CSV file (``?format=csv``) whose cells a spreadsheet never runs."""
    if query.format != "csv":
        return JSONResponse(list(rows))
    out = io.StringIO()
    write_csv(out, columns, rows)
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def list_subscribers(request: Request) -> Response:
    service, partner = await authorised_partner(request)
    query = validated(SubscriberQuery, request.query_params)
    found = await run_in_threadpool(
        subscriptions.list_for, service.engine, partner.id, status=query.status, since=query.since, until=query.until
    )
    rows = [subscriber.listed(news_state(subscriber)) for subscriber in found]
    return table(rows, SUBSCRIBER_COLUMNS, query, f"{partner.id}-subscribers.csv")


async def convert(request: Request) -> Response:
    service, partner = await authorised_partner(request)
    wanted = validated(Conversion, await json_body(request, service))
    paid_until = wanted.paid_until
    number = request.path_params["number"]
    try:
        converted = await run_in_threadpool(
            subscriptions.convert, service.engine, partner, number, paid_until, service.clock(), tariff=wanted.tariff
        )
    except ValueError as exc:  # a tariff the partner has not
        raise HTTPException(422, f"tariff: {exc}") from None
    if not converted:
        raise HTTPException(404, _("there is no subscriber {number} of this partner").format(number=number))
    service.outbox_waiting.set()
    return JSONResponse({"subscriber_number": number, "status": "paid", "paid_until": paid_until.isoformat()})


async def mark_gone(request: Request) -> Response:
    service, partner = await authorised_partner(request)
    departure = validated(Departure, await json_body(request, service))
    reason = departure.reason
    number = request.path_params["number"]
    if not await run_in_threadpool(
        subscriptions.mark_gone, service.engine, partner.id, number, reason, service.clock(), cause=departure.cause
    ):
        raise HTTPException(404, _("there is no subscriber {number} of this partner").format(number=number))
    return JSONResponse({"subscriber_number": number, "status": "gone", "reason": reason})


async def list_invitations(request: Request) -> Response:
    service, partner = await authorised_partner(request)
    query = validated(ListQuery, request.query_params)
    found = await run_in_threadpool(invitations.list_for, service.engine, partner.id)
    rows = [invitation.listed() for invitation in found]
    return table(rows, INVITATION_COLUMNS, query, f"{partner.id}-invitations.csv")


async def create_invitations(request: Request) -> Response:
    service, partner = await authorised_partner(request)
    wanted = validated(NewInvitations, await json_body(request, service))
    settings = service.settings

    def create() -> list[str]:
        order = invitations.Order(wanted.email, wanted.tariff, wanted.trial_days, wanted.count, wanted.expires_days)
        return invitations.create(
            service.engine,
            partner,
            order,
            now=service.clock(),
            mail_from=settings.mail_from,
            activation_base=settings.public_base,
            mails_per_day=settings.invitation_mails_per_day,
        )

    try:
        codes = await run_in_threadpool(create)
    except invitations.MailQuota as exc:
        raise HTTPException(429, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    service.outbox_waiting.set()
    links = [invitations.activation_link(settings.public_base, code) for code in codes]
    return JSONResponse({"codes": codes, "links": links}, status_code=201)


def asked_language(request: Request) -> str | None:
    """The language of ru and en the client prefers in ``Accept-Language`` (by q-value), if any."""
    ranked = []
    for order, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _semicolon, parameters = part.partition(";")
        code = tag.strip().split("-")[0].lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _equals, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if code in language.LANGUAGES and quality > 0:
            ranked.append((-quality, order, code))
    return min(ranked)[2] if ranked else None


class SpeakingPartnersLanguage:
    """Runs the API's endpoints in the partner's language, not the operator's: the one the
    client prefers in ``Accept-Language``, else the site's own ``locale`` (for an unknown site,
    the service's language)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        partner = service_of(request).sites.get(request.path_params.get("site_id", ""))
        own = partner.site.config.site.locale if partner else None
        with language.speaking(asked_language(request) or own or language.current()):
            await self.app(scope, receive, send)


api = Mount(
    PREFIX,
    middleware=[Middleware(SpeakingPartnersLanguage)],
    routes=[
        resource("/subscribers", GET=list_subscribers),
        resource("/subscribers/{number}/convert", POST=convert),
        resource("/subscribers/{number}/gone", POST=mark_gone),
        resource("/invitations", GET=list_invitations, POST=create_invitations),
    ],
)

routes: list[BaseRoute] = [api]
