"""Every endpoint answers bad input with a 4xx and a message saying what is wrong, never a 500,
and stores nothing: files where text is expected, dates out of range, wrong types, NaN and
huge numbers, deep JSON, control characters (NUL reaches no PostgreSQL query), consent that
is not the checkbox's value, oversize and slow bodies, floods of posts and of key guesses."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from lxml import html
from openapi_spec_validator import validate
from starlette.routing import Mount

from registration_api.domain import api_keys, reminders
from registration_api.settings import Settings
from registration_api.storage import tables
from registration_api.web.openapi import openapi_document
from tests.support import REPO, Api, Clock, postgres_database, valid_form

SITE = "oblako-plus"
API = f"/api/v1/sites/{SITE}"
JSON = {"Accept": "application/json"}
NO_LIMITS = {
    "RATE_LIMIT_PER_MINUTE": "100000",
    "API_RATE_LIMIT_PER_MINUTE": "100000",
    "AUTH_FAILURES_PER_MINUTE": "100000",
}


@dataclass
class Target:
    """A running service with a partner key, an open invitation, a subscriber and its extension link."""

    api: Api
    key: str
    code: str
    number: str
    token: str

    def send(self, attack: Attack) -> httpx.Response:
        path = attack.path.format(code=self.code, number=self.number, token=self.token)
        headers = {**JSON, **attack.headers}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.key}"
        with self.api.client() as client:
            return client.request(attack.method, path, headers=headers, **attack.send)


@contextlib.contextmanager
def serve(root: Path, database: str) -> Iterator[Target]:
    """The example sites served from ``root`` on a fresh SQLite or PostgreSQL database, limits off."""
    shutil.copytree(REPO / "sites", root / "sites")
    if database == "sqlite":
        url, drop = f"sqlite:///{root / 'registrations.sqlite3'}", None
    else:
        url, drop = postgres_database()
    env = {"DATABASE_URL": url, "VAR_DIR": str(root / "var"), "MAIL_FROM": "robot@storefront.example", **NO_LIMITS}
    clock = Clock(dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC))
    api = Api(Settings.from_env(env, sites_dir=root / "sites"), clock, background=False).start()
    try:
        key = api_keys.create(api.service.engine, SITE, "test", clock())
        with api.client(headers={"Authorization": f"Bearer {key}"}) as client:
            [code] = client.post(f"{API}/invitations", json={}).json()["codes"]
            signed_up = client.post(f"/r/{SITE}/trial", data=valid_form(), headers=JSON).json()
        token = reminders.extension_token(
            api.service.link_secret, signed_up["subscriber_number"], dt.date.fromisoformat(signed_up["trial_ends"])
        )
        yield Target(api, key, code, signed_up["subscriber_number"], token)
    finally:
        api.stop()
        if drop:
            drop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request, tmp_path_factory):
    with serve(tmp_path_factory.mktemp(f"endpoints-{request.param}"), request.param) as running:
        yield running


def stored(api: Api) -> tuple:
    """Everything an attack could change: subscribers, invitations, queued e-mails and events."""
    with api.service.engine.connect() as conn:
        people = conn.execute(
            sa.select(
                tables.subscribers.c.number,
                tables.subscribers.c.status,
                tables.subscribers.c.trial_ends,
                tables.subscribers.c.paid_until,
                tables.subscribers.c.extended_at,
                tables.subscribers.c.gone_reason,
            ).order_by(tables.subscribers.c.id)
        ).all()
        codes = conn.execute(
            sa.select(tables.invitations.c.code, tables.invitations.c.activated_at).order_by(tables.invitations.c.id)
        ).all()
        queued = conn.execute(sa.select(sa.func.count()).select_from(tables.outbox)).scalar()
    return people, codes, queued


@dataclass
class Attack:
    id: str
    method: str
    path: str
    status: int
    says: str
    headers: dict[str, str] = field(default_factory=dict)
    send: dict[str, Any] = field(default_factory=dict)


def hostile(id: str, method: str, path: str, status: int, says: str, *, headers=None, **send) -> Any:
    return pytest.param(Attack(id, method, path, status, says, headers or {}, send), id=id)


def raw_json(text: str | bytes) -> dict[str, Any]:
    return {
        "content": text.encode() if isinstance(text, str) else text,
        "headers": {"Content-Type": "application/json"},
    }


def attack_json(id: str, method: str, path: str, status: int, says: str, body: str | bytes) -> Any:
    sent = raw_json(body)
    return hostile(id, method, path, status, says, headers=sent["headers"], content=sent["content"])


def refused(target: Target, attack: Attack) -> httpx.Response:
    """Send ``attack``; it must be refused with its status and message, and change nothing."""
    before = stored(target.api)
    answer = target.send(attack)
    assert answer.status_code == attack.status, answer.text[:500]
    assert attack.says in answer.text, answer.text[:500]
    assert stored(target.api) == before, "a refused request changed what is stored"
    return answer


FORM_POSTS = [f"/r/{SITE}/trial", "/invite/{code}"]
JSON_POSTS = [f"{API}/subscribers/{{number}}/convert", f"{API}/subscribers/{{number}}/gone", f"{API}/invitations"]


def _file_attacks():
    text = {k: v for k, v in valid_form().items() if k != "name"}
    for path in FORM_POSTS:
        yield hostile(
            f"name-as-file{path}",
            "POST",
            path,
            400,
            "field 'name' must be text, not a file",
            data=text,
            files={"name": ("name.txt", "Анна".encode(), "text/plain")},
        )
        yield hostile(
            f"consent-as-file{path}",
            "POST",
            path,
            400,
            "field 'consent' must be text",
            data={**text, "name": "Анна"},
            files={"consent": ("yes", b"yes", "application/octet-stream")},
        )
        yield hostile(
            f"extra-file{path}",
            "POST",
            path,
            400,
            "field 'cv' must be text",
            data=valid_form(),
            files={"cv": ("cv.exe", b"MZ" * 100, "application/octet-stream")},
        )
    yield hostile(
        "file-to-extend",
        "POST",
        "/extend/{token}",
        400,
        "field 'x' must be text",
        files={"x": ("x", b"x", "text/plain")},
    )


@pytest.mark.parametrize("attack", list(_file_attacks()))
def test_a_file_where_a_form_field_is_expected_is_refused(target, attack):
    refused(target, attack)


@pytest.mark.parametrize(
    "attack",
    [
        hostile(
            "until-year-9999",
            "GET",
            f"{API}/subscribers?until=9999-12-31",
            422,
            "until: must be between 2000-01-01 and 2100-12-31",
        ),
        hostile("since-year-1", "GET", f"{API}/subscribers?since=0001-01-01", 422, "since: must be between"),
        hostile(
            "since-feb-30",
            "GET",
            f"{API}/subscribers?since=2026-02-30",
            422,
            "since: 2026-02-30 is not a day of the calendar",
        ),
        hostile(
            "until-words",
            "GET",
            f"{API}/subscribers?until=tomorrow",
            422,
            "until: must be a date written as YYYY-MM-DD",
        ),
        hostile("until-datetime", "GET", f"{API}/subscribers?until=2026-03-10T00:00:00", 422, "until: must be a date"),
        hostile("since-empty", "GET", f"{API}/subscribers?since=", 422, "since: must be a date"),
        hostile("format-AAA", "GET", f"{API}/subscribers?format=AAA", 422, "format: input should be 'json' or 'csv'"),
        hostile("format-upper", "GET", f"{API}/invitations?format=CSV", 422, "format: input should be 'json' or 'csv'"),
        hostile(
            "status-unknown",
            "GET",
            f"{API}/subscribers?status=deleted",
            422,
            "status: input should be 'trial', 'paid', 'expired' or 'gone'",
        ),
    ],
)
def test_query_parameters_are_checked_for_type_range_and_value_set(target, attack):
    refused(target, attack)


CONVERT = f"{API}/subscribers/{{number}}/convert"


@pytest.mark.parametrize(
    "attack",
    [
        hostile(
            "paid-until-number",
            "POST",
            CONVERT,
            422,
            "paid_until: must be a date written as YYYY-MM-DD",
            json={"paid_until": 20261231},
        ),
        hostile(
            "paid-until-list", "POST", CONVERT, 422, "paid_until: must be a date", json={"paid_until": ["2026-12-31"]}
        ),
        hostile(
            "paid-until-object", "POST", CONVERT, 422, "paid_until: must be a date", json={"paid_until": {"y": 2026}}
        ),
        hostile("paid-until-null", "POST", CONVERT, 422, "paid_until: must be a date", json={"paid_until": None}),
        hostile("paid-until-true", "POST", CONVERT, 422, "paid_until: must be a date", json={"paid_until": True}),
        hostile(
            "paid-until-9999",
            "POST",
            CONVERT,
            422,
            "paid_until: must be between 2000-01-01 and 2100-12-31",
            json={"paid_until": "9999-12-31"},
        ),
        hostile(
            "paid-until-month-13",
            "POST",
            CONVERT,
            422,
            "paid_until: 2026-13-01 is not a day",
            json={"paid_until": "2026-13-01"},
        ),
        hostile("paid-until-missing", "POST", CONVERT, 422, "paid_until: field required", json={}),
        hostile(
            "unknown-field",
            "POST",
            CONVERT,
            422,
            "paid_untill: extra inputs are not permitted",
            json={"paid_until": "2026-12-31", "paid_untill": "2027-12-31"},
        ),
        hostile(
            "trial-days-bool",
            "POST",
            f"{API}/invitations",
            422,
            "trial_days: must be a whole number",
            json={"trial_days": True},
        ),
        hostile(
            "trial-days-text",
            "POST",
            f"{API}/invitations",
            422,
            "trial_days: must be a whole number",
            json={"trial_days": "30"},
        ),
        hostile(
            "trial-days-fraction",
            "POST",
            f"{API}/invitations",
            422,
            "trial_days: input should be a valid integer",
            json={"trial_days": 7.5},
        ),
        hostile(
            "trial-days-31",
            "POST",
            f"{API}/invitations",
            422,
            "trial_days: input should be less than or equal to 30",
            json={"trial_days": 31},
        ),
        hostile(
            "count-huge",
            "POST",
            f"{API}/invitations",
            422,
            "count: input should be less than or equal to 1000",
            json={"count": 10**30},
        ),
        hostile(
            "count-negative",
            "POST",
            f"{API}/invitations",
            422,
            "count: input should be greater than or equal to 1",
            json={"count": -1},
        ),
        hostile(
            "expires-huge",
            "POST",
            f"{API}/invitations",
            422,
            "expires_days: input should be less than or equal to 3650",
            json={"expires_days": 10**10},
        ),
        hostile(
            "email-number",
            "POST",
            f"{API}/invitations",
            422,
            "email: input should be a valid string",
            json={"email": 5},
        ),
        hostile("email-empty", "POST", f"{API}/invitations", 422, "is not an e-mail address", json={"email": ""}),
        hostile(
            "tariff-list",
            "POST",
            f"{API}/invitations",
            422,
            "tariff: input should be a valid string",
            json={"tariff": ["biznes"]},
        ),
        hostile(
            "tariff-unknown", "POST", f"{API}/invitations", 422, "there is no tariff 'gold'", json={"tariff": "gold"}
        ),
        hostile(
            "reason-number",
            "POST",
            f"{API}/subscribers/{{number}}/gone",
            422,
            "reason: input should be a valid string",
            json={"reason": 5},
        ),
        hostile(
            "reason-blank",
            "POST",
            f"{API}/subscribers/{{number}}/gone",
            422,
            "reason: say why the client left",
            json={"reason": " \t "},
        ),
        hostile(
            "reason-huge",
            "POST",
            f"{API}/subscribers/{{number}}/gone",
            422,
            "reason: string should have at most 1000",
            json={"reason": "x" * 1001},
        ),
        hostile(
            "form-json-name-number",
            "POST",
            f"/r/{SITE}/trial",
            422,
            "field 'name' must be a string",
            json={**valid_form(), "name": 5},
        ),
        hostile(
            "form-json-phone-number",
            "POST",
            f"/r/{SITE}/trial",
            422,
            "field 'phone' must be a string",
            json={**valid_form(), "phone": 89123456789},
        ),
        hostile(
            "form-json-name-null",
            "POST",
            f"/r/{SITE}/trial",
            422,
            "field 'name' must be a string",
            json={**valid_form(), "name": None},
        ),
        hostile(
            "form-json-token-list",
            "POST",
            "/invite/{code}",
            422,
            "field 'token' must be a string",
            json={**valid_form(), "token": ["a"]},
        ),
    ],
)
def test_json_values_of_the_wrong_type_or_range_are_named(target, attack):
    refused(target, attack)


def _number_attacks():
    bodies = {
        "nan": '{"paid_until": NaN}',
        "infinity": '{"paid_until": Infinity}',
        "minus-infinity": '{"paid_until": -Infinity}',
        "1e400": '{"paid_until": 1e400}',
        "minus-1e400": '{"paid_until": -1e400}',
    }
    for name, body in bodies.items():
        yield attack_json(f"convert-{name}", "POST", CONVERT, 400, "the body is not valid JSON", body)
    yield attack_json("count-1e400", "POST", f"{API}/invitations", 400, "1e400 is out of range", '{"count": 1e400}')
    yield attack_json(
        "trial-days-nan", "POST", f"{API}/invitations", 400, "NaN is not a number JSON allows", '{"trial_days": NaN}'
    )
    yield attack_json(
        "form-infinity",
        "POST",
        f"/r/{SITE}/trial",
        400,
        "Infinity is not a number JSON allows",
        '{"name": Infinity, "consent": true}',
    )
    yield attack_json("invite-1e999", "POST", "/invite/{code}", 400, "1e999 is out of range", '{"name": 1e999}')
    yield attack_json(
        "int-5000-digits",
        "POST",
        f"{API}/invitations",
        400,
        "the body is not valid JSON",
        '{"count": ' + "9" * 5000 + "}",
    )


@pytest.mark.parametrize("attack", list(_number_attacks()))
def test_nan_infinity_and_huge_numbers_are_refused(target, attack):
    refused(target, attack)


def _depth_attacks():
    deep_list = "[" * 8000 + "]" * 8000
    deep_object = '{"a":' * 2500 + "1" + "}" * 2500
    for path in (CONVERT, f"{API}/invitations", f"/r/{SITE}/trial", "/invite/{code}"):
        yield attack_json(f"list-8000{path}", "POST", path, 400, "nested more than 16 levels deep", deep_list)
        yield attack_json(f"object-2500{path}", "POST", path, 400, "nested more than 16 levels deep", deep_object)
    yield attack_json(
        "deep-in-a-field",
        "POST",
        CONVERT,
        400,
        "nested more than 16 levels deep",
        '{"paid_until": ' + "[" * 5000 + "]" * 5000 + "}",
    )
    yield attack_json(
        "brackets-in-strings-are-text",
        "POST",
        CONVERT,
        422,
        "paid_until: must be a date",
        '{"paid_until": "' + "[" * 5000 + '"}',
    )


@pytest.mark.parametrize("attack", list(_depth_attacks()))
def test_deeply_nested_json_is_refused_before_parsing(target, attack):
    refused(target, attack)


def _control_attacks():
    yield hostile("nul-in-code", "GET", "/invite/AB%00CD", 400, "the address contains U+0000")
    yield hostile("nul-in-code-post", "POST", "/invite/{code}%00", 400, "U+0000", data=valid_form())
    yield hostile("nul-in-token", "POST", "/extend/{token}%00", 400, "U+0000")
    yield hostile("escape-in-token", "GET", "/extend/1%1B.2026-01-01.x", 400, "contains U+001B (a control character)")
    yield hostile(
        "nul-in-number",
        "POST",
        f"{API}/subscribers/{{number}}%00/convert",
        400,
        "U+0000",
        json={"paid_until": "2026-12-31"},
    )
    yield hostile("nul-in-site", "POST", "/r/oblako-plus%00/trial", 400, "U+0000", data=valid_form())
    yield hostile(
        "nul-in-query", "GET", f"{API}/subscribers?status=trial%00", 400, "query parameter 'status' contains U+0000"
    )
    yield hostile("bell-in-query-name", "GET", f"{API}/subscribers?for%07mat=csv", 400, "a query parameter name")
    yield hostile("broken-utf8-in-query", "GET", f"{API}/subscribers?status=%ff", 400, "the query is not valid UTF-8")
    for field_name in ("token", "name", "email", "website", "inn", "company"):
        yield hostile(
            f"nul-in-form-{field_name}",
            "POST",
            f"/r/{SITE}/trial",
            400,
            f"field '{field_name}' contains U+0000",
            data=valid_form(**{field_name: "a\x00b"}),
        )
    yield hostile(
        "nul-in-field-name",
        "POST",
        f"/r/{SITE}/trial",
        400,
        "a field name contains",
        data={**valid_form(), "to\x00ken": "x"},
    )
    yield hostile(
        "nul-in-invite-token", "POST", "/invite/{code}", 400, "field 'token' contains", data=valid_form(token="\x00")
    )
    yield hostile(
        "vertical-tab-in-multipart",
        "POST",
        "/invite/{code}",
        400,
        "field 'phone' contains U+000B",
        data=valid_form(phone="8 912\x0b345 67 89"),
        files={"x": (None, b"")},
    )
    yield hostile(
        "nul-in-json-form",
        "POST",
        f"/r/{SITE}/trial",
        400,
        "field 'token' contains",
        json={**valid_form(), "token": "abc\x00"},
    )
    yield hostile(
        "broken-utf8-form",
        "POST",
        f"/r/{SITE}/trial",
        400,
        "the form is not valid UTF-8",
        content=b"name=%ff&consent=yes",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    yield hostile(
        "nul-in-reason",
        "POST",
        f"{API}/subscribers/{{number}}/gone",
        400,
        "field 'reason' contains U+0000",
        json={"reason": "moved\x00on"},
    )
    yield hostile(
        "nul-in-tariff", "POST", f"{API}/invitations", 400, "field 'tariff' contains", json={"tariff": "biznes\x00"}
    )
    yield hostile(
        "nul-in-email",
        "POST",
        f"{API}/invitations",
        400,
        "field 'email' contains",
        json={"email": "a\x00@client.example"},
    )
    yield hostile(
        "nul-in-json-key", "POST", CONVERT, 400, "a field name contains", json={"paid_until": "2026-12-31", "\x00": 1}
    )
    yield attack_json(
        "lone-surrogate",
        "POST",
        f"{API}/subscribers/{{number}}/gone",
        400,
        "field 'reason' contains U+D800 (half of a UTF-16 surrogate pair)",
        '{"reason": "\\ud800"}',
    )
    yield attack_json(
        "nested-escape", "POST", f"{API}/invitations", 400, "field 'x.y[0]' contains", '{"x": {"y": ["\\u001b[31m"]}}'
    )


@pytest.mark.parametrize("attack", list(_control_attacks()))
def test_nul_and_control_characters_are_refused_before_any_query(target, attack):
    refused(target, attack)


@pytest.mark.parametrize(
    "attack",
    [
        hostile(
            "text-plain",
            "POST",
            f"/r/{SITE}/trial",
            415,
            "send the body as application/x-www-form-urlencoded",
            content=b"name=Anna",
            headers={"Content-Type": "text/plain"},
        ),
        hostile(
            "xml-to-invite",
            "POST",
            "/invite/{code}",
            415,
            "send the body as",
            content=b"<form/>",
            headers={"Content-Type": "application/xml"},
        ),
        hostile(
            "form-to-api",
            "POST",
            CONVERT,
            415,
            "send the body as application/json",
            content=b"paid_until=2026-12-31",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        hostile(
            "no-type-to-api",
            "POST",
            f"{API}/invitations",
            415,
            "send the body as application/json",
            content=b'{"count": 1}',
        ),
        hostile("json-array", "POST", CONVERT, 400, "the body must be a JSON object", json=["2026-12-31"]),
        hostile("json-string", "POST", f"/r/{SITE}/trial", 400, "the body must be a JSON object", json="name=Anna"),
        hostile(
            "json-cut-short",
            "POST",
            f"{API}/subscribers/{{number}}/gone",
            400,
            "the body is not valid JSON",
            content=b'{"reason": "moved',
            headers={"Content-Type": "application/json"},
        ),
        hostile(
            "multipart-no-boundary",
            "POST",
            f"/r/{SITE}/trial",
            400,
            "Missing boundary",
            content=b"--x\r\n",
            headers={"Content-Type": "multipart/form-data"},
        ),
        hostile(
            "multipart-garbage",
            "POST",
            "/invite/{code}",
            400,
            "Invalid multipart data",
            content=b"garbage",
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        ),
    ],
)
def test_bodies_in_other_content_types_or_broken_are_refused(target, attack):
    refused(target, attack)


class Chunks:
    """A body sent in chunks with no Content-Length, afresh for each request."""

    def __init__(self, size: int):
        self.size = size

    def __iter__(self):
        for _ in range(self.size // 1024):
            yield b"a" * 1024


def _large_attacks():
    big_form = {"content": b"name=" + b"a" * 20_000, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
    big_json = raw_json('{"reason": "' + "a" * 20_000 + '"}')
    for path in [*FORM_POSTS, "/extend/{token}"]:
        yield hostile(f"declared{path}", "POST", path, 413, "larger than 16384 bytes", **big_form)
        yield hostile(
            f"chunked{path}",
            "POST",
            path,
            413,
            "larger than 16384 bytes",
            headers=big_form["headers"],
            content=Chunks(20_480),
        )
    for path in JSON_POSTS:
        yield hostile(f"declared{path}", "POST", path, 413, "larger than 16384 bytes", **big_json)
        yield hostile(
            f"chunked{path}",
            "POST",
            path,
            413,
            "larger than 16384 bytes",
            headers=big_json["headers"],
            content=Chunks(40_960),
        )


@pytest.mark.parametrize("attack", list(_large_attacks()))
def test_every_post_caps_its_body(target, attack):
    refused(target, attack)


CONSENTS = ["0", "no", "off", "false", "False", "on", "YES", " yes", "yes ", "1", "true", "да", ""]


@pytest.mark.parametrize("consent", CONSENTS)
def test_consent_is_exactly_the_checkbox_value(target, consent):
    api = target.api
    before = stored(api)
    with api.client() as client:
        page = client.post(f"/r/{SITE}/trial", data=valid_form(consent=consent, email="new@client.example"))
        script = client.post(
            f"/r/{SITE}/trial", data=valid_form(consent=consent, email="new@client.example"), headers=JSON
        )
        invited = client.post(f"/invite/{target.code}", data=valid_form(consent=consent, email="new@client.example"))
    assert page.status_code == 422 and invited.status_code == 422
    for answer in (page, invited):
        shown = html.fromstring(answer.text)
        assert "Без согласия" in shown.get_element_by_id("sf-consent-error").text_content()
        assert shown.get_element_by_id("sf-consent").get("checked") is None, "the box is shown unticked"
    assert script.status_code == 422 and list(script.json()["errors"]) == ["consent"]
    assert stored(api) == before, "no subscriber, no e-mail, the invitation still open"


@pytest.mark.parametrize("consent", [False, "true", 1, None, ["yes"]])
def test_json_consent_is_true_or_the_checkbox_value(target, consent):
    before = stored(target.api)
    with target.api.client() as client:
        answer = client.post(
            f"/r/{SITE}/trial", json={**valid_form(email="new@client.example"), "consent": consent}, headers=JSON
        )
    assert answer.status_code == 422 and "consent" in answer.text
    assert stored(target.api) == before


def test_json_true_and_the_checkbox_value_are_consent(target):
    with target.api.client() as client:
        for n, consent in enumerate((True, "yes")):
            answer = client.post(
                f"/r/{SITE}/trial",
                headers=JSON,
                json={**valid_form(email=f"consent{n}@client.example"), "consent": consent},
            )
            assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/invite/AAAA-BBBB-CCCC-DDDD", {"GET", "HEAD", "POST"}),
        ("PUT", "/extend/x", {"GET", "HEAD", "POST"}),
        ("GET", f"/r/{SITE}/trial", {"POST", "OPTIONS"}),
        ("PATCH", f"{API}/invitations", {"GET", "HEAD", "POST"}),
        ("GET", f"{API}/subscribers/1/convert", {"POST"}),
    ],
)
def test_a_method_an_address_does_not_take_is_a_405_listing_every_one_it_does(target, method, path, allowed):
    with target.api.client() as client:
        answer = client.request(method, path, headers=JSON)
    assert answer.status_code == 405 and answer.json() == {"error": "Method Not Allowed"}
    assert {m.strip() for m in answer.headers["allow"].split(",")} == allowed


# --- limits that need their own service ------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/invite/AAAA-BBBB-CCCC-DDDD", "/extend/1000001.2026-04-09.forged", f"/r/{SITE}/trial"]
)
def test_posts_from_browsers_are_limited_per_address(make_api, path):
    api = make_api(rate_limit_per_minute=3)
    with api.client() as client:
        first = [client.post(path, data=valid_form(consent="no"), headers=JSON).status_code for _ in range(3)]
        flood = client.post(path, data=valid_form(), headers=JSON)
    assert 429 not in first
    assert flood.status_code == 429 and int(flood.headers["retry-after"]) >= 1
    assert "try again" in flood.json()["error"]
    assert api.subscribers() == []


def test_the_partner_api_is_limited_per_key_and_per_address(make_api):
    api = make_api(api_rate_limit_per_minute=3, trust_proxy=1)
    key = {"Authorization": f"Bearer {api_keys.create(api.service.engine, SITE, 'crm', api.clock())}"}
    with api.client() as client:
        answers = [
            client.get(f"{API}/subscribers", headers={**key, "X-Forwarded-For": f"203.0.113.{n}"}) for n in range(4)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429], "one key from four addresses"
        assert "with this API key" in answers[-1].json()["error"] and answers[-1].headers["retry-after"]
        other_keys = [
            {
                "Authorization": f"Bearer {api_keys.create(api.service.engine, SITE, 'x', api.clock())}",
                "X-Forwarded-For": "198.51.100.7",
            }
            for _ in range(4)
        ]
        posts = [client.post(f"{API}/invitations", json={}, headers=h).status_code for h in other_keys]
        assert posts == [201, 201, 201, 429], "four keys from one address"
    with api.service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.invitations)).scalar() == 3


def test_wrong_key_guesses_are_limited_per_address(make_api):
    api = make_api(auth_failures_per_minute=3, trust_proxy=1)
    good = f"Bearer {api_keys.create(api.service.engine, SITE, 'crm', api.clock())}"
    guesser = "192.0.2.66"
    with api.client() as client:
        guesses = [
            client.get(
                f"{API}/subscribers", headers={"Authorization": f"Bearer sfk_guess{n}", "X-Forwarded-For": guesser}
            )
            for n in range(3)
        ]
        assert [g.status_code for g in guesses] == [401, 401, 401]
        assert guesses[0].headers["www-authenticate"] == "Bearer"
        locked = client.get(f"{API}/subscribers", headers={"Authorization": good, "X-Forwarded-For": guesser})
        assert locked.status_code == 429 and locked.headers["retry-after"], "even the right key, from that address"
        assert locked.json() == {"error": "too many wrong API keys from this address; try again later"}
        elsewhere = client.get(f"{API}/subscribers", headers={"Authorization": good, "X-Forwarded-For": "192.0.2.7"})
        assert elsewhere.status_code == 200


@pytest.mark.parametrize("path", [f"/r/{SITE}/trial", "/invite/AAAA-BBBB-CCCC-DDDD", f"{API}/invitations"])
def test_a_body_trickling_in_is_cut_off_while_others_are_served(make_api, path):
    api = make_api(read_timeout_seconds=1)
    key = api_keys.create(api.service.engine, SITE, "crm", api.clock())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nAccept: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", api.port), timeout=60) as slow:
        slow.sendall(head.encode())
        answer = b""
        with api.client() as other:
            for _ in range(60):  # a byte a second, for at most a minute: the test fails rather than hangs
                try:
                    slow.sendall(b"{")
                except OSError:
                    break
                assert other.get("/healthz").status_code == 200, "the service serves others meanwhile"
                slow.settimeout(1)
                try:
                    answer = slow.recv(4096)
                    break
                except TimeoutError:
                    continue
                except OSError:
                    break
            else:
                pytest.fail("the slow body was never cut off")
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
    if answer:
        assert b"did not arrive within 1 seconds" in answer


def test_an_unexpected_failure_is_a_short_500_and_a_traceback_in_the_log(make_api, caplog):
    api = make_api()

    async def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    api.service.signups.register = broken
    with caplog.at_level(logging.ERROR):
        with api.client() as client:  # uvicorn closes a connection whose request raised
            script = client.post(f"/r/{SITE}/trial", data=valid_form(), headers=JSON)
        with api.client() as client:
            person = client.post(f"/r/{SITE}/trial", data=valid_form())
    assert script.status_code == 500 and script.json() == {
        "error": "the service failed to answer; the operator has the details in the log"
    }
    assert person.status_code == 500 and "Что-то пошло не так" in person.text
    for answer in (script, person):
        assert "Traceback" not in answer.text and "hunter2" not in answer.text
    assert any(r.exc_info and "hunter2" in str(r.exc_info[1]) for r in caplog.records), "the operator sees it"


# --- the description -------------------------------------------------------------------


def _routes(routes, prefix=""):
    """(path, methods) of every route, those under a ``Mount`` with the mount's path before theirs."""
    for route in routes:
        if isinstance(route, Mount):
            yield from _routes(route.routes, prefix + route.path)
        else:
            yield re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path), route.methods  # {name:path} is {name}


def test_the_openapi_document_is_valid_and_describes_every_route(target):
    document = openapi_document()
    validate(document)
    routes = {(path, method) for path, methods in _routes(target.api.app.routes) for method in methods - {"HEAD"}}
    described = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    assert described == routes
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            declared = {
                p["name"] for p in item.get("parameters", []) + operation.get("parameters", []) if p["in"] == "path"
            }
            assert declared == set(path.replace("}", "{").split("{")[1::2]), f"{method} {path}"
    listing = document["paths"][f"{API}/subscribers".replace(SITE, "{site_id}")]["get"]
    query = {p["name"]: p["schema"] for p in listing["parameters"] if p["in"] == "query"}
    assert query["format"]["enum"] == ["json", "csv"]
    assert query["status"]["enum"] == ["trial", "paid", "expired", "gone"]
    statuses = set(document["paths"]["/invite/{code}"]["post"]["responses"])
    assert {"400", "404", "408", "409", "410", "413", "415", "422", "429"} <= statuses
