"""The registration form: WTForms fields and validators, with messages in the site's locale."""

from __future__ import annotations

from functools import cache

from wtforms import BooleanField, Form, StringField, validators
from wtforms.validators import ValidationError

from registration_api.domain.identifiers import inn_is_valid, normalise_phone
from registration_api.web.inputs import CONSENT_VALUE
from storefront import Translator

FIELDS = ("name", "email", "phone", "company", "inn", "consent")


class _Phone:
    def __init__(self, message: str):
        self.message = message

    def __call__(self, form: Form, field: StringField) -> None:
        if field.data:
            normalised = normalise_phone(field.data)
            if normalised is None:
                raise ValidationError(self.message)
            field.normalised = normalised


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

    def process_formdata(self, valuelist: list) -> None:
        self.data = bool(valuelist) and valuelist[0] == CONSENT_VALUE


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


@cache
def registration_form(locale: str) -> type[Form]:
    """The form class for one locale (messages are fixed per class, so classes are cached)."""
    t = Translator(locale).text

    class RegistrationForm(Form):
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
        phone = StringField(
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
        website = StringField(filters=[_strip])
        token = StringField(filters=[_strip], validators=[validators.Optional(), validators.Length(max=100)])

    return RegistrationForm


def errors_of(form: Form) -> dict[str, str]:
    """The first message of each field in error, by field name."""
    return {name: messages[0] for name, messages in form.errors.items() if messages}


def typed_values(form: Form) -> dict[str, object]:
    """What the person typed, to show the form again with it."""
    return {name: (form[name].data or "") for name in (*FIELDS, "token")}
