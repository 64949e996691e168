"""The cabinet's newsletter page, in Russian: how to start one for a partner who has none; the
schedule in words, the next issue and a look at it (the partner's e-mail under a strict policy,
its unsubscribe link inert), who receives news, every issue and letter with the numbers the
database holds; nothing of one partner for another partner's operator."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa
import yaml
from lxml import html

from registration_api.domain import news_audience
from registration_api.storage import tables
from registration_api.web import cabinet_session
from registration_api.web.cabinet_session import Session
from storefront.site.schema import NewsletterSection
from tests.registration_api.domain.newsletter_support import add_subscriber, newsletter
from tests.registration_api.web.test_cabinet_auth import OPERATOR, SITE, sign_in, text_of

PAGE = f"/cabinet/{SITE}/newsletter"
NEXT = f"{PAGE}/next"
#: The other example partner, with neither a newsletter nor letters, and its operator.
BARE, STRANGER = "buhcentr", "cloud-sales@buhcentr-sever.example"
ZONE = "Asia/Yekaterinburg"


@pytest.fixture
def cabinet(cabinet):
    """The cabinet of tests/conftest.py on Tuesday 10 March 2026, its operator signed in."""
    sign_in(cabinet)
    return cabinet


def sign_in_afresh(cabinet, email: str) -> None:
    """Sign ``email`` in, in a browser that forgot the session it had."""
    cabinet.http.cookies.clear()
    assert sign_in(cabinet, email).status_code == 303


def facts(page: str, section: str) -> dict[str, str]:
    """The rows of a section's table of facts: the row's heading → its cell."""
    rows = html.fromstring(page).xpath(f"//section[@aria-labelledby='{section}']//table[@class='facts']//tr")
    return {" ".join(row.xpath("th")[0].text_content().split()): " ".join(row.xpath("td")[0].text_content().split())
            for row in rows}  # fmt: skip


def rows(page: str, section: str) -> list[list[str]]:
    """The cells of a section's table body."""
    found = html.fromstring(page).xpath(f"//section[@aria-labelledby='{section}']//tbody/tr")
    return [[" ".join(" ".join(td.itertext()).split()) for td in row.xpath("td")] for row in found]


def audience(page: str) -> dict[str, str]:
    tree = html.fromstring(page)
    return {
        " ".join(item.xpath("dt")[0].text_content().split()): item.xpath("dd/a")[0].text_content()
        for item in tree.xpath("//section[@aria-labelledby='audience']//dl/div")
    }


def test_a_partner_without_a_newsletter_is_told_how_to_start_one(cabinet):
    sign_in_afresh(cabinet, STRANGER)
    overview = html.fromstring(cabinet.http.get(f"/cabinet/{BARE}/").text)
    assert overview.xpath(f"//nav//a[@href='/cabinet/{BARE}/newsletter']/text()") == ["Рассылка"]

    page = cabinet.http.get(f"/cabinet/{BARE}/newsletter")

    assert page.status_code == 200
    tree = html.fromstring(page.text)
    assert tree.xpath("//nav//a[@aria-current='page']/@href") == [f"/cabinet/{BARE}/newsletter"]
    shown = text_of(page.text)
    assert "Рассылки у вас пока нет" in shown
    assert "Чтобы включить рассылку, добавьте в sites/buhcentr/site.yaml эти строки:" in shown
    assert "sites/buhcentr/newsletter/2027-01-12.md" in shown and "sites/buhcentr/letters/" in shown
    [example] = tree.xpath("//pre/code/text()")
    assert len(example.splitlines()) == 7
    written = yaml.safe_load(example)["newsletter"]
    section = NewsletterSection(**written)
    assert (section.weeks, section.weekday, section.hour, section.timezone) == (2, "tuesday", 10, "Europe/Moscow")
    assert section.sender == "БухЦентр Север" and section.double_opt_in is False
    assert "Следующий выпуск" not in shown and not tree.xpath("//section[@aria-labelledby='issues']")

    nothing = cabinet.http.get(f"/cabinet/{BARE}/newsletter/next")
    assert nothing.status_code == 404 and "Рассылки нет: в site.yaml нет раздела newsletter:." in text_of(nothing.text)


def test_the_schedule_is_in_words_and_the_next_issue_is_the_news_digest_to_those_who_receive_news(cabinet):
    for state in ("subscribed", "subscribed", "awaiting_confirmation", "unsubscribed", "undeliverable", "none"):
        add_subscriber(cabinet.database, news=state, site_id=SITE)
    add_subscriber(cabinet.database, site_id=BARE)

    page = cabinet.http.get(PAGE).text

    assert facts(page, "schedule") == {
        "Когда уходят выпуски": f"Каждые 2 недели, по вторникам в 10:00 ({ZONE})",
        "Отправитель": "«Облако Плюс»",
        "Подтверждение по почте (double opt-in)": "Нет: выпуск уходит всем, кто отметил согласие на новости",
    }
    assert facts(page, "next") == {
        "Когда": f"17.03.2026 10:00 ({ZONE})",  # the first Tuesday after today, 10 March at 14:30 there
        "Содержание": "Новости после предыдущего выпуска",
        "Тема": "Облако Плюс: Обновление «Управления нашей фирмой»: что появилось весной",
        "Получатели": "2 абонента, получающих новости сегодня",
    }
    assert audience(page) == {
        "Подписан на рассылку": "2",
        "Ждёт подтверждения": "1",
        "Отписался": "1",
        "Адрес не принимает почту": "1",
        "Не подписан": "1",
    }
    [link] = html.fromstring(page).xpath("//section[@aria-labelledby='audience']//a[text()='1']/@href")[:1]
    assert link == f"/cabinet/{SITE}/subscribers?newsletter=awaiting_confirmation"
    [view] = html.fromstring(page).xpath("//a[text()='Посмотреть письмо']/@href")
    assert view == NEXT
    assert "Выпусков ещё не было." in text_of(page)
    assert rows(page, "letters") == [
        ["1", "Первый вход в облачную 1С — три шага", "0", "0"],
        ["3", "Как перенести свои данные в облако", "0", "0"],
        ["7", "Неделя в облаке — вопросы можно задать в чате", "0", "0"],
    ]
    with cabinet.database.connect() as conn:
        started = conn.execute(sa.select(sa.func.count()).select_from(tables.newsletter_schedules)).scalar_one()
    assert started == 0, "looking starts nothing"


def test_the_next_issue_is_shown_as_its_e_mail_under_a_strict_policy_with_the_unsubscribe_link_inert(cabinet):
    add_subscriber(cabinet.database, site_id=SITE)

    answer = cabinet.http.get(NEXT)

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:;")
    assert policy.endswith("; sandbox") and "script-src" not in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "unsubscribe.invalid" not in answer.text
    tree = html.fromstring(answer.text)
    assert tree.xpath("//a[@href='#']"), "the unsubscribe link goes nowhere"
    assert "Обновление «Управления нашей фирмой»: что появилось весной" in text_of(answer.text)
    assert not tree.xpath("//script")


def test_a_hand_written_issue_waiting_for_its_day_is_the_next_one(cabinet):
    cabinet.clock.now = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)
    session = Session.signed_in(OPERATOR, cabinet.clock.now)  # as signing in then would give
    secret = cabinet.app.state.service.cabinet_secret
    cookie = cabinet_session.cookie_value(session, secret=secret, now=cabinet.clock.now)
    cabinet.http.cookies.clear()
    cabinet.http.cookies.set(cabinet_session.COOKIE, cookie, path="/cabinet/")

    page = cabinet.http.get(PAGE).text

    shown = facts(page, "next")
    assert shown["Когда"] == f"12.01.2027 10:00 ({ZONE})"
    assert shown["Содержание"] == "Ваш текст: newsletter/2027-01-12.md"
    assert shown["Тема"] == "Годовая отчётность в облаке — спокойно и без очередей"
    assert shown["Получатели"] == "0 абонентов, получающих новости сегодня"
    assert "Годовая отчётность в облаке" in cabinet.http.get(NEXT).text


def test_past_issues_and_letters_show_the_numbers_the_database_holds(cabinet):
    created = dt.datetime(2026, 1, 10, 8, tzinfo=dt.UTC)
    receiving = [add_subscriber(cabinet.database, site_id=SITE, created=created)[0] for _ in range(3)]
    add_subscriber(cabinet.database, news="awaiting_confirmation", site_id=SITE, created=created)
    news = newsletter(cabinet.database, cabinet.app.state.service.sites)
    news.run(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # the schedule starts
    news.run(dt.datetime(2026, 1, 6, 6, tzinfo=dt.UTC))  # no news in the two weeks before: skipped
    news.run(dt.datetime(2026, 1, 20, 6, tzinfo=dt.UTC))  # the news of 19 January, and the letters of day 10
    with cabinet.database.connect() as conn:
        number = conn.execute(
            sa.select(tables.subscribers.c.number).where(tables.subscribers.c.id == receiving[0])
        ).scalar_one()
    news_audience.unsubscribe(cabinet.database, SITE, number, dt.datetime(2026, 1, 20, 6, 5, tzinfo=dt.UTC))
    assert cabinet.cli("send-mail").code == 0  # two of each go; the unsubscribed client's are dropped

    page = cabinet.http.get(PAGE).text

    issues = {row.kind: row for row in cabinet.rows("newsletter_issues")}
    outbox = [row for row in cabinet.outbox() if row.purpose == "newsletter"]
    sent = sum(row.sent_at is not None for row in outbox)
    given_up = sum(row.abandoned_at is not None for row in outbox)
    assert (len(outbox), sent, given_up) == (3, 2, 1)
    assert rows(page, "issues") == [
        [
            "20.01.2026 10:00 Новости после предыдущего выпуска",
            issues["digest"].subject,
            str(issues["digest"].recipients),
            str(sent),
            "0",
            str(given_up),
        ],
        ["06.01.2026 10:00 Пропущен: новостей не было", "", "0", "0", "0", "0"],
    ]
    letters = {row[0]: row[2:] for row in rows(page, "letters")}
    with cabinet.database.connect() as conn:
        deliveries = conn.execute(sa.select(tables.letter_deliveries)).all()
    for key, days in (("1-pervyj-vhod", "1"), ("3-perenos-dannyh", "3"), ("7-chat-podderzhki", "7")):
        mine = [row for row in deliveries if row.letter == key]
        counted = [str(sum(not row.skipped for row in mine)), str(sum(row.skipped for row in mine))]
        assert letters[days] == counted, key
    assert letters == {"1": ["0", "3"], "3": ["0", "3"], "7": ["3", "0"]}
    assert facts(page, "next")["Содержание"] == "Нечего отправлять: новостей не было"
    assert "Его время пришло" in facts(page, "next")["Когда"], "3 March has passed with nobody sending"
    assert not html.fromstring(page).xpath("//a[text()='Посмотреть письмо']")
    nothing = cabinet.http.get(NEXT)
    assert nothing.status_code == 404 and "Смотреть пока нечего" in text_of(nothing.text)
    assert audience(page)["Подписан на рассылку"] == "2" and audience(page)["Отписался"] == "1"


def test_another_partners_operator_finds_no_newsletter_page(cabinet):
    add_subscriber(cabinet.database, site_id=SITE)
    sign_in_afresh(cabinet, STRANGER)

    for address in (PAGE, NEXT):
        answer = cabinet.http.get(address)
        assert answer.status_code == 404, address
        assert "Такой страницы нет" in text_of(answer.text) and "Облако" not in answer.text


def test_a_partner_with_letters_but_no_newsletter_sees_its_letters_and_how_to_start_one(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(text[: text.index("\nnewsletter:\n")] + "\n", encoding="utf-8")
    shutil.rmtree(sites_dir / SITE / "newsletter")  # a hand-written issue needs a newsletter to go out in
    service = make_in_process_api()
    sign_in(service)

    page = service.http.get(PAGE)

    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Регулярной рассылки нет: уходят только письма первых дней (ниже)." in shown
    assert "Чтобы включить рассылку, добавьте в sites/oblako-plus/site.yaml эти строки:" in shown
    assert "Рассылки у вас пока нет" not in shown and "Следующий выпуск" not in shown
    assert [row[0] for row in rows(page.text, "letters")] == ["1", "3", "7"]
    assert service.http.get(NEXT).status_code == 404
