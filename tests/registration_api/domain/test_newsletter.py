"""The newsletter's issues: made when due in the partner's zone, saying what is new (or what the
partner wrote), queued once to each subscriber who receives news, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import threading

import pytest
import sqlalchemy as sa

from registration_api.domain import news_audience
from registration_api.storage import tables
from tests.registration_api.domain.newsletter_support import (
    FIRST_SLOT,
    SECRET,
    SITE,
    add_many,
    add_subscriber,
    issues,
    newsletter,
    partner_folder,
    queued,
    registry_of,
)

SECOND_SLOT = FIRST_SLOT + dt.timedelta(weeks=2)  # 21 April: the news of 13 April is new then


@pytest.fixture
def registry(tmp_path):
    return registry_of(partner_folder(tmp_path))


def test_an_issue_goes_once_to_each_subscriber_who_receives_news_and_to_nobody_else(engine, registry):
    receiving = {add_subscriber(engine)[1] for _ in range(2)}
    for state in ("none", "awaiting_confirmation", "unsubscribed", "undeliverable"):
        add_subscriber(engine, news=state)
    add_subscriber(engine, site_id="oblako-plus")  # another partner's subscriber
    add_subscriber(engine, status="paid")  # a paying client who agreed to news gets it too
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))  # the schedule starts; nothing is due yet

    report = news.run(SECOND_SLOT + dt.timedelta(minutes=5))

    [issue] = [row for row in issues(engine) if row.kind != "empty"]
    assert report.issues == {SITE: SECOND_SLOT} and report.queued == 3
    assert issue.kind == "digest" and "Комплексная автоматизация" in issue.subject and issue.recipients == 3
    rows = queued(engine)
    assert len(rows) == 3 and len(receiving & {row.recipients[0] for row in rows}) == 2
    # the link in each row unsubscribes that subscriber, of that partner, and nobody else
    for row in rows:
        token = row.compose["unsubscribe"].rsplit("/", 1)[1]
        number = news_audience.read_link_token(SECRET, "unsubscribe", SITE, token)
        assert number is not None and row.recipients[0] == f"client{number}@client.example"
    # run again, later the same day: nothing new is made or queued
    again = news.run(SECOND_SLOT + dt.timedelta(hours=3))
    assert again.issues == {} and again.queued == 0 and len(queued(engine)) == 3


def test_a_slot_with_nothing_new_passes_without_an_email_and_the_schedule_holds(engine, registry):
    add_subscriber(engine)
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    report = news.run(FIRST_SLOT + dt.timedelta(minutes=1))  # no news between 24 March and 7 April
    assert report.empty == 1 and report.queued == 0 and queued(engine) == []
    assert [row.kind for row in issues(engine)] == ["empty"]
    # a week later nothing is due (every two weeks), two weeks later the digest is
    assert news.run(FIRST_SLOT + dt.timedelta(weeks=1)).issues == {}
    assert news.run(SECOND_SLOT).issues == {SITE: SECOND_SLOT}


def test_a_hand_written_issue_goes_on_the_next_due_date_instead_of_the_digest_and_only_once(engine, registry, tmp_path):
    (tmp_path / "sites" / SITE / "newsletter").mkdir()
    (tmp_path / "sites" / SITE / "newsletter" / "2026-04-15.md").write_text(
        "---\nsubject: Летнее расписание линии консультаций\npreheader: С 15 июня до 31 августа\n---\n"
        "Летом консультанты работают **до 17:00**.\n",
        encoding="utf-8",
    )
    registry = registry_of(tmp_path / "sites")
    add_subscriber(engine)
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    news.run(FIRST_SLOT + dt.timedelta(minutes=1))  # 7 April: the issue of 15 April must wait its day

    news.run(SECOND_SLOT + dt.timedelta(minutes=1))

    made = issues(engine)
    assert [row.kind for row in made] == ["empty", "written"]
    assert made[1].subject == "Летнее расписание линии консультаций"
    assert made[1].source == "newsletter/2026-04-15.md"
    assert "<strong>до 17:00</strong>" in made[1].html and "С 15 июня до 31 августа" in made[1].html
    assert "Комплексная автоматизация" not in made[1].html  # the digest does not go beside it
    news.run(SECOND_SLOT + dt.timedelta(weeks=2, minutes=1))  # 5 May: the written issue is not sent again
    assert [row.kind for row in issues(engine)] == ["empty", "written", "empty"]


def test_a_run_after_missed_days_sends_one_issue_and_the_schedule_goes_on_from_it(engine, registry):
    add_subscriber(engine)
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    # the cron job did not run from 6 April to 4 May: the slots of 7 and 21 April were missed
    late = dt.datetime(2026, 5, 4, 3, tzinfo=dt.UTC)
    report = news.run(late)
    assert len(issues(engine)) == 1 and report.issues == {SITE: SECOND_SLOT}
    assert issues(engine)[0].kind == "digest"  # the news of 13 April, since no issue went before
    assert news.run(late + dt.timedelta(hours=1)).issues == {}
    third = SECOND_SLOT + dt.timedelta(weeks=2)
    assert news.run(third + dt.timedelta(minutes=1)).issues == {SITE: third}


def test_messages_are_spaced_at_the_partners_rate(engine, registry):
    for _ in range(5):
        add_subscriber(engine)
    news = newsletter(engine, registry, per_minute=30)  # one every two seconds
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    now = SECOND_SLOT + dt.timedelta(minutes=1)
    news.run(now)
    due = [row.next_attempt_at.replace(tzinfo=dt.UTC) for row in queued(engine)]
    assert due[0] == now and [b - a for a, b in itertools.pairwise(due)] == [dt.timedelta(seconds=2)] * 4


def test_two_runs_at_once_queue_each_recipient_exactly_once(engine, registry):
    count = 2500  # more than one batch
    add_many(engine, count)
    first = newsletter(engine, registry)
    first.run(FIRST_SLOT - dt.timedelta(days=1))
    now = SECOND_SLOT + dt.timedelta(minutes=1)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            newsletter(engine, registry).run(now)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = queued(engine)
    assert len(rows) == count and len({row.subscriber_id for row in rows}) == count
    [issue] = [row for row in issues(engine) if row.kind == "digest"]
    assert issue.recipients == count and issue.queued_at is not None


def test_a_run_stopped_midway_is_finished_by_the_next_without_repeating_anyone(engine, registry):
    add_many(engine, 2500)
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    now = SECOND_SLOT + dt.timedelta(minutes=1)
    planned = news.plan(registry.get(SITE).site, now)
    assert planned is not None and news._make(registry.get(SITE), planned, now)
    [issue] = issues(engine)
    first_batch = next(news._recipients(SITE, issue.id))
    news._queue_batch(registry.get(SITE), issue.id, first_batch, now, now)  # then the process died

    report = news.run(now + dt.timedelta(minutes=10))

    rows = queued(engine)
    assert report.queued == 1500 and len(rows) == 2500 and len({row.subscriber_id for row in rows}) == 2500
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.newsletter_deliveries)).scalar() == 2500


def test_an_issue_is_settled_once_every_email_is_sent_or_given_up_and_keeps_its_counts(engine, registry):
    add_many(engine, 3)
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    now = SECOND_SLOT + dt.timedelta(minutes=1)
    news.run(now)
    rows = queued(engine)
    assert {row.issue_id for row in rows} == {issues(engine)[0].id}  # each e-mail names its issue
    news.settle(now)
    assert issues(engine)[0].settled_at is None  # nothing sent yet
    with engine.begin() as conn:
        conn.execute(tables.outbox.update().where(tables.outbox.c.id == rows[0].id).values(sent_at=now))
        conn.execute(tables.outbox.update().where(tables.outbox.c.id == rows[1].id).values(abandoned_at=now))
    news.settle(now)
    assert issues(engine)[0].settled_at is None  # one still waiting
    with engine.begin() as conn:
        conn.execute(tables.outbox.update().where(tables.outbox.c.id == rows[2].id).values(sent_at=now))
    news.settle(now + dt.timedelta(minutes=5))
    [issue] = issues(engine)
    assert (issue.sent, issue.given_up, issue.recipients) == (2, 1, 3) and issue.settled_at is not None


def test_one_partners_failure_stops_no_other_partner(engine, tmp_path, monkeypatch):
    folder = partner_folder(tmp_path)
    shutil.copytree(folder / SITE, folder / "twin")  # a second partner with the same newsletter
    registry = registry_of(folder)
    add_subscriber(engine)
    add_subscriber(engine, site_id="twin")
    news = newsletter(engine, registry)
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    plan = news.plan

    def broken(site, now, **options):
        if site.id == SITE:
            raise RuntimeError("this partner's issue cannot be made")
        return plan(site, now, **options)

    monkeypatch.setattr(news, "plan", broken)
    report = news.run(SECOND_SLOT + dt.timedelta(minutes=1))

    assert report.issues == {"twin": SECOND_SLOT} and report.queued == 1
    assert report.failed == {SITE: "RuntimeError: this partner's issue cannot be made"}


def test_news_dated_the_day_an_issue_went_are_in_the_next_and_none_goes_twice(engine, tmp_path):
    folder = partner_folder(tmp_path)
    add_subscriber(engine)
    news = newsletter(engine, registry_of(folder))
    news.run(FIRST_SLOT - dt.timedelta(days=1))
    news.run(SECOND_SLOT + dt.timedelta(minutes=1))  # 21 April: the news of 13 April
    # published later that day, dated that day
    (folder / SITE / "news" / "2026-04-21-vecherom.md").write_text(
        "---\ntitle: Вечерняя новость\ndate: 2026-04-21\nsummary: Опубликована после выпуска.\n---\nТекст.\n",
        encoding="utf-8",
    )
    newsletter(engine, registry_of(folder)).run(SECOND_SLOT + dt.timedelta(weeks=2, minutes=1))
    first, second = issues(engine)
    assert "Комплексная автоматизация" in first.html and "Вечерняя новость" not in first.html
    assert "Вечерняя новость" in second.html and "Комплексная автоматизация" not in second.html
    assert second.news == ["vecherom"]
