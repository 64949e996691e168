"""The partner's webhook deliveries in its cabinet, ``/cabinet/<site-id>/settings/webhooks``: the
recent events sent to its own systems (what, where, when, how many attempts, sent, waiting or
failing and why, when the next attempt is), and sending one again now
(:func:`registration_api.domain.webhook_events.resend`: an event not delivered yet is moved to
now, a delivered one copied), which goes to the audit log. A partner without a webhook is told
how to set one up in its site.yaml.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import BaseRoute

from registration_api.domain import operators, webhook_events
from registration_api.storage.records import OutboxMessage
from registration_api.web.cabinet_pages import PREFIX, Opened, moment, partner_endpoint, partner_form_endpoint
from registration_api.web.cabinet_settings import settings_address, settings_page
from registration_api.web.routing import resource
from storefront import language

_ = language.gettext

#: A delivery's id has at most this many digits (a 64-bit integer).
_MOST_ID_DIGITS = 18

#: The command the page suggests to make a webhook secret (as site.yaml's check does).
SECRET_COMMAND = "python3 -c \"import base64, os; print('whsec_' + base64.b64encode(os.urandom(24)).decode())\""


def _number(text: str) -> int | None:
    """A delivery id written in an address or a query, or None for anything else."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= _MOST_ID_DIGITS else None


def _shown(page: Opened, delivery: OutboxMessage) -> dict[str, object]:
    """A delivery as the list shows it (in the language of the block that calls it)."""
    state = webhook_events.state(delivery)
    said = {
        "sent": _("Delivered {when}").format(when=moment(page.service, delivery.sent_at)),
        "waiting": _("Waiting to be sent"),
        "failing": _("Not delivered yet"),
    }[state]
    return {
        "id": delivery.id,
        "event": delivery.purpose,
        "subscriber": webhook_events.subscriber_number(delivery),
        "url": delivery.target_url,
        "created": moment(page.service, delivery.created_at),
        "attempts": delivery.attempts,
        "state": state,
        "said": said,
        "error": delivery.last_error if state == "failing" else None,
        "next": moment(page.service, delivery.next_attempt_at) if state != "sent" else None,
        "resend_url": f"{settings_address(page)}/webhooks/{delivery.id}/resend",
        "resend": _("Send again") if state == "sent" else _("Send now"),
    }


async def _show(page: Opened, status: int = 200, resent: int | None = None, problem: str | None = None) -> Response:
    found = await run_in_threadpool(webhook_events.deliveries, page.service.engine, page.partner.id)
    webhook = page.partner.site.config.webhook
    with language.speaking(page.lang):
        title = _("Webhooks")
        shown = [_shown(page, delivery) for delivery in found]
    return settings_page(
        page,
        "settings_webhooks.html",
        title,
        "webhooks",
        status,
        webhook_url=webhook.url if webhook else None,
        site_yaml=f"sites/{page.partner.id}/site.yaml",
        secret_command=SECRET_COMMAND,
        deliveries=shown,
        most=webhook_events.RECENT,
        resent=resent if any(item["id"] == resent for item in shown) else None,
        problem=problem,
    )


async def webhooks(page: Opened) -> Response:
    return await _show(page, resent=_number(page.request.query_params.get("resent", "")))


async def resend(page: Opened, _posted: FormData) -> Response:
    delivery_id = _number(page.request.path_params["delivery_id"])
    if delivery_id is None:
        return page.not_found()
    try:
        carried_by = await run_in_threadpool(
            webhook_events.resend, page.service.engine, page.partner, delivery_id, page.now
        )
    except webhook_events.NoWebhook:
        with language.speaking(page.lang):
            problem = _("The event cannot be sent: no webhook is set up now. Set it up as said below, then send it.")
        return await _show(page, 400, problem=problem)
    if carried_by is None:
        return page.not_found()
    page.service.outbox_waiting.set()  # the sender tries it now, not at its next round
    copied = f" → #{carried_by.id}" if carried_by.id != delivery_id else ""
    await page.record(operators.WEBHOOK_RESENT, f"{carried_by.purpose} #{delivery_id}{copied}")
    return page.go(f"{settings_address(page)}/webhooks?resent={carried_by.id}")


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/settings/webhooks", GET=partner_endpoint(webhooks)),
    resource(PREFIX + "{site_id}/settings/webhooks/{delivery_id}/resend", POST=partner_form_endpoint(resend)),
]
