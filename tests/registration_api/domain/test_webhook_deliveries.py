"""A partner's webhook deliveries as its cabinet lists them and sends one again, and its API key
found by prefix, on SQLite and PostgreSQL (``engine``: tests/registration_api/domain/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from registration_api.domain import api_keys, webhook_events
from registration_api.domain.partner_sites import PartnerSites
from registration_api.storage.tables import outbox

SITE = "oblako-plus"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
HOOK = "https://crm.oblako-plus.example/hooks/storefront"
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def partners(sites_dir) -> PartnerSites:
    """The example partners, oblako-plus with a webhook (buhcentr has none)."""
    yaml_file = sites_dir / SITE / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: {HOOK}\n  secret: "{SECRET}"\n')
    loaded = PartnerSites(sites_dir)
    assert loaded.reload() == []
    return loaded


def queue(engine, partners, site: str = SITE, number: str = "000001", at: dt.datetime = NOW, **state) -> int:
    """One ``subscriber.registered`` event of ``site`` in the outbox, in the delivery ``state`` given."""
    partner = partners.get(site)
    row = webhook_events.event_row(partner, "subscriber.registered", {"subscriber_number": number}, at)
    if row is None:  # a partner without a webhook: as if it had one when the event was made
        other = webhook_events.event_row(partners.get(SITE), "subscriber.registered", {"subscriber_number": number}, at)
        assert other is not None
        row = {**other, "site_id": site}
    with engine.begin() as conn:
        return int(conn.execute(outbox.insert().values({**row, **state}).returning(outbox.c.id)).scalar_one())


def rows(engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(outbox).order_by(outbox.c.id)))


def test_the_list_holds_only_the_partners_webhook_events_newest_first_with_their_state(engine, partners):
    sent = queue(engine, partners, number="000001", attempts=1, sent_at=NOW)
    failing = queue(engine, partners, number="000002", attempts=2, last_error="Failed: the receiver answered 500")
    queue(engine, partners, site="buhcentr", number="000003")
    with engine.begin() as conn:  # an e-mail of the same partner is not a webhook delivery
        conn.execute(
            outbox.insert().values(
                purpose="welcome",
                channel="email",
                site_id=SITE,
                envelope_from="robot@storefront.example",
                recipients=["anna@client.example"],
                message=b"Subject: hi\r\n\r\nhi",
                created_at=NOW,
                next_attempt_at=NOW,
            )
        )
    waiting = queue(engine, partners, number="000004")
    listed = webhook_events.deliveries(engine, SITE)
    assert [d.id for d in listed] == [waiting, failing, sent]
    assert [webhook_events.state(d) for d in listed] == ["waiting", "failing", "sent"]
    assert [webhook_events.subscriber_number(d) for d in listed] == ["000004", "000002", "000001"]
    assert listed[1].last_error == "Failed: the receiver answered 500" and listed[1].target_url == HOOK
    assert [d.id for d in webhook_events.deliveries(engine, SITE, limit=2)] == [waiting, failing]


def test_an_event_not_delivered_yet_is_moved_to_now_not_copied(engine, partners):
    later = NOW + dt.timedelta(hours=1)
    failing = queue(engine, partners, attempts=3, next_attempt_at=later, last_error="Failed: timed out")
    with engine.begin() as conn:
        conn.execute(outbox.update().values(target_url="https://old.oblako-plus.example/hook"))
    carried = webhook_events.resend(engine, partners.get(SITE), failing, NOW)
    assert carried is not None and carried.id == failing and carried.purpose == "subscriber.registered"
    [row] = rows(engine)
    assert row.next_attempt_at.replace(tzinfo=dt.UTC) == NOW and row.target_url == HOOK, "due now, to today's address"
    assert row.attempts == 3 and row.sent_at is None


def test_a_delivered_event_is_copied_and_its_record_kept(engine, partners):
    sent = queue(engine, partners, attempts=1, sent_at=NOW - dt.timedelta(days=1))
    carried = webhook_events.resend(engine, partners.get(SITE), sent, NOW)
    original, copy = rows(engine)
    assert carried is not None and carried.id == copy.id != sent and webhook_events.state(carried) == "waiting"
    assert original.sent_at is not None and original.attempts == 1, "the delivery on record stays as it was"
    assert copy.sent_at is None and copy.attempts == 0 and copy.next_attempt_at.replace(tzinfo=dt.UTC) == NOW
    assert bytes(copy.message) == bytes(original.message) and copy.purpose == original.purpose
    assert json.loads(copy.message)["data"]["subscriber_number"] == "000001"
    assert (copy.site_id, copy.channel, copy.target_url) == (SITE, "webhook", HOOK)


def test_another_partners_event_is_not_found_and_left_alone(engine, partners):
    theirs = queue(engine, partners, site="buhcentr", sent_at=NOW, attempts=1)
    assert webhook_events.resend(engine, partners.get(SITE), theirs, NOW) is None
    assert webhook_events.resend(engine, partners.get(SITE), theirs + 1000, NOW) is None
    assert len(rows(engine)) == 1 and rows(engine)[0].site_id == "buhcentr"


def test_without_a_webhook_now_nothing_is_sent_again(engine, partners):
    later = NOW + dt.timedelta(hours=1)
    kept = queue(engine, partners, site="buhcentr", attempts=1, next_attempt_at=later, last_error="Failed")
    with pytest.raises(webhook_events.NoWebhook):
        webhook_events.resend(engine, partners.get("buhcentr"), kept, NOW)
    [row] = rows(engine)
    assert row.next_attempt_at.replace(tzinfo=dt.UTC) == later and row.attempts == 1


def test_a_key_is_found_by_its_prefix_only_for_its_own_site(engine):
    ours = api_keys.create(engine, SITE, "CRM", NOW)
    theirs = api_keys.create(engine, "buhcentr", "CRM", NOW)
    prefix = ours[: api_keys.PREFIX_LENGTH]
    found = api_keys.of_site(engine, SITE, prefix)
    assert found is not None and found.label == "CRM" and found.revoked_at is None
    assert api_keys.of_site(engine, SITE, theirs[: api_keys.PREFIX_LENGTH]) is None
    assert api_keys.of_site(engine, SITE, ours) is None, "the whole key is not a prefix"
    assert api_keys.of_site(engine, SITE, "sfk_%") is None
    api_keys.revoke(engine, SITE, prefix, NOW)
    revoked = api_keys.of_site(engine, SITE, prefix)
    assert revoked is not None and revoked.revoked_at is not None
