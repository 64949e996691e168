"""Schema upgrades: created and upgraded automatically at start, each step once, under a lock,
without touching existing rows."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateIndex

from registration_api.storage.search_text import search_text
from registration_api.storage.tables import (
    api_keys,
    audit_log,
    digests,
    invitations,
    letter_deliveries,
    metadata,
    newsletter_deliveries,
    newsletter_issues,
    newsletter_schedules,
    outbox,
    reminders,
    schema_version,
    service_secrets,
    sign_in_links,
    subscribers,
    trigrams,
)
from storefront import language

Migration = Callable[[Connection], None]

log = logging.getLogger("registration_api")
_ = language.gettext


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
        server_default = column.server_default
        default = f" DEFAULT '{server_default.arg}'" if isinstance(server_default, sa.DefaultClause) else ""
        not_null = " NOT NULL" if not column.nullable and default else ""
        conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {name} {ddl}{default}{not_null}"))


def _partner_access(conn: Connection) -> None:
    """Invitations, partner keys, reminders, digests, webhooks (issue: partners bring clients in)."""
    _add_missing_columns(conn, subscribers, ["paid_until", "gone_at", "gone_reason", "extended_at", "invitation_id"])
    _add_missing_columns(conn, outbox, ["channel", "target_url", "site_id"])
    metadata.create_all(conn, tables=[api_keys, invitations, reminders, digests, service_secrets])
    conn.execute(service_secrets.insert().values(name="links", value=secrets.token_urlsafe(32)))


def _mail_composed_by_sender(conn: Connection) -> None:
    """Registration e-mails are composed by the sender, off the sign-up's path."""
    _add_missing_columns(conn, outbox, ["compose"])


def _partner_cabinet(conn: Connection) -> None:
    """The partner's web cabinet: one-time sign-in links, the audit log, the key that signs sessions."""
    metadata.create_all(conn, tables=[sign_in_links, audit_log])
    conn.execute(service_secrets.insert().values(name="cabinet", value=secrets.token_urlsafe(32)))


def _cabinet_subscribers(conn: Connection) -> None:
    """The cabinet's subscribers: when a trial became paid, why a client left (a cause from a list
    beside the free text), the folded text its search reads, and the indexes of its list."""
    _add_missing_columns(conn, subscribers, ["converted_at", "gone_cause", "search_text"])
    c = subscribers.c
    unsearchable = sa.select(c.id, c.name, c.email, c.phone, c.company, c.inn).where(c.search_text.is_(None))
    while rows := conn.execute(unsearchable.limit(_BACKFILL_BATCH)).all():
        conn.execute(
            subscribers.update().where(c.id == sa.bindparam("row_id")).values(search_text=sa.bindparam("text")),
            [{"row_id": r.id, "text": search_text(r.name, r.email, r.phone, r.company, r.inn)} for r in rows],
        )
    for index in subscribers.indexes:
        index.create(conn, checkfirst=True)


def _cabinet_search(conn: Connection) -> None:
    """The cabinet's search and its order by name read an index, not every row: on SQLite one that
    holds what is searched, on PostgreSQL trigrams (pg_trgm; without it, searches read the rows)."""
    if conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError as exc:
            log.warning(
                _(
                    "the cabinet's search will read every row of a partner: pg_trgm could not be installed "
                    "({error}); to find faster, run as the database's owner: CREATE EXTENSION pg_trgm; {index}"
                ).format(
                    error=exc.orig, index="; ".join(str(CreateIndex(i).compile(dialect=conn.dialect)) for i in trigrams)
                )
            )
    for index in subscribers.indexes:
        index.create(conn, checkfirst=True)


def _cabinet_pages(conn: Connection) -> None:
    """The indexes of the cabinet's overview (conversions by their day), its page of subscriptions
    ending (paid periods, self-extensions) and its webhook deliveries (a partner's, newest first)."""
    _create_indexes(
        conn,
        ["subscribers_site_converted", "subscribers_site_paid_until", "subscribers_site_extended", "outbox_site"],
    )


def _create_indexes(conn: Connection, names: list[str]) -> None:
    """Create the named indexes of the tables as declared today, where missing. Only by name: a
    step must not create an index of a column a later step adds (an older database lacks it)."""
    for index in (*subscribers.indexes, *outbox.indexes):
        if index.name in names:
            index.create(conn, checkfirst=True)


def _news_consent(conn: Connection) -> None:
    """Consent to news and offers by e-mail, given apart from the personal-data consent: when, and
    the wording agreed to (none for everyone registered before)."""
    _add_missing_columns(conn, subscribers, ["news_consent_at", "news_consent_text"])


def _newsletter(conn: Connection) -> None:
    """The partner's newsletter and onboarding letters: double opt-in, unsubscribing, addresses
    refused for good, outbox rows given up, issues and who each went to."""
    _add_missing_columns(
        conn, subscribers, ["news_confirmed_at", "news_unsubscribed_at", "undeliverable_at", "undeliverable_reason"]
    )
    _add_missing_columns(conn, outbox, ["abandoned_at"])
    metadata.create_all(
        conn, tables=[newsletter_schedules, newsletter_issues, newsletter_deliveries, letter_deliveries]
    )
    # consent given before double opt-in existed needed no confirmation
    conn.execute(
        subscribers.update()
        .where(subscribers.c.news_consent_at.is_not(None))
        .values(news_confirmed_at=subscribers.c.news_consent_at)
    )


def _newsletter_counts(conn: Connection) -> None:
    """Each newsletter e-mail's issue in a column of its own, indexed, and an issue's counts kept once
    it is settled: the cabinet counts an issue's 100,000 e-mails once, not at every look; the due
    index skips e-mails given up; a partner's subscribers by address (one newsletter per address);
    the news each digest carried."""
    _add_missing_columns(conn, outbox, ["issue_id"])
    _add_missing_columns(conn, newsletter_issues, ["sent", "given_up", "settled_at", "news"])
    # the due index gains abandoned_at, so the sender's claim skips rows given up instead of walking them
    conn.execute(sa.text("DROP INDEX IF EXISTS outbox_due"))
    _create_indexes(conn, ["outbox_due", "outbox_issue", "subscribers_site_email"])
    conn.execute(
        outbox.update()
        .where(outbox.c.purpose == "newsletter", outbox.c.issue_id.is_(None), outbox.c.compose.is_not(None))
        .values(issue_id=outbox.c.compose["issue"].as_integer())
    )


#: Rows filled per statement when a migration fills a new column of existing rows.
_BACKFILL_BATCH = 5000

MIGRATIONS: list[Migration] = [
    _create_initial_tables,
    _partner_access,
    _mail_composed_by_sender,
    _partner_cabinet,
    _cabinet_subscribers,
    _cabinet_search,
    _cabinet_pages,
    _news_consent,
    _newsletter,
    _newsletter_counts,
]


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
