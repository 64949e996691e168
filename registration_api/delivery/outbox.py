"""Delivering the outbox: every stored e-mail reaches SMTP (or the local Maildir) once.

A message is claimed before sending (so two senders never send it twice), marked sent
after the server accepted it, and on failure retried with exponential back-off. Messages
live in the database, so they survive restarts; a server that was down gets them once it
is back.

Every e-mail leaves with a ``Date`` and a ``Message-ID`` (added from the row, the same on each
try, should one have been queued without them) and, when the operator gave a key for its
sending domain (``DKIM_KEYS``), a DKIM signature. The signature is made at each attempt, just
before the bytes go to SMTP or the Maildir, and is not stored: the stored message (its
Message-ID, Date and body) is what every retry sends, and only the DKIM-Signature header in
front of it is new each time (its ``t=``). Signing at sending rather than when the message is
first stored means the key the operator configures now signs everything still waiting: a key
rotated (its old selector withdrawn from DNS) or DKIM switched on after an outage does not
leave queued mail with a signature nobody can verify, the database never holds anything
derived from the key, and every kind of e-mail, whichever code queued it, passes this one
place. It costs one RSA signature per attempt (a few milliseconds), made off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import mailbox
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.delivery import news_mail, webhook_post
from registration_api.delivery.dkim import DkimKeys, a_label, header_fields
from registration_api.delivery.messages import compose_queued
from registration_api.domain import webhook_events
from registration_api.domain.signups import Clock, utc_now
from registration_api.storage.engines import crash_safe_transaction
from registration_api.storage.records import OutboxMessage, Subscriber, aware
from registration_api.storage.tables import newsletter_issues, outbox, subscribers
from storefront import AllowList, Site, language

_ = language.gettext
log = logging.getLogger("registration_api")

CLAIM_SECONDS = 120
CONNECTIONS = 4  # SMTP connections at once for a newsletter: what most providers allow a client
SMTP_TRIES = 2  # a message is sent again once on a fresh connection when the server closed the old one
MAX_BACKOFF_SECONDS = 3600
#: Replies that refuse an address when the server gives no enhanced status code (RFC 5321).
MAILBOX_UNAVAILABLE = frozenset({550, 551, 553})
#: An enhanced status code at the start of a reply's text (RFC 3463): class.subject.detail.
ENHANCED_STATUS = re.compile(r"\s*(?P<class>[245])\.(?P<subject>\d{1,3})\.(?P<detail>\d{1,3})\b")


class Transport(Protocol):
    def session(self) -> contextlib.AbstractAsyncContextManager[Session]:
        """What a batch of messages is sent through (one SMTP connection, say)."""


class Session(Protocol):
    async def send(self, envelope_from: str, recipients: list[str], message: bytes) -> None: ...


class MaildirTransport:
    """Local use without a mail server: each message becomes a file in a Maildir."""

    def __init__(self, path: Path):
        self.path = path

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[MaildirTransport]:
        yield self

    async def send(self, envelope_from: str, recipients: list[str], message: bytes) -> None:
        await asyncio.to_thread(self._add, message)

    def _add(self, message: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.path, create=True).add(message)

    def __str__(self) -> str:
        return f"Maildir {self.path}"


class SmtpTransport:
    """A real SMTP server from ``SMTP_URL``: smtp:// (STARTTLS when offered), smtp+starttls://, smtps://."""

    def __init__(self, url: str, timeout: float = 30):
        parts = urlsplit(url)
        self.hostname = parts.hostname or "localhost"
        self.use_tls = parts.scheme == "smtps"
        self.start_tls = True if parts.scheme == "smtp+starttls" else None
        self.port = parts.port or (465 if self.use_tls else 587 if self.start_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[_SmtpSession]:
        session = _SmtpSession(self)
        try:
            yield session
        finally:
            await session.close()

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            timeout=self.timeout,
        )

    def __str__(self) -> str:
        return f"SMTP {self.hostname}:{self.port}"


class _SmtpSession:
    """One SMTP connection for a batch of messages (opened at the first, logged in once),
    opened again if the server closed it; after a failed message the next one starts on a
    fresh connection, whatever state the failure left."""

    def __init__(self, transport: SmtpTransport):
        self.transport = transport
        self.client: aiosmtplib.SMTP | None = None

    async def send(self, envelope_from: str, recipients: list[str], message: bytes) -> None:
        headers = message.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        international = not headers.isascii() or not all(a.isascii() for a in (envelope_from, *recipients))
        for attempt in range(1, SMTP_TRIES + 1):
            if self.client is None:
                self.client = self.transport.client()
                await self.client.connect()
            try:
                await self.client.sendmail(
                    envelope_from, recipients, message, mail_options=["SMTPUTF8"] if international else None
                )
                return
            except aiosmtplib.SMTPServerDisconnected:
                self.client = None  # e.g. the server's limit of messages per connection: once more
                if attempt == SMTP_TRIES:
                    raise
            except Exception:
                await self.close()
                raise

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                await client.quit()
            client.close()


def stamped(message: bytes, row: OutboxMessage) -> bytes:
    """``message`` with the ``Date`` (when it was queued) and ``Message-ID`` (from the row and
    the bytes, so the same on every try) it lacks; every e-mail the service sends has both."""
    fields = header_fields(message)
    first_end = message.find(b"\n")
    eol = b"\r\n" if first_end > 0 and message[first_end - 1 : first_end] == b"\r" else b"\n"
    added = b""
    if fields["Date"] is None:
        added += b"Date: " + format_datetime(row.created_at).encode("ascii") + eol
    if fields["Message-ID"] is None:
        domain = a_label(row.envelope_from.rpartition("@")[2]) or "localhost"
        added += f"Message-ID: <{row.id}.{hashlib.sha256(message).hexdigest()[:20]}@{domain}>".encode("ascii") + eol
    return added + message


def _by_id(rows: list[OutboxMessage], purpose: str) -> set[int]:
    return {row.id for row in rows if row.purpose == purpose}


def permanent_refusal(exc: Exception) -> str | None:
    """What the server said when it refused the recipient's *address* for good, else None (anything
    else may pass on a retry, or is not the address's fault).

    The address is bad when the enhanced status code (RFC 3463) says so: ``5.1.x`` (no such
    mailbox, bad domain…) or ``5.2.1`` (mailbox disabled), at RCPT TO or after DATA. Without an
    enhanced code, only 550, 551 and 553 at RCPT TO count. A refusal of policy or of the sender
    (``5.7.x``: relay denied, blocked as spam, a wrong login) says nothing of the address: marking
    every recipient of a run undeliverable for it would lose the partner's whole list."""
    refusals = exc.recipients if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) else []
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        refusals = [exc]
    if refusals and all(_address_refused(r.code, r.message, at_rcpt=True) for r in refusals):
        return f"{refusals[0].code} {refusals[0].message}"
    if isinstance(exc, aiosmtplib.SMTPDataError) and _address_refused(exc.code, exc.message, at_rcpt=False):
        return f"{exc.code} {exc.message}"
    return None


def _address_refused(code: int, message: str, *, at_rcpt: bool) -> bool:
    enhanced = ENHANCED_STATUS.match(message)
    if enhanced is not None:
        subject = (enhanced["subject"], enhanced["detail"])
        return enhanced["class"] == "5" and (subject[0] == "1" or subject == ("2", "1"))
    return at_rcpt and code in MAILBOX_UNAVAILABLE


def transport_for(smtp_url: str | None, maildir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else MaildirTransport(maildir)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


@dataclass
class DeliveryReport:
    """What a delivery round did: messages sent and failed by channel (``email``, ``webhook``),
    advertising given up, when the first failed one is tried again, and why the first failure
    failed."""

    sent_by: Counter[str] = field(default_factory=Counter)
    failed_by: Counter[str] = field(default_factory=Counter)
    refused: int = 0  # advertising whose address the server refused for good: given up, address marked
    dropped: int = 0  # advertising no longer wanted (unsubscribed, paid or left): given up unsent
    next_retry: dt.datetime | None = None
    first_error: str | None = None

    @property
    def sent(self) -> int:
        return self.sent_by.total()

    @property
    def failed(self) -> int:
        return self.failed_by.total()


@dataclass(frozen=True)
class Waiting:
    """Messages not sent yet, none of them due now: how many, and when the first is tried again."""

    count: int = 0
    next_try: dt.datetime | None = None


Failure = tuple[int, int, str]
"""A message that could not be delivered now: its id, the attempt it was, and why."""


class _Hold:
    """A sender's hold on the batch it claimed, renewed while it sends: a batch that takes longer
    than the claim (a slow server, a provider's limit) stays this sender's, so no other sender
    takes a message of it and sends it twice; rows another sender took (this one stalled past the
    claim) are left to it. Renewed when a third of the claim has passed, by its monotonic clock."""

    def __init__(self, rows: list[OutboxMessage], claim: dt.timedelta):
        self.ids = {row.id for row in rows}
        self.until = {row.claimed_until for row in rows if row.claimed_until is not None}
        self.claim = claim
        self.renew_at = time.monotonic() + claim.total_seconds() / 3

    def due_for_renewal(self) -> bool:
        return time.monotonic() >= self.renew_at

    def renew(self, engine: Engine, now: dt.datetime) -> None:
        until = now + self.claim
        with engine.begin() as conn:
            kept = conn.execute(
                outbox.update()
                .where(outbox.c.id.in_(self.ids), outbox.c.claimed_until.in_(self.until), outbox.c.sent_at.is_(None))
                .values(claimed_until=until)
                .returning(outbox.c.id)
            ).scalars()
            self.ids = set(kept)
        self.until = {until}
        self.renew_at = time.monotonic() + self.claim.total_seconds() / 3


@dataclass
class _Round:
    """What the lanes sending one batch share: the bytes to send, the hold on the batch, and
    what happened (sent in ``report``; failures to retry; addresses refused for good)."""

    finished: dict[int, bytes]
    hold: _Hold
    report: DeliveryReport
    failed: list[Failure]
    refused: dict[int, str] = field(default_factory=dict)
    renewing: asyncio.Lock = field(default_factory=asyncio.Lock)


class DeliveryError(Exception):
    """A message cannot be delivered now: its site is not served, or no longer has a webhook."""


class OutboxSender:
    """Delivers e-mail through ``transport`` and webhook events over HTTP.

    ``site(site_id)`` gives a served site (None: not served), whose templates compose the
    e-mails queued without their bytes and whose webhook secret signs its events;
    ``webhook_allow`` names the internal hosts events may go to besides public ones;
    ``dkim`` holds the operator's DKIM keys, which sign each e-mail as it is sent;
    ``claim_seconds`` is how long messages taken by a sender that stopped (killed, say) wait
    before another sender takes them; ``connections``, how many SMTP connections a newsletter
    goes over at once.
    """

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        *,
        clock: Clock = utc_now,
        site: Callable[[str], Site | None] = lambda site_id: None,
        webhook_allow: AllowList | None = None,
        dkim: DkimKeys | None = None,
        claim_seconds: int = CLAIM_SECONDS,
        connections: int = CONNECTIONS,
    ):
        self.engine = engine
        self.transport = transport
        self.clock = clock
        self.site = site
        self.webhook_allow = webhook_allow or AllowList()
        self.dkim = dkim or DkimKeys()
        self.claim = dt.timedelta(seconds=claim_seconds)  # how long a batch taken stays this sender's
        self.connections = connections  # SMTP connections at once for advertising

    def _compose(self, rows: list[OutboxMessage]) -> tuple[dict[int, bytes], list[Failure]]:
        """Compose the e-mails among ``rows`` queued without their bytes and store them, so a
        retry sends the same message (a newsletter's are not stored: each is made again, the
        same, from its issue; see :mod:`~registration_api.delivery.news_mail`); returns them by
        id, and the rows that failed."""
        composed: dict[int, bytes] = {}
        failed: list[Failure] = []
        issues = self._issues(rows)
        for row in rows:
            if row.channel != "email" or row.message or not row.compose:
                continue
            try:
                site = self.site(row.site_id) if row.site_id else None
                if site is None:
                    raise DeliveryError(
                        _("site {site} is not served here, so its e-mail cannot be composed").format(site=row.site_id)
                    )
                if row.purpose in news_mail.NEWS_PURPOSES:
                    composed[row.id] = news_mail.compose_row(site, row, issues)
                else:
                    composed[row.id] = compose_queued(site, row.purpose, row.recipients, row.envelope_from, row.compose)
            except Exception as exc:
                failed.append((row.id, row.attempts + 1, f"{type(exc).__name__}: {exc}"))
        kept = {key: message for key, message in composed.items() if key not in _by_id(rows, "newsletter")}
        if kept:
            with self.engine.begin() as conn:
                for message_id, message in kept.items():
                    conn.execute(outbox.update().where(outbox.c.id == message_id).values(message=message, compose=None))
        return composed, failed

    def _issues(self, rows: list[OutboxMessage]) -> dict[int, news_mail.StoredIssue]:
        """The newsletter issues the batch's newsletter rows are made from."""
        wanted = {row.compose["issue"] for row in rows if row.purpose == "newsletter" and row.compose}
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(newsletter_issues).where(newsletter_issues.c.id.in_(wanted))).all()
        return {row.id: news_mail.StoredIssue.from_row(row) for row in found}

    def _stopped(self, rows: list[OutboxMessage]) -> dict[int, str]:
        """The advertising e-mails among ``rows`` whose subscriber no longer receives them (they
        unsubscribed, their address was refused for good, or, for an onboarding letter, they paid or
        left, or the partner removed the letter), with why: they are dropped, not sent, however long
        they have waited."""
        news = [row for row in rows if row.purpose in news_mail.NEWS_PURPOSES and row.subscriber_id is not None]
        if not news:
            return {}
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(subscribers).where(subscribers.c.id.in_({row.subscriber_id for row in news}))
            ).all()
        by_id = {subscriber.id: Subscriber.from_row(subscriber) for subscriber in found}
        today = self.clock().date()  # UTC: a day's grace at most for a trial that ended
        stopped: dict[int, str] = {}
        for row in news:
            subscriber = by_id.get(row.subscriber_id or 0)
            reason = news_mail.stop_reason(subscriber, row.purpose, today) if subscriber else "no such subscriber"
            if reason is None and row.purpose == "letter" and row.compose and row.site_id:
                site = self.site(row.site_id)
                if site is not None and all(letter.key != row.compose.get("letter") for letter in site.letters):
                    reason = "letter:removed"  # the partner deleted or renamed the file: it cannot go
            if reason:
                stopped[row.id] = reason
        return stopped

    def _finish(self, rows: list[OutboxMessage], composed: dict[int, bytes]) -> tuple[dict[int, bytes], list[Failure]]:
        """The bytes each e-mail among ``rows`` goes out as (see the module's docstring): its
        ``Date`` and ``Message-ID`` made sure of, signed with its domain's DKIM key if any."""
        finished: dict[int, bytes] = {}
        failed: list[Failure] = []
        for row in rows:
            message = composed.get(row.id, row.message)
            if row.channel != "email" or not message:
                continue
            try:
                finished[row.id] = self.dkim.sign(stamped(message, row))
            except Exception as exc:
                failed.append((row.id, row.attempts + 1, f"{type(exc).__name__}: {exc}"))
        return finished, failed

    async def _deliver(self, row: OutboxMessage, message: bytes, mail: Session) -> str:
        """Send one outbox row; returns where it went, raises on failure."""
        if row.channel == "webhook":
            site = self.site(row.site_id) if row.site_id else None
            secret = site.config.webhook.secret if site and site.config.webhook else None
            if secret is None or row.target_url is None:
                raise DeliveryError(_("site {site} no longer has a webhook").format(site=row.site_id))
            timestamp = int(time.time())  # the receiver checks freshness against its own wall clock
            try:
                await webhook_post.post(
                    row.target_url,
                    row.message,
                    webhook_events.headers(secret, f"msg_{row.id}", timestamp, row.message),
                    self.webhook_allow,
                )
            except webhook_post.Refused as exc:
                log.warning(
                    _("webhook id={id} site={site} to {url} refused: {reason}").format(
                        id=row.id, site=row.site_id, url=row.target_url, reason=exc
                    )
                )
                raise
            return f"webhook {row.target_url}"
        await mail.send(row.envelope_from, row.recipients, message)
        return str(self.transport)

    def _claim_due(self, limit: int) -> list[OutboxMessage]:
        """Claim up to ``limit`` due messages with one statement, those due longest first; rows
        another sender holds are skipped (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one
        writer at a time anyway)."""
        now = self.clock()
        unclaimed = sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)
        due = (
            sa.select(outbox.c.id)
            .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now, outbox.c.abandoned_at.is_(None))
            .where(unclaimed)
            .order_by(outbox.c.next_attempt_at, outbox.c.id)  # the due index's order: the longest waiting first
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.engine.begin() as conn:
            rows = conn.execute(
                outbox.update()
                .where(outbox.c.id.in_(due.scalar_subquery()), unclaimed)
                .values(claimed_until=now + self.claim)
                .returning(*outbox.c)
            ).all()
        return sorted((OutboxMessage.from_row(row) for row in rows), key=lambda message: message.id)

    def _sent(self, message_id: int) -> None:
        """Mark one message sent, as soon as the server took it: a sender killed a moment later
        leaves nothing it sent to be sent again. The mark survives the process being killed
        without waiting for the disk (:func:`~registration_api.storage.engines.crash_safe_transaction`):
        only a power cut could make the last few go twice, and a newsletter does not wait for the
        disk after every message."""
        with crash_safe_transaction(self.engine) as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.id == message_id)
                .values(sent_at=self.clock(), claimed_until=None, attempts=outbox.c.attempts + 1, last_error=None)
            )

    def _abandon(self, rows: list[OutboxMessage], why: dict[int, str], *, refused: bool) -> None:
        """Give up the messages in ``why`` for good; when the server ``refused`` them, their
        subscribers' addresses are marked undeliverable, so no advertising goes to them again."""
        now = self.clock()
        with self.engine.begin() as conn:
            for row in rows:
                reason = why.get(row.id)
                if reason is None:
                    continue
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id == row.id)
                    .values(
                        abandoned_at=now, claimed_until=None, attempts=row.attempts + refused, last_error=reason[:500]
                    )
                )
                if refused and row.subscriber_id is not None:  # every row of the address with the partner
                    person = sa.select(subscribers.c.site_id, subscribers.c.email_key).where(
                        subscribers.c.id == row.subscriber_id
                    )
                    found = conn.execute(person).first()
                    if found is not None:
                        conn.execute(
                            subscribers.update()
                            .where(
                                subscribers.c.site_id == found.site_id,
                                subscribers.c.email_key == found.email_key,
                                subscribers.c.undeliverable_at.is_(None),
                            )
                            .values(undeliverable_at=now, undeliverable_reason=reason[:500])
                        )

    def _reschedule(self, failed: list[Failure]) -> dt.datetime | None:
        """Put the failed messages off with back-off, in one transaction (sent ones are marked one
        by one as they go, :meth:`_sent`); returns when the first is due again."""
        now = self.clock()
        with self.engine.begin() as conn:
            for message_id, attempts, error in failed:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id == message_id)
                    .values(
                        attempts=attempts,
                        next_attempt_at=now + backoff(attempts),
                        claimed_until=None,
                        last_error=error[:500],
                    )
                )
        return min((now + backoff(failure[1]) for failure in failed), default=None)

    def waiting(self) -> Waiting:
        """The messages not sent yet (all of them waiting for a later try after a round)."""
        with self.engine.connect() as conn:
            count, first = conn.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.next_attempt_at)).where(
                    outbox.c.sent_at.is_(None), outbox.c.abandoned_at.is_(None)
                )
            ).one()
        return Waiting(count, aware(first)) if count else Waiting()

    async def deliver_due(self, limit: int = 100, stop: asyncio.Event | None = None) -> DeliveryReport:
        """Send every message that is due now (or until ``stop`` is set: then after the batch in
        hand); failures are rescheduled, never dropped, but for advertising that its subscriber
        no longer receives or whose address the server refused for good (see :meth:`_abandon`)."""
        report = DeliveryReport()
        while stop is None or not stop.is_set():
            rows = await asyncio.to_thread(self._claim_due, limit)
            if not rows:
                return report
            stopped = await asyncio.to_thread(self._stopped, rows)
            if stopped:
                await asyncio.to_thread(self._abandon, rows, stopped, refused=False)
                report.dropped += len(stopped)
            await self._deliver_batch([row for row in rows if row.id not in stopped], report)
            if len(rows) < limit:
                return report
        return report

    async def _deliver_batch(self, rows: list[OutboxMessage], report: DeliveryReport) -> None:
        """Compose, sign and send a claimed batch; each message is marked sent as soon as it is.
        Transactional messages go in order over one connection; advertising (a newsletter's
        thousands) over ``connections`` at once, so the server's round trips overlap."""
        composed, failed = await asyncio.to_thread(self._compose, rows)
        finished, unsigned = await asyncio.to_thread(self._finish, rows, composed)
        failed += unsigned
        for message_id, attempt, error in failed:
            log.warning(
                _("email id={id} attempt={attempt} could not be composed ({error}); retry in {wait}").format(
                    id=message_id, attempt=attempt, error=error, wait=backoff(attempt)
                )
            )
        unready = {failure[0] for failure in failed}
        ready = [row for row in rows if row.id not in unready]
        advertising = [row for row in ready if row.purpose in news_mail.NEWS_PURPOSES]
        lanes = [[row for row in ready if row.purpose not in news_mail.NEWS_PURPOSES]]
        lanes += [advertising[lane :: self.connections] for lane in range(self.connections)]
        state = _Round(finished, _Hold(rows, self.claim), report, failed)
        await asyncio.gather(*(self._send_lane(lane, state) for lane in lanes if lane))
        if state.refused:
            await asyncio.to_thread(self._abandon, rows, state.refused, refused=True)
            report.refused += len(state.refused)
        next_retry = await asyncio.to_thread(self._reschedule, failed)
        channel_of = {row.id: row.channel for row in rows}
        report.failed_by.update(channel_of[failure[0]] for failure in failed)
        if next_retry is not None and (report.next_retry is None or next_retry < report.next_retry):
            report.next_retry = next_retry
        if failed and report.first_error is None:
            report.first_error = failed[0][2]

    async def _send_lane(self, rows: list[OutboxMessage], state: _Round) -> None:
        """Send ``rows`` one after another over one connection of their own."""
        async with self.transport.session() as mail:
            for row in rows:
                async with state.renewing:
                    if state.hold.due_for_renewal():
                        await asyncio.to_thread(state.hold.renew, self.engine, self.clock())
                if row.id not in state.hold.ids:
                    continue  # held too long: another sender has taken it
                attempt = row.attempts + 1
                try:
                    via = await self._deliver(row, state.finished.get(row.id, row.message), mail)
                except Exception as exc:
                    refusal = permanent_refusal(exc) if row.purpose in news_mail.NEWS_PURPOSES else None
                    if refusal is not None:
                        state.refused[row.id] = refusal
                    else:
                        state.failed.append((row.id, attempt, f"{type(exc).__name__}: {exc}"))
                    log.warning(
                        _(
                            "{channel} id={id} purpose={purpose} attempt={attempt} not delivered "
                            "({error}); retry in {wait}"
                        ).format(
                            channel=row.channel,
                            id=row.id,
                            purpose=row.purpose,
                            attempt=attempt,
                            error=refusal or type(exc).__name__,
                            wait=_("never: the address is refused for good") if refusal else backoff(attempt),
                        )
                    )
                    continue
                await asyncio.to_thread(self._sent, row.id)  # off the loop: the service answers meanwhile
                state.report.sent_by[row.channel] += 1
                log.info(
                    _("{channel} id={id} purpose={purpose} attempt={attempt} sent via {via}").format(
                        channel=row.channel, id=row.id, purpose=row.purpose, attempt=attempt, via=via
                    )
                )

    async def run(self, wake: asyncio.Event, interval: float = 5.0) -> None:
        """Deliver forever: right after each registration (``wake``) and every ``interval`` seconds."""
        while True:
            try:
                await self.deliver_due()
            except sa.exc.SQLAlchemyError as exc:
                log.error(_("outbox: database unavailable ({error}); trying again").format(error=type(exc).__name__))
            except Exception:
                log.exception(_("outbox: delivery round failed; trying again"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval)
            wake.clear()
