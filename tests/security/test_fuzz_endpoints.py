"""Property-based fuzzing of the endpoints that read a body (Hypothesis, bounded): whatever a
client sends as a form (any text, NUL, huge strings, fields as files) or as JSON (any nesting,
NaN and Infinity as raw text, huge integers, broken bytes), the answer is never a 5xx.

One service per module keeps it fast: SQLite for the bulk, and one smaller run on PostgreSQL,
which refuses NUL in text where SQLite does not."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.test_endpoints import API, JSON, SITE, Target, serve
from tests.support import valid_form

FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
FORM_PATHS = [f"/r/{SITE}/trial", "/invite/{code}", "/extend/{token}"]
JSON_PATHS = [
    f"{API}/subscribers/{{number}}/convert",
    f"{API}/subscribers/{{number}}/gone",
    f"{API}/invitations",
    f"/r/{SITE}/trial",
    "/invite/{code}",
]
FIELDS = [
    "name",
    "email",
    "phone",
    "company",
    "inn",
    "consent",
    "news",
    "website",
    "token",
    "paid_until",
    "reason",
    "email",
    "tariff",
    "trial_days",
    "count",
    "expires_days",
]

text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.text(st.characters(max_codepoint=0x7F), max_size=20),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "yes",
            "no",
            "0",
            "2026-12-31",
            "9999-12-31",
            "+7 912 345-67-89",
            "6671045280",
            "\ufeff",
            "\u202e",
            '=HYPERLINK("x")',
            "\r\n",
            "%00",
            "a" * 20_000,
        ]
    ),
)
field_names = st.one_of(st.sampled_from(FIELDS), st.text(max_size=12))
forms = st.lists(st.tuples(field_names, text, st.booleans()), max_size=8)
numbers = st.one_of(
    st.integers(), st.integers(min_value=10**20, max_value=10**400), st.floats(allow_nan=True, allow_infinity=True)
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(field_names, inner, max_size=4)),
    max_leaves=25,
)
json_bodies = st.one_of(
    st.dictionaries(field_names, json_values, max_size=6).map(lambda v: json.dumps(v, allow_nan=True).encode()),
    json_values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
    st.integers(min_value=1, max_value=10_000).map(lambda depth: ("[" * depth + "]" * depth).encode()),
    st.binary(max_size=200),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "",
    ]
)


def post(target: Target, path: str, **send: Any) -> int:
    path = path.format(code=target.code, number=target.number, token=target.token)
    headers = {**JSON, **send.pop("headers", {})}
    if path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {target.key}"
    with target.api.client() as client:
        return client.post(path, headers=headers, **send).status_code


def form_request(fields: list[tuple[str, str, bool]]) -> dict[str, Any]:
    """As a browser would send them: URL-encoded, or multipart when some fields are files."""
    data = [(name, value) for name, value, as_file in fields if not as_file]
    files = [(name, ("f.txt", value.encode(), "text/plain")) for name, value, as_file in fields if as_file]
    return {"data": dict(data), "files": files} if files else {"data": dict(data)}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("fuzz-sqlite"), "sqlite") as running:
        yield running


@pytest.fixture(scope="module")
def postgres_target(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("fuzz-postgresql"), "postgresql") as running:
        yield running


@pytest.mark.parametrize("path", FORM_PATHS)
def test_any_form_is_answered_without_a_server_error(target, path):
    @FUZZ
    @given(fields=forms)
    def check(fields):
        assert post(target, path, **form_request(fields)) < 500

    check()


@pytest.mark.parametrize("path", JSON_PATHS)
def test_any_json_body_is_answered_without_a_server_error(target, path):
    @FUZZ
    @given(body=json_bodies, content_type=content_types)
    def check(body, content_type):
        assert post(target, path, content=body, headers={"Content-Type": content_type}) < 500

    check()


VALID = {
    f"/r/{SITE}/trial": valid_form(),
    "/invite/{code}": valid_form(),
    f"{API}/subscribers/{{number}}/convert": {"paid_until": "2026-12-31"},
    f"{API}/subscribers/{{number}}/gone": {"reason": "moved to another service"},
    f"{API}/invitations": {"email": "olga@client.example", "tariff": "biznes"},
}


def test_any_text_in_a_valid_request_is_answered_without_a_server_error_on_postgresql(postgres_target):
    """One field of an otherwise valid request, or a path parameter, gets the text: it reaches
    the database unless refused, and PostgreSQL refuses NUL where SQLite stores it."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), value=st.one_of(text, text.map(lambda v: v[:40] + "\x00" + v[40:])), as_json=st.booleans())
    def check(data, value, as_json):
        path = data.draw(st.sampled_from(sorted(VALID)))
        field = data.draw(st.sampled_from(sorted(VALID[path])))
        body = {**VALID[path], field: value}
        sent = {"json": body} if as_json or path.startswith("/api/") else {"data": body}
        assert post(postgres_target, path, **sent) < 500
        with postgres_target.api.client() as client:
            assert client.get(f"/invite/{quote(value, safe='')}").status_code < 500
        assert post(postgres_target, f"{API}/subscribers/{quote(value, safe='')}/gone", json={"reason": "x"}) < 500

    check()
