"""The OpenAPI description of the partner's cabinet: pages for people (a signed session cookie, a
form token in each post). One function per part of the cabinet, each next to the others'."""

from __future__ import annotations

from typing import Any

from registration_api.web.inputs import FORM_TYPES, JSON_TYPE, TEXT_PATTERN
from registration_api.web.openapi_parts import ANY_FORM, HTML, TEXT, path, refusals

#: What the cabinet's operations answer.
PAGE = {"description": "A page", "content": HTML}
MOVED = {"description": "On to the next page (the session cookie set or cleared)"}
REFUSED = {"content": HTML}
FORGED = {"403": {"description": "The form lacks the session's token (a forged post)", **REFUSED}}
NOT_YOURS = {"description": "Not a cabinet page this operator may open (another partner's, or nothing)", **REFUSED}
#: The refusals of a post the service cannot read.
UNREADABLE = refusals(400, 408, 413, 415, 422)
#: The path parameter of every partner's page.
SITE = path("site_id", "The storefront's id.", maxLength=60)


def form_body(*fields: str) -> dict[str, Any]:
    """A posted form of text ``fields`` and the session's ``csrf`` token."""
    form = {**ANY_FORM, "properties": {name: TEXT for name in (*fields, "csrf")}}
    return {"required": True, "content": {kind: {"schema": form} for kind in (*FORM_TYPES, JSON_TYPE)}}


def query(name: str, description: str, *examples: str) -> dict[str, Any]:
    """An optional text query parameter."""
    schema = {"type": "string", "pattern": TEXT_PATTERN, **({"examples": list(examples)} if examples else {})}
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _sign_in() -> dict[str, Any]:
    body = form_body("email")
    too_many = {"429": {"description": "Too many sign-in requests from this address or for this e-mail", **REFUSED}}
    token = path("token", "The token of a sign-in link e-mailed to an operator.", maxLength=100)
    return {
        "/cabinet/": {
            "get": {
                "summary": "The cabinet's start: the e-mail form, or the choice of a partner",
                "responses": {"200": PAGE, "303": MOVED, **refusals(400)},
            }
        },
        "/cabinet/sign-in": {
            "post": {
                "summary": "Ask for a sign-in link: the same answer whether or not the address is an operator's",
                "requestBody": body,
                "responses": {"200": PAGE, **UNREADABLE, **FORGED, **too_many},
            }
        },
        "/cabinet/sign-in/{token}": {
            "parameters": [token],
            "get": {
                "summary": "The page of a sign-in link: one button, so that opening the link does not use it",
                "responses": {
                    "200": PAGE,
                    "404": {"description": "No link is that long", **REFUSED},
                    **refusals(400),
                },
            },
            "post": {
                "summary": "Use a sign-in link (once, within 15 minutes) and start the session",
                "requestBody": body,
                "responses": {
                    "303": MOVED,
                    "404": {"description": "No link is that long", **REFUSED},
                    "410": {"description": "The link is used, expired or unknown", **REFUSED},
                    **UNREADABLE,
                    **FORGED,
                    **too_many,
                },
            },
        },
        "/cabinet/sign-out": {
            "post": {
                "summary": "Sign out of the cabinet",
                "requestBody": body,
                "responses": {"303": MOVED, **UNREADABLE, **FORGED},
            }
        },
    }


def _overview() -> dict[str, Any]:
    return {
        "/cabinet/{site_id}/": {
            "parameters": [SITE],
            "get": {
                "summary": "A partner's cabinet, for its operators (404 for anyone else signed in)",
                "responses": {
                    "200": PAGE,
                    "303": MOVED,
                    "404": NOT_YOURS,
                    **refusals(400),
                },
            },
        },
    }


#: What a download answers: the file, as it is made.
FILES = {
    "csv": {"text/csv": {"schema": {"type": "string"}}},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string"}}},
}
FILE_NAMES = {"csv": "A CSV file (UTF-8 with BOM, «;» for a Russian partner)", "xlsx": "An XLSX workbook"}


def _downloads(address: str, summary: str, parameters: list[dict[str, Any]], refused: dict[str, Any]) -> dict[str, Any]:
    """``<address>.csv`` and ``<address>.xlsx``: what ``summary`` says, as a file."""
    return {
        f"{address}.{kind}": {
            "parameters": [SITE],
            "get": {
                "summary": f"{summary}, as {FILE_NAMES[kind][0].lower()}{FILE_NAMES[kind][1:]}",
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": f"{FILE_NAMES[kind]}, sent as it is made",
                        "content": content,
                        "headers": {"Content-Disposition": {"required": True, "schema": {"type": "string"}}},
                    },
                    "303": MOVED,
                    "404": NOT_YOURS,
                    **refused,
                },
            },
        }
        for kind, content in FILES.items()
    }


def _invitations() -> dict[str, Any]:
    state = query(
        "state",
        "Which invitations: all, waiting (not used yet), used or expired; anything else is all.",
        "all",
        "waiting",
        "used",
        "expired",
    )
    address = "/cabinet/{site_id}/invitations"
    return {
        address: {
            "parameters": [SITE],
            "get": {
                "summary": "A partner's invitations, newest first, and the form to create them",
                "parameters": [state],
                "responses": {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **refusals(400)},
            },
            "post": {
                "summary": "Create one invitation (e-mailed if an address is given) or a batch of codes",
                "requestBody": form_body("email", "count", "trial_days", "expires_days"),
                "responses": {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **UNREADABLE, **FORGED},
            },
        },
        **_downloads(address, "The partner's invitations in a state", [state], refusals(400)),
    }


def _subscribers() -> dict[str, Any]:
    filters = [
        query("q", "A part of a name, e-mail, phone (typed any way), company, ИНН or number; each word must be found."),
        query("status", "trial, paid, expired or gone; anything else is refused (400).", "trial", "paid"),
        query("source", "A registration page's id, or *invitations; another is refused (400).", "*invitations"),
        query("from", "The first day of registration: 2026-12-31 or 31.12.2026; another text is refused (400)."),
        query("to", "The last day of registration, written the same way; before «from» is refused (400)."),
        query("sort", "newest, oldest, name or trial_end; anything else is newest.", "newest", "name"),
    ]
    page = query("page", "The page of 50, from 1; anything else is 1, a page past the end is the last.", "2")
    unreadable = refusals(400)["400"]
    refused = {
        "400": {
            **unreadable,
            "description": f"A filter it cannot read, said at its field; or: {unreadable['description']}",
        }
    }
    address = "/cabinet/{site_id}/subscribers"
    return {
        address: {
            "parameters": [SITE],
            "get": {
                "summary": "A partner's subscribers found by what is typed and the filters, in an order, 50 a page",
                "parameters": [*filters, page],
                "responses": {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **refused},
            },
        },
        **_downloads(address, "Every subscriber the filters find, in their order", filters, refused),
    }


def _subscriber() -> dict[str, Any]:
    number = path("number", "A subscriber's number; another partner's, or nobody's, answers 404.", maxLength=100)
    done = query("done", "What was just recorded, said on the page: converted or departed.", "converted", "departed")
    unreadable = UNREADABLE["400"]
    mistaken = {
        **unreadable,
        "description": f"A mistake in the form, shown at its field; or: {unreadable['description']}",
    }
    changed = {**UNREADABLE, "400": mistaken, "303": MOVED, "404": NOT_YOURS, **FORGED}
    address = "/cabinet/{site_id}/subscribers/{number}"
    return {
        address: {
            "parameters": [SITE, number],
            "get": {
                "summary": "A subscriber's details, its history and the forms of a payment and a departure",
                "parameters": [done],
                "responses": {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **refusals(400)},
            },
        },
        f"{address}/convert": {
            "parameters": [SITE, number],
            "post": {
                "summary": "Record a payment: one of the partner's tariffs and the last paid day",
                "requestBody": form_body("tariff", "paid_until"),
                "responses": changed,
            },
        },
        f"{address}/departure": {
            "parameters": [SITE, number],
            "post": {
                "summary": "Record a departure: its cause and, for «other», the operator's words",
                "requestBody": form_body("cause", "reason"),
                "responses": changed,
            },
        },
    }


def _ending() -> dict[str, Any]:
    return {
        "/cabinet/{site_id}/ending": {
            "parameters": [SITE],
            "get": {
                "summary": "The subscriptions ending in the next 14 days (the Monday digest's list), those "
                "ended in the last 14 days, and who extended their access themselves in the last 30",
                "responses": {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **refusals(400)},
            },
        },
    }


def _newsletter() -> dict[str, Any]:
    address = "/cabinet/{site_id}/newsletter"
    nothing = {**NOT_YOURS, "description": f"{NOT_YOURS['description']}; or the next issue has nothing to send"}
    return {
        address: {
            "parameters": [SITE],
            "get": {
                "summary": "The partner's newsletter: its schedule, the next issue, who receives news, the issues "
                "with their e-mails sent, waiting and given up, the onboarding letters sent and skipped; or how "
                "to start one",
                "responses": {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **refusals(400)},
            },
        },
        f"{address}/next": {
            "parameters": [SITE],
            "get": {
                "summary": "The next issue's e-mail as it will be sent (the unsubscribe link inert), under a "
                "sandboxing Content-Security-Policy",
                "responses": {
                    "200": {"description": "The e-mail's HTML", "content": HTML},
                    "303": MOVED,
                    "404": nothing,
                    **refusals(400),
                },
            },
        },
    }


def _settings() -> dict[str, Any]:
    settings = "/cabinet/{site_id}/settings"
    shown = {"200": PAGE, "303": MOVED, "404": NOT_YOURS, **refusals(400)}
    posted = {"303": MOVED, "404": NOT_YOURS, **UNREADABLE, **FORGED}
    prefix = path("prefix", "The first 12 characters of one of the partner's keys, as its list shows them.")
    delivery = path("delivery_id", "The number of one of the partner's webhook events, as its list shows it.")
    return {
        settings: {
            "parameters": [SITE],
            "get": {"summary": "The settings: their three parts, each in a line", "responses": shown},
        },
        f"{settings}/keys": {
            "parameters": [SITE],
            "get": {
                "summary": "The partner's API keys by their first characters (never a whole key), newest first",
                "parameters": [query("revoked", "A key just revoked, named on the page if it is the partner's.")],
                "responses": shown,
            },
            "post": {
                "summary": "Create a key: shown once, in this answer (never cached), or the form again with "
                "what to fix (400)",
                "requestBody": form_body("label"),
                "responses": {"200": PAGE, **posted},
            },
        },
        f"{settings}/keys/{{prefix}}/revoke": {
            "parameters": [SITE, prefix],
            "get": {"summary": "The page that asks to confirm revoking the key", "responses": shown},
            "post": {"summary": "Revoke the key", "requestBody": form_body(), "responses": posted},
        },
        f"{settings}/webhooks": {
            "parameters": [SITE],
            "get": {
                "summary": "The partner's recent webhook events with their delivery state, newest first, or "
                "how to set a webhook up",
                "parameters": [query("resent", "An event just queued again, named on the page if it is listed.")],
                "responses": shown,
            },
        },
        f"{settings}/webhooks/{{delivery_id}}/resend": {
            "parameters": [SITE, delivery],
            "post": {
                "summary": "Send the event again now (a 400 page when the partner has no webhook now)",
                "requestBody": form_body(),
                "responses": posted,
            },
        },
        f"{settings}/pages": {
            "parameters": [SITE],
            "get": {
                "summary": "The registration pages: the ready page, the code to paste with its «Copy» button "
                "(its one script allowed by hash), the instructions",
                "responses": shown,
            },
        },
    }


def paths() -> dict[str, Any]:
    """Every page of the cabinet."""
    return {
        **_sign_in(),
        **_overview(),
        **_subscribers(),
        **_subscriber(),
        **_invitations(),
        **_ending(),
        **_newsletter(),
        **_settings(),
    }
