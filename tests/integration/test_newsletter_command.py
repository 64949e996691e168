"""``registration-api newsletter preview`` and ``newsletter send`` as an operator runs them, in real
processes against a real SMTP server: a preview that changes nothing, a send killed midway and run
again, two sends at once, every recipient getting the issue exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from registration_api.storage import engines, migrations, tables
from tests.registration_api.domain.newsletter_support import SITE, add_many, partner_folder
from tests.support import Mailbox, free_port, wait_until

#: A newsletter whose latest slot has always passed (every Monday at midnight), with a hand-written
#: issue whose day has come: due on the first run, whatever day the test runs.
DUE_NOW = """
newsletter:
  every: 1 week
  weekday: monday
  hour: 0
  timezone: Europe/Moscow
  starts: 2026-01-01
"""
RECIPIENTS = 300


@dataclass
class HoldingMailbox(Mailbox):
    """A mail server that, once one recipient arrives, keeps every connection waiting at RCPT TO
    until told to go on: a sender killed then has nothing half-sent."""

    hold: str | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd hook
        if address == self.hold:
            self.holding.set()
        while self.holding.is_set() and not self.release.is_set():  # then every connection waits
            await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def mail_server():
    mailbox = HoldingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, f"smtp://127.0.0.1:{controller.port}"
    mailbox.release.set()
    controller.stop()


@pytest.fixture
def partner(tmp_path):
    folder = partner_folder(tmp_path, newsletter=DUE_NOW)
    issue = folder / SITE / "newsletter" / "2026-01-05.md"
    issue.parent.mkdir()
    issue.write_text("---\nsubject: Новые тарифы с 1 февраля\n---\nРассказываем о новых тарифах.\n", encoding="utf-8")
    return folder


def _env(tmp_path, database_url, smtp_url):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
        "SMTP_URL": smtp_url,
        "NEWSLETTER_PER_MINUTE": "1000000",
        "OUTBOX_CLAIM_SECONDS": "1",
        "PUBLIC_BASE_URL": "https://api.storefront.example/",
        "LANGUAGE": "en",
    }


def _command(folder, *args: str) -> list[str]:
    return [sys.executable, "-m", "registration_api", "newsletter", *args, "--sites", str(folder)]


def _subscribers(database_url: str) -> list[str]:
    engine = engines.create_engine(database_url)
    migrations.migrate(engine)
    add_many(engine, RECIPIENTS)
    with engine.connect() as conn:
        addresses = list(
            conn.execute(sa.select(tables.subscribers.c.email).order_by(tables.subscribers.c.id)).scalars()
        )
    engine.dispose()
    return addresses


def test_preview_writes_the_next_issue_and_says_when_it_goes_without_changing_anything(
    tmp_path, partner, database_url, mail_server
):
    _mailbox, url = mail_server
    _subscribers(database_url)
    out = tmp_path / "preview"
    result = subprocess.run(
        _command(partner, "preview", SITE, "--out", str(out)),
        env=_env(tmp_path, database_url, url),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "hand-written (newsletter/2026-01-05.md)" in result.stdout
    assert "Subject: Новые тарифы с 1 февраля" in result.stdout
    assert f"It goes to {RECIPIENTS} subscribers who receive news today." in result.stdout
    [html] = out.glob("*.html")
    assert "Рассказываем о новых тарифах." in html.read_text(encoding="utf-8")
    engine = engines.create_engine(database_url)
    with engine.connect() as conn:  # a preview starts no schedule and makes no issue
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.newsletter_issues)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.newsletter_schedules)).scalar() == 0
    engine.dispose()


def test_a_site_without_a_newsletter_is_told_what_to_add(tmp_path, mail_server):
    _mailbox, url = mail_server
    from tests.support import REPO

    result = subprocess.run(
        _command(REPO / "sites", "preview", "buhcentr"),
        env=_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", url),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "add a `newsletter:` section" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_send_killed_midway_is_finished_by_the_next_and_nobody_gets_the_issue_twice(
    tmp_path, partner, database_url, mail_server
):
    mailbox, url = mail_server
    addresses = _subscribers(database_url)
    mailbox.hold = addresses[RECIPIENTS // 2]  # the server keeps the sender waiting there
    killed = subprocess.Popen(
        _command(partner, "send", "--wait"),
        env=_env(tmp_path, database_url, url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert mailbox.holding.wait(60), "the sender never reached the held recipient"
        time.sleep(0.5)  # every connection of the sender reaches the wait
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
    finally:
        killed.kill()
    assert 0 < len(mailbox.messages) < RECIPIENTS  # some went before the kill
    mailbox.hold = None
    mailbox.release.set()

    again = subprocess.run(
        _command(partner, "send", "--wait"),
        env=_env(tmp_path, database_url, url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert again.returncode == 0, again.stderr
    received = Counter(recipient for _sender, recipients in mailbox.envelopes for recipient in recipients)
    assert set(received) == set(addresses) and set(received.values()) == {1}


def test_two_sends_at_once_deliver_each_recipient_exactly_once(tmp_path, partner, database_url, mail_server):
    mailbox, url = mail_server
    addresses = _subscribers(database_url)
    runs = [
        subprocess.Popen(
            _command(partner, "send", "--wait"),
            env=_env(tmp_path, database_url, url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    wait_until(lambda: len(mailbox.messages) >= RECIPIENTS, message="every message")
    received = Counter(recipient for _sender, recipients in mailbox.envelopes for recipient in recipients)
    assert set(received) == set(addresses) and set(received.values()) == {1}
    engine = engines.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.newsletter_issues)).scalar() == 1
    engine.dispose()
