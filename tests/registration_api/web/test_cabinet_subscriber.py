"""One subscriber's page in the cabinet: its card and its history (sign-up, invitation, reminders,
extension, e-mails and webhooks with their delivery, conversion, departure, the operators' records),
and the two actions on it, a payment and a departure, with their mistakes named at the field."""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil

import pytest
import sqlalchemy as sa
from lxml import html

from registration_api.storage import tables
from registration_api.web.rate_limit import RateLimiter
from registration_api.web.service import SIGN_INS_PER_ADDRESS
from tests.registration_api.web.test_cabinet_auth import OPERATOR, SITE, csrf_of, sign_in, text_of
from tests.registration_api.web.test_link_pages import extension_path, invitation
from tests.support import valid_form

LIST = f"/cabinet/{SITE}/subscribers"
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


@pytest.fixture
def cabinet(cabinet):
    """The cabinet of tests/conftest.py, its operator signed in."""
    sign_in(cabinet)
    return cabinet


def register(service, page: str = "trial", **form: str) -> str:
    """A sign-up through the storefront's form; the subscriber's number."""
    answer = service.http.post(f"/r/{SITE}/{page}", data=valid_form(**form), headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["subscriber_number"])


def later(service, **delta: int) -> None:
    """Move the clock on and sign in again (the session ends after 30 minutes unused), with the
    mail read so far put away so that the new link is the only one, and the limit of sign-ins
    per address as if this were another hour."""
    service.clock.advance(**delta)
    shutil.rmtree(service.settings.maildir, ignore_errors=True)
    service.app.state.service.sign_ins_by_address = RateLimiter(SIGN_INS_PER_ADDRESS)
    sign_in(service)


def card(page: str) -> dict[str, str]:
    """The subscriber's details as the page shows them: {what: value}."""
    rows = html.fromstring(page).xpath("//section[@aria-labelledby='card']//tr")
    return {row.findtext("th"): " ".join(row.xpath("string(td)").split()) for row in rows}


def history(page: str) -> list[list[str]]:
    """The history's rows: [when, what, details]."""
    rows = html.fromstring(page).xpath("//section[@aria-labelledby='history']//tbody/tr")
    return [[" ".join(td.text_content().split()) for td in row.xpath("td")] for row in rows]


def mail_row(service, number: str, name: str) -> list[str]:
    """The history's row of the e-mail ``name`` queued for subscriber ``number``."""
    [row] = [row for row in history(service.http.get(f"{LIST}/{number}").text) if row[1] == name]
    return row


def post(service, number: str, action: str, **fields: str):
    page = service.http.get(f"{LIST}/{number}")
    return service.http.post(f"{LIST}/{number}/{action}", data={**fields, "csrf": csrf_of(page.text)})


def convert(service, number: str, tariff: str = "biznes-god", paid_until: str = "2027-03-31"):
    return post(service, number, "convert", tariff=tariff, paid_until=paid_until)


def depart(service, number: str, cause: str = "price", reason: str = ""):
    return post(service, number, "departure", cause=cause, reason=reason)


def subscriber(service, number: str):
    [row] = [row for row in service.subscribers() if row.number == number]
    return row


def test_the_page_shows_the_subscribers_card_and_its_sign_up(cabinet):
    number = register(cabinet, "kassa", name="Ольга Смирнова", company="ООО «Ромашка»")
    answer = cabinet.http.get(f"{LIST}/{number}")
    assert answer.status_code == 200
    tree = html.fromstring(answer.text)
    assert tree.findtext(".//h1") == f"Абонент {number}"
    assert card(answer.text) == {
        "Номер": number,
        "Имя": "Ольга Смирнова",
        "Организация": "ООО «Ромашка»",
        "ИНН": "6671045280",
        "Электронная почта": "anna@client.example",
        "Телефон": "+79123456789",
        "Страница регистрации": "1С:Касса — 14 дней бесплатно",
        "Тариф": "Старт",
        "Статус": "Пробный период",
        "Пробный период до": "24.03.2026",
        "Оплачен до": "",
        "Новости и предложения по почте": "согласия нет",
        "Рассылка": "Не подписан",
    }
    assert tree.xpath("//a[@href='mailto:anna@client.example']")
    assert tree.xpath("//nav//a[@aria-current='page']/@href") == [LIST], "the menu marks the subscribers"
    assert tree.xpath("//a[text()='Все абоненты']/@href") == [LIST]
    [signed_up, *mails] = history(answer.text)
    assert signed_up == ["10.03.2026 12:30", "Зарегистрировался", "на странице «1С:Касса — 14 дней бесплатно»"]
    assert sorted(row[1] for row in mails) == ["Письмо партнёру о заявке", "Приветственное письмо клиенту"]


def test_each_e_mail_says_how_its_delivery_goes(cabinet):
    number = register(cabinet)
    waiting = mail_row(cabinet, number, "Приветственное письмо клиенту")
    assert waiting[2] == "ждёт отправки, первая попытка 10.03.2026 12:30"
    cabinet.clock.advance(minutes=2)
    assert cabinet.cli("send-mail").code == 0
    sent = mail_row(cabinet, number, "Приветственное письмо клиенту")
    assert re.fullmatch(r"отправлено \d\d\.\d\d\.\d{4} \d\d:\d\d", sent[2]), "send-mail runs on the real clock"
    with cabinet.database.begin() as conn:  # the partner's mail server refuses the notice, twice so far
        conn.execute(
            tables.outbox.update()
            .where(tables.outbox.c.purpose == "partner_notice")
            .values(
                sent_at=None,
                attempts=2,
                last_error="SMTPRecipientsRefused: 550 no such user",
                next_attempt_at=dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC),
            )
        )
    failing = mail_row(cabinet, number, "Письмо партнёру о заявке")
    assert failing[2:] == [
        "не доставлено: SMTPRecipientsRefused: 550 no such user; неудачных попыток: 2, следующая 10.03.2026 13:00",
    ]


def test_a_newsletter_given_up_says_why_in_words(cabinet):
    number = register(cabinet)
    with cabinet.database.begin() as conn:  # an issue queued, then dropped: the client unsubscribed
        subscriber_id = conn.execute(
            sa.select(tables.subscribers.c.id).where(tables.subscribers.c.number == number)
        ).scalar_one()
        moment = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
        for purpose, why in (("newsletter", "news:unsubscribed"), ("letter", "550 5.1.1 no such user")):
            conn.execute(
                tables.outbox.insert().values(
                    purpose=purpose,
                    channel="email",
                    site_id="oblako-plus",
                    subscriber_id=subscriber_id,
                    envelope_from="news@storefront.example",
                    recipients=["x@client.example"],
                    message=b"",
                    created_at=moment,
                    next_attempt_at=moment,
                    abandoned_at=moment,
                    last_error=why,
                )
            )
    assert mail_row(cabinet, number, "Выпуск рассылки")[2] == "не отправлено и не будет: клиент отписался"
    assert mail_row(cabinet, number, "Приветственное письмо")[2] == "не отправлено и не будет: 550 5.1.1 no such user"


def test_a_payment_is_recorded_with_its_tariff_and_last_day(cabinet):
    number = register(cabinet)
    later(cabinet, days=5)
    answer = convert(cabinet, number, tariff="biznes-god", paid_until="2027-03-31")
    assert answer.status_code == 303 and answer.headers["location"] == f"{LIST}/{number}?done=converted"
    shown = cabinet.http.get(answer.headers["location"])
    assert html.fromstring(shown.text).xpath("string(//*[@role='status'])") == "Оплата записана."
    details = card(shown.text)
    assert (details["Статус"], details["Тариф"], details["Оплачен до"]) == ("Оплачен", "Бизнес на год", "31.03.2027")
    row = subscriber(cabinet, number)
    assert (row.status, row.tariff, str(row.paid_until)) == ("paid", "biznes-god", "2027-03-31")
    assert row.converted_at.startswith("2026-03-15 09:30")
    assert ["15.03.2026 12:30", "Стал платным", "тариф «Бизнес на год», оплачен до 31.03.2027"] in history(shown.text)
    [entry] = [row for row in cabinet.rows("audit_log") if row.action == "converted"]
    assert entry.operator == OPERATOR
    assert entry.subject == f"{number} — тариф «Бизнес на год», оплачен до 31.03.2027"
    record = f"{OPERATOR} запись оплаты: тариф «Бизнес на год», оплачен до 31.03.2027"
    assert ["15.03.2026 12:30", "Запись оператора", record] in history(shown.text)
    overview = text_of(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert f"запись оплаты: {number} — тариф «Бизнес на год», оплачен до 31.03.2027" in overview


def test_the_payment_form_offers_the_partners_tariffs_the_subscribers_chosen(cabinet):
    number = register(cabinet, "kassa")
    tree = html.fromstring(cabinet.http.get(f"{LIST}/{number}").text)
    assert tree.xpath("//select[@name='tariff']/option/text()") == ["Старт", "Бизнес", "Бизнес на год"]
    assert tree.xpath("//select[@name='tariff']/option[@selected]/@value") == ["start"]
    [picker] = tree.xpath("//input[@name='paid_until']")
    assert (picker.get("type"), picker.get("min"), picker.get("max")) == ("date", "2026-03-11", "2029-03-10")


def test_a_conversion_queues_the_webhook_with_the_tariff(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8")
        + f'\nwebhook:\n  url: https://crm.oblako-plus.example/hooks\n  secret: "{SECRET}"\n',
        encoding="utf-8",
    )
    service = make_in_process_api()
    sign_in(service)
    number = register(service)
    assert convert(service, number, paid_until="31.12.2026").status_code == 303, "a day typed by hand is read too"
    [event] = [row for row in service.outbox() if row.purpose == "subscriber.converted"]
    assert b'"tariff": "biznes-god"' in event.message and b'"paid_until": "2026-12-31"' in event.message
    shown = history(service.http.get(f"{LIST}/{number}").text)
    assert [
        "10.03.2026 12:30",
        "Вебхук subscriber.converted",
        "ждёт отправки, первая попытка 10.03.2026 12:30",
    ] in shown


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"paid_until": "2026-03-10"}, "paid_until", "Оплата заканчивается днём от 11.03.2026 до 10.03.2029."),
        ({"paid_until": "2026-01-31"}, "paid_until", "Оплата заканчивается днём от 11.03.2026 до 10.03.2029."),
        ({"paid_until": "2029-03-11"}, "paid_until", "Оплата заканчивается днём от 11.03.2026 до 10.03.2029."),
        ({"paid_until": "в конце года"}, "paid_until", "Напишите день так: 31.12.2026."),
        ({"paid_until": ""}, "paid_until", "Напишите последний оплаченный день."),
        ({"tariff": "platinum"}, "tariff", "Выберите один из ваших тарифов."),
    ],
)
def test_a_wrong_payment_is_named_at_its_field_with_what_was_typed(cabinet, fields, field, says):
    number = register(cabinet)
    answer = post(cabinet, number, "convert", **{"tariff": "biznes", "paid_until": "2026-12-31", **fields})
    assert answer.status_code == 400
    tree = html.fromstring(answer.text)
    assert tree.xpath(f"//*[@id='{field}-error']/text()") == [says]
    assert tree.xpath(f"//*[@name='{field}']/@aria-invalid") == ["true"]
    if field == "paid_until":
        assert tree.xpath("//input[@name='paid_until']/@value") == [fields["paid_until"]]
    assert subscriber(cabinet, number).status == "trial"
    assert [row.action for row in cabinet.rows("audit_log")] == ["sign_in"]


def test_a_departure_is_recorded_with_its_cause_and_words(cabinet):
    number = register(cabinet)
    later(cabinet, days=20)
    answer = depart(cabinet, number, "another_partner", "  Обслуживается у «Первого бита»  ")
    assert answer.status_code == 303 and answer.headers["location"] == f"{LIST}/{number}?done=departed"
    shown = cabinet.http.get(answer.headers["location"])
    assert html.fromstring(shown.text).xpath("string(//*[@role='status'])") == "Уход клиента записан."
    assert card(shown.text)["Статус"] == "Ушёл"
    row = subscriber(cabinet, number)
    assert (row.status, row.gone_cause, row.gone_reason) == (
        "gone",
        "another_partner",
        "Обслуживается у «Первого бита»",
    )
    left = ["30.03.2026 12:30", "Ушёл", "Перешёл к другому партнёру: Обслуживается у «Первого бита»"]
    assert left in history(shown.text)
    [entry] = [row for row in cabinet.rows("audit_log") if row.action == "departed"]
    assert entry.subject == f"{number} — Перешёл к другому партнёру: Обслуживается у «Первого бита»"
    assert entry.details == "Обслуживается у «Первого бита»"
    overview = text_of(cabinet.http.get(f"/cabinet/{SITE}/").text)
    assert f"запись ухода клиента: {number} — Перешёл к другому партнёру" in overview


def test_the_departure_form_lists_the_causes(cabinet):
    number = register(cabinet)
    tree = html.fromstring(cabinet.http.get(f"{LIST}/{number}").text)
    assert tree.xpath("string(//fieldset/legend)") == "Почему клиент ушёл"
    assert [" ".join(label.text_content().split()) for label in tree.xpath("//fieldset/label")] == [
        "Дорого",
        "Перешёл к другому партнёру",
        "Вернулся к 1С на своих компьютерах",
        "Выбрал другую программу",
        "Закрыл бизнес",
        "Больше не нужно",
        "Другое",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        (
            {"cause": "other", "reason": "   "},
            "reason",
            "Напишите в двух словах, почему клиент ушёл: выбрана причина «Другое».",
        ),
        ({"cause": ""}, "cause", "Выберите, почему клиент ушёл."),
        ({"cause": "bored"}, "cause", "Выберите, почему клиент ушёл."),
        ({"cause": "price", "reason": "д" * 1001}, "reason", "Напишите не больше 1000 знаков."),
    ],
)
def test_a_wrong_departure_is_named_at_its_field_with_what_was_typed(cabinet, fields, field, says):
    number = register(cabinet)
    answer = post(cabinet, number, "departure", **fields)
    assert answer.status_code == 400
    tree = html.fromstring(answer.text)
    assert tree.xpath(f"//*[@id='{field}-error']/text()") == [says]
    if fields.get("reason", "").strip():
        assert tree.xpath("//textarea[@name='reason']/text()") == [fields["reason"]]
    assert subscriber(cabinet, number).status == "trial"


def test_other_with_words_is_enough(cabinet):
    number = register(cabinet)
    assert depart(cabinet, number, "other", "Уехали за границу").status_code == 303
    assert subscriber(cabinet, number).gone_cause == "other"
    assert ["10.03.2026 12:30", "Ушёл", "Другое: Уехали за границу"] in history(
        cabinet.http.get(f"{LIST}/{number}").text
    )


def test_a_paid_client_who_leaves_keeps_what_it_paid_for_and_may_come_back(cabinet):
    number = register(cabinet)
    convert(cabinet, number, paid_until="2026-12-31")
    later(cabinet, days=40)
    depart(cabinet, number, "closed")
    left = subscriber(cabinet, number)
    assert (left.status, str(left.paid_until), left.gone_cause) == ("gone", "2026-12-31", "closed")
    page = cabinet.http.get(f"{LIST}/{number}").text
    assert "Клиент ушёл 19.04.2026: запись оплаты вернёт его." in text_of(page)
    assert "Уход уже записан 19.04.2026: запись исправит причину и комментарий." in text_of(page)
    later(cabinet, days=10)
    depart(cabinet, number, "price", "нашли дешевле")
    corrected = subscriber(cabinet, number)
    assert corrected.gone_at == left.gone_at and corrected.gone_cause == "price", "the day it left stays"
    later(cabinet, days=10)
    assert convert(cabinet, number, paid_until="2027-05-31").status_code == 303
    back = subscriber(cabinet, number)
    assert (back.status, back.gone_at, back.gone_cause, back.gone_reason) == ("paid", None, None, None)
    assert back.converted_at.startswith("2026-05-09")
    shown = history(cabinet.http.get(f"{LIST}/{number}").text)
    records = [row[2] for row in shown if row[1] == "Запись оператора"]
    assert len(records) == 4 and "запись ухода клиента: Дорого: нашли дешевле" in records[2]
    assert "Ушёл" not in [row[1] for row in shown], "its row keeps only the return; the audit log the rest"


def test_a_renewal_keeps_the_day_it_became_paid(cabinet):
    number = register(cabinet)
    convert(cabinet, number, paid_until="2026-12-31")
    first = subscriber(cabinet, number).converted_at
    later(cabinet, days=30)
    page = cabinet.http.get(f"{LIST}/{number}").text
    assert "Оплачен до 31.12.2026: запись продлит оплату или сменит тариф." in text_of(page)
    convert(cabinet, number, tariff="start", paid_until="2027-12-31")
    renewed = subscriber(cabinet, number)
    assert (renewed.converted_at, renewed.tariff, str(renewed.paid_until)) == (first, "start", "2027-12-31")


def test_an_invitation_reminders_and_the_extension_are_in_the_history(cabinet):
    path = extension_path(cabinet)  # a sign-up reminded on 2 April, with its link to extend
    assert cabinet.http.post(path).status_code == 200
    [row] = cabinet.subscribers()
    code = invitation(cabinet, email=None)
    later(cabinet, days=1)
    joined = cabinet.http.post(f"/invite/{code}", data=valid_form())  # the same person: the invitation joins the trial
    assert joined.status_code == 200
    events = history(cabinet.http.get(f"{LIST}/{row.number}").text)
    assert ["Напоминание о конце доступа", "за 7 дней до конца доступа; доступ до 09.04.2026"] in [
        e[1:] for e in events
    ]
    assert "Напоминание клиенту" in [e[1] for e in events]
    assert ["Доступ продлён на 7 дней", ""] in [e[1:] for e in events]
    [used] = [e for e in events if e[1] == "Использовано приглашение"]
    assert used[0] == "11.03.2026 12:30" and used[2] == f"{code}, создано 10.03.2026 12:30"


def test_a_subscriber_who_came_by_an_invitation(cabinet):
    code = invitation(cabinet, trial_days=14)
    assert cabinet.http.post(f"/invite/{code}", data=valid_form()).status_code == 200
    [row] = cabinet.subscribers()
    page = cabinet.http.get(f"{LIST}/{row.number}").text
    assert card(page)["Страница регистрации"] == "По приглашению"
    assert history(page)[0][1:] == ["Зарегистрировался", "по приглашению"]
    assert history(page)[1][1:] == ["Использовано приглашение", f"{code}, создано 10.03.2026 12:30"]


def test_an_english_partners_subscriber_page_is_in_english(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("locale: ru", "locale: en"), encoding="utf-8")
    service = make_in_process_api()
    sign_in(service)
    number = register(service)
    answer = depart(service, number, "other")
    assert answer.status_code == 400
    assert "Say in a few words why the client left: the cause is «Other»." in text_of(answer.text)
    assert card(answer.text)["Status"] == "Trial"
