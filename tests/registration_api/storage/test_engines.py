"""Durable engines: a crash-safe transaction commits without waiting for the disk and leaves the
connection as durable as before, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from registration_api.storage import engines, migrations, tables


def test_a_crash_safe_transaction_commits_and_leaves_commits_durable_again(database_url):
    engine = engines.create_engine(database_url)
    migrations.migrate(engine)
    with engines.crash_safe_transaction(engine) as conn:
        conn.execute(tables.service_secrets.insert().values(name="probe", value="kept"))
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(tables.service_secrets.c.value).where(tables.service_secrets.c.name == "probe")
            ).scalar()
            == "kept"
        )
        if conn.dialect.name == "sqlite":  # the pooled connection is back to FULL for everyone else
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        else:  # SET LOCAL ended with its transaction
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    try:
        with engines.crash_safe_transaction(engine) as conn:
            conn.execute(tables.service_secrets.insert().values(name="rolled-back", value="x"))
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        names = set(conn.execute(sa.select(tables.service_secrets.c.name)).scalars())
        assert "rolled-back" not in names
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    engine.dispose()
