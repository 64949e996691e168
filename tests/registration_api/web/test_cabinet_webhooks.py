"""The cabinet's webhook deliveries: a partner without a webhook is told how to set one up; with
one, its recent events are listed with their state, attempts and error, and an operator sends one
again: the receiver gets it, and the audit log says who did."""

from __future__ import annotations

import asyncio
import json

import pytest
from lxml import html

from tests.integration.test_partner_api import SECRET, Receiver
from tests.registration_api.web.test_cabinet_auth import OPERATOR, SITE, csrf_of, sign_in, text_of
from tests.support import valid_form

WEBHOOKS = f"/cabinet/{SITE}/settings/webhooks"


@pytest.fixture
def receiver() -> Receiver:
    """The partner's system: refuses the first event with a 500, takes the others."""
    return Receiver(fail=1)


@pytest.fixture
def hooked(make_in_process_api, sites_dir, receiver):
    """A service whose partner sends its events to ``receiver``, its operator signed in."""
    yaml_file = sites_dir / SITE / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: {receiver.url}\n  secret: "{SECRET}"\n')
    service = make_in_process_api(webhook_allow_hosts="127.0.0.1")
    sign_in(service)
    return service


def register(api, email: str = "anna@client.example") -> str:
    answer = api.http.post(f"/r/{SITE}/trial", data=valid_form(email=email), headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["subscriber_number"])


def deliver(api) -> None:
    asyncio.run(api.app.state.service.sender.deliver_due())


def deliveries(page: str) -> list[dict[str, str]]:
    """Each listed event: its heading and its facts by name."""
    shown = []
    for item in html.fromstring(page).xpath("//ol[@class='deliveries']/li"):
        facts = {
            dt.text_content(): " ".join(dd.text_content().split())
            for dt, dd in zip(item.xpath(".//dt"), item.xpath(".//dd"), strict=True)
        }
        shown.append({"heading": " ".join(item.xpath("h3")[0].text_content().split()), **facts})
    return shown


def resend(api, delivery_id: int):
    page = api.http.get(WEBHOOKS)
    return api.http.post(f"{WEBHOOKS}/{delivery_id}/resend", data={"csrf": csrf_of(page.text)})


def test_without_a_webhook_the_page_says_how_to_set_one_up(in_process_api):
    sign_in(in_process_api)
    answer = in_process_api.http.get(WEBHOOKS)
    assert answer.status_code == 200
    shown = text_of(answer.text)
    assert "Вебхук не настроен" in shown
    assert "добавьте эти строки в sites/oblako-plus/site.yaml" in shown
    [lines, command] = html.fromstring(answer.text).xpath("//pre/code/text()")
    assert lines.startswith("webhook:\n  url: https://") and "secret: whsec_" in lines
    assert "os.urandom(24)" in command
    assert "Событий пока нет." in shown


def test_a_failed_event_is_listed_with_its_error_then_sent_now(hooked, receiver):
    number = register(hooked)
    deliver(hooked)
    [failing] = deliveries(hooked.http.get(WEBHOOKS).text)
    assert failing["heading"].endswith(f"subscriber.registered, абонент {number}")
    assert failing["Состояние"] == "Ещё не доставлено" and failing["Попыток"] == "1"
    assert failing["Ошибка"] == "Failed: the receiver answered 500"
    assert failing["Адрес"] == receiver.url and "Следующая попытка" in failing
    [row] = [r for r in hooked.outbox() if r.channel == "webhook"]
    answer = resend(hooked, row.id)
    assert answer.status_code == 303 and answer.headers["location"] == f"{WEBHOOKS}?resent={row.id}"
    assert len([r for r in hooked.outbox() if r.channel == "webhook"]) == 1, "moved to now, not copied"
    page = hooked.http.get(answer.headers["location"])
    assert f"Событие #{row.id} поставлено в очередь" in text_of(page.text)
    deliver(hooked)
    [event] = [json.loads(body) for _, body in receiver.received]
    assert event["data"]["subscriber_number"] == number
    [sent] = deliveries(hooked.http.get(WEBHOOKS).text)
    assert sent["Состояние"].startswith("Доставлено ") and sent["Попыток"] == "2" and "Ошибка" not in sent


def test_a_delivered_event_is_sent_again_as_a_copy(hooked, receiver):
    receiver.fail = 0
    register(hooked)
    deliver(hooked)
    [original] = [r for r in hooked.outbox() if r.channel == "webhook"]
    page = html.fromstring(hooked.http.get(WEBHOOKS).text)
    assert page.xpath("//ol[@class='deliveries']//button/text()") == ["Отправить ещё раз"]
    answer = resend(hooked, original.id)
    copy = [r for r in hooked.outbox() if r.channel == "webhook"][-1]
    assert copy.id != original.id and answer.headers["location"] == f"{WEBHOOKS}?resent={copy.id}"
    deliver(hooked)
    (first_headers, first), (again_headers, again) = receiver.received
    assert first == again and first_headers["webhook-id"] != again_headers["webhook-id"]
    listed = deliveries(hooked.http.get(WEBHOOKS).text)
    assert [d["heading"].split()[0] for d in listed] == [f"#{copy.id}", f"#{original.id}"], "newest first"
    [entry] = [row for row in hooked.rows("audit_log") if row.action == "webhook_resent"]
    assert entry.operator == OPERATOR and entry.subject == f"subscriber.registered #{original.id} → #{copy.id}"
    assert "повторная отправка вебхука" in text_of(hooked.http.get(f"/cabinet/{SITE}/").text)


def test_an_event_waiting_for_its_first_try_can_be_sent_now(hooked):
    register(hooked)
    [item] = deliveries(hooked.http.get(WEBHOOKS).text)
    assert item["Состояние"] == "Ждёт отправки" and item["Попыток"] == "0"
    page = html.fromstring(hooked.http.get(WEBHOOKS).text)
    assert page.xpath("//ol[@class='deliveries']//button/text()") == ["Отправить сейчас"]
    assert "оплата отправляются событием в вашу систему по адресу" in text_of(hooked.http.get(WEBHOOKS).text)
