"""``POST /r/<site-id>/<page-id>``: the registration form of a storefront, and its CORS preflight.

A browser gets ``303`` to the thank-you page, or the form again with errors (``422``); a script
(``Accept: application/json``) gets ``201`` with the subscriber number and the end of the trial,
or ``422`` with errors per field. Refusals are raised as :class:`~registration_api.web.errors.Refusal`,
answered by the handlers of :mod:`registration_api.web.errors`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from registration_api.web.errors import Refusal, wants_json
from registration_api.web.forms import errors_of, registration_form, signup_of, typed_values
from registration_api.web.inputs import read_form
from registration_api.web.rate_limit import retry_after
from registration_api.web.routing import resource
from registration_api.web.service import service_of
from registration_api.web.themed_pages import PartnerPage
from storefront import language

log = logging.getLogger("registration_api")

#: What a preflight allows a script on the partner's own page to send.
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "600",
}


def cors_headers(origin: str | None) -> dict[str, str]:
    """What lets a script on ``origin`` (one the partner's own) read the answer; nothing without one."""
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


async def register(request: Request) -> Response:
    service = service_of(request)
    site_id, page_id = request.path_params["site_id"], request.path_params["page_id"]
    partner = service.sites.get(site_id)
    if partner is None:
        raise Refusal(404, "there is no such storefront", plain="plain_unknown_site")
    origin = service.request_origin(request)
    if not service.origin_allowed(partner, origin):
        log.warning(
            language.gettext(
                "sign-up refused: site={site} page={page}, the form was sent from a foreign site {origin}"
            ).format(site=site_id, page=page_id, origin=origin)
        )
        raise Refusal(
            403,
            f"sign-ups are accepted only from the partner's own sites, not from {origin}",
            page=PartnerPage.form_message(partner, page_id, partner.site.config.site.base_url, "foreign"),
        )
    cors = cors_headers(origin)
    base = service.storefront_base(partner, origin)
    wait = service.browser_post_allowed(request)
    if wait:
        raise Refusal(
            429,
            "too many sign-ups from this address; try again later",
            page=PartnerPage.form_message(partner, page_id, base, "rate"),
            headers={**retry_after(wait), **cors},
        )
    page = partner.page(page_id)
    if page is None:
        raise Refusal(
            404,
            f"there is no registration page '{page_id}'",
            page=PartnerPage.planned(partner, "404.html", base),
            headers=cors,
        )
    try:
        data = await read_form(
            request, cap=service.settings.max_body_bytes, timeout=service.settings.read_timeout_seconds
        )
    except HTTPException as exc:
        large = (
            PartnerPage.form_message(partner, page_id, base, "large")
            if exc.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            else None
        )
        raise Refusal(exc.status_code, exc.detail, page=large, headers={**(exc.headers or {}), **cors}) from None

    thanks = f"{base}register/{page_id}/thanks/"
    form = registration_form(partner.site.locale)(data)
    if not form.validate():
        problems = errors_of(form)
        log.info(
            language.gettext(
                "sign-up returned to the visitor: site={site} page={page} fields={fields} need fixing"
            ).format(site=site_id, page=page_id, fields=",".join(sorted(problems)))
        )
        if wants_json(request):
            return JSONResponse({"errors": {k: [v] for k, v in problems.items()}}, status_code=422, headers=cors)
        shown = PartnerPage.planned(
            partner,
            f"register/{page_id}/",
            base,
            form={"values": typed_values(form), "errors": problems},
            form_action=service.own_url(request),
        )
        return await service.pages.respond(shown, 422)
    if form.website.data:  # a bot that filled the hidden field: answered as a success, dropped
        log.info(
            language.gettext("sign-up dropped: site={site} page={page}, a bot filled the hidden field").format(
                site=site_id, page=page_id
            )
        )
        if wants_json(request):
            return JSONResponse({"status": "registered"}, status_code=201, headers=cors)
        return RedirectResponse(thanks, status_code=303)

    signup = signup_of(form, partner.site)
    outcome = await service.signups.register(partner, page, signup)
    service.outbox_waiting.set()
    if not wants_json(request):
        return RedirectResponse(thanks, status_code=303)
    answer: dict[str, Any] = {"status": "registered", "thanks_url": thanks}
    if outcome.created or (signup.token is not None and outcome.token == signup.token):
        # a repeat found only by e-mail is someone else's trial, maybe: its number stays private
        answer.update(subscriber_number=outcome.number, trial_ends=outcome.trial_ends.isoformat())
    return JSONResponse(answer, status_code=201, headers=cors)


async def preflight(request: Request) -> Response:
    """CORS preflight of a form posted by a script on one of the partner's own pages."""
    service = service_of(request)
    partner = service.sites.get(request.path_params["site_id"])
    origin = request.headers.get("origin")
    if partner is None or not origin or not service.origin_allowed(partner, origin):
        return Response(status_code=403)
    return Response(status_code=204, headers={**PREFLIGHT_HEADERS, **cors_headers(origin)})


routes: list[BaseRoute] = [resource("/r/{site_id}/{page_id}", POST=register, OPTIONS=preflight)]
