"""The partner API ``/api/v1/sites/<site-id>/...`` in-process: who a key lets in, and what the
listing, conversion, departure and invitation endpoints answer. Webhooks, reminders and the
e-mails are covered through uvicorn in tests/integration/test_partner_api.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from registration_api.storage.records import DAY_COLUMNS, MOMENT_COLUMNS
from storefront import language
from tests.support import SERVICE_URL, valid_form

SITE = "oblako-plus"
OTHER = "buhcentr"
API = f"/api/v1/sites/{SITE}"


def register(service, email: str = "anna@client.example", **form) -> str:
    """A sign-up on the partner's trial page; its subscriber number."""
    answer = service.http.post(
        f"/r/{SITE}/trial", data=valid_form(email=email, **form), headers={"Accept": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["subscriber_number"]


@pytest.fixture
def partner(in_process_api):
    """The service with a key of ``oblako-plus`` sent on every request of ``partner.http``."""
    in_process_api.http.headers.update(in_process_api.bearer(SITE))
    return in_process_api


# --- keys ---------------------------------------------------------------------------------


def test_without_a_key_the_api_says_how_to_send_one(in_process_api):
    answer = in_process_api.http.get(f"{API}/subscribers")
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer <key>" in answer.json()["error"]
    basic = in_process_api.http.get(f"{API}/subscribers", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_an_unknown_key_is_refused(in_process_api):
    in_process_api.partner_key(SITE)
    answer = in_process_api.http.get(f"{API}/subscribers", headers={"Authorization": "Bearer sfk_not-a-real-key"})
    assert answer.status_code == 401 and answer.json() == {"error": "this API key is unknown or revoked"}


def test_a_key_made_and_revoked_with_the_command_line(in_process_api):
    made = in_process_api.cli("keys", "create", SITE, "--label", "CRM")
    assert made.code == 0, made.err
    key = made.out.strip()
    headers = {"Authorization": f"Bearer {key}"}
    assert in_process_api.http.get(f"{API}/subscribers", headers=headers).status_code == 200
    revoked = in_process_api.cli("keys", "revoke", SITE, key[:12])
    assert revoked.code == 0 and f"The key {key[:12]}… of {SITE} is revoked" in revoked.out
    answer = in_process_api.http.get(f"{API}/subscribers", headers=headers)
    assert answer.status_code == 401 and "revoked" in answer.json()["error"]


def test_a_key_opens_only_its_own_partners_data(partner):
    number = register(partner)
    foreign = partner.http.get(f"/api/v1/sites/{OTHER}/subscribers")
    assert foreign.status_code == 403 and foreign.json() == {"error": "this API key belongs to another partner"}
    for path in (f"/subscribers/{number}/convert", f"/subscribers/{number}/gone"):
        refused = partner.http.post(f"/api/v1/sites/{OTHER}{path}", json={"paid_until": "2026-12-31", "reason": "x"})
        assert refused.status_code == 403
    other_key = partner.bearer(OTHER)
    assert partner.http.get(f"/api/v1/sites/{OTHER}/subscribers", headers=other_key).json() == []
    not_theirs = partner.http.post(
        f"/api/v1/sites/{OTHER}/subscribers/{number}/convert", json={"paid_until": "2026-12-31"}, headers=other_key
    )
    assert not_theirs.status_code == 404, "another partner's subscriber number is not found, not changed"
    assert partner.subscribers()[0].status == "trial"


def test_the_api_answers_json_without_being_asked(in_process_api):
    answer = in_process_api.http.get(f"{API}/subscribers", headers={"Accept": "text/html"})
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/json"


# --- subscribers ------------------------------------------------------------------------------


def test_the_listing_shows_each_subscriber_newest_first(partner):
    assert partner.http.get(f"{API}/subscribers").json() == []
    first = register(partner, email="a@client.example")
    partner.clock.advance(days=1)
    second = register(partner, email="b@client.example", name="Борис")
    rows = partner.http.get(f"{API}/subscribers").json()
    assert [row["number"] for row in rows] == [second, first]
    assert rows[0] == {
        "number": second,
        "status": "trial",
        "name": "Борис",
        "email": "b@client.example",
        "phone": "+79123456789",
        "company": "ООО «Ромашка»",
        "inn": "6671045280",
        "tariff": "biznes",
        "application": None,
        "page_id": "trial",
        "created_at": rows[0]["created_at"],
        "trial_ends": "2026-04-10",
        "paid_until": None,
        "extended_at": None,
        "gone_at": None,
        "gone_reason": None,
        "news_consent_at": None,
        "newsletter": "none",
    }
    assert rows[0]["created_at"].startswith("2026-03-11T09:30:00")


def test_the_listings_times_say_they_are_utc(partner):
    number = register(partner)
    partner.http.post(f"{API}/subscribers/{number}/gone", json={"reason": "закрылись"})
    [row] = partner.http.get(f"{API}/subscribers").json()
    for field in ("created_at", "gone_at"):
        assert dt.datetime.fromisoformat(row[field]).utcoffset() == dt.timedelta(0), field


def test_the_listing_filters_by_status_and_registration_day(partner):
    first = register(partner, email="a@client.example")
    partner.clock.advance(days=2)
    second = register(partner, email="b@client.example")
    partner.clock.advance(days=2)
    third = register(partner, email="c@client.example")
    partner.http.post(f"{API}/subscribers/{first}/convert", json={"paid_until": "2026-12-31"})

    def numbers(**query: str) -> list[str]:
        answer = partner.http.get(f"{API}/subscribers", params=query)
        assert answer.status_code == 200, answer.text
        return [row["number"] for row in answer.json()]

    assert numbers(status="paid") == [first]
    assert numbers(status="trial") == [third, second]
    assert numbers(since="2026-03-12") == [third, second]
    assert numbers(until="2026-03-12") == [second, first], "both days are included"
    assert numbers(since="2026-03-12", until="2026-03-12") == [second]
    assert numbers(status="gone") == []


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"status": "happy"}, "status: input should be 'trial', 'paid', 'expired' or 'gone'"),
        ({"since": "12.03.2026"}, "since: must be a date written as YYYY-MM-DD"),
        ({"until": "2026-02-30"}, "until: 2026-02-30 is not a day of the calendar"),
        ({"format": "xml"}, "format: input should be 'json' or 'csv'"),
    ],
)
def test_a_wrong_filter_is_named(partner, query, says):
    answer = partner.http.get(f"{API}/subscribers", params=query)
    assert answer.status_code == 422 and answer.json() == {"error": says}


def test_the_listing_as_csv_opens_in_a_spreadsheet(partner):
    number = register(partner, name="=HYPERLINK(1)")
    answer = partner.http.get(f"{API}/subscribers", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == f'attachment; filename="{SITE}-subscribers.csv"'
    assert answer.text.startswith("\ufeff"), "a BOM, so spreadsheet programs read UTF-8"
    [header, row] = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert header[:3] == ["number", "status", "name"]
    assert row[0] == number and not row[2].startswith("="), "a formula is neutralised"


def test_converting_a_subscriber_to_paid(partner):
    number = register(partner)
    answer = partner.http.post(f"{API}/subscribers/{number}/convert", json={"paid_until": "2026-12-31"})
    assert answer.status_code == 200
    assert answer.json() == {"subscriber_number": number, "status": "paid", "paid_until": "2026-12-31"}
    [row] = partner.http.get(f"{API}/subscribers").json()
    assert (row["status"], row["paid_until"]) == ("paid", "2026-12-31")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"paid_until": "soon"}, "paid_until: must be a date written as YYYY-MM-DD"),
        ({"paid_until": "1999-12-31"}, "paid_until: must be between 2000-01-01 and 2100-12-31"),
        ({}, "paid_until: field required"),
        ({"paid_untill": "2026-12-31"}, "paid_untill: extra inputs are not permitted"),
    ],
)
def test_a_wrong_conversion_is_named_and_changes_nothing(partner, body, says):
    number = register(partner)
    answer = partner.http.post(f"{API}/subscribers/{number}/convert", json=body)
    assert answer.status_code == 422 and says in answer.json()["error"]
    assert partner.subscribers()[0].status == "trial"


def test_an_unknown_subscriber_number_is_404(partner):
    for action, body in (("convert", {"paid_until": "2026-12-31"}), ("gone", {"reason": "закрылись"})):
        answer = partner.http.post(f"{API}/subscribers/9999999/{action}", json=body)
        assert answer.status_code == 404 and answer.json() == {
            "error": "there is no subscriber 9999999 of this partner"
        }


def test_marking_a_subscriber_gone_keeps_the_reason(partner):
    number = register(partner)
    answer = partner.http.post(f"{API}/subscribers/{number}/gone", json={"reason": "  Перешли на коробку  "})
    assert answer.status_code == 200
    assert answer.json() == {"subscriber_number": number, "status": "gone", "reason": "Перешли на коробку"}
    [row] = partner.http.get(f"{API}/subscribers", params={"status": "gone"}).json()
    assert row["gone_reason"] == "Перешли на коробку" and row["gone_at"].startswith("2026-03-10T09:30:00")


def test_a_conversion_may_name_the_tariff_and_a_departure_its_cause(partner):
    paying, leaving = register(partner), register(partner, "ivan@client.example")
    converted = partner.http.post(
        f"{API}/subscribers/{paying}/convert", json={"paid_until": "2026-12-31", "tariff": "biznes-god"}
    )
    assert converted.status_code == 200
    left = partner.http.post(f"{API}/subscribers/{leaving}/gone", json={"reason": "нашли дешевле", "cause": "price"})
    assert left.status_code == 200
    rows = {row.number: row for row in partner.subscribers()}
    assert (rows[paying].tariff, rows[paying].converted_at is not None) == ("biznes-god", True)
    assert (rows[leaving].gone_cause, rows[leaving].gone_reason) == ("price", "нашли дешевле")


def test_a_departure_without_a_cause_is_other(partner):
    number = register(partner)
    partner.http.post(f"{API}/subscribers/{number}/gone", json={"reason": "уехали"})
    assert partner.subscribers()[0].gone_cause == "other"


@pytest.mark.parametrize(
    ("action", "body", "says"),
    [
        ("convert", {"paid_until": "2026-12-31", "tariff": "platinum"}, "tariff: there is no tariff 'platinum'"),
        ("gone", {"reason": "скучно", "cause": "bored"}, "cause: input should be 'price', 'another_partner'"),
    ],
)
def test_an_unknown_tariff_or_cause_is_named_and_changes_nothing(partner, action, body, says):
    number = register(partner)
    answer = partner.http.post(f"{API}/subscribers/{number}/{action}", json=body)
    assert answer.status_code == 422 and answer.json()["error"].startswith(says)
    assert partner.subscribers()[0].status == "trial"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_leaving_needs_a_reason(partner, reason):
    number = register(partner)
    answer = partner.http.post(f"{API}/subscribers/{number}/gone", json={} if reason is None else {"reason": reason})
    assert answer.status_code == 422 and answer.json()["error"].startswith("reason: ")
    assert partner.subscribers()[0].status == "trial"


def test_a_body_that_is_not_json_is_refused(partner):
    number = register(partner)
    form = partner.http.post(f"{API}/subscribers/{number}/gone", data={"reason": "x"})
    assert form.status_code == 415 and form.json() == {"error": "send the body as application/json"}
    broken = partner.http.post(
        f"{API}/subscribers/{number}/gone", content=b"{reason", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"].startswith("the body is not valid JSON")


# --- invitations ------------------------------------------------------------------------------


def test_invitations_are_created_with_links_to_this_service(partner):
    answer = partner.http.post(f"{API}/invitations", json={"count": 3, "trial_days": 14})
    assert answer.status_code == 201
    codes, links = answer.json()["codes"], answer.json()["links"]
    assert len(set(codes)) == 3
    assert links == [f"{SERVICE_URL}/invite/{code}" for code in codes]
    listed = partner.http.get(f"{API}/invitations").json()
    assert sorted(row["code"] for row in listed) == sorted(codes)
    assert {(row["trial_days"], row["tariff"], row["activated_at"]) for row in listed} == {(14, "biznes", None)}


def test_an_invitation_by_email_is_queued_for_sending(partner):
    answer = partner.http.post(f"{API}/invitations", json={"email": "olga@client.example", "expires_days": 7})
    assert answer.status_code == 201
    [row] = partner.http.get(f"{API}/invitations").json()
    assert row["email"] == "olga@client.example" and row["expires_at"] == "2026-03-17T09:30:00+00:00"
    assert len(partner.outbox()) == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"email": "not-an-address"}, "not an e-mail address"),
        ({"email": "a@client.example", "count": 2}, "count: must be 1 (or left out) with email"),
        ({"trial_days": 31}, "trial_days: input should be less than or equal to 30"),
        ({"count": 0}, "count: input should be greater than or equal to 1"),
        ({"count": "3"}, "count: must be a whole number"),
        ({"tariff": "no-such-tariff"}, "no-such-tariff"),
    ],
)
def test_wrong_invitation_requests_are_named(partner, body, says):
    answer = partner.http.post(f"{API}/invitations", json=body)
    assert answer.status_code == 422 and says in answer.json()["error"], answer.text
    assert partner.http.get(f"{API}/invitations").json() == []


def test_the_invitations_as_csv(partner):
    [code] = partner.http.post(f"{API}/invitations", json={}).json()["codes"]
    answer = partner.http.get(f"{API}/invitations", params={"format": "csv"})
    assert answer.headers["content-disposition"] == f'attachment; filename="{SITE}-invitations.csv"'
    [header, row] = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert header == [
        "code",
        "created_at",
        "email",
        "tariff",
        "trial_days",
        "expires_at",
        "subscriber_number",
        "activated_at",
    ]
    assert row[0] == code and row[3] == "biznes"


def test_a_method_an_address_does_not_take_lists_those_it_does(partner):
    answer = partner.http.delete(f"{API}/invitations")
    assert answer.status_code == 405 and set(answer.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert answer.json()["error"]


# --- timestamps --------------------------------------------------------------------------------


def _moments_and_days(rows: list[dict[str, str | None]]) -> set[str]:
    """Check every moment (ISO 8601 with the UTC offset) and day (YYYY-MM-DD) of ``rows``;
    the columns that had a value."""
    seen = set()
    for row in rows:
        assert {c for c in row if c.endswith("_at")} <= MOMENT_COLUMNS, "every *_at column is a moment"
        for column, value in row.items():
            if not value:
                continue
            if column in MOMENT_COLUMNS:
                moment = dt.datetime.fromisoformat(value)
                assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0), (column, value)
                assert value.endswith("+00:00"), (column, value)
                seen.add(column)
            elif column in DAY_COLUMNS:
                assert len(value) == 10 and dt.date.fromisoformat(value), (column, value)
                seen.add(column)
    return seen


def _csv_rows(answer) -> list[dict[str, str | None]]:
    return list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def test_every_timestamp_in_the_listings_carries_its_zone(database_url, make_in_process_api):
    if database_url.startswith("postgresql"):  # a server answering in another zone: still UTC in the listings
        database_url += "?options=-c%20TimeZone%3DAsia%2FVladivostok"
    service = make_in_process_api(database_url=database_url)
    headers = service.bearer(SITE)
    kept = register(service, "kept@client.example")
    gone = register(service, "gone@client.example")
    assert service.cli("remind", "--today", "2026-04-02").code == 0
    [reminder] = [m for m in service.mail() if "kept@" in str(m["To"]) and "заканчивается" in str(m["Subject"])]
    link = re.search(rf"{re.escape(SERVICE_URL)}(/extend/\S+)", reminder.get_body("plain").get_content())
    assert link and service.http.post(link.group(1)).status_code == 200
    converted = service.http.post(
        f"{API}/subscribers/{kept}/convert", json={"paid_until": "2026-12-31"}, headers=headers
    )
    assert converted.json()["paid_until"] == "2026-12-31"
    assert service.http.post(f"{API}/subscribers/{gone}/gone", json={"reason": "ушёл"}, headers=headers).is_success
    [code] = service.http.post(f"{API}/invitations", json={"expires_days": 30}, headers=headers).json()["codes"]
    assert service.http.post(f"/invite/{code}", data=valid_form(email="invited@client.example")).status_code == 200

    subscribers = service.http.get(f"{API}/subscribers", headers=headers)
    invitations = service.http.get(f"{API}/invitations", headers=headers)
    everything = {"created_at", "extended_at", "gone_at", "trial_ends", "paid_until"}
    assert _moments_and_days(subscribers.json()) == everything
    assert _moments_and_days(invitations.json()) == {"created_at", "expires_at", "activated_at"}
    as_csv = {"params": {"format": "csv"}, "headers": headers}
    assert _moments_and_days(_csv_rows(service.http.get(f"{API}/subscribers", **as_csv))) == everything
    assert _moments_and_days(_csv_rows(service.http.get(f"{API}/invitations", **as_csv))) == {
        "created_at",
        "expires_at",
        "activated_at",
    }
    listed = service.cli("invitations", "list", SITE, "--format", "csv")
    assert _moments_and_days(list(csv.DictReader(io.StringIO(listed.out)))) == {
        "created_at",
        "expires_at",
        "activated_at",
    }


def test_the_openapi_document_says_which_columns_are_moments_and_days(in_process_api):
    document = in_process_api.http.get("/openapi.json").json()
    listing = document["paths"]["/api/v1/sites/{site_id}/subscribers"]["get"]["responses"]["200"]
    row = listing["content"]["application/json"]["schema"]["items"]["properties"]
    assert {column for column, schema in row.items() if schema.get("format") == "date-time"} == {
        "created_at",
        "extended_at",
        "gone_at",
        "news_consent_at",
    }
    assert {column for column, schema in row.items() if schema.get("format") == "date"} == DAY_COLUMNS


def test_refusals_speak_the_partners_language_with_pydantics_words_too(partner):
    partner.http.headers["Accept-Language"] = "ru"
    try:
        wrong = partner.http.post(f"{API}/invitations", json={"trial_days": 31, "count": 0, "colour": "red"})
        missing = partner.http.post(f"{API}/subscribers/999/gone", json={"reason": "ушёл"})
        listed = partner.http.get(f"{API}/subscribers", params={"status": "happy", "since": "12.03.2026"})
        unknown = partner.http.get(f"{API}/subscribers", headers={"Authorization": "Bearer sfk_not-a-real-key"})
    finally:
        partner.http.headers["Accept-Language"] = "en"
    assert wrong.json()["error"] == (
        "trial_days: должно быть не больше 30; count: должно быть не меньше 1; colour: такого поля в этом запросе нет"
    )
    assert missing.json() == {"error": "у этого партнёра нет абонента 999"}
    assert listed.json()["error"] == (
        "status: допустимые значения: 'trial', 'paid', 'expired' или 'gone'; since: должно быть датой в виде ГГГГ-ММ-ДД"
    )
    assert unknown.json() == {"error": "такого API-ключа нет или он отозван"}


def test_refusals_speak_the_language_the_client_prefers(partner):
    missing = f"{API}/subscribers/999/gone"
    russian = partner.http.post(missing, json={"reason": "ушёл"}, headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    english = partner.http.post(missing, json={"reason": "gone"}, headers={"Accept-Language": "ru;q=0.2, en-GB"})
    refused = partner.http.post(missing, json={"reason": "gone"}, headers={"Accept-Language": "en;q=0, ru;q=0.5"})
    assert russian.json() == {"error": "у этого партнёра нет абонента 999"}
    assert english.json() == {"error": "there is no subscriber 999 of this partner"}
    assert refused.json() == {"error": "у этого партнёра нет абонента 999"}


@pytest.mark.parametrize(
    ("locale", "operator", "expected"),
    [
        ("ru", "en", "у этого партнёра нет абонента 999"),
        ("en", "ru", "there is no subscriber 999 of this partner"),
    ],
)
def test_without_a_preference_refusals_are_in_the_partners_language_not_the_operators(
    sites_dir, make_in_process_api, locale, operator, expected
):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8").replace("locale: ru", f"locale: {locale}"), encoding="utf-8"
    )
    service = make_in_process_api()
    del service.http.headers["Accept-Language"]
    service.http.headers.update(service.bearer(SITE))
    language.use(operator)
    try:
        answer = service.http.post(f"{API}/subscribers/999/gone", json={"reason": "gone"})
    finally:
        language.use()
    assert answer.json() == {"error": expected}
