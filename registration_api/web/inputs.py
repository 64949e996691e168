"""Reading what a client sends, in one place: the body's size and reading time, its content
type, forms and JSON, and the text in them, in the address and its query.

Every refusal is an ``HTTPException`` whose detail tells the client what to change: 400 for
what cannot be read (broken encoding, JSON or multipart; NaN, Infinity, too deep; a file for a
field; a control character), 408 for a body too slow to arrive, 413 for one too large, 415 for
a content type the endpoint does not take, 422 for a form field in JSON that is not a string.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from storefront import code_point, first_forbidden

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPE = "application/json"
MAX_JSON_DEPTH = 16
CHECKBOXES, CONSENT_VALUE = ("consent", "news"), "yes"  # the form's checkboxes (themes/base/templates/_macros.html)

# The generator's rule (storefront.site.characters) as JSON Schema patterns: no controls but tab and line
# breaks (none at all in one line), no non-characters; "said" texts hold more than blanks.
# The non-characters beyond the first plane (U+1FFFE, U+1FFFF … U+10FFFF) are written as themselves:
# JSON escapes them as surrogate pairs, which a JSON reader turns back into the one character.
_REFUSED = r"\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff" + "".join(
    chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0x10000, 0x110000, 0x10000)
)
_IN_TEXT, _IN_LINE = r"\u0000-\u0008\u000b\u000c\u000e-\u001f" + _REFUSED, r"\u0000-\u001f" + _REFUSED
TEXT_PATTERN = rf"^[^{_IN_TEXT}]*$"
LINE_PATTERN = rf"^[^{_IN_LINE}]*$"
SAID_PATTERN = rf"^[^{_IN_TEXT}]*[^\s{_IN_TEXT}][^{_IN_TEXT}]*$"
SAID_LINE_PATTERN = rf"^[^{_IN_LINE}]*[^\s{_IN_LINE}][^{_IN_LINE}]*$"


def check_text(value: str, name: str) -> str:
    """``value`` unchanged, or a 400 naming ``name`` and the character when it holds one no page may carry."""
    char = first_forbidden(value)
    if char is not None:
        raise HTTPException(400, f"{name} contains {code_point(char)} ({_kind(char)}); send plain text")
    return value


def _kind(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "half of a UTF-16 surrogate pair"
    if char < "\u00a0":  # C0 and C1 controls, and DEL, come before the no-break space
        return "a control character"
    return "a Unicode non-character"


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, *, cap: int, timeout: float) -> bytes:
    """The whole body, refused past ``cap`` bytes (413) or when it takes over ``timeout`` seconds (408)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > cap:
                    raise _too_large(cap)
                chunks.append(chunk)
    except TimeoutError:
        raise HTTPException(
            408, f"the request body did not arrive within {timeout:g} seconds", headers={"Connection": "close"}
        ) from None
    except ClientDisconnect:
        raise HTTPException(400, "the client disconnected before the body arrived") from None
    request._body = b"".join(chunks)  # Starlette's form parser reads the cached body
    return request._body


def _too_large(cap: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than {cap} bytes", headers={"Connection": "close"})


async def read_form(request: Request, *, cap: int, timeout: float) -> FormData:
    """A form posted as URL-encoded, multipart (text fields only) or a JSON object of strings."""
    body = await read_body(request, cap=cap, timeout=timeout)
    kind = media_type(request)
    if kind == JSON_TYPE:  # _json_object has checked every key and text already
        return FormData([(key, _form_value(key, value)) for key, value in _json_object(body).items()])
    if kind == FORM_TYPES[0]:
        try:
            items = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise HTTPException(400, "the form is not valid UTF-8") from None
    elif kind == FORM_TYPES[1]:
        items = await _text_fields(await request.form(max_files=16, max_fields=64, max_part_size=cap))
    elif not body:
        return FormData()
    else:
        raise _unsupported(f"{', '.join(FORM_TYPES)} or {JSON_TYPE}")
    for key, value in items:
        check_text(key, "a field name")
        check_text(value, f"field '{key}'")
    fields: list[tuple[str, str | UploadFile]] = list(items)
    return FormData(fields)


async def _text_fields(form: FormData) -> list[tuple[str, str]]:
    files = [key for key, value in form.multi_items() if isinstance(value, UploadFile)]
    if files:
        await form.close()
        raise HTTPException(400, f"field '{files[0]}' must be text, not a file")
    return [(key, str(value)) for key, value in form.multi_items()]


def _form_value(key: str, value: Any) -> str:
    """A JSON form field: a string, or for the checkbox ``true`` (its value) or ``false`` (unchecked)."""
    if isinstance(value, str):
        return value
    if key in CHECKBOXES and isinstance(value, bool):
        return CONSENT_VALUE if value else ""
    raise HTTPException(422, f"field '{key}' must be a string" + (" or true" if key in CHECKBOXES else ""))


async def read_json(request: Request, *, cap: int, timeout: float) -> dict[str, Any]:
    """A JSON object (an empty body is ``{}``), its text checked like a form's."""
    body = await read_body(request, cap=cap, timeout=timeout)
    if not body.strip():
        return {}
    if media_type(request) != JSON_TYPE:
        raise _unsupported(JSON_TYPE)
    return _json_object(body)


def _unsupported(expected: str) -> HTTPException:
    return HTTPException(415, f"send the body as {expected}")


def _json_object(body: bytes) -> dict[str, Any]:
    if _too_deep(body):
        raise HTTPException(400, f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        payload = json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, "the body must be a JSON object")
    _check_json_text(payload, "")
    return payload


_BACKSLASH, _QUOTE = ord("\\"), ord('"')


def _too_deep(body: bytes) -> bool:
    """Whether brackets outside strings nest past the bound: a linear scan before any parsing."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in b"]}":
            depth -= 1
    return False


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _check_json_text(value: Any, path: str) -> None:
    if isinstance(value, str):
        check_text(value, f"field '{path}'")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, "a field name")
            _check_json_text(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_text(item, f"{path}[{index}]")


class CleanAddress:
    """ASGI middleware: a path or query with a control character is refused (400) before any route sees it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = _address_problem(scope)
            if problem:
                await JSONResponse({"error": problem}, status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _address_problem(scope: Scope) -> str | None:
    try:
        check_text(scope["path"], "the address")
        query = scope.get("query_string", b"").decode("latin-1")
        for key, value in parse_qsl(query, keep_blank_values=True, errors="strict"):
            check_text(key, "a query parameter name")
            check_text(value, f"query parameter '{key}'")
    except UnicodeDecodeError:
        return "the query is not valid UTF-8"
    except HTTPException as exc:
        return exc.detail
    return None
