"""Pydantic's validation errors, rewritten for a partner who is not a programmer.

Each error gets the YAML position of the value (or of the key, for an unknown key), the
dotted field path as written in the file, and a message that says what to write instead.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from storefront.language import N_, ngettext
from storefront.language import gettext as _
from storefront.site.diagnostics import Loc, Problem
from storefront.site.suggestions import suggest
from storefront.site.yaml_positions import Positions

#: A pydantic error with its place in the file's data.
_Located = tuple[Loc, ErrorDetails]


def problems_from(
    exc: ValidationError, data: Any, positions: Positions, path: str, model: type[BaseModel]
) -> list[Problem]:
    """Every error of ``exc`` as a problem of the file at ``path``, in words for the partner."""
    errors = [(_data_loc(err["loc"], data, err["type"]), err) for err in exc.errors()]
    misspelt = _misspelt_keys(errors, model)
    problems = []
    for loc, err in errors:
        if _is_losing_union_branch(loc, err, errors) or (err["type"] == "missing" and loc in misspelt):
            continue
        message = _message(err, loc, model)
        line, col = positions.of(loc, key=err["type"] == "extra_forbidden")
        problems.append(Problem(path, line, col, positions.field(loc), message))
    return _merge_alternatives(problems)


def _data_loc(loc: tuple[int | str, ...], data: Any, error_type: str) -> Loc:
    """Drop the union-branch tags pydantic puts in ``loc``, keeping the path in the file."""
    out: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        present = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        )
        if present:
            out.append(part)
            current = current[part]
        elif last and error_type in ("missing", "extra_forbidden"):
            out.append(part)
    return tuple(out)


def _misspelt_keys(errors: list[_Located], model: type[BaseModel]) -> set[Loc]:
    """Required keys that are «missing» only because an unknown key is their typo: say it once."""
    found: set[Loc] = set()
    for loc, err in errors:
        if err["type"] == "extra_forbidden":
            close = suggest(str(loc[-1]), dict.fromkeys(_fields_at(model, err["loc"][:-1]), ()))
            if close:
                found.add((*loc[:-1], close[0]))
    return found


def _is_losing_union_branch(loc: Loc, err: ErrorDetails, errors: list[_Located]) -> bool:
    """A value that is a mapping failed the «plain text» branch of a union: not worth saying."""
    if not err["type"].endswith("_type") or len(err["loc"]) == len(loc):
        return False
    return any(
        other is not err and other_loc[: len(loc)] == loc and len(other_loc) > len(loc) for other_loc, other in errors
    )


def _merge_alternatives(problems: list[Problem]) -> list[Problem]:
    """Several branches of a union failing at one place read as one message with «or»."""
    merged: dict[tuple[int, int, str], Problem] = {}
    for p in problems:
        key = (p.line, p.col, p.field)
        if key in merged and p.message not in merged[key].message:
            old = merged[key]
            message = _("{first}, or {second}").format(first=old.message, second=p.message)
            merged[key] = Problem(old.path, old.line, old.col, old.field, message)
        else:
            merged.setdefault(key, p)
    return list(merged.values())


def _message(err: ErrorDetails, loc: Loc, model: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _fields_at(model, err["loc"][:-1]))
    if kind == "missing":
        return _("the required key '{key}' is missing; add it").format(key=loc[-1])
    if kind in _FIXED_MESSAGES:
        return _(_FIXED_MESSAGES[kind])
    if kind in _MESSAGES:
        return _MESSAGES[kind](err, err.get("ctx") or {})
    return err["msg"][0].lower() + err["msg"][1:]


#: Messages by pydantic's error type, for the errors that need no detail.
_FIXED_MESSAGES = {
    kind: message
    for kinds, message in (
        (("int_type", "int_parsing", "int_from_float"), N_("write a whole number, e.g. 5")),
        (
            ("decimal_type", "decimal_parsing", "float_parsing", "float_type"),
            N_("write a number, e.g. 1490 or 1490.50"),
        ),
        (("decimal_max_places",), N_("a price has at most 2 digits after the point (kopecks)")),
        (("bool_type", "bool_parsing"), N_("write true or false")),
        (("string_too_short",), N_("must not be empty")),
        (("too_short",), N_("add at least one item to this list")),
        (("string_type", "string_sub_type"), N_("write text here, not a list or a group of keys")),
        (
            ("model_type", "model_attributes_type", "dict_type"),
            N_("this should be a group of 'key: value' lines indented under it"),
        ),
        (("list_type",), N_("this should be a list: one item per line, each starting with '- '")),
    )
    for kind in kinds
}

_Describe = Callable[[ErrorDetails, dict[str, Any]], str]


def _date_message(err: ErrorDetails, ctx: dict[str, Any]) -> str:
    return _("'{value}' is not a real date; write it as YYYY-MM-DD, e.g. 2026-03-15").format(value=err["input"])


def _value_error(err: ErrorDetails, ctx: dict[str, Any]) -> str:
    """Our validators' own words; an e-mail address the e-mail validator refuses, in ours too."""
    if "reason" in ctx and "email" in err["msg"]:
        return _("'{value}' is not an e-mail address; write it like sales@company.ru").format(value=err["input"])
    return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")


#: Messages by pydantic's error type, made from the error's input and context.
_MESSAGES: dict[str, _Describe] = {
    "greater_than_equal": lambda err, ctx: _at_least(ctx.get("ge"), err["input"]),
    "greater_than": lambda err, ctx: _("must be more than {limit} (now {value})").format(
        limit=ctx.get("gt"), value=err["input"]
    ),
    "less_than_equal": lambda err, ctx: _at_most(ctx.get("le"), err["input"]),
    "less_than": lambda err, ctx: _("must be less than {limit} (now {value})").format(
        limit=ctx.get("lt"), value=err["input"]
    ),
    "date_type": _date_message,
    "date_parsing": _date_message,
    "date_from_datetime_parsing": _date_message,
    "date_from_datetime_inexact": _date_message,
    "literal_error": lambda err, ctx: _literal_message(err["input"], str(ctx.get("expected", ""))),
    "string_pattern_mismatch": lambda err, ctx: _pattern_message(ctx.get("pattern", ""), err["input"]),
    "string_too_long": lambda err, ctx: ngettext(
        "is too long: at most {n} character (now {now})",
        "is too long: at most {n} characters (now {now})",
        int(ctx.get("max_length", 0)),
    ).format(n=ctx.get("max_length"), now=len(err["input"])),
    "too_long": lambda err, ctx: ngettext(
        "at most {n} item is allowed here (now {now}); keep the ones that matter",
        "at most {n} items are allowed here (now {now}); keep the ones that matter",
        int(ctx.get("max_length", 0)),
    ).format(n=ctx.get("max_length"), now=ctx.get("actual_length")),
    "value_error": _value_error,
}


def _at_least(limit: Any, value: Any) -> str:
    return _("must be at least {limit} (now {value})").format(limit=limit, value=value)


def _at_most(limit: Any, value: Any) -> str:
    return _("must be at most {limit} (now {value})").format(limit=limit, value=value)


def _literal_message(value: Any, expected: str) -> str:
    """``'mnth' is not allowed here; write 'month' or 'year'`` (pydantic lists them with «or»)."""
    expected = expected.replace(" or ", _(" or "))
    return _("'{value}' is not allowed here; write {expected}").format(value=value, expected=expected)


def _pattern_message(pattern: str, value: Any) -> str:
    if "a-z0-9" in pattern:
        return _("'{value}' is not a valid id: use lower-case Latin letters, digits and hyphens, e.g. trial-30").format(
            value=value
        )
    if r"\d{10}" in pattern:
        return _("'{value}' is not an INN: write 10 or 12 digits").format(value=value)
    return _("'{value}' is not in the expected form").format(value=value)


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = suggest(key, dict.fromkeys(allowed, ()))
    if close:
        return _("unknown key '{key}'; did you mean '{close}'?").format(key=key, close=close[0])
    if allowed:
        return _("unknown key '{key}'; allowed here: {allowed}").format(key=key, allowed=", ".join(allowed))
    return _("unknown key '{key}'").format(key=key)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model that sits at ``loc`` (pydantic's loc, branch tags included)."""
    candidates = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        by_name = [m for m in candidates if m.__name__ == part]
        if by_name:
            candidates = by_name
            continue
        nxt: list[type[BaseModel]] = []
        for m in candidates:
            if part in m.model_fields:
                nxt.extend(_models_in(m.model_fields[part].annotation))
        candidates = nxt
    return sorted({name for m in candidates for name in m.model_fields})
