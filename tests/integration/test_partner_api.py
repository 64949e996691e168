"""Invitations, reminders, the Monday digest, partner keys and webhooks, with a movable clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import html
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from registration_api.cli import main as cli
from registration_api.domain import api_keys
from registration_api.domain.reminders import Reminder
from tests.support import valid_form

SITE = "oblako-plus"


def key_for(api, site_id=SITE) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_keys.create(api.service.engine, site_id, 'test', api.clock())}"}


def register(api, **form) -> dict:
    with api.client() as client:
        answer = client.post(f"/r/{SITE}/trial", data=valid_form(**form), headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def deliver(api) -> None:
    asyncio.run(api.service.sender.deliver_due())


def remind(api, today: dt.date):
    reminder = Reminder(
        api.service.engine,
        api.service.sites,
        mail_from="robot@storefront.example",
        public_base=api.url,
        secret=api.service.link_secret,
    )
    report = reminder.run(today, api.clock())
    deliver(api)
    return report


@pytest.fixture
def partner_api(make_api, smtp):
    return make_api(smtp.url, background=False)


def test_the_whole_invitation_path(partner_api, smtp, clock):
    api = partner_api
    headers = key_for(api)
    with api.client(headers=headers) as client:
        created = client.post(
            f"/api/v1/sites/{SITE}/invitations",
            json={"email": "olga@client.example", "trial_days": 14, "expires_days": 7},
        )
    assert created.status_code == 201
    [code] = created.json()["codes"]
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    deliver(api)
    [invite] = smtp.mailbox.to("olga@client.example")
    text = invite.get_body("plain").get_content()
    assert code in text and f"{api.url}/invite/{code}" in text and "14 дней" in text

    clock.advance(hours=3)
    with api.client() as client:
        form_page = client.get(f"/invite/{code}")
        assert form_page.status_code == 200
        page = html.fromstring(form_page.text)
        assert page.xpath("//form/@action") == [f"{api.url}/invite/{code}"]
        assert "Облако Плюс" in page.findtext(".//h1") and page.xpath("//link[contains(@href, 'bright.')]")
        done = client.post(f"/invite/{code}", data=valid_form(name="Ольга Смирнова", email="olga@client.example"))
    assert done.status_code == 200 and "Доступ открыт" in done.text
    [row] = api.subscribers()
    assert row.name == "Ольга Смирнова" and row.trial_ends == dt.date(2026, 3, 24) and row.page_id == "invitation"
    assert row.number in done.text

    deliver(api)
    notice = next(m for m in smtp.mailbox.messages if "Новая регистрация" in m["Subject"])
    notice_text = notice.get_body("plain").get_content()
    assert f"Приглашение {code}" in notice_text and "Ольга Смирнова" in notice_text

    with api.client(headers=headers) as client:
        listed = client.get(f"/api/v1/sites/{SITE}/invitations").json()
        as_csv = client.get(f"/api/v1/sites/{SITE}/invitations", params={"format": "csv"})
    assert listed == [
        {
            "code": code,
            "created_at": "2026-03-10T09:30:00+00:00",
            "email": "olga@client.example",
            "tariff": "biznes",
            "trial_days": 14,
            "expires_at": "2026-03-17T09:30:00+00:00",
            "subscriber_number": row.number,
            "activated_at": "2026-03-10T12:30:00+00:00",
        }
    ]
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.startswith("\ufeffcode,created_at,email") and row.number in as_csv.text


def test_used_expired_and_unknown_codes_get_clear_pages(partner_api, clock):
    api = partner_api
    with api.client(headers=key_for(api)) as client:
        used, late = client.post(f"/api/v1/sites/{SITE}/invitations", json={"count": 2, "expires_days": 3}).json()[
            "codes"
        ]
    with api.client() as client:
        assert client.post(f"/invite/{used}", data=valid_form()).status_code == 200
        again = client.post(f"/invite/{used}", data=valid_form(email="other@client.example"))
        assert again.status_code == 409 and "уже использовано" in again.text
        assert client.get(f"/invite/{used.lower()}").status_code == 409, "codes are case-insensitive"
        clock.advance(days=4)
        expired = client.get(f"/invite/{late}")
        assert expired.status_code == 410 and "Срок приглашения истёк" in expired.text
        assert client.post(f"/invite/{late}", data=valid_form(email="x@client.example")).status_code == 410
        unknown = client.get("/invite/AAAA-BBBB-CCCC-DDDD")
        assert unknown.status_code == 404 and "Приглашение не найдено" in unknown.text
    assert len(api.subscribers()) == 1


def test_an_invitation_form_with_mistakes_keeps_what_was_typed(partner_api):
    api = partner_api
    with api.client(headers=key_for(api)) as client:
        [code] = client.post(f"/api/v1/sites/{SITE}/invitations", json={}).json()["codes"]
    with api.client() as client:
        answer = client.post(f"/invite/{code}", data=valid_form(phone="123"))
    assert answer.status_code == 422
    page = html.fromstring(answer.text)
    assert page.get_element_by_id("sf-phone").get("value") == "123"
    assert "не похоже на российский номер" in page.get_element_by_id("sf-phone-error").text_content()


def test_each_reminder_once_with_an_extension_link_in_the_first(partner_api, smtp):
    api = partner_api
    number = register(api)["subscriber_number"]  # trial ends 2026-04-09
    assert remind(api, dt.date(2026, 4, 1)).reminders == 0, "8 days left: nothing yet"
    assert remind(api, dt.date(2026, 4, 2)).reminders == 1
    assert remind(api, dt.date(2026, 4, 2)).reminders == 0, "a second run the same day sends nothing"
    [seven] = [m for m in smtp.mailbox.to("anna@client.example") if "заканчивается 9 апреля" in m["Subject"]]
    link = re.search(r"http://\S+/extend/\S+", seven.get_body("plain").get_content()).group(0)
    assert number in link

    with ThreadPoolExecutor(2) as pool:
        reports = list(
            pool.map(
                lambda _: Reminder(
                    api.service.engine,
                    api.service.sites,
                    mail_from="r@x.example",
                    public_base=api.url,
                    secret=api.service.link_secret,
                ).run(dt.date(2026, 4, 6), api.clock()),
                range(2),
            )
        )
    assert sum(r.reminders for r in reports) == 1, "two runs at the same time: one reminder"
    assert remind(api, dt.date(2026, 4, 9)).reminders == 1
    assert remind(api, dt.date(2026, 4, 14)).reminders == 1
    assert remind(api, dt.date(2026, 4, 15)).reminders == 0
    subjects = [
        m["Subject"]
        for m in smtp.mailbox.to("anna@client.example")
        if "Облако Плюс:" in m["Subject"] and "пробный доступ открыт" not in m["Subject"]
    ]
    assert len(subjects) == 4
    assert any("через 3 дня" in s for s in subjects) and any("сегодня последний день" in s for s in subjects)
    assert any("ждут вас" in s for s in subjects)


def test_a_client_extends_access_once(partner_api, smtp):
    api = partner_api
    register(api)
    remind(api, dt.date(2026, 4, 2))
    mail = next(m for m in smtp.mailbox.to("anna@client.example") if "заканчивается" in m["Subject"])
    link = re.search(r"http://\S+/extend/\S+", mail.get_body("plain").get_content()).group(0)
    path = link.split(str(api.port), 1)[1]
    with api.client() as client:
        confirm = client.get(path)
        assert confirm.status_code == 200 and "до 16 апреля 2026" in confirm.text
        assert api.subscribers()[0].trial_ends == dt.date(2026, 4, 9), "opening the link changes nothing"
        done = client.post(path)
        assert done.status_code == 200 and "продлён до 16 апреля 2026" in done.text
        again = client.post(path)
        assert again.status_code == 409 and "один раз" in again.text
        forged = client.post(path[:-3] + "abc")
        assert forged.status_code == 404
    assert api.subscribers()[0].trial_ends == dt.date(2026, 4, 16)
    assert remind(api, dt.date(2026, 4, 9)).reminders == 1, "reminders follow the new end: 7 days before it"
    newest = [m for m in smtp.mailbox.to("anna@client.example") if "заканчивается 16 апреля" in m["Subject"]]
    assert newest and "/extend/" not in newest[0].get_body("plain").get_content(), "no second extension offered"


def test_monday_digest_once_to_the_partner(partner_api, smtp):
    api = partner_api
    register(api, email="a@client.example", name="Клиент А")  # ends 2026-04-09
    register(api, email="b@client.example", name="Клиент Б")
    monday = dt.date(2026, 3, 30)
    assert monday.weekday() == 0
    assert remind(api, monday - dt.timedelta(days=1)).digests == 0, "not on Sunday"
    assert remind(api, monday).digests == 1
    assert remind(api, monday).digests == 0
    partner = api.service.sites.get(SITE).site.config.partner
    [digest] = [m for m in smtp.mailbox.messages if "Заканчиваются подписки" in m["Subject"]]
    assert str(partner.notify[0]) in str(digest["To"]) and "2 подписки" in digest["Subject"]
    text = digest.get_body("plain").get_content()
    assert "Клиент А" in text and "Клиент Б" in text and "9 апреля 2026" in text


def test_partner_keys_see_only_their_own_partner(partner_api):
    api = partner_api
    register(api)
    own, other = key_for(api, SITE), key_for(api, "buhcentr")
    with api.client() as client:
        assert client.get(f"/api/v1/sites/{SITE}/subscribers").status_code == 401
        assert (
            client.get(f"/api/v1/sites/{SITE}/subscribers", headers={"Authorization": "Bearer sfk_nope"}).status_code
            == 401
        )
        foreign = client.get(f"/api/v1/sites/{SITE}/subscribers", headers=other)
        assert foreign.status_code == 403 and "another partner" in foreign.json()["error"]
        assert client.get("/api/v1/sites/buhcentr/subscribers", headers=other).json() == []
        assert len(client.get(f"/api/v1/sites/{SITE}/subscribers", headers=own).json()) == 1
        assert (
            client.post(
                "/api/v1/sites/buhcentr/subscribers/1000001/convert", headers=other, json={"paid_until": "2026-12-31"}
            ).status_code
            == 404
        )
    api_keys.revoke(api.service.engine, SITE, own["Authorization"][7:19], api.clock())
    with api.client() as client:
        assert client.get(f"/api/v1/sites/{SITE}/subscribers", headers=own).status_code == 401


def test_convert_to_paid_mark_gone_and_filter(partner_api, clock):
    api = partner_api
    first = register(api, email="a@client.example")["subscriber_number"]
    clock.advance(days=3)
    second = register(api, email="b@client.example")["subscriber_number"]
    headers = key_for(api)
    with api.client(headers=headers) as client:
        paid = client.post(f"/api/v1/sites/{SITE}/subscribers/{first}/convert", json={"paid_until": "2026-12-31"})
        assert paid.json() == {"subscriber_number": first, "status": "paid", "paid_until": "2026-12-31"}
        assert (
            client.post(f"/api/v1/sites/{SITE}/subscribers/{first}/convert", json={"paid_until": "soon"}).status_code
            == 422
        )
        gone = client.post(f"/api/v1/sites/{SITE}/subscribers/{second}/gone", json={"reason": "Перешли на коробку"})
        assert gone.status_code == 200
        assert client.post(f"/api/v1/sites/{SITE}/subscribers/{second}/gone", json={}).status_code == 422
        by_status = client.get(f"/api/v1/sites/{SITE}/subscribers", params={"status": "paid"}).json()
        by_period = client.get(f"/api/v1/sites/{SITE}/subscribers", params={"since": "2026-03-12"}).json()
        as_csv = client.get(f"/api/v1/sites/{SITE}/subscribers", params={"format": "csv", "status": "gone"}).text
    assert [r["number"] for r in by_status] == [first] and by_status[0]["paid_until"] == "2026-12-31"
    assert [r["number"] for r in by_period] == [second]
    assert "Перешли на коробку" in as_csv and second in as_csv and first not in as_csv


class Receiver:
    """A real HTTP endpoint that records webhook posts; answers 500 to the first ``fail`` ones."""

    def __init__(self, fail: int = 0):
        self.received: list[tuple[dict, bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(500)
                else:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{self.server.server_address[1]}/hooks/storefront"


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_webhooks_are_signed_and_retried(make_api, smtp, sites_dir, clock):
    receiver = Receiver(fail=1)
    yaml_file = sites_dir / SITE / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: {receiver.url}\n  secret: "{SECRET}"\n')
    api = make_api(smtp.url, background=False, webhook_allow_hosts="127.0.0.1")
    number = register(api)["subscriber_number"]
    deliver(api)
    assert receiver.received == [], "the first delivery got a 500"
    clock.advance(minutes=1)
    with api.client(headers=key_for(api)) as client:
        client.post(f"/api/v1/sites/{SITE}/subscribers/{number}/convert", json={"paid_until": "2026-12-31"})
        [code] = client.post(f"/api/v1/sites/{SITE}/invitations", json={}).json()["codes"]
        client.post(f"/invite/{code}", data=valid_form(email="new@client.example"))
    deliver(api)
    events = [json.loads(body) for _, body in receiver.received]
    assert [e["type"] for e in events] == ["subscriber.registered", "subscriber.converted", "subscriber.activated"]
    assert events[0]["data"]["subscriber_number"] == number and events[1]["data"]["paid_until"] == "2026-12-31"
    verifier = Webhook(SECRET)
    for headers, body in receiver.received:
        assert headers["webhook-id"].startswith("msg_")
        assert verifier.verify(body, headers)["type"].startswith("subscriber.")
    tampered_headers, tampered_body = receiver.received[0]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(tampered_body, tampered_headers)


def test_cli_creates_keys_and_lists_invitations(partner_api, monkeypatch, capsys, sites_dir, database_url):
    api = partner_api
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VAR_DIR", str(api.settings.var_dir))
    monkeypatch.setenv("SMTP_URL", api.settings.smtp_url)
    assert cli(["keys", "create", SITE, "--label", "CRM", "--sites", str(sites_dir)]) == 0
    key = capsys.readouterr().out.strip()
    with api.client() as client:
        assert (
            client.get(f"/api/v1/sites/{SITE}/subscribers", headers={"Authorization": f"Bearer {key}"}).status_code
            == 200
        )
    assert cli(["invitations", "create", SITE, "--count", "2", "--trial-days", "10", "--sites", str(sites_dir)]) == 0
    codes = re.findall(r"^([0-9A-Z-]{19})\s", capsys.readouterr().out, flags=re.M)
    assert len(codes) == 2
    with api.client() as client:
        client.post(f"/invite/{codes[0]}", data=valid_form())
    assert cli(["invitations", "list", SITE, "--sites", str(sites_dir)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["code", "created", "for", "subscriber", "activated"]
    activated = next(line for line in table if line.startswith(codes[0]))
    assert api.subscribers()[0].number in activated and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} MSK$", activated)
    assert cli(["invitations", "list", SITE, "--format", "csv", "--sites", str(sites_dir)]) == 0
    assert capsys.readouterr().out.startswith("code,created_at,email,tariff")
    assert cli(["keys", "create", "nope", "--sites", str(sites_dir)]) == 1


def test_an_invitation_after_an_ended_trial_opens_a_new_one(partner_api, clock):
    api = partner_api
    first = register(api)["subscriber_number"]
    clock.advance(days=40)
    with api.client(headers=key_for(api)) as client:
        [code] = client.post(f"/api/v1/sites/{SITE}/invitations", json={}).json()["codes"]
    with api.client() as client:
        answer = client.post(f"/invite/{code}", data=valid_form())
    assert answer.status_code == 200 and "Доступ открыт" in answer.text
    assert [(r.number == first, r.status) for r in api.subscribers()] == [(True, "expired"), (False, "trial")]


def test_invitation_input_is_checked(partner_api):
    api = partner_api
    with api.client(headers=key_for(api)) as client:
        bad_email = client.post(f"/api/v1/sites/{SITE}/invitations", json={"email": "not-an-address"})
        huge = client.post(f"/api/v1/sites/{SITE}/invitations", json={"expires_days": 10**10})
    assert bad_email.status_code == 422 and "not an e-mail address" in bad_email.json()["error"]
    assert (
        huge.status_code == 422 and "expires_days: input should be less than or equal to 3650" in huge.json()["error"]
    )


def test_a_broken_extension_link_is_a_clear_page(partner_api):
    with partner_api.client() as client:
        answer = client.get("/extend/1.2026-01-01.%D0%96")
    assert answer.status_code == 404 and "Ссылка не действует" in answer.text


def test_one_undeliverable_webhook_does_not_stop_the_mail(make_api, smtp, sites_dir):
    yaml_file = sites_dir / SITE / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: http://localhost:9/hooks\n  secret: "{SECRET}"\n')
    api = make_api(smtp.url, background=False)
    register(api)
    deliver(api)
    assert len(smtp.mailbox.messages) == 2
    webhook = next(m for m in api.outbox() if m.channel == "webhook")
    assert webhook.sent_at is None and webhook.attempts == 1 and webhook.last_error
