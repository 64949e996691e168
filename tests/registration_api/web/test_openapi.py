"""The OpenAPI document as a client fetches it, in-process: served, valid, describing exactly the
routes the service answers, and matching what the service really accepts and answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from starlette.routing import BaseRoute, Mount, Route

from tests.support import valid_form

SITE = "oblako-plus"
SIGN_UP = "/r/{site_id}/{page_id}"
SUBSCRIBERS = "/api/v1/sites/{site_id}/subscribers"
INVITATIONS = "/api/v1/sites/{site_id}/invitations"
SCRIPT = {"Accept": "application/json"}


@pytest.fixture
def document(in_process_api) -> dict[str, Any]:
    answer = in_process_api.http.get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    return answer.json()


def operations(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, method) of every route the application answers, mounted ones included; HEAD is the GET."""
    for route in routes:
        if isinstance(route, Mount):
            yield from operations(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":  # a path's converter ({name:path}) is not part of its template
                    yield re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path), method


def response_schema(document: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    return document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def assert_answer_matches(document: dict[str, Any], path: str, method: str, answer) -> None:
    """The JSON the service sent is what its document promises for that status."""
    schema = response_schema(document, path, method, answer.status_code)
    errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(answer.json()))
    assert not errors, [error.message for error in errors]


def test_the_document_is_a_valid_openapi_description(document):
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] and document["info"]["version"]


def test_every_route_is_described_and_nothing_else(in_process_api, document):
    answered = set(operations(in_process_api.app.routes))
    described = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    assert described == answered
    assert (SIGN_UP, "POST") in answered and ("/openapi.json", "GET") in answered


def test_the_fields_the_document_requires_are_the_ones_the_form_requires(in_process_api, document):
    form = document["paths"][SIGN_UP]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    required = set(form["required"])
    assert required == {"name", "email", "phone", "consent"}
    ticked = valid_form(news="yes")  # the optional news checkbox, sent only when ticked
    assert set(ticked) == set(form["properties"]), "the document names every field the form sends"
    for field in sorted(required):
        answer = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(**{field: None}), headers=SCRIPT)
        assert answer.status_code == 422 and field in answer.json()["errors"], field
    optional = {name: "" for name in set(form["properties"]) - required}
    answer = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(**optional), headers=SCRIPT)
    assert answer.status_code == 201, "the optional fields may be left empty"


def test_the_sign_up_answers_are_the_documented_ones(in_process_api, document):
    created = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=SCRIPT)
    invalid = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(email="nope"), headers=SCRIPT)
    assert (created.status_code, invalid.status_code) == (201, 422)
    for answer in (created, invalid):
        assert_answer_matches(document, SIGN_UP, "post", answer)
    assert set(created.json()) <= set(response_schema(document, SIGN_UP, "post", 201)["properties"])


def test_the_partner_api_answers_are_the_documented_ones(in_process_api, document):
    in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=SCRIPT)
    headers = in_process_api.bearer(SITE)
    listing = in_process_api.http.get(f"/api/v1/sites/{SITE}/subscribers", headers=headers)
    made = in_process_api.http.post(f"/api/v1/sites/{SITE}/invitations", json={"count": 2}, headers=headers)
    unauthorised = in_process_api.http.get(f"/api/v1/sites/{SITE}/subscribers")
    assert (listing.status_code, made.status_code, unauthorised.status_code) == (200, 201, 401)
    assert_answer_matches(document, SUBSCRIBERS, "get", listing)
    assert_answer_matches(document, SUBSCRIBERS, "get", unauthorised)
    assert_answer_matches(document, INVITATIONS, "post", made)
    [row] = listing.json()
    assert set(row) == set(response_schema(document, SUBSCRIBERS, "get", 200)["items"]["properties"])


def test_the_documented_status_filter_is_what_the_listing_accepts(in_process_api, document):
    parameters = {
        p["name"]: p["schema"] for p in document["paths"][SUBSCRIBERS]["get"]["parameters"] if p["in"] == "query"
    }
    headers = in_process_api.bearer(SITE)
    for status in parameters["status"]["enum"]:
        answer = in_process_api.http.get(
            f"/api/v1/sites/{SITE}/subscribers", params={"status": status}, headers=headers
        )
        assert answer.status_code == 200, status
    assert parameters["format"]["enum"] == ["json", "csv"]
    refused = in_process_api.http.get(f"/api/v1/sites/{SITE}/subscribers", params={"status": "happy"}, headers=headers)
    assert refused.status_code == 422


def test_the_document_can_be_fetched_with_head(in_process_api):
    answer = in_process_api.http.head("/openapi.json")
    assert answer.status_code == 200 and answer.content == b""
