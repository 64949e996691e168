"""Converting a subscriber to paid and recording its departure, on SQLite and PostgreSQL: what each
does to a trial, a paid client and one who left, and the webhook a conversion queues."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from typing import get_args

import pytest
import sqlalchemy as sa

from registration_api.domain import subscriptions
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.storage import engines, migrations, tables
from registration_api.storage.records import Subscriber
from tests.support import REPO

SITE = "oblako-plus"
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


@pytest.fixture(name="partner", scope="module")
def partner_fixture(tmp_path_factory) -> PartnerSite:
    """The example partner, with a webhook so that its events are queued."""
    sites = tmp_path_factory.mktemp("sites")
    shutil.copytree(REPO / "sites" / SITE, sites / SITE)
    site_yaml = sites / SITE / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8")
        + f'\nwebhook:\n  url: https://crm.oblako-plus.example/hooks\n  secret: "{SECRET}"\n',
        encoding="utf-8",
    )
    registry = PartnerSites(sites)
    assert registry.reload() == []
    found = registry.get(SITE)
    assert found is not None
    return found


@pytest.fixture(name="engine")
def engine_fixture(database_url):
    """An engine on each database the tests run on, with the service's tables."""
    engine = engines.create_engine(database_url)
    migrations.migrate(engine)
    yield engine
    engine.dispose()


def add(engine: sa.Engine, number: str = "1000001", site_id: str = SITE, **values: object) -> None:
    """A subscriber on a trial of the «Бизнес» tariff since ``NOW``."""
    row = {
        "number": number,
        "site_id": site_id,
        "page_id": "trial",
        "tariff": "biznes",
        "name": "Анна Петрова",
        "email": f"{number}@client.example",
        "email_key": f"{number}@client.example",
        "phone": "+79123456789",
        "status": "trial",
        "trial_ends": dt.date(2026, 4, 9),
        "consent_at": NOW,
        "created_at": NOW,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(tables.subscribers.insert().values(**row))


def stored(engine: sa.Engine, number: str = "1000001") -> Subscriber:
    found = subscriptions.find(engine, SITE, number)
    assert found is not None
    return found


def events(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tables.outbox).where(tables.outbox.c.channel == "webhook"))
        return [{"purpose": row.purpose, **json.loads(bytes(row.message))["data"]} for row in rows]


def test_a_trial_becomes_paid_on_a_tariff_and_the_webhook_says_which(engine, partner):
    add(engine)
    later = NOW + dt.timedelta(days=3)

    assert subscriptions.convert(engine, partner, "1000001", dt.date(2027, 3, 31), later, tariff="biznes-god")

    paid = stored(engine)
    assert (paid.status, paid.tariff, paid.paid_until, paid.converted_at) == (
        "paid",
        "biznes-god",
        dt.date(2027, 3, 31),
        later,
    )
    assert events(engine) == [
        {
            "purpose": "subscriber.converted",
            "subscriber_number": "1000001",
            "paid_until": "2027-03-31",
            "tariff": "biznes-god",
        }
    ]


def test_without_a_tariff_the_subscriber_keeps_its_own_as_the_api_did(engine, partner):
    add(engine)

    assert subscriptions.convert(engine, partner, "1000001", dt.date(2026, 12, 31), NOW)

    assert (stored(engine).tariff, stored(engine).converted_at) == ("biznes", NOW)


def test_a_tariff_the_partner_has_not_is_refused_and_changes_nothing(engine, partner):
    add(engine)

    with pytest.raises(ValueError, match="there is no tariff 'platinum' in oblako-plus"):
        subscriptions.convert(engine, partner, "1000001", dt.date(2026, 12, 31), NOW, tariff="platinum")

    assert stored(engine).status == "trial" and events(engine) == []


def test_another_partners_subscriber_is_not_converted_nor_marked_gone(engine, partner):
    add(engine, site_id="buhcentr")

    assert not subscriptions.convert(engine, partner, "1000001", dt.date(2026, 12, 31), NOW)
    assert not subscriptions.mark_gone(engine, SITE, "1000001", "ушёл", NOW)

    assert subscriptions.find(engine, "buhcentr", "1000001").status == "trial"


def test_a_renewal_keeps_the_moment_it_became_paid(engine, partner):
    add(engine)
    subscriptions.convert(engine, partner, "1000001", dt.date(2026, 12, 31), NOW)

    renewed = NOW + dt.timedelta(days=290)
    subscriptions.convert(engine, partner, "1000001", dt.date(2027, 12, 31), renewed, tariff="start")

    assert (stored(engine).converted_at, stored(engine).tariff, stored(engine).paid_until) == (
        NOW,
        "start",
        dt.date(2027, 12, 31),
    )
    assert len(events(engine)) == 2, "each payment is told to the partner's system"


def test_a_departure_keeps_its_cause_and_words_and_a_paid_client_what_it_paid_for(engine, partner):
    add(engine)
    subscriptions.convert(engine, partner, "1000001", dt.date(2026, 12, 31), NOW)
    left = NOW + dt.timedelta(days=40)

    assert subscriptions.mark_gone(engine, SITE, "1000001", "нашли дешевле", left, cause="price")

    gone = stored(engine)
    assert (gone.status, gone.gone_at, gone.gone_cause, gone.gone_reason) == ("gone", left, "price", "нашли дешевле")
    assert (gone.paid_until, gone.converted_at) == (dt.date(2026, 12, 31), NOW)


def test_recording_a_departure_again_corrects_it_and_keeps_the_day_it_left(engine, partner):
    add(engine)
    left = NOW + dt.timedelta(days=5)
    subscriptions.mark_gone(engine, SITE, "1000001", None, left, cause="closed")

    subscriptions.mark_gone(engine, SITE, "1000001", "переехали в Казань", left + dt.timedelta(days=9))

    gone = stored(engine)
    assert (gone.gone_at, gone.gone_cause, gone.gone_reason) == (left, "other", "переехали в Казань")


def test_a_client_who_left_and_pays_again_comes_back(engine, partner):
    add(engine)
    subscriptions.convert(engine, partner, "1000001", dt.date(2026, 6, 30), NOW)
    subscriptions.mark_gone(engine, SITE, "1000001", None, NOW + dt.timedelta(days=30), cause="price")
    back = NOW + dt.timedelta(days=120)

    subscriptions.convert(engine, partner, "1000001", dt.date(2027, 7, 31), back)

    again = stored(engine)
    assert (again.status, again.converted_at, again.paid_until) == ("paid", back, dt.date(2027, 7, 31))
    assert (again.gone_at, again.gone_cause, again.gone_reason) == (None, None, None)


def test_an_unknown_cause_is_refused(engine):
    add(engine)

    with pytest.raises(ValueError, match="unknown cause of departure 'bored'"):
        subscriptions.mark_gone(engine, SITE, "1000001", "скучно", NOW, cause="bored")

    assert stored(engine).status == "trial"


def test_every_cause_has_a_name_and_fits_its_column():
    assert list(subscriptions.DEPARTURE_CAUSES) == list(get_args(subscriptions.DepartureCause))
    assert subscriptions.OTHER in subscriptions.DEPARTURE_CAUSES
    column = tables.subscribers.c.gone_cause.type.length
    assert all(len(cause) <= column for cause in subscriptions.DEPARTURE_CAUSES)
