"""The partner's API keys in its cabinet, ``/cabinet/<site-id>/settings/keys``: the list (each key
by its first characters, its name, when it was made and whether it is revoked; never the key), a
new key shown once, and revoking one after a page that asks to confirm. The keys are those of
:mod:`registration_api.domain.api_keys`, as ``registration-api keys`` makes them; every creation
and revocation goes to the audit log, named by the key's prefix, never by the key.
"""

from __future__ import annotations

from functools import cache

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import BaseRoute
from wtforms import Form, StringField, validators

from registration_api.domain import api_keys, operators
from registration_api.storage.records import ApiKey
from registration_api.web.cabinet_forms import strip
from registration_api.web.cabinet_pages import PREFIX, Opened, moment, partner_endpoint, partner_form_endpoint
from registration_api.web.cabinet_settings import settings_address, settings_page
from registration_api.web.routing import resource
from storefront import language

_ = language.gettext

#: Longest name of a key (its column's length).
MAX_LABEL = 200


class KeyForm(Form):
    label: StringField


@cache
def key_form(lang: str) -> type[KeyForm]:
    """The form of a new key in one language (its messages are fixed per class, so classes are cached)."""
    with language.speaking(lang):
        named = _("Name the key after the program that will use it, e.g. «CRM».")
        too_long = _("Keep the name within {most} characters.").format(most=MAX_LABEL)

        class LocalisedForm(KeyForm):
            label = StringField(
                filters=[strip],
                validators=[validators.DataRequired(named), validators.Length(max=MAX_LABEL, message=too_long)],
            )

    return LocalisedForm


def _listed(page: Opened, keys: list[ApiKey]) -> list[dict[str, str | None]]:
    """The keys as the list shows them, newest first, with the address that revokes a live one."""
    return [
        {
            "prefix": key.prefix,
            "label": key.label or "",
            "created": moment(page.service, key.created_at),
            "revoked": moment(page.service, key.revoked_at) if key.revoked_at else None,
            "revoke_url": None if key.revoked_at else f"{settings_address(page)}/keys/{key.prefix}/revoke",
        }
        for key in reversed(keys)
    ]


async def _show(
    page: Opened, form: KeyForm, status: int = 200, new_key: dict[str, str] | None = None, revoked: str | None = None
) -> Response:
    keys = await run_in_threadpool(api_keys.list_keys, page.service.engine, page.partner.id)
    with language.speaking(page.lang):
        title = _("API keys")
    return settings_page(
        page,
        "settings_keys.html",
        title,
        "keys",
        status,
        action=f"{settings_address(page)}/keys",
        form=form,
        keys=_listed(page, keys),
        new_key=new_key,
        revoked=revoked,
        copy=new_key is not None,
    )


async def keys(page: Opened) -> Response:
    return await _show(page, key_form(page.lang)(), revoked=await _just_revoked(page))


async def _just_revoked(page: Opened) -> str | None:
    """The prefix in ``?revoked=`` if it is one of this partner's revoked keys (said on the page)."""
    prefix = page.request.query_params.get("revoked", "")
    found = await run_in_threadpool(api_keys.of_site, page.service.engine, page.partner.id, prefix)
    return found.prefix if found and found.revoked_at else None


async def create(page: Opened, posted_fields: FormData) -> Response:
    form = key_form(page.lang)(posted_fields)
    if not form.validate():
        return await _show(page, form, 400)
    label = form.label.data or ""
    key = await run_in_threadpool(api_keys.create, page.service.engine, page.partner.id, label, page.now)
    prefix = key[: api_keys.PREFIX_LENGTH]
    await page.record(operators.KEY_CREATED, f"{prefix} ({label})")
    # The key is shown in this answer, not after a redirect: a redirect would have to carry it in
    # its address (kept in logs and the browser's history) or store it, and only its hash is
    # stored. The answer is never cached (Cache-Control: no-store); reloading it posts again and
    # so makes another key, never shows this one again.
    return await _show(page, key_form(page.lang)(), new_key={"key": key, "prefix": prefix, "label": label})


async def _key_of(page: Opened) -> ApiKey | Response:
    """The partner's key named by the path's prefix, or 404 (another partner's, or none)."""
    found = await run_in_threadpool(
        api_keys.of_site, page.service.engine, page.partner.id, page.request.path_params["prefix"]
    )
    return found or page.not_found()


async def confirm_revoke(page: Opened) -> Response:
    """The page that asks whether to revoke the key, saying what that does."""
    key = await _key_of(page)
    if isinstance(key, Response):
        return key
    with language.speaking(page.lang):
        title = _("Revoke the key {prefix}?").format(prefix=key.prefix)
    return settings_page(
        page,
        "settings_revoke.html",
        title,
        "keys",
        key={"prefix": key.prefix, "label": key.label or "", "created": moment(page.service, key.created_at)},
        revoked=moment(page.service, key.revoked_at) if key.revoked_at else None,
        action=f"{settings_address(page)}/keys/{key.prefix}/revoke",
        back_url=f"{settings_address(page)}/keys",
    )


async def revoke(page: Opened, _posted: FormData) -> Response:
    key = await _key_of(page)
    if isinstance(key, Response):
        return key
    now = page.now
    if await run_in_threadpool(api_keys.revoke, page.service.engine, page.partner.id, key.prefix, now):
        await page.record(operators.KEY_REVOKED, f"{key.prefix} ({key.label or ''})")
    return page.go(f"{settings_address(page)}/keys?revoked={key.prefix}")


routes: list[BaseRoute] = [
    resource(PREFIX + "{site_id}/settings/keys", GET=partner_endpoint(keys), POST=partner_form_endpoint(create)),
    resource(
        PREFIX + "{site_id}/settings/keys/{prefix}/revoke",
        GET=partner_endpoint(confirm_revoke),
        POST=partner_form_endpoint(revoke),
    ),
]
