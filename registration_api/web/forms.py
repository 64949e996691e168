"""The registration form: WTForms fields and validators, with messages in the site's locale."""

from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import BooleanField, Form, StringField, validators
from wtforms.validators import ValidationError

from registration_api.domain.identifiers import inn_is_valid, normalise_phone
from registration_api.domain.signups import SignUp
from registration_api.web.inputs import CONSENT_VALUE
from storefront import Site, Translator

FIELDS = ("name", "email", "phone", "company", "inn", "consent", "news")


class PhoneField(StringField):
    """A phone number as typed; once validated, :attr:`normalised` holds it as ``+7XXXXXXXXXX``."""

    normalised: str | None = None


class _Phone:
    def __init__(self, message: str):
        self.message = message

    def __call__(self, form: Form, field: PhoneField) -> None:
        if field.data:
            field.normalised = normalise_phone(field.data)
            if field.normalised is None:
                raise ValidationError(self.message)


class _Inn:
    def __init__(self, message: str):
        self.message = message

    def __call__(self, form: Form, field: StringField) -> None:
        if field.data and not inn_is_valid(field.data.replace(" ", "")):
            raise ValidationError(self.message)


class _OneLine:
    """Names and companies are one line of text: line breaks and tabs are refused, not mailed
    (what no page may carry never gets this far: :func:`registration_api.web.inputs.read_form`)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form: Form, field: StringField) -> None:
        if field.data and any(c in "\t\n\r" for c in field.data):
            raise ValidationError(self.message)


class _Checkbox(BooleanField):
    """Checked only when the browser sent the checkbox's own value: ``no``, ``0`` or ``off`` are not consent."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = bool(valuelist) and valuelist[0] == CONSENT_VALUE


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RegistrationForm(Form):
    """The registration form's fields; :func:`registration_form` makes the class of a locale."""

    name: StringField
    email: StringField
    phone: PhoneField
    company: StringField
    inn: StringField
    consent: BooleanField
    news: BooleanField  # news and offers by e-mail: optional, apart from the personal-data consent
    website: StringField  # the honeypot: hidden from people, filled by bots
    token: StringField  # the idempotency token the page's script fills


@cache
def registration_form(locale: str) -> type[RegistrationForm]:
    """The form class for one locale (messages are fixed per class, so classes are cached)."""
    t = Translator(locale).text

    class LocalisedForm(RegistrationForm):
        name = StringField(
            filters=[_strip],
            validators=[
                validators.DataRequired(t("err_name_required")),
                validators.Length(max=200, message=t("err_too_long")),
                _OneLine(t("err_one_line")),
            ],
        )
        email = StringField(
            filters=[_strip],
            validators=[
                validators.DataRequired(t("err_email_required")),
                validators.Length(max=254, message=t("err_too_long")),
                validators.Email(t("err_email_invalid"), granular_message=False),
            ],
        )
        phone = PhoneField(
            filters=[_strip],
            validators=[
                validators.DataRequired(t("err_phone_required")),
                validators.Length(max=40, message=t("err_too_long")),
                _Phone(t("err_phone_invalid")),
            ],
        )
        company = StringField(
            filters=[_strip],
            validators=[
                validators.Optional(),
                validators.Length(max=300, message=t("err_too_long")),
                _OneLine(t("err_one_line")),
            ],
        )
        inn = StringField(filters=[_strip], validators=[validators.Optional(), _Inn(t("err_inn_invalid"))])
        consent = _Checkbox(validators=[validators.DataRequired(t("err_consent_required"))])
        news = _Checkbox()
        website = StringField(filters=[_strip])
        token = StringField(filters=[_strip], validators=[validators.Optional(), validators.Length(max=100)])

    return LocalisedForm


def errors_of(form: Form) -> dict[str, str]:
    """The first message of each field in error, by field name."""
    return {field.name: field.errors[0] for field in form if field.errors}


def typed_values(form: Form) -> dict[str, object]:
    """What the person typed, to show the form again with it."""
    return {name: (form[name].data or "") for name in (*FIELDS, "token")}


@cache
def news_consent_wording(locale: str, partner_name: str) -> str:
    """The label of the news-and-offers checkbox exactly as the themes show it (``_macros.html``)."""
    t = Translator(locale)
    return t.text("news_consent", partner=t.quoted(partner_name))


def signup_of(form: RegistrationForm, site: Site, *, with_token: bool = True) -> SignUp:
    """The validated ``form`` of ``site`` as a sign-up, normalised, with the wording of news and offers
    if they ticked it; ``with_token`` keeps its idempotency token."""
    name, email, phone = form.name.data, form.email.data, form.phone.normalised
    if name is None or email is None or phone is None:
        raise ValueError("only a validated registration form is a sign-up")
    return SignUp(
        name=name,
        email=email,
        phone=phone,
        company=form.company.data or None,
        inn=(form.inn.data or "").replace(" ", "") or None,
        token=(form.token.data or None) if with_token else None,
        news_consent=news_consent_wording(site.locale, site.config.partner.name) if form.news.data else None,
    )
