"""Hostile and unlucky visits to the cabinet's settings: no session, posts without the form token,
another partner's keys, deliveries and settings, the key after its one showing (pages, audit
log, logs), the webhook's secret, hostile text shown as text, and the one script the pages may run."""

from __future__ import annotations

import logging
import re

import pytest
from lxml import html

from registration_api.domain import api_keys, webhook_events
from registration_api.storage.tables import outbox
from registration_api.web.cabinet_settings import COPY_SCRIPT
from tests.integration.test_partner_api import SECRET
from tests.registration_api.web.test_cabinet_auth import SITE, csrf_of, sign_in, text_of

SETTINGS = f"/cabinet/{SITE}/settings"
KEYS = f"{SETTINGS}/keys"
WEBHOOKS = f"{SETTINGS}/webhooks"
HOSTILE = '"><script>alert(1)</script>'


def queue_event(api, site: str) -> int:
    """A webhook event of ``site`` already delivered, as if it had a webhook then."""
    partner = api.app.state.service.sites.get(SITE)
    row = webhook_events.event_row(partner, "subscriber.registered", {"subscriber_number": "000001"}, api.clock())
    assert row is not None
    values = {**row, "site_id": site, "sent_at": api.clock(), "attempts": 1}
    with api.database.begin() as conn:
        return int(conn.execute(outbox.insert().values(values).returning(outbox.c.id)).scalar_one())


def webhook_rows(api) -> list:
    return [row for row in api.outbox() if row.channel == "webhook"]


@pytest.fixture
def hooked(make_in_process_api, sites_dir):
    """A service whose partner oblako-plus has a webhook, its operator signed in."""
    yaml_file = sites_dir / SITE / "site.yaml"
    hook = "https://crm.oblako-plus.example/hooks"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: {hook}\n  secret: "{SECRET}"\n')
    service = make_in_process_api()
    sign_in(service)
    return service


def test_without_a_session_every_settings_page_and_post_sends_to_the_sign_in(cabinet):
    key = cabinet.partner_key(SITE)
    prefix = key[: api_keys.PREFIX_LENGTH]
    for path in (SETTINGS, KEYS, f"{KEYS}/{prefix}/revoke", WEBHOOKS, f"{SETTINGS}/pages"):
        answer = cabinet.http.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/cabinet/", path
    anonymous = csrf_of(cabinet.http.get("/cabinet/").text)  # the sign-in form's token, before signing in
    for path in (KEYS, f"{KEYS}/{prefix}/revoke", f"{WEBHOOKS}/1/resend"):
        posted = cabinet.http.post(path, data={"label": "CRM", "csrf": anonymous})
        assert posted.status_code == 303 and posted.headers["location"] == "/cabinet/", path
    [row] = cabinet.rows("api_keys")
    assert row.revoked_at is None


def test_every_post_without_the_form_token_is_refused(hooked):
    key = hooked.partner_key(SITE)
    prefix = key[: api_keys.PREFIX_LENGTH]
    delivery = queue_event(hooked, SITE)
    for path in (KEYS, f"{KEYS}/{prefix}/revoke", f"{WEBHOOKS}/{delivery}/resend"):
        for token in ({}, {"csrf": "forged"}):
            answer = hooked.http.post(path, data={"label": "CRM", **token})
            assert answer.status_code == 403 and "Форма устарела" in text_of(answer.text), path
    assert len(hooked.rows("api_keys")) == 1 and hooked.rows("api_keys")[0].revoked_at is None
    [event] = webhook_rows(hooked)
    assert event.sent_at is not None, "nothing sent again"
    assert [row.action for row in hooked.rows("audit_log")] == ["sign_in"]


def test_another_partners_key_cannot_be_revoked_by_its_prefix(cabinet):
    theirs = cabinet.partner_key("buhcentr")
    prefix = theirs[: api_keys.PREFIX_LENGTH]
    sign_in(cabinet)
    token = csrf_of(cabinet.http.get(KEYS).text)
    for candidate in (prefix, prefix.lower(), theirs, "sfk_%", "sfk_________", "..", "x" * 500):
        path = f"{KEYS}/{candidate}/revoke"
        shown = cabinet.http.get(path)
        assert shown.status_code == 404 and "Такой страницы нет" in text_of(shown.text), candidate
        assert cabinet.http.post(path, data={"csrf": token}).status_code == 404, candidate
    posted = cabinet.http.post(f"/cabinet/buhcentr/settings/keys/{prefix}/revoke", data={"csrf": token})
    assert posted.status_code == 404
    assert cabinet.rows("api_keys")[0].revoked_at is None
    assert cabinet.http.get(KEYS, params={"revoked": prefix}).text.count(prefix) == 0, "not named on our page"
    assert [row.action for row in cabinet.rows("audit_log")] == ["sign_in"]


def test_another_partners_delivery_cannot_be_sent_again(hooked):
    theirs = queue_event(hooked, "buhcentr")
    token = csrf_of(hooked.http.get(WEBHOOKS).text)
    for candidate in (str(theirs), str(theirs + 1), "0", "-1", "1e3", "²", "9" * 40):
        answer = hooked.http.post(f"{WEBHOOKS}/{candidate}/resend", data={"csrf": token})
        assert answer.status_code == 404, candidate
    assert "Событий пока нет." in text_of(hooked.http.get(WEBHOOKS).text), "their event is not listed here"
    assert "Событие #" not in text_of(hooked.http.get(WEBHOOKS, params={"resent": str(theirs)}).text)
    [row] = webhook_rows(hooked)
    assert row.site_id == "buhcentr" and row.attempts == 1 and row.sent_at is not None
    assert [row.action for row in hooked.rows("audit_log")] == ["sign_in"]


def test_another_partners_settings_are_not_found(cabinet):
    sign_in(cabinet)
    for site in ("buhcentr", "no-such-site", "OBLAKO-PLUS"):
        for part in ("", "/keys", "/webhooks", "/pages"):
            assert cabinet.http.get(f"/cabinet/{site}/settings{part}").status_code == 404, (site, part)
    token = csrf_of(cabinet.http.get(KEYS).text)
    assert cabinet.http.post("/cabinet/buhcentr/settings/keys", data={"label": "x", "csrf": token}).status_code == 404
    assert cabinet.rows("api_keys") == []


def test_the_key_is_shown_once_and_nowhere_else(cabinet, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(cabinet)
    page = cabinet.http.get(KEYS)
    created = cabinet.http.post(KEYS, data={"label": "CRM", "csrf": csrf_of(page.text)})
    [key] = re.findall(r"sfk_[A-Za-z0-9_-]{40}", created.text)
    assert created.headers["cache-control"] == "no-store" and key not in created.headers.get("location", "")
    for path in (KEYS, SETTINGS, f"/cabinet/{SITE}/", f"{KEYS}/{key[:12]}/revoke"):
        assert key not in cabinet.http.get(path).text, path
    for entry in cabinet.rows("audit_log"):
        assert key not in f"{entry.subject} {entry.details}"
    [row] = cabinet.rows("api_keys")
    assert key not in " ".join(str(value) for value in row), "only its hash is stored"
    assert key not in caplog.text, "never logged"


def test_the_webhooks_secret_is_never_shown(hooked):
    queue_event(hooked, SITE)
    for path in (SETTINGS, WEBHOOKS):
        shown = hooked.http.get(path).text
        assert "crm.oblako-plus.example/hooks" in shown and SECRET not in shown, path


def test_hostile_text_is_shown_as_text(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(
        text.replace("    title: Бесплатный доступ на 30 дней", f"    title: '{HOSTILE}'", 1), encoding="utf-8"
    )
    service = make_in_process_api()
    sign_in(service)
    page = service.http.get(KEYS)
    created = service.http.post(KEYS, data={"label": HOSTILE, "csrf": csrf_of(page.text)})
    tree = html.fromstring(created.text)
    assert [script.text for script in tree.xpath("//script")] == [COPY_SCRIPT], "the copy button's script only"
    assert HOSTILE in tree.xpath("//section[@aria-labelledby='keys']//td/text()")
    pages = html.fromstring(service.http.get(f"{SETTINGS}/pages").text)
    assert [script.text for script in pages.xpath("//script")] == [COPY_SCRIPT]
    assert not pages.xpath("//*[@onclick or @onerror]")
    assert pages.xpath("//section/h2/text()")[0] == HOSTILE
    assert "alert(1)" in pages.xpath("//textarea[@id='code-trial']/text()")[0], "the code is text in its field"


def test_the_pages_run_one_script_pinned_by_its_hash_and_no_other(cabinet):
    sign_in(cabinet)
    policy = cabinet.http.get(f"{SETTINGS}/pages").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'", "nothing else may load, scripts from anywhere included"
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", directives["script-src"]), "one hash, nothing else"
    for path in (SETTINGS, KEYS, WEBHOOKS):
        assert "script-src" not in cabinet.http.get(path).headers["content-security-policy"], path
