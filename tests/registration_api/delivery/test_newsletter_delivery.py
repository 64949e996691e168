"""The newsletter through the outbox to a real SMTP server (aiosmtpd): each recipient's own
one-click unsubscribe, nothing after unsubscribing, an address refused with 5xx marked and left
out of every later issue, a 4xx only retried, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from registration_api.delivery.outbox import OutboxSender, SmtpTransport
from registration_api.domain import news_audience
from registration_api.storage import tables
from registration_api.storage.records import Subscriber
from tests.registration_api.domain.newsletter_support import (
    FIRST_SLOT,
    SECRET,
    SITE,
    add_subscriber,
    newsletter,
    partner_folder,
    queued,
    registry_of,
)
from tests.support import Mailbox, free_port

SECOND_SLOT = FIRST_SLOT + dt.timedelta(weeks=2)
SENT_AT = SECOND_SLOT + dt.timedelta(minutes=10)


@dataclass
class RefusingMailbox(Mailbox):
    """A mail server that refuses some recipients at RCPT TO, for good (5xx) or for now (4xx)."""

    refusals: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd hook
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def mail_server():
    mailbox = RefusingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


@pytest.fixture
def registry(tmp_path):
    return registry_of(partner_folder(tmp_path))


def deliver(engine, registry, url: str, at: dt.datetime = SENT_AT):
    sender = OutboxSender(engine, SmtpTransport(url), clock=lambda: at, site=registry.site)
    return asyncio.run(sender.deliver_due())


def make_issue(engine, registry) -> None:
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    news.run(SECOND_SLOT + dt.timedelta(minutes=1))


def subscriber(engine, subscriber_id: int) -> Subscriber:
    with engine.connect() as conn:
        row = conn.execute(sa.select(tables.subscribers).where(tables.subscribers.c.id == subscriber_id)).one()
    return Subscriber.from_row(row)


def test_each_recipient_gets_the_issue_with_their_own_one_click_unsubscribe(engine, registry, mail_server):
    mailbox, url = mail_server
    addresses = [add_subscriber(engine)[1] for _ in range(2)]
    make_issue(engine, registry)

    report = deliver(engine, registry, url)

    assert report.sent == 2 and len(mailbox.messages) == 2
    links = set()
    for address in addresses:
        [message] = mailbox.to(address)
        link = message["List-Unsubscribe"].strip().strip("<>")
        number = news_audience.read_link_token(SECRET, "unsubscribe", SITE, link.rsplit("/", 1)[1])
        assert address == f"client{number}@client.example"  # the link is this recipient's own
        assert link.startswith(f"https://api.storefront.example/news/{SITE}/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Новости БухЦентра" in str(message["From"])  # newsletter.sender
        assert "Комплексная автоматизация" in str(message["Subject"])
        assert message["Message-ID"] and message["Date"]
        for part in ("plain", "html"):
            assert link in message.get_body((part,)).get_content()
        links.add(link)
    assert len(links) == 2
    # sent is sent: a second round sends nothing
    assert deliver(engine, registry, url).sent == 0 and len(mailbox.messages) == 2


def test_an_issue_is_not_sent_to_someone_who_unsubscribed_after_it_was_queued(engine, registry, mail_server):
    mailbox, url = mail_server
    leaving_id, leaving = add_subscriber(engine)
    _, staying = add_subscriber(engine)
    make_issue(engine, registry)
    assert news_audience.unsubscribe(engine, SITE, subscriber(engine, leaving_id).number, SECOND_SLOT)

    report = deliver(engine, registry, url)

    assert report.sent == 1 and report.dropped == 1
    assert mailbox.to(leaving) == [] and len(mailbox.to(staying)) == 1
    [dropped] = [row for row in queued(engine) if row.recipients == [leaving]]
    assert dropped.abandoned_at is not None and dropped.sent_at is None
    assert "unsubscribed" in dropped.last_error


def test_a_permanent_refusal_marks_the_address_and_later_issues_leave_it_out(engine, registry, mail_server, tmp_path):
    mailbox, url = mail_server
    refused_id, refused = add_subscriber(engine)
    delayed_id, delayed = add_subscriber(engine)
    _, third = add_subscriber(engine)
    policy_id, policy = add_subscriber(engine)
    mailbox.refusals = {
        refused: "550 5.1.1 No such user here",
        delayed: "451 4.3.0 Try again later",
        policy: "554 5.7.1 Relay access denied",  # the sender's problem, not the address's
    }
    make_issue(engine, registry)

    report = deliver(engine, registry, url)

    assert report.sent == 1 and report.refused == 1 and report.failed == 2
    assert subscriber(engine, policy_id).undeliverable_at is None
    marked = subscriber(engine, refused_id)
    assert marked.undeliverable_at is not None and "550" in (marked.undeliverable_reason or "")
    assert news_audience.news_state(marked) == "undeliverable"
    assert subscriber(engine, delayed_id).undeliverable_at is None  # 4xx: only tried again later
    # the refused message is given up; the delayed one goes when the server takes it
    mailbox.refusals = {}
    later = deliver(engine, registry, url, at=SENT_AT + dt.timedelta(hours=1))
    assert later.sent == 2 and mailbox.to(refused) == [] and len(mailbox.to(delayed)) == 1
    # the next issue (one the partner wrote) is queued to the two others only
    issue = tmp_path / "sites" / SITE / "newsletter" / "2026-04-25.md"
    issue.parent.mkdir()
    issue.write_text("---\nsubject: Майские праздники\n---\nМы работаем 4 и 5 мая.\n", encoding="utf-8")
    newsletter(engine, registry_of(tmp_path / "sites")).run(SECOND_SLOT + dt.timedelta(weeks=2, minutes=1))
    first_issue = queued(engine)[0].compose["issue"]
    written = [row.recipients[0] for row in queued(engine) if row.compose and row.compose["issue"] != first_issue]
    assert sorted(written) == sorted([delayed, third, policy])


def test_an_onboarding_letter_waiting_to_go_is_dropped_once_the_subscriber_pays(engine, tmp_path, mail_server):
    mailbox, url = mail_server
    folder = partner_folder(tmp_path)
    (folder / SITE / "letters").mkdir()
    (folder / SITE / "letters" / "first-steps.md").write_text(
        "---\nsubject: Первые шаги\nafter_days: 1\n---\nВойдите с номером абонента.\n", encoding="utf-8"
    )
    registry = registry_of(folder)
    paying_id, paying = add_subscriber(engine, created=FIRST_SLOT)
    _, trying = add_subscriber(engine, created=FIRST_SLOT)
    assert newsletter(engine, registry).run(FIRST_SLOT + dt.timedelta(days=1, hours=1)).letters == 2
    with engine.begin() as conn:
        conn.execute(tables.subscribers.update().where(tables.subscribers.c.id == paying_id).values(status="paid"))

    report = deliver(engine, registry, url, at=FIRST_SLOT + dt.timedelta(days=1, hours=2))

    assert report.sent == 1 and report.dropped == 1 and mailbox.to(paying) == []
    [letter] = mailbox.to(trying)
    assert letter["Subject"] == "Первые шаги" and letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Войдите с номером абонента." in letter.get_body(("plain",)).get_content()


def test_a_person_with_two_rows_gets_each_issue_once_and_one_unsubscribe_stops_both(engine, registry, mail_server):
    mailbox, url = mail_server
    old_id, email = add_subscriber(engine, status="expired")  # a trial that ended, then a new sign-up
    new_id, _ = add_subscriber(engine)
    with engine.begin() as conn:  # the same person: the same address
        conn.execute(
            tables.subscribers.update().where(tables.subscribers.c.id == new_id).values(email=email, email_key=email)
        )
    make_issue(engine, registry)
    assert deliver(engine, registry, url).sent == 1 and len(mailbox.to(email)) == 1

    assert news_audience.unsubscribe(engine, SITE, subscriber(engine, old_id).number, SENT_AT)  # the old link
    assert news_audience.news_state(subscriber(engine, new_id)) == "unsubscribed"


def test_each_message_is_dated_when_its_turn_comes_not_when_the_issue_was_made(engine, registry, mail_server):
    mailbox, url = mail_server
    for _ in range(3):
        add_subscriber(engine)
    news = newsletter(engine, registry, per_minute=30)  # one every two seconds
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    news.run(SECOND_SLOT + dt.timedelta(minutes=1))
    deliver(engine, registry, url, at=SECOND_SLOT + dt.timedelta(minutes=2))
    dates = sorted(email.utils.parsedate_to_datetime(message["Date"]) for message in mailbox.messages)
    assert dates == [SECOND_SLOT + dt.timedelta(minutes=1, seconds=2 * k) for k in range(3)]
