"""Durable engines for SQLite or PostgreSQL, and the secrets generated once per database.

SQLite is the embedded default (WAL, ``synchronous=FULL``: a commit survives power loss);
PostgreSQL serves several API processes or hosts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.storage.tables import service_secrets


def create_engine(url: str) -> Engine:
    """An engine whose commits are durable; SQLite gets WAL and write transactions that lock up front."""
    if url.startswith("sqlite:"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=8,
            max_overflow=24,
            poolclass=sa.pool.QueuePool,
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:  # a sqlite3.Connection
            dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


@contextlib.contextmanager
def crash_safe_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction whose commit survives this process being killed, but not the machine losing
    power: for marks that are cheap to lose that way and written too often to wait for the disk
    each time (an e-mail marked sent: after a power cut the last few go twice). SQLite: this
    commit with ``synchronous=NORMAL``, which in WAL mode a crash of the process keeps (the
    pragma is set on the driver's connection outside a transaction, as SQLite requires, and set
    back); PostgreSQL: ``synchronous_commit = off`` for this transaction, which the server keeps
    whatever happens to its client."""
    with engine.connect() as conn:
        driver = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if driver is not None:
            driver.execute("PRAGMA synchronous=NORMAL")
        try:
            with conn.begin():
                if driver is None:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn
        finally:
            if driver is not None:
                driver.execute("PRAGMA synchronous=FULL")


def secret(engine: Engine, name: str) -> str:
    """A random secret generated once per database, shared by every process (signs links)."""
    with engine.connect() as conn:
        value: str = conn.execute(sa.select(service_secrets.c.value).where(service_secrets.c.name == name)).scalar_one()
    return value


def ping(engine: Engine) -> None:
    """Raises when the database does not answer."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
