"""The partner's newsletter: an issue when the schedule says, to every subscriber who receives news,
exactly once each, and the onboarding letters (:mod:`onboarding_letters`); for
``registration-api newsletter send`` (cron, like ``remind``).

An issue is a row keyed by (partner, slot of the schedule), so two runs that overlap make one.
What it says is decided and rendered when it is made (:mod:`registration_api.delivery.news_mail`):
the partner's hand-written ``newsletter/<date>.md`` whose day has come, else a digest of the
news published since the last issue, else nothing (the slot is recorded as empty, so the
schedule goes on and nothing is sent).

Each recipient is a row of ``newsletter_deliveries`` keyed by (issue, subscriber), inserted in
the same transaction as the recipient's outbox row, in batches: a run killed midway leaves
whole batches behind it, the next run (or the other one running at the same time) queues the
rest, and no subscriber can be queued twice. The issue is marked queued when no recipient is
left. The outbox then sends each message once (see :mod:`registration_api.delivery.outbox`),
spaced by the partner's rate (``NEWSLETTER_PER_MINUTE``): the k-th message is due k intervals
after the last one the partner already has waiting, so one partner's provider limits hold and
another partner's mail is not held up behind it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registration_api.delivery.news_mail import NEWS_PURPOSES, Content, digest_content, written_content
from registration_api.domain import news_audience
from registration_api.domain.newsletter_schedule import Schedule
from registration_api.domain.onboarding_letters import OnboardingLetters
from registration_api.domain.partner_sites import PartnerSite, PartnerSites
from registration_api.storage.inserts import insert_ignoring_duplicates
from registration_api.storage.records import aware
from registration_api.storage.tables import (
    newsletter_deliveries,
    newsletter_issues,
    newsletter_schedules,
    outbox,
    subscribers,
)
from storefront import Site, language

if TYPE_CHECKING:
    from registration_api.settings import Settings

_ = language.gettext
log = logging.getLogger("registration_api")

#: Recipients queued per transaction: a killed run loses at most one batch's work, never sends twice.
BATCH = 1000


@dataclass(frozen=True)
class Planned:
    """The issue a partner's schedule gives: when it is due and what it says (None: nothing new)."""

    due_at: dt.datetime
    content: Content | None
    source: str | None
    news: tuple[str, ...] = ()  # a digest's news, by slug


class LastIssue(NamedTuple):
    """What a partner's issues so far leave for the next: the last one's slot, the hand-written
    issues already sent, and the news the last one carried."""

    due_at: dt.datetime | None
    sources: frozenset[str]
    news: frozenset[str]


@dataclass
class SendReport:
    """What a ``newsletter send`` run did: issues made (by site), recipients queued, slots passed
    with nothing to say, onboarding letters queued, and the partners whose part failed (and why)."""

    issues: dict[str, dt.datetime] = field(default_factory=dict)
    queued: int = 0
    empty: int = 0
    letters: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def schedule_of(site: Site) -> Schedule | None:
    newsletter = site.config.newsletter
    if newsletter is None:
        return None
    return Schedule(newsletter.weeks, newsletter.weekday_number, newsletter.hour, newsletter.zone)


class Newsletter:
    """Makes the issues that are due and queues them to their recipients."""

    def __init__(
        self,
        engine: Engine,
        registry: PartnerSites,
        *,
        mail_from: str,
        public_base: str,
        secret: str,
        per_minute: int,
        zone: ZoneInfo,
    ):
        self.engine = engine
        self.registry = registry
        self.mail_from = mail_from
        self.public_base = public_base.rstrip("/")
        self.secret = secret
        self.interval = dt.timedelta(minutes=1) / per_minute  # between two of a partner's advertising e-mails
        self.letters = OnboardingLetters(
            engine, mail_from=mail_from, public_base=public_base, secret=secret, zone=zone, interval=self.interval
        )

    @classmethod
    def configured(cls, engine: Engine, registry: PartnerSites, settings: Settings, secret: str) -> Newsletter:
        """The service's newsletter, as its settings say (``secret``: the link secret)."""
        return cls(
            engine,
            registry,
            mail_from=settings.mail_from,
            public_base=settings.public_base,
            secret=secret,
            per_minute=settings.newsletter_per_minute,
            zone=settings.timezone,
        )

    # --- what is due ---------------------------------------------------------------------------
    def started(self, site: Site, now: dt.datetime, *, record: bool) -> dt.datetime:
        """When the partner's schedule began: ``starts:``, else the first run that saw it (recorded
        when ``record``: a preview looks without starting anything)."""
        newsletter = site.config.newsletter
        assert newsletter is not None
        if newsletter.starts is not None:
            return dt.datetime.combine(newsletter.starts, dt.time(), tzinfo=newsletter.zone).astimezone(dt.UTC)
        with self.engine.begin() as conn:
            if record:
                conn.execute(
                    insert_ignoring_duplicates(conn, newsletter_schedules).values(site_id=site.id, started_at=now)
                )
            found = conn.execute(
                sa.select(newsletter_schedules.c.started_at).where(newsletter_schedules.c.site_id == site.id)
            ).scalar()
        return aware(found) if found is not None else now

    def last_issue(self, site_id: str) -> LastIssue:
        """What the partner's issues so far leave for the next one."""
        with self.engine.connect() as conn:
            last = conn.execute(
                sa.select(newsletter_issues.c.due_at, newsletter_issues.c.news)
                .where(newsletter_issues.c.site_id == site_id)
                .order_by(newsletter_issues.c.due_at.desc())
                .limit(1)
            ).first()
            sources = conn.execute(
                sa.select(newsletter_issues.c.source).where(
                    newsletter_issues.c.site_id == site_id, newsletter_issues.c.source.is_not(None)
                )
            ).scalars()
            return LastIssue(
                aware(last.due_at) if last else None,
                frozenset(str(source) for source in sources),
                frozenset(last.news or ()) if last else frozenset(),
            )

    def plan(self, site: Site, now: dt.datetime, *, record: bool = True, upcoming: bool = False) -> Planned | None:
        """The issue due now (None: none is); with ``upcoming``, the next one even if it is not due
        yet (what ``newsletter preview`` shows)."""
        schedule = schedule_of(site)
        if schedule is None:
            return None
        last, sent_sources, last_news = self.last_issue(site.id)
        started = self.started(site, now, record=record)
        due_at = schedule.due(last, started, now)
        if due_at is None:
            if not upcoming:
                return None
            due_at = schedule.next_due(last, started)
        day = due_at.astimezone(schedule.zone).date()
        for written in site.newsletter_issues:
            source = f"newsletter/{written.date.isoformat()}.md"
            if written.date <= day and source not in sent_sources:
                return Planned(due_at, written_content(site, written), source)
        if last is None:  # the first issue: the news of the interval before it
            first_day = day - dt.timedelta(weeks=schedule.weeks) + dt.timedelta(days=1)
        else:  # since the last issue's day: news dated that day but published after it went, too
            first_day = last.astimezone(schedule.zone).date()
        news = [item for item in site.news if first_day <= item.date <= day and item.slug not in last_news]
        if not news:
            return Planned(due_at, None, None)
        return Planned(due_at, digest_content(site, news), None, tuple(item.slug for item in news))

    # --- making and queueing issues ----------------------------------------------------------------
    def run(self, now: dt.datetime) -> SendReport:
        """Make every issue that is due, queue every issue not queued yet (a killed run's too), and
        the onboarding letters due. A partner whose part fails (its files, a database error) is
        logged and listed in the report; every other partner's goes on."""
        report = SendReport()
        self.settle(now)
        for site_id in self.registry.ids():
            partner = self.registry.get(site_id)
            if partner is not None:
                self._isolated(report, site_id, partial(self._partner_run, partner, now, report))
        for issue_id, site_id in self._unqueued():
            partner = self.registry.get(site_id)
            if partner is not None:
                self._isolated(report, site_id, partial(self._queue_into, partner, issue_id, now, report))
        return report

    def _partner_run(self, partner: PartnerSite, now: dt.datetime, report: SendReport) -> None:
        if partner.site.letters:
            with self.engine.connect() as conn:
                first_due = self.paced(conn, partner.id, now)
            report.letters += self.letters.run(partner, now, first_due)
        planned = self.plan(partner.site, now) if partner.site.config.newsletter else None
        if planned is not None and self._make(partner, planned, now):
            report.issues[partner.id] = planned.due_at
            report.empty += planned.content is None

    def _queue_into(self, partner: PartnerSite, issue_id: int, now: dt.datetime, report: SendReport) -> None:
        report.queued += self.queue(partner, issue_id, now)

    @staticmethod
    def _isolated(report: SendReport, site_id: str, work: Callable[[], None]) -> None:
        """Run one partner's ``work``; a failure is logged with the site and kept in the report."""
        try:
            work()
        except Exception as exc:
            log.exception(_("newsletter: site={site} failed; the other partners go on").format(site=site_id))
            report.failed.setdefault(site_id, f"{type(exc).__name__}: {exc}")

    def settle(self, now: dt.datetime) -> None:
        """Keep the counts of each issue whose every e-mail is sent or given up on the issue itself,
        so what the cabinet shows of it is read, not counted again (see ``newsletter_report``)."""
        with self.engine.begin() as conn:
            open_issues = conn.execute(
                sa.select(newsletter_issues.c.id, newsletter_issues.c.recipients).where(
                    newsletter_issues.c.queued_at.is_not(None), newsletter_issues.c.settled_at.is_(None)
                )
            ).all()
            for issue in open_issues:
                sent, given_up = issue_counts(conn, issue.id)
                if sent + given_up >= issue.recipients:
                    conn.execute(
                        newsletter_issues.update()
                        .where(newsletter_issues.c.id == issue.id)
                        .values(sent=sent, given_up=given_up, settled_at=now)
                    )

    def _make(self, partner: PartnerSite, planned: Planned, now: dt.datetime) -> bool:
        """Store the issue (False: another run made it first)."""
        content = planned.content
        values = {
            "site_id": partner.id,
            "due_at": planned.due_at,
            "kind": content.kind if content else "empty",
            "source": planned.source,
            "news": list(planned.news),
            "subject": content.subject if content else "",
            "text": content.text if content else "",
            "html": content.html if content else "",
            "created_at": now,
            "queued_at": None if content else now,
        }
        with self.engine.begin() as conn:
            made = conn.execute(
                insert_ignoring_duplicates(conn, newsletter_issues).values(**values).returning(newsletter_issues.c.id)
            ).scalar()
        if made is not None:
            log.info(
                _("newsletter issue made: site={site} due={due} kind={kind}").format(
                    site=partner.id, due=planned.due_at.isoformat(), kind=values["kind"]
                )
            )
        return made is not None

    def _unqueued(self) -> list[tuple[int, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(newsletter_issues.c.id, newsletter_issues.c.site_id)
                .where(newsletter_issues.c.queued_at.is_(None))
                .order_by(newsletter_issues.c.id)
            ).all()
        return [(row.id, row.site_id) for row in rows]

    def queue(self, partner: PartnerSite, issue_id: int, now: dt.datetime) -> int:
        """Queue the issue to every recipient it has not been queued to; returns how many."""
        queued = 0
        with self.engine.connect() as conn:
            first_due = self.paced(conn, partner.id, now)
        for batch in self._recipients(partner.id, issue_id):
            queued += self._queue_batch(partner, issue_id, batch, now, first_due + self.interval * queued)
        with self.engine.begin() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).where(newsletter_deliveries.c.issue_id == issue_id)
            ).scalar_one()
            conn.execute(
                newsletter_issues.update()
                .where(newsletter_issues.c.id == issue_id, newsletter_issues.c.queued_at.is_(None))
                .values(queued_at=now, recipients=count)
            )
        if queued:
            log.info(
                _("newsletter queued: site={site} issue={issue} recipients={n}").format(
                    site=partner.id, issue=issue_id, n=queued
                )
            )
        return queued

    def _recipients(self, site_id: str, issue_id: int) -> Iterator[Sequence[Any]]:
        """The issue's recipients not queued yet, a batch at a time, by id."""
        after = 0
        later = subscribers.alias("later")
        queued = sa.exists().where(
            newsletter_deliveries.c.issue_id == issue_id, newsletter_deliveries.c.subscriber_id == subscribers.c.id
        )
        # a person with several rows (a trial ended, then another) gets the issue once: by the newest
        newer = sa.exists().where(
            later.c.site_id == subscribers.c.site_id,
            later.c.email_key == subscribers.c.email_key,
            later.c.id > subscribers.c.id,
            news_audience.receives_news(later),
        )
        while True:
            with self.engine.connect() as conn:
                batch = conn.execute(
                    sa.select(subscribers.c.id, subscribers.c.number, subscribers.c.email)
                    .where(subscribers.c.site_id == site_id, news_audience.RECEIVES_NEWS, subscribers.c.id > after)
                    .where(~queued, ~newer)
                    .order_by(subscribers.c.id)
                    .limit(BATCH)
                ).all()
            if not batch:
                return
            yield batch
            after = batch[-1].id

    def _queue_batch(
        self, partner: PartnerSite, issue_id: int, batch: Sequence[Any], now: dt.datetime, due: dt.datetime
    ) -> int:
        """Claim the batch's deliveries and write their outbox rows, the first due at ``due``, the
        rest an interval apart, in one transaction; rows another run claimed first are left to it."""
        with self.engine.begin() as conn:
            claimed = set(
                conn.execute(
                    insert_ignoring_duplicates(conn, newsletter_deliveries)
                    .values([{"issue_id": issue_id, "subscriber_id": row.id} for row in batch])
                    .returning(newsletter_deliveries.c.subscriber_id)
                ).scalars()
            )
            mine = [row for row in batch if row.id in claimed]
            if not mine:
                return 0
            conn.execute(
                outbox.insert(),
                [
                    {
                        "purpose": "newsletter",
                        "channel": "email",
                        "site_id": partner.id,
                        "subscriber_id": row.id,
                        "envelope_from": self.mail_from,
                        "recipients": [row.email],
                        "message": b"",
                        "issue_id": issue_id,
                        "compose": {
                            "kind": "newsletter",
                            "issue": issue_id,
                            "unsubscribe": self.unsubscribe(partner, row.number),
                            # its Date: when its turn comes, not when the issue was made (a big list
                            # at the partner's rate takes hours; spam filters score an old Date)
                            "date": (due + self.interval * index).isoformat(),
                        },
                        "created_at": now,
                        "next_attempt_at": due + self.interval * index,
                        "target_url": None,
                    }
                    for index, row in enumerate(mine)
                ],
            )
        return len(mine)

    def paced(self, conn: Connection, site_id: str, now: dt.datetime) -> dt.datetime:
        """When the partner's next advertising message may go: an interval after the last one it has
        waiting its first try, or now (one being retried after a failure, up to an hour later, holds
        nothing back)."""
        latest = conn.execute(
            sa.select(sa.func.max(outbox.c.next_attempt_at)).where(
                outbox.c.sent_at.is_(None),
                outbox.c.abandoned_at.is_(None),
                outbox.c.attempts == 0,
                outbox.c.site_id == site_id,
                outbox.c.purpose.in_(NEWS_PURPOSES),
            )
        ).scalar()
        return max(now, aware(latest) + self.interval) if latest is not None else now

    def unsubscribe(self, partner: PartnerSite, number: str) -> str:
        return news_audience.link(self.public_base, self.secret, "unsubscribe", partner.id, number)


def issue_counts(conn: Connection, issue_id: int) -> tuple[int, int]:
    """How many of an issue's e-mails are sent and how many given up (through its own index)."""
    sent, given_up = conn.execute(
        sa.select(sa.func.count(outbox.c.sent_at), sa.func.count(outbox.c.abandoned_at)).where(
            outbox.c.issue_id == issue_id
        )
    ).one()
    return int(sent), int(given_up)
