"""The OpenAPI 3.1 description served at ``/openapi.json``: every path parameter, every status
an operation answers, and request schemas taken from the models that check the requests."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from registration_api.domain.news_audience import NEWS_STATES
from registration_api.storage.records import DAY_COLUMNS, INVITATION_COLUMNS, MOMENT_COLUMNS, SUBSCRIBER_COLUMNS
from registration_api.web import openapi_cabinet
from registration_api.web.inputs import (
    CONSENT_VALUE,
    FORM_TYPES,
    JSON_TYPE,
    LINE_PATTERN,
    SAID_LINE_PATTERN,
    TEXT_PATTERN,
)
from registration_api.web.openapi_parts import ANY_FORM, HTML, TEXT, path, refusals
from registration_api.web.partner_inputs import Conversion, Departure, ListQuery, NewInvitations, SubscriberQuery
from registration_api.web.routing import resource

_FIELDS = {
    "name": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
        "pattern": SAID_LINE_PATTERN,
        "description": "Full name, one line.",
    },
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "phone": {
        "type": "string",
        "maxLength": 40,
        "pattern": "^[0-9 \\t\\r\\n()+\\-.]+$",
        "description": "A Russian number, e.g. `8 (912) 345-67-89` or `+7 912 3456789`.",
    },
    "company": {"type": "string", "maxLength": 300, "pattern": LINE_PATTERN},
    "inn": {
        "type": "string",
        "pattern": "^[ \\t\\r\\n]*([0-9]( ?[0-9]){9}(( ?[0-9]){2})?)?[ \\t\\r\\n]*$",
        "description": "ИНН (10 or 12 digits, spaces allowed) with valid check digits; may be empty.",
    },
    "consent": {
        "type": "string",
        "enum": [CONSENT_VALUE],
        "description": "Consent to personal data processing (152-FZ): exactly the checkbox's value.",
    },
    "news": {
        "type": "string",
        "pattern": TEXT_PATTERN,
        "description": "Consent to news and offers by e-mail (38-FZ art. 18), optional and apart from `consent`: "
        "only the checkbox's value `yes` is consent, anything else is none. Its time and wording are stored.",
    },
    "website": {
        "type": "string",
        "pattern": TEXT_PATTERN,
        "description": "Honeypot: leave empty. A valid form with it filled is answered as a success and dropped.",
    },
    "token": {
        "type": "string",
        "maxLength": 100,
        "pattern": TEXT_PATTERN,
        "description": "Idempotency token: a repeated post with the same token answers with the same subscriber.",
    },
}
_FORM = {
    "type": "object",
    "required": ["name", "email", "phone", "consent"],
    "properties": _FIELDS,
    "propertyNames": {"pattern": TEXT_PATTERN},
    "additionalProperties": TEXT,
}
_JSON_FORM = {
    **_FORM,
    "properties": {
        **_FIELDS,
        "consent": {"enum": [CONSENT_VALUE, True], "description": "Consent to personal data processing (152-FZ)."},
        "news": {
            "type": ["string", "boolean"],
            "pattern": TEXT_PATTERN,
            "description": "Consent to news and offers by e-mail, optional: `true` or `yes` is consent.",
        },
    },
}
_FORM_BODY = {
    "required": True,
    "content": {FORM_TYPES[0]: {"schema": _FORM}, FORM_TYPES[1]: {"schema": _FORM}, JSON_TYPE: {"schema": _JSON_FORM}},
}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema: dict[str, Any] = _without_titles(model.model_json_schema())
    return schema


def _without_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {key: _without_titles(value) for key, value in schema.items() if key != "title"}
    if isinstance(schema, list):
        return [_without_titles(item) for item in schema]
    return schema


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    """A model's fields as optional query parameters (an absent or empty one is no filter)."""
    parameters = []
    for name, declared in _schema(model)["properties"].items():
        chosen = next((s for s in declared.get("anyOf", []) if s.get("type") != "null"), declared)
        schema = {key: value for key, value in chosen.items() if key not in ("default", "anyOf")}
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    return parameters


def _json_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON_TYPE: {"schema": _schema(model)}}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_NULLABLE = {"type": ["string", "null"]}


def _column(name: str) -> dict[str, Any]:
    """A listed column's schema: a moment carries its UTC offset (``date-time``), a day is a ``date``."""
    if name in MOMENT_COLUMNS:
        return {**_NULLABLE, "format": "date-time", "description": "ISO 8601 with the UTC offset"}
    if name in DAY_COLUMNS:
        return {**_NULLABLE, "format": "date"}
    if name == "newsletter":
        return {
            "type": "string",
            "enum": list(NEWS_STATES),
            "description": "Whether the partner's newsletter reaches the subscriber, and if not, why",
        }
    return _NULLABLE


_SUBSCRIBER = {"type": "object", "properties": {column: _column(column) for column in SUBSCRIBER_COLUMNS}}
_INVITATION = {
    "type": "object",
    "properties": {
        **{column: _column(column) for column in INVITATION_COLUMNS},
        "code": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with the UTC offset"},
        "tariff": {"type": "string"},
        "trial_days": {"type": "integer"},
    },
}
_CSV = {"text/csv": {"schema": {"type": "string"}}}
_SITE = path("site_id", "The storefront's id (its folder under `sites/`).")
_NUMBER = path("number", "The subscriber number.")
_AUTH: list[dict[str, list[str]]] = [{"partnerKey": []}]
_API_REFUSALS = (400, 401, 403, 404, 422, 429)
_API_BODY_REFUSALS = (400, 401, 403, 404, 408, 413, 415, 422, 429)


def _listing(summary: str, query: type[BaseModel], row: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": _AUTH,
            "parameters": [_SITE, *_query(query)],
            "responses": {
                "200": {
                    "description": "A JSON list, or CSV with `?format=csv`.",
                    "content": {"application/json": {"schema": {"type": "array", "items": row}}, **_CSV},
                },
                **refusals(*_API_REFUSALS, html=False),
            },
        }
    }


def _change(summary: str, body: type[BaseModel], done: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "security": _AUTH,
            "parameters": [_SITE, _NUMBER],
            "requestBody": _json_body(body),
            "responses": {"200": _json(done, "Done"), **refusals(*_API_BODY_REFUSALS, html=False)},
        }
    }


def _partner_paths() -> dict[str, Any]:
    base = "/api/v1/sites/{site_id}"
    number = {"subscriber_number": {"type": "string"}}
    invitations = _listing("Invitation codes with their subscriber and activation date", ListQuery, _INVITATION)
    invitations["post"] = {
        "summary": "Create invitation codes (and e-mail one to a prospect)",
        "security": _AUTH,
        "parameters": [_SITE],
        "requestBody": _json_body(NewInvitations, required=False),
        "responses": {
            "201": _json(
                {
                    "type": "object",
                    "properties": {
                        "codes": {"type": "array", "items": {"type": "string"}},
                        "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
                    },
                },
                "The codes and their activation links",
            ),
            **refusals(*_API_BODY_REFUSALS, html=False),
        },
    }
    return {
        f"{base}/subscribers": _listing("The partner's subscribers, newest first", SubscriberQuery, _SUBSCRIBER),
        f"{base}/subscribers/{{number}}/convert": _change(
            "Convert a trial to a paid subscription",
            Conversion,
            {
                "type": "object",
                "properties": {
                    **number,
                    "status": {"const": "paid"},
                    "paid_until": {"type": "string", "format": "date"},
                },
            },
        ),
        f"{base}/subscribers/{{number}}/gone": _change(
            "Record that a client left, and why",
            Departure,
            {"type": "object", "properties": {**number, "status": {"const": "gone"}, "reason": {"type": "string"}}},
        ),
        f"{base}/invitations": invitations,
    }


def _email_pages() -> dict[str, Any]:
    code = path("code", "An invitation code such as `7KQ2-M9XD-4RTA-WB3H` (case-insensitive).", maxLength=100)
    token = path("token", "The signed token of an extension link from a reminder e-mail.", maxLength=200)
    page = {"text/html": {"schema": {"type": "string"}}}
    return {
        "/invite/{code}": {
            "parameters": [code],
            "get": {
                "summary": "The activation page of an invitation",
                "responses": {"200": {"description": "The form", "content": page}, **refusals(400, 404, 409, 410)},
            },
            "post": {
                "summary": "Activate an invitation: creates the trial subscriber",
                "requestBody": _FORM_BODY,
                "responses": {
                    "200": {"description": "Activated (or a honeypot post, dropped)", "content": page},
                    **refusals(400, 403, 404, 408, 409, 410, 413, 415, 422, 429),
                },
            },
        },
        "/extend/{token}": {
            "parameters": [token],
            "get": {
                "summary": "Confirm extending access by 7 days (from the 7-day reminder)",
                "responses": {"200": {"description": "The confirmation page", "content": page}, **refusals(400, 404)},
            },
            "post": {
                "summary": "Extend access by 7 days, once",
                "requestBody": {
                    "required": False,
                    "content": {kind: {"schema": ANY_FORM} for kind in (*FORM_TYPES, JSON_TYPE)},
                },
                "responses": {
                    "200": {"description": "Extended", "content": page},
                    **refusals(400, 404, 408, 409, 413, 415, 422, 429),
                },
            },
        },
        "/sites/{site_id}/assets/{name}": {
            "parameters": [
                path("site_id", "The storefront's id.", maxLength=60),
                path("name", "A file's published name, e.g. `css/base.3f9a1c2e.css`.", maxLength=300),
            ],
            "get": {
                "summary": "A theme file the service's pages link (stylesheet, logo, icon), kept by browsers a year",
                "responses": {
                    "200": {"description": "The file", "content": {"*/*": {"schema": {"type": "string"}}}},
                    **refusals(400, 404),
                },
            },
        },
    }


def _news_pages() -> dict[str, Any]:
    """The two links of a newsletter e-mail: each a page that asks (GET) and its button (POST)."""
    token = path(
        "token",
        "The signed token of the subscriber's link from a newsletter e-mail: `<number>.<signature>`.",
        maxLength=200,
        pattern="^[0-9]+\\.[A-Za-z0-9_-]+$",
    )
    not_kept = {
        "Cache-Control": {
            "required": True,
            "description": "The token is in the address.",
            "schema": {"const": "no-store"},
        }
    }
    posted = {kind: {"schema": ANY_FORM} for kind in (*FORM_TYPES, JSON_TYPE)}
    one_click = {
        **ANY_FORM,
        "properties": {
            "List-Unsubscribe": {
                "const": "One-Click",
                "description": "RFC 8058: the mail provider's one-click post; answered with a short text.",
            }
        },
    }
    post_refusals = refusals(400, 404, 408, 413, 415, 422, 429)

    def asks(summary: str) -> dict[str, Any]:
        return {
            "summary": summary,
            "responses": {
                "200": {
                    "description": "The page with one button (changes nothing)",
                    "headers": not_kept,
                    "content": HTML,
                },
                **refusals(400, 404),
            },
        }

    return {
        "/news/{site_id}/unsubscribe/{token}": {
            "parameters": [_SITE, token],
            "get": asks("Ask to unsubscribe from the partner's newsletter (or say it is done)"),
            "post": {
                "summary": "Unsubscribe from the newsletter at once: the page's button, or RFC 8058 one-click",
                "requestBody": {
                    "required": False,
                    "content": {**posted, FORM_TYPES[0]: {"schema": one_click}, FORM_TYPES[1]: {"schema": one_click}},
                },
                "responses": {
                    "200": {
                        "description": "Unsubscribed (again is no error): the page, or for one-click a short text",
                        "headers": not_kept,
                        "content": {**HTML, "text/plain": {"schema": {"type": "string"}}},
                    },
                    **post_refusals,
                },
            },
        },
        "/news/{site_id}/confirm/{token}": {
            "parameters": [_SITE, token],
            "get": asks("Ask to confirm the subscription to the partner's newsletter (double opt-in)"),
            "post": {
                "summary": "Confirm the subscription to the newsletter (again is no error)",
                "requestBody": {"required": False, "content": posted},
                "responses": {
                    "200": {"description": "Confirmed", "headers": not_kept, "content": HTML},
                    **post_refusals,
                },
            },
        },
    }


@cache  # the same for the whole life of the process; answered as is, never changed
def openapi_document() -> dict[str, Any]:
    registered = {
        "type": "object",
        "properties": {
            "status": {"const": "registered"},
            "subscriber_number": {"type": "string"},
            "trial_ends": {"type": "string", "format": "date"},
            "thanks_url": {"type": "string", "format": "uri"},
        },
    }
    field_errors = {
        "type": "object",
        "properties": {
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "error": {"type": "string"},
        },
    }
    return {
        "openapi": "3.1.0",
        "components": {
            "securitySchemes": {
                "partnerKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A key from `registration-api keys create SITE_ID`; it sees only that site's data.",
                }
            }
        },
        "info": {
            "title": "storefront registration API",
            "version": "1.0.0",
            "description": "Turns a storefront's registration form into a trial subscriber. A method an "
            "address does not list is answered 405 with `Allow`.",
        },
        "paths": {
            "/r/{site_id}/{page_id}": {
                "parameters": [_SITE, path("page_id", "A registration page of the storefront (`registration[].id`).")],
                "post": {
                    "summary": "Register a prospect for a free trial",
                    "requestBody": _FORM_BODY,
                    "responses": {
                        "201": _json(registered, "Registered (with `Accept: application/json`)."),
                        "303": {
                            "description": "Registered: the browser goes to the thank-you page.",
                            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
                        },
                        **refusals(400, 403, 404, 408, 413, 415),
                        "422": {
                            "description": "Invalid fields: the form again with messages, or errors per field.",
                            "content": {"application/json": {"schema": field_errors}, **HTML},
                        },
                        **refusals(429),
                    },
                },
                "options": {
                    "summary": "CORS preflight for a form posted by script from the partner's own site",
                    "responses": {
                        "204": {"description": "Allowed: the CORS headers."},
                        "403": {"description": "Unknown storefront, or an origin not the partner's."},
                        **refusals(400),
                    },
                },
            },
            **_partner_paths(),
            **_email_pages(),
            **_news_pages(),
            **openapi_cabinet.paths(),
            "/": {
                "get": {
                    "summary": "What this service is and which storefronts it serves, with their addresses",
                    "responses": {
                        "200": {
                            "description": "A page for people; with Accept: application/json, the same as data",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["sites", "failed"],
                                        "properties": {
                                            "sites": {"type": "array", "items": {"type": "object"}},
                                            "failed": {"type": "integer", "minimum": 0},
                                        },
                                    }
                                },
                                **HTML,
                            },
                        },
                        **refusals(400),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Service and database health",
                    "responses": {
                        "200": {"description": "Up", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "503": {
                            "description": "The database is unavailable",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **refusals(400, html=False),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": _json({"type": "object"}, "The OpenAPI document"),
                        **refusals(400, html=False),
                    },
                }
            },
        },
    }


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


routes: list[BaseRoute] = [resource("/openapi.json", GET=openapi)]
