"""The service's tables: subscribers, their outbox, partner keys, invitations, reminders, the cabinet's
sign-in links and audit log.

One SQLAlchemy ``MetaData`` for SQLite and PostgreSQL alike; :mod:`registration_api.storage.migrations`
creates and upgrades them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import BaseDDLElement, SchemaItem

metadata = sa.MetaData()

subscribers = sa.Table(
    "subscribers",
    metadata,
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
    sa.Column("converted_at", sa.DateTime(timezone=True)),
    sa.Column("gone_cause", sa.String(40)),  # one of subscriptions.DEPARTURE_CAUSES; gone_reason is free text
    sa.Column("search_text", sa.Text),  # storage.search_text.search_text
    sa.Column("news_consent_at", sa.DateTime(timezone=True)),  # when they agreed to news and offers (38-FZ art. 18)
    sa.Column("news_consent_text", sa.Text),  # the wording they agreed to, as the form showed it
    sa.Column("news_confirmed_at", sa.DateTime(timezone=True)),  # double opt-in: when the link in the e-mail was used
    sa.Column("news_unsubscribed_at", sa.DateTime(timezone=True)),  # when they unsubscribed (the consent is withdrawn)
    sa.Column("undeliverable_at", sa.DateTime(timezone=True)),  # when their mail server refused the address for good
    sa.Column("undeliverable_reason", sa.Text),  # what the server said
    sa.Index(
        "subscribers_one_active_trial",
        "site_id",
        "email_key",
        unique=True,
        sqlite_where=sa.text("status = 'trial'"),
        postgresql_where=sa.text("status = 'trial'"),
    ),
    sa.Index(
        "subscribers_token",
        "site_id",
        "token",
        unique=True,
        sqlite_where=sa.text("token IS NOT NULL"),
        postgresql_where=sa.text("token IS NOT NULL"),
    ),
    # the cabinet's list (newest first, by period and status) and its overview's figures
    sa.Index("subscribers_site_created", "site_id", "created_at", "page_id", "invitation_id"),
    sa.Index("subscribers_site_status", "site_id", "status", "created_at"),
    sa.Index("subscribers_site_ends", "site_id", "trial_ends", "status", "paid_until", "gone_at"),
    sa.Index("subscribers_site_gone", "site_id", "gone_at"),
    # one person's rows with a partner (a trial ended, then another): the newsletter goes once per address
    sa.Index("subscribers_site_email", "site_id", "email_key", "id"),
    # the overview's conversions, the ending page's paid periods and self-extensions
    sa.Index("subscribers_site_converted", "site_id", "converted_at"),
    sa.Index("subscribers_site_paid_until", "site_id", "status", "paid_until"),
    sa.Index("subscribers_site_extended", "site_id", "extended_at"),
    # The cabinet's search on SQLite: what is typed is matched in one index, never the table, walked
    # in the list's order (by name: search_text begins with the folded name; newest or oldest
    # first). Not on PostgreSQL, whose index entries must stay under 2,704 bytes (search_text may
    # be longer): there the trigram indexes below find what is typed.
    sa.Index("subscribers_site_search", "site_id", "search_text", "number").ddl_if(dialect="sqlite"),
    sa.Index("subscribers_site_created_search", "site_id", "created_at", "id", "search_text", "number").ddl_if(
        dialect="sqlite"
    ),
)

#: The order by name: the folded name that begins search_text (on PostgreSQL its first 100
#: characters, which an index entry holds).
NAME_KEY_LENGTH = 100


def _has_trigrams(
    ddl: BaseDDLElement,
    target: SchemaItem | str,
    bind: Connection | None,
    tables: list[sa.Table] | None = None,
    state: object = None,
    **kw: Any,
) -> bool:
    """Whether PostgreSQL's pg_trgm is installed (migrations install it where the service may)."""
    query = sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return bind is not None and bind.execute(query).first() is not None


# The cabinet's search on PostgreSQL: a part of a word or of a number found through trigrams.
trigrams = [
    sa.Index(
        f"subscribers_{column}_trigrams",
        subscribers.c[column],
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql", callable_=_has_trigrams)
    for column in ("search_text", "number")
]
# The list's orders on PostgreSQL, newest (or oldest) first and by name, read from an index at any page.
sa.Index("subscribers_site_created_id", subscribers.c.site_id, subscribers.c.created_at, subscribers.c.id).ddl_if(
    dialect="postgresql"
)
sa.Index(
    "subscribers_site_name",
    subscribers.c.site_id,
    sa.func.left(subscribers.c.search_text, sa.literal_column(str(NAME_KEY_LENGTH))),
    subscribers.c.id,
).ddl_if(dialect="postgresql")

outbox = sa.Table(
    "outbox",
    metadata,
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
    sa.Column("abandoned_at", sa.DateTime(timezone=True)),  # given up for good (refused with 5xx, or unsubscribed)
    sa.Column("issue_id", sa.Integer),  # a newsletter e-mail's issue (newsletter_issues.id): counted by issue
    sa.Index("outbox_due", "sent_at", "abandoned_at", "next_attempt_at"),
    sa.Index("outbox_site", "site_id", "channel", "id"),  # the cabinet's webhook deliveries, newest first
    sa.Index("outbox_issue", "issue_id", "sent_at", "abandoned_at"),  # an issue's e-mails, counted until settled
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("site_id", sa.String(60), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(200)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

invitations = sa.Table(
    "invitations",
    metadata,
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
    "reminders",
    metadata,
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("period_end", sa.Date, primary_key=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

digests = sa.Table(
    "digests",
    metadata,
    sa.Column("site_id", sa.String(60), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

service_secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

sign_in_links = sa.Table(
    "sign_in_links",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256: the link itself is never stored
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("site_id", sa.String(60), nullable=False),
    sa.Column("operator", sa.String(254), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(200)),
    sa.Column("details", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("audit_log_site", "site_id", "at"),
)

newsletter_schedules = sa.Table(
    "newsletter_schedules",
    metadata,
    sa.Column("site_id", sa.String(60), primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),  # the first issue is due after it
)

newsletter_issues = sa.Table(
    "newsletter_issues",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=1), primary_key=True),
    sa.Column("site_id", sa.String(60), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),  # the slot of the schedule it is for
    sa.Column("kind", sa.String(20), nullable=False),  # digest, written, or empty (nothing new: skipped)
    sa.Column("source", sa.String(200)),  # the hand-written issue's file, newsletter/<date>.md
    sa.Column("news", sa.JSON),  # a digest's news (their slugs): the next digest leaves them out
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),  # the body as composed once for every recipient
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("queued_at", sa.DateTime(timezone=True)),  # every recipient's e-mail is in the outbox
    sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
    # once every e-mail of the issue is sent or given up, their counts are kept here and not counted again
    sa.Column("sent", sa.Integer),
    sa.Column("given_up", sa.Integer),
    sa.Column("settled_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("site_id", "due_at", name="newsletter_issues_one_per_slot"),
)

newsletter_deliveries = sa.Table(
    "newsletter_deliveries",
    metadata,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("newsletter_issues.id"), primary_key=True),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), primary_key=True),
)

letter_deliveries = sa.Table(
    "letter_deliveries",
    metadata,
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), primary_key=True),
    sa.Column("letter", sa.String(100), primary_key=True),  # the file's name in letters/, without .md
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("skipped", sa.Boolean, nullable=False, server_default=sa.false()),  # a later letter was due
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)
