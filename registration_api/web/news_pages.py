"""The pages a newsletter's recipient opens from an e-mail, in the partner's theme:
``/news/<site>/unsubscribe/<token>`` (leave the newsletter) and ``/news/<site>/confirm/<token>``
(double opt-in). The signed token names the subscriber (:mod:`registration_api.domain.news_audience`).

Opening a link changes nothing (mail scanners open every link): the page asks, its one button
posts. The unsubscribe address also takes the mail provider's one-click post (RFC 8058: the
body ``List-Unsubscribe=One-Click``, no cookie, from any origin or none) and answers it with a
short 200. Neither post carries a form token: the signed link is the authority, and both are
idempotent. A link that is forged, of another purpose or partner, or names no subscriber is one
404 page, whichever it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from registration_api.domain import news_audience, subscriptions
from registration_api.domain.news_audience import LinkPurpose
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import Subscriber
from registration_api.web.errors import Refusal
from registration_api.web.inputs import read_form
from registration_api.web.rate_limit import retry_after
from registration_api.web.routing import Endpoint, resource
from registration_api.web.service import Service, service_of
from registration_api.web.themed_pages import PartnerPage
from storefront import Translator

#: What the mail provider posts for a one-click unsubscribe (RFC 8058, section 3.1).
ONE_CLICK = ("List-Unsubscribe", "One-Click")

#: The token is in the address: the page is kept by no cache, its address sent to no other site,
#: and it runs no script (the theme's files and the form's post are the service's own).
CONTENT_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'{own}; frame-ancestors 'none'; base-uri 'none'"
)


def headers(service: Service) -> dict[str, str]:
    """What every answer of these addresses carries, refusals included."""
    own = service.own_origin()
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CONTENT_POLICY.format(own=f" {own}" if own else ""),
    }


def masked(address: str) -> str:
    """An address as the page shows it, enough to recognise and no more: ``n***@example.ru``."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _page(partner: PartnerSite, purpose: LinkPurpose, key: str, subscriber: Subscriber, **context: str) -> PartnerPage:
    """The page ``news_<key>_title`` / ``news_<key>_text`` about ``subscriber``'s address."""
    t = Translator(partner.site.locale)
    name = t.company(partner.site.config.partner.name, "gen")
    return PartnerPage.unplanned(
        partner,
        f"news/{purpose}/",
        "message.html",
        t.text(f"news_{key}_title", partner=name),
        partner.site.config.site.base_url,
        message=t.text(f"news_{key}_text", partner=name, address=masked(subscriber.email)),
        **context,
    )


def _write_to_partner(partner: PartnerSite) -> dict[str, str]:
    """A button that writes an e-mail to the partner."""
    return {
        "back_url": f"mailto:{partner.site.config.partner.email}",
        "back_text": Translator(partner.site.locale).text("news_write_button"),
    }


def _done(partner: PartnerSite, purpose: LinkPurpose, subscriber: Subscriber, *, left: bool) -> PartnerPage:
    """The page after the change: unsubscribed (``left``, by either link), else confirmed."""
    if left:
        return _page(partner, purpose, "unsubscribed", subscriber, **_write_to_partner(partner))
    return _page(partner, purpose, "confirmed", subscriber)


async def _open(request: Request, service: Service, purpose: LinkPurpose) -> tuple[PartnerSite, Subscriber]:
    """The partner and subscriber a genuine link of ``purpose`` names; refused with one 404 otherwise
    (a confirmation link also when the subscriber gave no consent to confirm)."""
    site_id, token = request.path_params["site_id"], request.path_params["token"]
    partner = service.sites.get(site_id)
    if partner is None:
        raise Refusal(404, "this link is not valid", plain="plain_unknown_link", headers=headers(service))
    number = news_audience.read_link_token(service.link_secret, purpose, partner.id, token)
    subscriber = await run_in_threadpool(subscriptions.find, service.engine, partner.id, number) if number else None
    if subscriber is None or (purpose == "confirm" and subscriber.news_consent_at is None):
        raise _invalid(service, partner, purpose)
    return partner, subscriber


def _invalid(service: Service, partner: PartnerSite, purpose: LinkPurpose) -> Refusal:
    """The one 404 of a link that names no subscriber of the partner for ``purpose``."""
    base = partner.site.config.site.base_url
    page = PartnerPage.message(
        partner, f"news/{purpose}/", base, "news_link_invalid", None, **_write_to_partner(partner)
    )
    return Refusal(404, "this link is not valid", page=page, headers=headers(service))


def _genuine(request: Request, service: Service, purpose: LinkPurpose) -> bool:
    """Whether the link is one the service signed (an HMAC, no database)."""
    site_id, token = request.path_params["site_id"], request.path_params["token"]
    return service.sites.get(site_id) is not None and bool(
        news_audience.read_link_token(service.link_secret, purpose, site_id, token)
    )


async def _posted(request: Request, service: Service, purpose: LinkPurpose) -> bool:
    """Read a post within the body limits: whether it is RFC 8058's one-click. A post to a link the
    service did not sign counts against the address's limit of posts; a genuine one against its
    link's own (the same number a minute), since a mail service posts the one-click unsubscribes
    of many of its users from a few addresses, and each must take effect."""
    if _genuine(request, service, purpose):
        wait = service.browser_posts.take(f"news-link:{request.path_params['token']}")
    else:
        wait = service.browser_post_allowed(request)
    if wait:
        raise HTTPException(429, "too many posts from this address; try again in a minute", retry_after(wait))
    settings = service.settings
    form = await read_form(request, cap=settings.max_body_bytes, timeout=settings.read_timeout_seconds)
    return form.get(ONE_CLICK[0]) == ONE_CLICK[1]


def _asking(purpose: LinkPurpose) -> Endpoint:
    """The GET of a link: the page that asks, with its one button; the done page when it is done."""

    async def show(request: Request) -> Response:
        service = service_of(request)
        partner, subscriber = await _open(request, service, purpose)
        left = subscriber.news_unsubscribed_at is not None
        if left or (purpose == "confirm" and subscriber.news_confirmed_at is not None):
            shown = _done(partner, purpose, subscriber, left=left)
        else:
            button = Translator(partner.site.locale).text(f"news_{purpose}_button")
            shown = _page(partner, purpose, purpose, subscriber, post_url=service.own_url(request), post_text=button)
        return await service.pages.respond(shown, headers=headers(service))

    return show


#: What a link's post changes: :func:`news_audience.unsubscribe` or :func:`news_audience.confirm`.
Change = Callable[[Engine, str, str, dt.datetime], bool]


def _doing(purpose: LinkPurpose, change: Change) -> Endpoint:
    """The POST of a link: the change, at once, and the done page (a short text for one-click).
    A subscriber who has left confirms nothing: no confirmation link re-subscribes."""

    async def do(request: Request) -> Response:
        service = service_of(request)
        one_click = await _posted(request, service, purpose)
        partner, subscriber = await _open(request, service, purpose)
        had_left = subscriber.news_unsubscribed_at is not None
        if purpose == "unsubscribe" or not had_left:
            changed = await run_in_threadpool(change, service.engine, partner.id, subscriber.number, service.clock())
            if not changed:  # gone since it was looked up
                raise _invalid(service, partner, purpose)
        if one_click and purpose == "unsubscribe":
            return PlainTextResponse("unsubscribed\n", headers=headers(service))
        done = _done(partner, purpose, subscriber, left=purpose == "unsubscribe" or had_left)
        return await service.pages.respond(done, headers=headers(service))

    return do


routes: list[BaseRoute] = [
    resource(
        "/news/{site_id}/unsubscribe/{token}",
        GET=_asking("unsubscribe"),
        POST=_doing("unsubscribe", news_audience.unsubscribe),
    ),
    resource("/news/{site_id}/confirm/{token}", GET=_asking("confirm"), POST=_doing("confirm", news_audience.confirm)),
]
