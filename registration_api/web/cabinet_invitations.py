"""The cabinet's invitations page, ``/cabinet/<site-id>/invitations``: an operator creates one
invitation (e-mailed to a person if an address is given) or a batch of codes, and sees the
partner's invitations, newest first, filtered by state; ``invitations.csv`` and
``invitations.xlsx`` download the same list (:mod:`~registration_api.domain.exports`). The codes
are made, limited and e-mailed by :mod:`registration_api.domain.invitations`, as for the
partner's API and the command line; every creation goes to the audit log.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from wtforms import Form, IntegerField, StringField, validators

from registration_api.domain import invitations, operators
from registration_api.domain.exports import Cell, Table
from registration_api.domain.partner_sites import PartnerSite
from registration_api.storage.records import Invitation
from registration_api.web.cabinet_downloads import FORMATS, Made, file_routes, local
from registration_api.web.cabinet_forms import email_checks, strip
from registration_api.web.cabinet_pages import PREFIX, Opened, moment, partner_endpoint, partner_form_endpoint
from registration_api.web.routing import resource
from registration_api.web.service import Service
from storefront import language

_ = language.gettext
ngettext = language.ngettext

#: An audit entry's id has at most this many digits (a 64-bit integer).
_MOST_ID_DIGITS = 18
#: Most invitations the page lists, newest first (its downloads hold them all).
SHOWN = 500
#: Most codes created at a time from the cabinet.
MAX_BATCH = 100

#: The filter's states (``waiting`` is :meth:`Invitation.state`'s ``open``).
STATES = {"all": None, "waiting": "open", "used": "used", "expired": "expired"}


class InvitationForm(Form):
    email: StringField
    count: IntegerField
    trial_days: IntegerField
    expires_days: IntegerField


@cache
def invitation_form(lang: str) -> type[InvitationForm]:
    """The creation form of one language (its messages are fixed per class, so classes are cached)."""
    with language.speaking(lang):
        whole = _("Write a whole number.")
        one_by_mail = _("An invitation sent by e-mail is one code: leave the e-mail empty to create several.")

        class LocalisedForm(InvitationForm):
            email = StringField(
                filters=[strip],
                validators=[
                    validators.Optional(),
                    *email_checks(),
                ],
            )
            count = IntegerField(
                default=1,
                validators=[
                    validators.InputRequired(whole),
                    validators.NumberRange(
                        1, MAX_BATCH, _("Create 1 to {most} codes at a time.").format(most=MAX_BATCH)
                    ),
                ],
            )
            trial_days = IntegerField(
                default=invitations.MAX_TRIAL_DAYS,
                validators=[
                    validators.InputRequired(whole),
                    validators.NumberRange(
                        1,
                        invitations.MAX_TRIAL_DAYS,
                        _("The trial lasts 1 to {most} days.").format(most=invitations.MAX_TRIAL_DAYS),
                    ),
                ],
            )
            expires_days = IntegerField(
                validators=[
                    validators.Optional(),
                    validators.NumberRange(
                        1,
                        invitations.MAX_EXPIRES_DAYS,
                        _("An invitation expires after 1 to {most} days; leave the field empty for never.").format(
                            most=invitations.MAX_EXPIRES_DAYS
                        ),
                    ),
                ],
            )

            def validate_count(self, field: IntegerField) -> None:
                if self.email.data and field.data is not None and field.data > 1:
                    raise validators.StopValidation(one_by_mail)

    return LocalisedForm


def _whole_number_errors(form: InvitationForm, lang: str) -> None:
    """WTForms says «Not a valid integer value.» in English: say it in the page's language."""
    with language.speaking(lang):
        for field in (form.count, form.trial_days, form.expires_days):
            if field.process_errors and field.errors:
                field.errors = [_("Write a whole number.")]


def _state(request: Request) -> str:
    wanted = request.query_params.get("state", "all")
    return wanted if wanted in STATES else "all"


async def _listed(service: Service, partner: PartnerSite, state: str) -> list[Invitation]:
    """The partner's invitations in ``state``, newest first."""
    found = await run_in_threadpool(invitations.list_for, service.engine, partner.id)
    now = service.clock()
    wanted = STATES[state]
    return [i for i in reversed(found) if wanted is None or i.state(now) == wanted]


def _sentence(message: str) -> str:
    """The domain's message (lower case, no full stop, as the command line prints it) as a sentence."""
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


async def _show(
    page: Opened,
    form: InvitationForm,
    state: str,
    *,
    status: int = 200,
    created: dict[str, Any] | None = None,
    problem: str | None = None,
) -> Response:
    service, partner, lang = page.service, page.partner, page.lang
    found = await _listed(service, partner, state)
    rows = [
        {
            "code": i.code,
            "created": moment(service, i.created_at),
            "email": i.email or "",
            "number": i.subscriber_number or "",
            "activated": moment(service, i.activated_at),
        }
        for i in found[:SHOWN]
    ]
    with language.speaking(lang):
        title = _("Invitations")
        states = [
            ("all", _("All")),
            ("waiting", _("Waiting")),
            ("used", _("Used")),
            ("expired", _("Expired")),
        ]
    base = page.root
    return page.show(
        "invitations.html",
        "invitations",
        status,
        title=title,
        action=f"{base}invitations",
        downloads={
            kind: f"{base}invitations.{kind}" + ("" if state == "all" else f"?state={state}") for kind in FORMATS
        },
        form=form,
        rows=rows,
        states=states,
        state=state,
        created=created,
        more=len(found) > SHOWN,
        shown=SHOWN,
        problem=problem,
    )


async def _page(page: Opened) -> Response:
    created = await _just_made(page)
    return await _show(page, invitation_form(page.lang)(), _state(page.request), created=created)


async def _create(page: Opened, posted: FormData) -> Response:
    service, partner, lang = page.service, page.partner, page.lang
    form = invitation_form(lang)(posted)
    if not form.validate():
        _whole_number_errors(form, lang)
        return await _show(page, form, "all", status=400)
    settings = service.settings
    order = invitations.Order(
        email=form.email.data or None,
        trial_days=form.trial_days.data or invitations.MAX_TRIAL_DAYS,
        count=form.count.data or 1,
        expires_days=form.expires_days.data,
    )
    now = page.now

    def make() -> list[str]:
        with language.speaking(lang):
            return invitations.create(
                service.engine,
                partner,
                order,
                now=now,
                mail_from=settings.mail_from,
                activation_base=settings.public_base,
                mails_per_day=settings.invitation_mails_per_day,
            )

    try:
        codes = await run_in_threadpool(make)
    except (invitations.MailQuota, ValueError) as exc:
        return await _show(page, form, "all", status=400, problem=_sentence(str(exc)))
    service.outbox_waiting.set()
    subject = codes[0] if len(codes) == 1 else f"{codes[0]} … {codes[-1]} ({len(codes)})"
    made = await page.record(
        operators.INVITATION_CREATED,
        subject + (f" → {order.email}" if order.email else ""),
        details=", ".join(codes),
    )
    # Post, then redirect: reloading the page that shows the new codes must not create more.
    # The address names the audit entry, not the codes (they would end up in logs and history).
    return page.go(f"{page.root}invitations?made={made}")


async def _made(page: Opened) -> tuple[int, list[str]] | None:
    """The audit entry in ``?made=`` and the codes it created, if it is this partner's creation."""
    made = page.request.query_params.get("made", "")
    if not (made.isascii() and made.isdigit()) or len(made) > _MOST_ID_DIGITS:
        return None
    found = await run_in_threadpool(operators.entry, page.service.engine, page.partner.id, int(made))
    if found is None or found.action != operators.INVITATION_CREATED or not found.details:
        return None
    return found.id, found.details.split(", ")


async def _just_made(page: Opened) -> dict[str, Any] | None:
    """The codes the audit entry in ``?made=`` created, with their links and their files."""
    made = await _made(page)
    if made is None:
        return None
    entry, codes = made
    public = page.service.settings.public_base
    return {
        "codes": [{"code": c, "link": invitations.activation_link(public, c)} for c in codes],
        "downloads": {kind: f"{page.root}invitations.{kind}?made={entry}" for kind in FORMATS},
    }


def _download_table(service: Service, partner: PartnerSite, found: list[Invitation]) -> Table:
    """The listed invitations as a file's table (in the language of the block that calls it)."""
    tariffs = {tariff.id: tariff.name for tariff in partner.site.config.tariffs}
    rows: list[list[Cell]] = [
        [
            i.code,
            local(service, i.created_at),
            i.email,
            tariffs.get(i.tariff, i.tariff),
            i.trial_days,
            local(service, i.expires_at),
            i.subscriber_number,
            local(service, i.activated_at),
        ]
        for i in found
    ]
    titles = [_("Code"), _("Created"), _("For whom"), _("Tariff"), _("Trial days")]
    titles += [_("Expires on"), _("Subscriber number"), _("Activated")]
    return Table(_("Invitations"), titles, rows, widths=(14, 17, 30, 14, 8, 17, 12, 17))


async def _download(page: Opened) -> Made:
    """The invitations the page lists (in the state asked for), for its download; with ``?made=``,
    the batch that audit entry created."""
    service, partner = page.service, page.partner
    state = _state(page.request)
    found = await _listed(service, partner, state)
    name = f"{partner.id}-invitations" + ("" if state == "all" else f"-{state}")
    made = await _made(page) if "made" in page.request.query_params else None
    if made is not None:
        entry, codes = made
        batch = set(codes)
        found = [invitation for invitation in found if invitation.code in batch]
        name = f"{partner.id}-invitations-{entry}"
    elif "made" in page.request.query_params:
        return page.not_found()
    with language.speaking(page.lang):
        table = _download_table(service, partner, found)
    return table, name


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/invitations", GET=partner_endpoint(_page), POST=partner_form_endpoint(_create)),
    *file_routes(PREFIX + "{site_id}/invitations", _download),
]
