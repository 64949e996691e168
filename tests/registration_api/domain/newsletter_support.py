"""What the newsletter's tests share: a partner (БухЦентр, a copy) with a newsletter every two
weeks on Tuesday at 10:00 in Yekaterinburg, and subscribers in every state of consent."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from registration_api.domain.newsletter import Newsletter
from registration_api.domain.partner_sites import PartnerSites
from registration_api.storage import tables
from tests.support import REPO

SITE = "buhcentr"
ZONE = ZoneInfo("Asia/Yekaterinburg")
SECRET = "links-secret-for-tests"
NEWSLETTER = """
newsletter:
  every: 2 weeks
  weekday: tuesday
  hour: 10
  timezone: Asia/Yekaterinburg
  sender: Новости БухЦентра
  starts: 2026-04-01
"""
#: Slots of that schedule (10:00 in Yekaterinburg is 05:00 UTC): 7 April, 21 April, 5 May …
FIRST_SLOT = dt.datetime(2026, 4, 7, 5, tzinfo=dt.UTC)
_numbers = itertools.count(3_000_001)


def partner_folder(root: Path, *, newsletter: str = NEWSLETTER) -> Path:
    """A sites folder holding only a copy of БухЦентр, with ``newsletter`` added to its site.yaml."""
    folder = root / "sites"
    shutil.copytree(REPO / "sites" / SITE, folder / SITE)
    config = folder / SITE / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + newsletter, encoding="utf-8")
    return folder


def registry_of(folder: Path) -> PartnerSites:
    registry = PartnerSites(folder, None)
    assert registry.reload() == []
    return registry


def newsletter(engine: sa.Engine, registry: PartnerSites, per_minute: int = 6000) -> Newsletter:
    return Newsletter(
        engine,
        registry,
        mail_from="news@storefront.example",
        public_base="https://api.storefront.example/",
        secret=SECRET,
        per_minute=per_minute,
        zone=ZoneInfo("Europe/Moscow"),
    )


def subscriber_row(
    *,
    news: str = "subscribed",
    site_id: str = SITE,
    created: dt.datetime = FIRST_SLOT - dt.timedelta(days=20),
    status: str = "trial",
) -> dict[str, object]:
    """A new subscriber whose newsletter state is ``news`` (none, awaiting_confirmation, subscribed,
    unsubscribed, undeliverable), with an address of its own."""
    number = str(next(_numbers))
    email = f"client{number}@client.example"
    consented = None if news == "none" else created
    return {
        "number": number,
        "site_id": site_id,
        "page_id": "trial",
        "tariff": "basic",
        "name": f"Клиент {number}",
        "email": email,
        "email_key": email,
        "phone": "+79123456789",
        "status": status,
        "trial_ends": (created + dt.timedelta(days=30)).date(),
        "consent_at": created,
        "created_at": created,
        "news_consent_at": consented,
        "news_consent_text": "Я хочу получать новости" if consented else None,
        "news_confirmed_at": None if news in ("none", "awaiting_confirmation") else created,
        "news_unsubscribed_at": created + dt.timedelta(days=1) if news == "unsubscribed" else None,
        "undeliverable_at": created + dt.timedelta(days=1) if news == "undeliverable" else None,
    }


def add_subscriber(engine: sa.Engine, **state: object) -> tuple[int, str]:
    """A subscriber (see :func:`subscriber_row`); its row id and e-mail address."""
    row = subscriber_row(**state)  # type: ignore[arg-type]
    with engine.begin() as conn:
        subscriber_id = conn.execute(
            tables.subscribers.insert().values(**row).returning(tables.subscribers.c.id)
        ).scalar_one()
    return subscriber_id, str(row["email"])


def add_many(engine: sa.Engine, count: int) -> None:
    """``count`` subscribers who receive news, in one statement."""
    with engine.begin() as conn:
        conn.execute(tables.subscribers.insert(), [subscriber_row() for _ in range(count)])


def queued(engine: sa.Engine, purpose: str = "newsletter") -> list[sa.Row]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(tables.outbox).where(tables.outbox.c.purpose == purpose).order_by(tables.outbox.c.id)
            ).all()
        )


def issues(engine: sa.Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(tables.newsletter_issues).order_by(tables.newsletter_issues.c.due_at)).all())
