"""Schema creation and upgrades keep data, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registration_api import db


def test_migrate_twice_changes_nothing(database_url):
    engine = db.create_engine(database_url)
    assert db.migrate(engine) == len(db.MIGRATIONS)
    now = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(db.subscribers.insert().values(
            number="1000001", site_id="s", page_id="p", tariff="t", name="n", email="e@x.example",
            email_key="e@x.example", phone="+79123456789", trial_ends=now.date(), consent_at=now, created_at=now))
    assert db.migrate(engine) == len(db.MIGRATIONS)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.subscribers)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(db.schema_version)).scalar() == len(db.MIGRATIONS)
    engine.dispose()


def test_a_new_migration_upgrades_an_existing_database_without_losing_rows(database_url, monkeypatch):
    engine = db.create_engine(database_url)
    db.migrate(engine)
    now = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(db.subscribers.insert().values(
            number="1000001", site_id="s", page_id="p", tariff="t", name="n", email="e@x.example",
            email_key="e@x.example", phone="+79123456789", trial_ends=now.date(), consent_at=now, created_at=now))

    def add_column(conn):
        conn.execute(sa.text("ALTER TABLE subscribers ADD COLUMN note VARCHAR(100) DEFAULT 'kept'"))
    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, add_column])
    assert db.migrate(engine) == len(db.MIGRATIONS)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT number, note FROM subscribers")).all() == [("1000001", "kept")]
    engine.dispose()


def test_sqlite_is_durable(tmp_path):
    engine = db.create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()
