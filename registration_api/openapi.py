"""The OpenAPI 3.1 description served at ``/openapi.json``."""
from __future__ import annotations

from typing import Any

_FIELDS = {
    "name": {"type": "string", "maxLength": 200, "description": "Full name."},
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "phone": {"type": "string", "description": "A Russian number, e.g. `8 (912) 345-67-89` or `+7 912 3456789`."},
    "company": {"type": "string", "maxLength": 300},
    "inn": {"type": "string", "pattern": "^(\\d{10}|\\d{12})$", "description": "ИНН with valid check digits."},
    "consent": {"type": "string", "enum": ["yes"], "description": "Consent to personal data processing (152-FZ)."},
    "website": {"type": "string", "maxLength": 0, "description": "Honeypot: must stay empty."},
    "token": {"type": "string", "maxLength": 100, "description": "Idempotency token: a repeated post with the "
                                                                  "same token answers with the same subscriber."},
}
_FORM = {"type": "object", "required": ["name", "email", "phone", "consent"], "properties": _FIELDS}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "storefront registration API", "version": "1.0.0",
                 "description": "Turns a storefront's registration form into a trial subscriber."},
        "paths": {
            "/r/{site_id}/{page_id}": {
                "parameters": [
                    {"name": "site_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "page_id", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "post": {
                    "summary": "Register a prospect for a free trial",
                    "requestBody": {"required": True, "content": {
                        "application/x-www-form-urlencoded": {"schema": _FORM},
                        "multipart/form-data": {"schema": _FORM},
                        "application/json": {"schema": _FORM}}},
                    "responses": {
                        "201": {"description": "Registered (with `Accept: application/json`).", "content": {
                            "application/json": {"schema": {"type": "object", "properties": {
                                "status": {"type": "string", "enum": ["registered"]},
                                "subscriber_number": {"type": "string"},
                                "trial_ends": {"type": "string", "format": "date"},
                                "thanks_url": {"type": "string", "format": "uri"}}}}}},
                        "303": {"description": "Registered: the browser goes to the thank-you page."},
                        "403": {"description": "Posted from a site that is not the partner's.",
                                "content": {"application/json": {"schema": _ERROR}}},
                        "404": {"description": "Unknown storefront or registration page."},
                        "413": {"description": "Request body too large."},
                        "422": {"description": "Invalid fields: the form again with messages, or errors per field.",
                                "content": {"application/json": {"schema": {"type": "object", "properties": {
                                    "errors": {"type": "object", "additionalProperties": {
                                        "type": "array", "items": {"type": "string"}}}}}}}},
                        "429": {"description": "Too many sign-ups from one address; see Retry-After."},
                    },
                },
            },
            "/healthz": {"get": {"summary": "Service and database health", "responses": {
                "200": {"description": "Up"}, "503": {"description": "The database is unavailable"}}}},
        },
    }
