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


_SITE = {"name": "site_id", "in": "path", "required": True, "schema": {"type": "string"}}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
_FORMAT = {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}
_AUTH = [{"partnerKey": []}]
_DENIED = {"401": {"description": "No key, or an unknown or revoked one."},
           "403": {"description": "The key belongs to another partner."}}


def _partner_paths() -> dict[str, Any]:
    base = "/api/v1/sites/{site_id}"
    return {
        f"{base}/subscribers": {"get": {
            "summary": "The partner's subscribers, newest first", "security": _AUTH,
            "parameters": [_SITE, _FORMAT,
                           {"name": "status", "in": "query", "schema": {
                               "type": "string", "enum": ["trial", "paid", "expired", "gone"]}},
                           {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "until", "in": "query", "schema": {"type": "string", "format": "date"}}],
            "responses": {"200": {"description": "JSON list or CSV"}, **_DENIED}}},
        f"{base}/subscribers/{{number}}/convert": {"post": {
            "summary": "Convert a trial to a paid subscription", "security": _AUTH, "parameters": [_SITE, _NUMBER],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["paid_until"],
                "properties": {"paid_until": {"type": "string", "format": "date"}}}}}},
            "responses": {"200": {"description": "Converted"}, "404": {"description": "No such subscriber"},
                          **_DENIED}}},
        f"{base}/subscribers/{{number}}/gone": {"post": {
            "summary": "Record that a client left, and why", "security": _AUTH, "parameters": [_SITE, _NUMBER],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Recorded"}, "404": {"description": "No such subscriber"},
                          **_DENIED}}},
        f"{base}/invitations": {
            "get": {"summary": "Invitation codes with their subscriber and activation date", "security": _AUTH,
                    "parameters": [_SITE, _FORMAT], "responses": {"200": {"description": "JSON list or CSV"},
                                                                  **_DENIED}},
            "post": {"summary": "Create invitation codes (and e-mail one to a prospect)", "security": _AUTH,
                     "parameters": [_SITE],
                     "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                         "email": {"type": "string", "format": "email"}, "tariff": {"type": "string"},
                         "trial_days": {"type": "integer", "minimum": 1, "maximum": 30},
                         "count": {"type": "integer", "minimum": 1, "maximum": 1000},
                         "expires_days": {"type": "integer", "minimum": 1}}}}}},
                     "responses": {"201": {"description": "The codes and their activation links"}, **_DENIED}}},
        "/invite/{code}": {
            "get": {"summary": "The activation page of an invitation", "responses": {
                "200": {"description": "The form"}, "404": {"description": "Unknown code"},
                "409": {"description": "Already used"}, "410": {"description": "Expired"}}},
            "post": {"summary": "Activate an invitation: creates the trial subscriber",
                     "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": _FORM}}},
                     "responses": {"200": {"description": "Activated"}, "422": {"description": "Invalid fields"},
                                   "409": {"description": "Already used"}, "410": {"description": "Expired"}}}},
        "/extend/{token}": {
            "get": {"summary": "Confirm extending access by 7 days (from the 7-day reminder)",
                    "responses": {"200": {"description": "The confirmation page"}}},
            "post": {"summary": "Extend access by 7 days, once", "responses": {
                "200": {"description": "Extended"}, "409": {"description": "Already used or out of date"}}}},
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "components": {"securitySchemes": {"partnerKey": {
            "type": "http", "scheme": "bearer",
            "description": "A key from `registration-api keys create SITE_ID`; it sees only that site's data."}}},
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
            **_partner_paths(),
            "/healthz": {"get": {"summary": "Service and database health", "responses": {
                "200": {"description": "Up"}, "503": {"description": "The database is unavailable"}}}},
        },
    }
