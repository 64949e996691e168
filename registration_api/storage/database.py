"""Storage: the tables, a durable engine for SQLite or PostgreSQL, and schema upgrades.

SQLite is the embedded default (WAL, ``synchronous=FULL``: a commit survives power loss);
PostgreSQL serves several API processes or hosts. The schema is created and upgraded
automatically at start, each step once, under a lock, without touching existing rows.
"""
from __future__ import annotations

import secrets as secrets_module
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

subscribers = sa.Table(
    "subscribers", metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("number", sa.String(20), unique=True),
    sa.Column("site_id", sa.String(60), nullable=False),
    sa.Column("page_id", sa.String(60), nullable=False),
    sa.Column("tariff", sa.String(60), nullable=False),
    sa.Column("application", sa.String(60)),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("email_key", sa.String(254), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("company", sa.String(300)),
    sa.Column("inn", sa.String(12)),
    sa.Column("status", sa.String(20), nullable=False, server_default="trial"),
    sa.Column("trial_ends", sa.Date, nullable=False),
    sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("token", sa.String(100)),
    sa.Column("paid_until", sa.Date),
    sa.Column("gone_at", sa.DateTime(timezone=True)),
    sa.Column("gone_reason", sa.Text),
    sa.Column("extended_at", sa.DateTime(timezone=True)),
    sa.Column("invitation_id", sa.Integer),
    sa.Index("subscribers_one_active_trial", "site_id", "email_key", unique=True,
             sqlite_where=sa.text("status = 'trial'"), postgresql_where=sa.text("status = 'trial'")),
    sa.Index("subscribers_token", "site_id", "token", unique=True,
             sqlite_where=sa.text("token IS NOT NULL"), postgresql_where=sa.text("token IS NOT NULL")),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id")),
    sa.Column("envelope_from", sa.String(254), nullable=False),
    sa.Column("recipients", sa.JSON, nullable=False),
    sa.Column("message", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("channel", sa.String(20), nullable=False, server_default="email"),
    sa.Column("target_url", sa.Text),
    sa.Column("site_id", sa.String(60)),
    sa.Column("compose", sa.JSON),  # what an e-mail queued without its bytes says (see mail.compose_queued)
    sa.Index("outbox_due", "sent_at", "next_attempt_at"),
)

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("site_id", sa.String(60), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(200)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

invitations = sa.Table(
    "invitations", metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("site_id", sa.String(60), nullable=False),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("email", sa.String(254)),
    sa.Column("tariff", sa.String(60), nullable=False),
    sa.Column("trial_days", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("activated_at", sa.DateTime(timezone=True)),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id")),
    sa.Index("invitations_site", "site_id", "created_at"),
)

reminders = sa.Table(
    "reminders", metadata,
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("period_end", sa.Date, primary_key=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

digests = sa.Table(
    "digests", metadata,
    sa.Column("site_id", sa.String(60), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

secrets = sa.Table(
    "secrets", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

Migration = Callable[[Connection], None]


def _create_initial_tables(conn: Connection) -> None:
    metadata.create_all(conn, tables=[subscribers, outbox])


def _add_missing_columns(conn: Connection, table: sa.Table, names: list[str]) -> None:
    """ALTER TABLE ADD COLUMN for each column an older database lacks (a new one has them all)."""
    present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
    for name in names:
        if name in present:
            continue
        column = table.c[name]
        ddl = column.type.compile(dialect=conn.dialect)
        default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
        not_null = " NOT NULL" if not column.nullable and default else ""
        conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {name} {ddl}{default}{not_null}"))


def _partner_access(conn: Connection) -> None:
    """Invitations, partner keys, reminders, digests, webhooks (issue: partners bring clients in)."""
    _add_missing_columns(conn, subscribers, ["paid_until", "gone_at", "gone_reason", "extended_at", "invitation_id"])
    _add_missing_columns(conn, outbox, ["channel", "target_url", "site_id"])
    metadata.create_all(conn, tables=[api_keys, invitations, reminders, digests, secrets])
    conn.execute(secrets.insert().values(name="links", value=secrets_module.token_urlsafe(32)))


def _mail_composed_by_sender(conn: Connection) -> None:
    """Registration e-mails are composed by the sender, off the sign-up's path."""
    _add_missing_columns(conn, outbox, ["compose"])


MIGRATIONS: list[Migration] = [_create_initial_tables, _partner_access, _mail_composed_by_sender]


def create_engine(url: str) -> Engine:
    """An engine whose commits are durable; SQLite gets WAL and write transactions that lock up front."""
    if url.startswith("sqlite:"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                                  pool_size=8, max_overflow=24, poolclass=sa.pool.QueuePool)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
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


def migrate(engine: Engine) -> int:
    """Bring the schema to the newest version; returns it. Safe to run from several processes at once."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(74210)"))
        metadata.create_all(conn, tables=[schema_version])
        current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
        for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
            step(conn)
            conn.execute(schema_version.insert().values(version=version))
        return max(current, len(MIGRATIONS))


def secret(engine: Engine, name: str) -> str:
    """A random secret generated once per database, shared by every process (signs links)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(secrets.c.value).where(secrets.c.name == name)).scalar_one()


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
