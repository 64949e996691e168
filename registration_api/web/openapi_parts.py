"""What the OpenAPI description of every part of the service is made of: texts, forms, pages,
path parameters and the refusals, with the reason of each status."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from registration_api.web.inputs import TEXT_PATTERN

#: Any text the service reads: no control character.
TEXT = {"type": "string", "pattern": TEXT_PATTERN}
#: A form of any text fields.
ANY_FORM = {"type": "object", "propertyNames": {"pattern": TEXT_PATTERN}, "additionalProperties": TEXT}
#: A page for people.
HTML = {"text/html": {"schema": {"type": "string"}}}

#: A refusal as data.
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
HTML = {"text/html": {"schema": {"type": "string"}}}
#: Why each status is answered.
WHY = {
    400: "The request cannot be read: not UTF-8, broken JSON or multipart, JSON nested too deep or with "
    "NaN/Infinity, a file where text is expected, or a control character in the address, a query "
    "parameter or a field.",
    401: "No API key, or an unknown or revoked one.",
    403: "Refused: a key of another partner, or a post from a site that is not the partner's.",
    404: "No such storefront, page, subscriber, invitation or link.",
    408: "The body did not arrive within the read timeout (READ_TIMEOUT_SECONDS).",
    409: "Already used.",
    410: "Expired.",
    413: "The body is larger than MAX_BODY_BYTES.",
    415: "A body in a content type this operation does not take.",
    422: "A value of the wrong type, out of its range or not in its set; the message names the field.",
    429: "Too many requests from this address (or with this key, or wrong keys from this address).",
}
RETRY_AFTER = {
    "Retry-After": {
        "required": True,
        "description": "Seconds to wait.",
        "schema": {"type": "string", "pattern": "^\\d+$"},
    }
}


def refusals(*statuses: int, html: bool = True) -> dict[str, Any]:
    """Refusals as JSON ``{"error"}`` (scripts, and the partner API always) or, with ``html``, a page."""
    content = {"application/json": {"schema": ERROR}, **(HTML if html else {})}
    answers: dict[str, Any] = {}
    for status in statuses:
        answers[str(status)] = {"description": WHY[status], "content": content}
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            answers["429"]["headers"] = RETRY_AFTER
        if status == HTTPStatus.UNAUTHORIZED:
            answers["401"]["headers"] = {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}
    return answers


def path(name: str, description: str, **schema: Any) -> dict[str, Any]:
    """A required path parameter: text of at least one character."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "pattern": TEXT_PATTERN, **schema},
    }
