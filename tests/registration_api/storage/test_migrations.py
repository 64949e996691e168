"""Schema creation and upgrades keep data, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from registration_api.domain import subscriber_search
from registration_api.storage import engines, migrations, tables


def _one_subscriber(engine: sa.Engine) -> None:
    """A subscriber row, as a database in use holds."""
    now = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            tables.subscribers.insert().values(
                number="1000001",
                site_id="s",
                page_id="p",
                tariff="t",
                name="n",
                email="e@x.example",
                email_key="e@x.example",
                phone="+79123456789",
                trial_ends=now.date(),
                consent_at=now,
                created_at=now,
            )
        )


def test_migrate_twice_changes_nothing(database_url):
    engine = engines.create_engine(database_url)
    assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
    _one_subscriber(engine)
    assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.subscribers)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.schema_version)).scalar() == len(
            migrations.MIGRATIONS
        )
    engine.dispose()


def test_a_new_migration_upgrades_an_existing_database_without_losing_rows(database_url, monkeypatch):
    engine = engines.create_engine(database_url)
    migrations.migrate(engine)
    _one_subscriber(engine)

    def add_column(conn):
        conn.execute(sa.text("ALTER TABLE subscribers ADD COLUMN note VARCHAR(100) DEFAULT 'kept'"))

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, add_column])
    assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT number, note FROM subscribers")).all() == [("1000001", "kept")]
    engine.dispose()


def test_sqlite_is_durable(tmp_path):
    engine = engines.create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


#: The indexes of the cabinet's search and orders, each database its own (tables.py says why).
SEARCH_INDEXES = {
    "sqlite": ["subscribers_site_search", "subscribers_site_created_search"],
    "postgresql": [
        "subscribers_site_created_id",
        "subscribers_site_name",
        "subscribers_search_text_trigrams",
        "subscribers_number_trigrams",
    ],
}


def test_a_version_1_database_gains_partner_access_and_keeps_its_rows(database_url, monkeypatch):
    """Built as the first release left it: its tables without the columns added since."""
    engine = engines.create_engine(database_url)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    assert migrations.migrate(engine) == 1
    added_since = [
        "subscribers_site_created",
        "subscribers_site_status",
        "subscribers_site_ends",
        "subscribers_site_gone",
        "subscribers_site_converted",
        "subscribers_site_paid_until",
        "subscribers_site_extended",
        *SEARCH_INDEXES[engine.dialect.name],
    ]
    with engine.begin() as conn:
        for index in (*added_since, "outbox_site"):
            conn.execute(sa.text(f"DROP INDEX IF EXISTS {index}"))
        for table, columns in (
            (
                "subscribers",
                [
                    *("paid_until", "gone_at", "gone_reason", "extended_at", "invitation_id"),
                    *("converted_at", "gone_cause", "search_text"),  # added for the cabinet
                    *("news_consent_at", "news_consent_text"),  # consent to news and offers
                ],
            ),
            ("outbox", ["channel", "target_url", "site_id"]),
        ):
            for column in columns:
                conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(
            sa.text(
                "INSERT INTO subscribers (number, site_id, page_id, tariff, name, email, email_key, phone, status, "
                "trial_ends, consent_at, created_at) VALUES ('1000001', 's', 'p', 't', 'Ёлкина Анна', 'e@x.example', "
                "'e@x.example', '+79123456789', 'trial', '2026-04-01', '2026-03-01 10:00:00+00', "
                "'2026-03-01 10:00:00+00')"
            )
        )
    monkeypatch.undo()
    assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
    with engine.connect() as conn:
        row = conn.execute(sa.select(tables.subscribers)).one()
        assert row.number == "1000001" and row.paid_until is None and row.extended_at is None
        assert row.news_consent_at is None and row.news_consent_text is None  # nobody agreed before it was asked
        assert row.search_text == "елкина анна e@x.example 79123456789"  # found by the cabinet's search
        assert {i["name"] for i in sa.inspect(conn).get_indexes("subscribers")} >= set(added_since)
        assert "outbox_site" in {i["name"] for i in sa.inspect(conn).get_indexes("outbox")}
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.invitations)).scalar() == 0
    assert len(engines.secret(engine, "links")) >= 32
    engine.dispose()


def test_postgresql_without_the_right_to_install_pg_trgm_migrates_and_finds_all_the_same(database_url, caplog):
    """A database user that may create tables but not extensions: a warning says what to run, and
    the search reads the rows instead of the trigram indexes."""
    if not database_url.startswith("postgresql"):
        pytest.skip("extensions are PostgreSQL's")
    role = f"sf_plain_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(sa.text(f'GRANT CREATE ON SCHEMA public TO "{role}"'))
    engine = engines.create_engine(sa.make_url(database_url).set(username=role).render_as_string(hide_password=False))
    try:
        with caplog.at_level(logging.WARNING, logger="registration_api"):
            assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
        assert "CREATE EXTENSION pg_trgm; CREATE INDEX subscribers_search_text_trigrams" in caplog.text
        _one_subscriber(engine)
        with engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("subscribers")}
        assert "subscribers_site_name" in indexes and not {n for n in indexes if n.endswith("_trigrams")}
        found = subscriber_search.search(engine, "s", subscriber_search.Criteria(text="1000001"))
        assert [s.number for s in found.subscribers] == ["1000001"]
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_a_database_left_at_version_6_by_an_earlier_release_upgrades(tmp_path):
    """The SQLite schema an earlier release (4e18e59) left at version 6, as it was: every later step
    must add what it needs, never create an index of a column a still later step adds."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript((Path(__file__).parent / "data" / "schema_v6.sqlite.sql").read_text())
        old.executemany("INSERT INTO schema_version (version) VALUES (?)", [(v,) for v in range(1, 7)])
        old.execute("INSERT INTO secrets (name, value) VALUES ('links', 'x'), ('cabinet', 'y')")
    engine = engines.create_engine(f"sqlite:///{path}")
    assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
    columns = {column["name"] for column in sa.inspect(engine).get_columns("outbox")}
    assert {"abandoned_at", "issue_id"} <= columns
    indexes = {index["name"]: index["column_names"] for index in sa.inspect(engine).get_indexes("outbox")}
    assert indexes["outbox_due"] == ["sent_at", "abandoned_at", "next_attempt_at"] and "outbox_issue" in indexes
    engine.dispose()
