"""The cabinet's tables arrive by a migration step that keeps what an older database holds."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registration_api.storage import engines, migrations, records, tables

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


def test_a_database_before_the_cabinet_gains_its_tables_and_keeps_its_rows(database_url, monkeypatch):
    engine = engines.create_engine(database_url)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    assert migrations.migrate(engine) == 3
    links_secret = engines.secret(engine, "links")
    with engine.begin() as conn:
        conn.execute(
            tables.invitations.insert().values(site_id="s", code="C1", tariff="t", trial_days=14, created_at=NOW)
        )
    monkeypatch.undo()
    assert migrations.migrate(engine) == len(migrations.MIGRATIONS)
    with engine.begin() as conn:
        assert conn.execute(sa.select(tables.invitations.c.code)).scalars().all() == ["C1"]
        conn.execute(
            tables.sign_in_links.insert().values(
                token_hash="a" * 64,
                email="anna@demo.example",
                created_at=NOW,
                expires_at=NOW + dt.timedelta(minutes=15),
            )
        )
        conn.execute(
            tables.audit_log.insert().values(site_id="s", operator="anna@demo.example", action="sign_in", at=NOW)
        )
        link = records.SignInLink.from_row(conn.execute(sa.select(tables.sign_in_links)).one())
        entry = records.AuditEntry.from_row(conn.execute(sa.select(tables.audit_log)).one())
    assert link.expires_at == NOW + dt.timedelta(minutes=15) and link.used_at is None
    assert (entry.operator, entry.action, entry.at) == ("anna@demo.example", "sign_in", NOW)
    assert engines.secret(engine, "links") == links_secret  # links already sent keep working
    assert len(engines.secret(engine, "cabinet")) >= 32 and engines.secret(engine, "cabinet") != links_secret
    engine.dispose()


def test_a_sign_in_token_is_stored_once(database_url):
    engine = engines.create_engine(database_url)
    migrations.migrate(engine)
    row = {"token_hash": "b" * 64, "email": "x@demo.example", "created_at": NOW, "expires_at": NOW}
    with engine.begin() as conn:
        conn.execute(tables.sign_in_links.insert().values(**row))
    try:
        with engine.begin() as conn:
            conn.execute(tables.sign_in_links.insert().values(**row))
    except sa.exc.IntegrityError:
        pass
    else:
        raise AssertionError("the same token hash was stored twice")
    engine.dispose()
