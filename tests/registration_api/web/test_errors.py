"""How the service answers what it refuses or fails at, in-process: JSON for a script, a short page
for a person's browser, a 405 that lists the methods an address takes, and never a traceback."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from tests.support import valid_form

SITE = "oblako-plus"
SCRIPT = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def assert_short_page(answer, status: int, title: str) -> None:
    """A person's browser gets a small HTML page with a title in words, not a stack trace."""
    assert answer.status_code == status
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert f"<h1>{title}</h1>" in answer.text
    assert "Traceback" not in answer.text and 'File "' not in answer.text


def test_an_unknown_address_is_a_page_for_a_person_and_json_for_a_script(in_process_api):
    assert_short_page(in_process_api.http.get("/no/such/page", headers=BROWSER), 404, "Страница не найдена")
    script = in_process_api.http.get("/no/such/page", headers=SCRIPT)
    assert script.status_code == 404 and script.headers["content-type"] == "application/json"
    assert isinstance(script.json()["error"], str) and script.json()["error"]


def test_under_api_every_answer_is_json(in_process_api):
    answer = in_process_api.http.get("/api/v1/no-such-thing", headers=BROWSER)
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", f"/r/{SITE}/trial", "POST, OPTIONS"),
        ("DELETE", f"/r/{SITE}/trial", "POST, OPTIONS"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/invite/AAAA-BBBB-CCCC-DDDD", "GET, POST, HEAD"),
        ("PATCH", f"/api/v1/sites/{SITE}/subscribers", "GET, HEAD"),
        ("GET", f"/api/v1/sites/{SITE}/subscribers/1000001/convert", "POST"),
    ],
)
def test_a_method_the_address_does_not_take_is_405_with_allow(in_process_api, method, path, allowed):
    browser = in_process_api.http.request(method, path, headers=BROWSER)
    script = in_process_api.http.request(method, path, headers=SCRIPT)
    for answer in (browser, script):
        assert answer.status_code == 405
        assert answer.headers["allow"] == allowed, "the same order in every process, as declared"
    if not path.startswith("/api/"):
        assert_short_page(browser, 405, "Запрос не принят")
    assert script.json()["error"]


def test_a_control_character_in_the_address_is_refused_before_any_route(in_process_api):
    answer = in_process_api.http.get("/invite/AAAA%00BBBB", headers=BROWSER)
    assert answer.status_code == 400 and "the address" in answer.json()["error"]
    query = in_process_api.http.get(f"/api/v1/sites/{SITE}/subscribers", params={"status": "trial\x07"})
    assert query.status_code == 400 and "query parameter 'status'" in query.json()["error"]


def test_a_form_that_is_not_utf8_is_a_page_that_says_so(in_process_api):
    answer = in_process_api.http.post(
        f"/r/{SITE}/trial",
        content=b"name=\xff\xfe&email=a%40client.example",
        headers={**BROWSER, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_short_page(answer, 400, "Запрос не прочитан")
    script = in_process_api.http.post(
        f"/r/{SITE}/trial",
        content=b"name=\xff\xfe",
        headers={**SCRIPT, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert script.status_code == 400 and script.json() == {"error": "the form is not valid UTF-8"}
    assert in_process_api.subscribers() == []


def test_a_body_of_another_type_is_415(in_process_api):
    answer = in_process_api.http.post(
        f"/r/{SITE}/trial", content=b"name=Anna", headers={**BROWSER, "Content-Type": "text/plain"}
    )
    assert_short_page(answer, 415, "Запрос не прочитан")


def test_an_unexpected_failure_is_a_short_500_and_the_traceback_goes_to_the_log(make_in_process_api, caplog):
    service = make_in_process_api(raise_server_exceptions=False)
    headers = service.bearer(SITE)
    with service.database.begin() as conn:
        conn.execute(sa.text("DROP TABLE subscribers"))  # a database broken under the running service
    with caplog.at_level(logging.ERROR, logger="registration_api"):
        script = service.http.get(f"/api/v1/sites/{SITE}/subscribers", headers=headers)
        person = service.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=BROWSER)
    assert script.status_code == 500 and script.json() == {
        "error": "the service failed to answer; the operator has the details in the log"
    }
    assert_short_page(person, 500, "Что-то пошло не так")
    for answer in (script, person):
        assert "subscribers" not in answer.text and "sqlite" not in answer.text.lower()
    assert any(record.exc_info for record in caplog.records), "the operator gets the traceback"


def test_health_says_which_sites_are_served(in_process_api):
    answer = in_process_api.http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "sites": ["buhcentr", "oblako-plus"], "failed": {}}


def test_health_counts_a_site_that_failed_to_load(sites_dir, make_in_process_api):
    (sites_dir / "broken").mkdir()
    (sites_dir / "broken" / "site.yaml").write_text("partner: [\n", encoding="utf-8")
    service = make_in_process_api()
    answer = service.http.get("/healthz").json()
    assert answer["status"] == "ok" and answer["sites"] == ["buhcentr", "oblako-plus"]
    assert answer["failed"] == {"broken": 1}
    refused = service.http.post("/r/broken/trial", data=valid_form(), headers=SCRIPT)
    assert refused.status_code == 404 and refused.json() == {"error": "there is no such storefront"}
