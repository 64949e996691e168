"""What the cabinet's newsletter page shows of one partner, counted by the database: who the
newsletter reaches (the partner's subscribers by their state of consent), the issues made so
far with how their e-mails fared in the outbox, and how many of each onboarding letter went
or were skipped.

An issue's figures are its outbox rows (one per recipient, written with its delivery row, see
:mod:`registration_api.domain.newsletter`): sent, given up (refused for good by the recipient's
mail server, or dropped because the recipient unsubscribed first) and waiting (the rest: due
later at the partner's rate, or being retried). An issue still going out is counted through
the outbox's index by issue; once every e-mail of it is sent or given up, ``newsletter send``
keeps its counts on the issue (:meth:`Newsletter.settle`), so an old issue to 100,000 people
costs the page one row, not 100,000. A letter's outbox row gives up its key once the letter is composed, so the
letters are counted by their delivery rows instead: handed to the outbox, or skipped because a
later letter was due by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.domain.news_audience import NEWS_STATE, NEWS_STATES, NewsState
from registration_api.domain.newsletter import issue_counts
from registration_api.storage.records import aware
from registration_api.storage.tables import letter_deliveries, newsletter_deliveries, newsletter_issues, subscribers

#: The most issues the page lists, newest first.
SHOWN_ISSUES = 50

_s = subscribers.c
#: A subscriber's state as :func:`news_audience.news_state` decides it, tested in the same order;
#: constants written into the SQL, so the select and its GROUP BY are the same text.


@dataclass(frozen=True)
class IssueFigures:
    """An issue and what became of its e-mails."""

    id: int
    #: The slot of the schedule it was made for.
    due_at: dt.datetime
    #: ``digest`` (the news since the last issue), ``written`` (the partner's file) or ``empty``
    #: (nothing new: the slot passed without an e-mail).
    kind: str
    #: The hand-written issue's file, ``newsletter/<date>.md``.
    source: str | None
    subject: str
    #: E-mails queued: one per recipient, each sent, given up or waiting.
    recipients: int
    sent: int
    waiting: int
    given_up: int


@dataclass(frozen=True)
class LetterFigures:
    """How many subscribers an onboarding letter was handed to the outbox for, and how many skipped it."""

    sent: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class NewsletterReport:
    """A partner's newsletter in figures."""

    #: Subscribers in each of :data:`news_audience.NEWS_STATES` (every state, 0 included).
    audience: dict[NewsState, int]
    #: At most :data:`SHOWN_ISSUES`, newest first.
    issues: list[IssueFigures]
    #: By the letter's key (its file name without ``.md``); a letter nobody has had yet is absent.
    letters: dict[str, LetterFigures]

    @property
    def receiving(self) -> int:
        """Who an issue made now would go to."""
        return self.audience["subscribed"]

    def letter(self, key: str) -> LetterFigures:
        return self.letters.get(key, LetterFigures())


def report(engine: Engine, site_id: str, shown: int = SHOWN_ISSUES) -> NewsletterReport:
    """The figures of ``site_id``'s newsletter, its latest ``shown`` issues."""
    with engine.connect() as conn:
        return NewsletterReport(
            audience=audience(conn, site_id), issues=issues(conn, site_id, shown), letters=letters(conn, site_id)
        )


def audience(conn: Connection, site_id: str) -> dict[NewsState, int]:
    """How many of the partner's subscribers are in each newsletter state."""
    state = NEWS_STATE.label("state")
    rows = conn.execute(
        sa.select(state, sa.func.count().label("n")).where(_s.site_id == site_id).group_by(NEWS_STATE)
    ).all()
    found = {row.state: int(row.n) for row in rows}
    return {name: found.get(name, 0) for name in NEWS_STATES}


def issues(conn: Connection, site_id: str, shown: int) -> list[IssueFigures]:
    """The partner's latest ``shown`` issues, newest first, with their e-mails counted: read from
    the issue once it is settled (``Newsletter.settle``), else counted through its own index."""
    i = newsletter_issues.c
    made = conn.execute(
        sa.select(i.id, i.due_at, i.kind, i.source, i.subject, i.recipients, i.sent, i.given_up, i.settled_at)
        .where(i.site_id == site_id)
        .order_by(i.due_at.desc(), i.id.desc())
        .limit(shown)
    ).all()
    figures = []
    for row in made:
        if row.settled_at is not None:
            sent, given_up = int(row.sent or 0), int(row.given_up or 0)
        else:
            sent, given_up = issue_counts(conn, row.id)
        recipients = int(row.recipients) if row.recipients else _queued(conn, row.id)
        figures.append(
            IssueFigures(
                id=row.id,
                due_at=aware(row.due_at),
                kind=row.kind,
                source=row.source,
                subject=row.subject,
                recipients=recipients,
                sent=sent,
                waiting=max(recipients - sent - given_up, 0),
                given_up=given_up,
            )
        )
    return figures


def _queued(conn: Connection, issue_id: int) -> int:
    """The recipients of an issue still being queued (its count is stored once all are)."""
    return int(
        conn.execute(sa.select(sa.func.count()).where(newsletter_deliveries.c.issue_id == issue_id)).scalar_one()
    )


def letters(conn: Connection, site_id: str) -> dict[str, LetterFigures]:
    """Each onboarding letter's subscribers: handed to the outbox, or skipped for a later one."""
    d = letter_deliveries.c
    rows = conn.execute(
        sa.select(d.letter, d.skipped, sa.func.count().label("n"))
        .join(subscribers, _s.id == d.subscriber_id)
        .where(_s.site_id == site_id)
        .group_by(d.letter, d.skipped)
    ).all()
    sent: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for row in rows:
        (skipped if row.skipped else sent)[row.letter] = int(row.n)
    return {key: LetterFigures(sent.get(key, 0), skipped.get(key, 0)) for key in sent.keys() | skipped.keys()}
