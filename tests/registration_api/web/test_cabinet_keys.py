"""The cabinet's API keys: an operator creates a key and sees it once, the key works against the
partner's API, the list shows keys by their first characters, and revoking one (after a page
that says what it does) makes the API refuse it; both are in the audit log."""

from __future__ import annotations

import pytest
from lxml import html

from tests.registration_api.web.test_cabinet_auth import OPERATOR, SITE, csrf_of, sign_in, text_of

KEYS = f"/cabinet/{SITE}/settings/keys"
SUBSCRIBERS = f"/api/v1/sites/{SITE}/subscribers"


@pytest.fixture
def cabinet(cabinet):  # signed in
    sign_in(cabinet)
    return cabinet


def create(api, label: str):
    page = api.http.get(KEYS)
    return api.http.post(KEYS, data={"label": label, "csrf": csrf_of(page.text)})


def new_key(answer) -> str:
    [key] = html.fromstring(answer.text).xpath("//section[@aria-labelledby='new-key']//textarea[@id='key']/text()")
    return str(key)


def listed(page: str) -> list[list[str]]:
    """The cells of the list of keys."""
    rows = html.fromstring(page).xpath("//section[@aria-labelledby='keys']//tbody/tr")
    return [[" ".join(td.text_content().split()) for td in row.xpath("td")] for row in rows]


def revoke(api, prefix: str):
    """Open the key's «Отозвать» page and press its button."""
    confirm = api.http.get(f"{KEYS}/{prefix}/revoke")
    assert confirm.status_code == 200, confirm.text
    return api.http.post(f"{KEYS}/{prefix}/revoke", data={"csrf": csrf_of(confirm.text)})


def test_a_new_key_is_shown_once_and_works_against_the_api(cabinet):
    assert "Ключей пока нет." in text_of(cabinet.http.get(KEYS).text)
    answer = create(cabinet, "CRM")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    shown = text_of(answer.text)
    assert "Новый ключ «CRM»" in shown and "он показан только сейчас" in shown
    key = new_key(answer)
    assert key.startswith("sfk_") and len(key) == 44
    assert listed(answer.text)[0][:2] == [f"{key[:12]}…", "CRM"]
    api = cabinet.http.get(SUBSCRIBERS, headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200 and api.json() == []
    again = cabinet.http.get(KEYS)
    assert key not in again.text and key[:12] in again.text, "the list names it by its start, never whole"


def test_a_key_needs_a_name_and_gets_what_was_typed_back(cabinet):
    empty = create(cabinet, "   ")
    assert empty.status_code == 400
    page = html.fromstring(empty.text)
    assert page.xpath("//*[@id='label-error']/text()") == [
        "Назовите ключ по программе, которая будет им пользоваться, например «CRM»."
    ]
    assert page.xpath("//input[@name='label']/@aria-invalid") == ["true"]
    long = create(cabinet, "Ж" * 201)
    assert long.status_code == 400 and "Уместите название в 200 знаков." in text_of(long.text)
    assert html.fromstring(long.text).xpath("//input[@name='label']/@value") == ["Ж" * 201]
    assert cabinet.rows("api_keys") == []


def test_revoking_asks_first_then_the_api_refuses_the_key(cabinet):
    key = new_key(create(cabinet, "Сайт"))
    prefix = key[:12]
    [link] = html.fromstring(cabinet.http.get(KEYS).text).xpath("//a[text()='Отозвать']")
    assert link.get("href") == f"{KEYS}/{prefix}/revoke" and link.get("aria-label") == f"Отозвать ключ {prefix}"
    confirm = text_of(cabinet.http.get(f"{KEYS}/{prefix}/revoke").text)
    assert f"Отозвать ключ {prefix}?" in confirm and "Сайт" in confirm
    assert "Программы, которые отправляют этот ключ, сразу получат отказ." in confirm
    assert cabinet.rows("api_keys")[0].revoked_at is None, "opening the page revokes nothing"
    answer = revoke(cabinet, prefix)
    assert answer.status_code == 303 and answer.headers["location"] == f"{KEYS}?revoked={prefix}"
    page = cabinet.http.get(answer.headers["location"])
    assert f"Ключ {prefix} отозван: запросы с ним получают отказ." in text_of(page.text)
    [row] = listed(page.text)
    assert row[3].startswith("Отозван ") and row[4] == "", "a revoked key has no «Отозвать»"
    refused = cabinet.http.get(SUBSCRIBERS, headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401
    done = text_of(cabinet.http.get(f"{KEYS}/{prefix}/revoke").text)
    assert "Этот ключ отозван" in done and "Да, отозвать ключ" not in done


def test_the_list_is_newest_first_with_the_command_lines_keys_too(cabinet):
    cabinet.partner_key(SITE, "1С-обмен")
    cabinet.clock.advance(minutes=5)
    create(cabinet, "CRM")
    assert [row[1] for row in listed(cabinet.http.get(KEYS).text)] == ["CRM", "1С-обмен"]
    assert [row[3] for row in listed(cabinet.http.get(KEYS).text)] == ["Действует", "Действует"]


def test_creating_and_revoking_are_in_the_audit_log_by_prefix(cabinet):
    key = new_key(create(cabinet, "CRM"))
    revoke(cabinet, key[:12])
    entries = [row for row in cabinet.rows("audit_log") if row.action.startswith("key_")]
    assert [(row.action, row.operator, row.subject) for row in entries] == [
        ("key_created", OPERATOR, f"{key[:12]} (CRM)"),
        ("key_revoked", OPERATOR, f"{key[:12]} (CRM)"),
    ]
    overview = text_of(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert f"создание ключа API: {key[:12]} (CRM)" in overview and "отзыв ключа API" in overview
