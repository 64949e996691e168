"""What the partner API accepts, declared once: its query parameters and JSON bodies with their
types, ranges and value sets. The same models check a request (422 naming the field) and
describe it in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException

from registration_api.domain.invitations import MAX_CODES, MAX_EXPIRES_DAYS, MAX_TRIAL_DAYS
from registration_api.domain.subscriptions import DepartureCause, Status
from registration_api.web.inputs import SAID_PATTERN, TEXT_PATTERN
from storefront import language

_ = language.gettext
N_ = language.N_

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def _text_date(value: Any) -> dt.date:
    if not (isinstance(value, str) and _DATE.fullmatch(value)):
        raise ValueError(_("must be a date written as YYYY-MM-DD"))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("{value} is not a day of the calendar").format(value=value)) from None


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(_("must be between {first} and {last}").format(first=EARLIEST, last=LATEST))
    return day


def _whole(value: Any) -> Any:
    """JSON's integers: ``3`` or ``3.0``; not ``true``, ``"3"`` or ``3.5``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(_("must be a whole number"))
    return value


def _said(text: str) -> str:
    if not text.strip():
        raise ValueError(_("say why the client left"))
    return text.strip()


Day = Annotated[
    dt.date,
    BeforeValidator(_text_date),
    AfterValidator(_in_range),
    Field(
        json_schema_extra={
            "pattern": r"^(20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
            "description": f"A day from {EARLIEST} to {LATEST}.",
        }
    ),
]
Reason = Annotated[
    StrictStr,
    StringConstraints(max_length=1000),
    AfterValidator(_said),
    Field(json_schema_extra={"pattern": SAID_PATTERN}),
]
Email = Annotated[StrictStr, StringConstraints(max_length=254), Field(json_schema_extra={"format": "email"})]
Name = Annotated[StrictStr, StringConstraints(max_length=100), Field(json_schema_extra={"pattern": TEXT_PATTERN})]


TrialDays = Annotated[int, Ge(1), Le(MAX_TRIAL_DAYS), BeforeValidator(_whole)]
CodeCount = Annotated[int, Ge(1), Le(MAX_CODES), BeforeValidator(_whole)]
ExpiresDays = Annotated[int, Ge(1), Le(MAX_EXPIRES_DAYS), BeforeValidator(_whole)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Body(_Input):
    """A JSON body: a field the operation does not know is a mistake worth naming (``paid_untill``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ListQuery(_Input):
    """``?format=`` of every listing."""

    format: Literal["json", "csv"] = "json"


class SubscriberQuery(ListQuery):
    """Filters of ``GET .../subscribers``: by status and by registration day (both days included)."""

    status: Status | None = None
    since: Day | None = None
    until: Day | None = None


class Conversion(_Body):
    """``POST .../subscribers/<number>/convert``: paid until this day, on one of the partner's
    tariffs (left out: the tariff the subscriber has)."""

    paid_until: Day
    tariff: Name | None = None


class Departure(_Body):
    """``POST .../subscribers/<number>/gone``: why the client left, in the partner's words, and
    the cause among :data:`~registration_api.domain.subscriptions.DEPARTURE_CAUSES` (left out: other)."""

    reason: Reason
    cause: DepartureCause = "other"


class NewInvitations(_Body):
    """``POST .../invitations``: how many codes, for which tariff and trial, and who to e-mail (one code)."""

    email: Email | None = None
    tariff: Name | None = None
    trial_days: TrialDays = MAX_TRIAL_DAYS
    count: CodeCount = 1
    expires_days: ExpiresDays | None = None

    @field_validator("count")
    @classmethod
    def _one_per_mail(cls, count: int, info: ValidationInfo) -> int:
        if info.data.get("email") is not None and count != 1:
            raise ValueError(_("must be 1 (or left out) with email: a person is e-mailed one code"))
        return count


Model = TypeVar("Model", bound=_Input)


def validated(model: type[Model], data: Mapping[str, Any]) -> Model:
    """``data`` checked against ``model``, or a 422 whose message names each wrong field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise HTTPException(422, "; ".join(_problem(error) for error in exc.errors())) from None


#: pydantic's words (the same in English) for the mistakes a partner's script can make, by the
#: error's type, so that they are translated; its context fills the places. Other types keep
#: pydantic's English.
_PYDANTIC_MESSAGES = {
    "missing": N_("field required"),
    "extra_forbidden": N_("extra inputs are not permitted"),
    "less_than_equal": N_("input should be less than or equal to {le}"),
    "greater_than_equal": N_("input should be greater than or equal to {ge}"),
    "string_too_long": N_("string should have at most {max_length} characters"),
    "string_type": N_("input should be a valid string"),
    "literal_error": N_("input should be {expected}"),
}


def _problem(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"] if not str(part).startswith(("function-", "lax-")))
    said = _PYDANTIC_MESSAGES.get(error["type"])
    if said is not None:
        context = {name: str(value) for name, value in error.get("ctx", {}).items()}
        if "expected" in context:
            context["expected"] = context["expected"].replace(" or ", " {} ".format(_("or")))
        return f"{field or 'body'}: {_(said).format(**context)}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{field or 'body'}: {message[:1].lower()}{message[1:]}"
