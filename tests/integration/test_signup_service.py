"""The registration endpoint end to end: real uvicorn, real SMTP, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import html

from tests.support import LOCAL_ORIGIN, SmtpServer, valid_form, wait_until

SITE = "oblako-plus"
PARTNER_NOTIFY = "sales@oblako-plus.example"


def post(api, page="trial", site=SITE, json=False, headers=None, **form):
    headers = dict(headers or {})
    if json:
        headers["Accept"] = "application/json"
    with api.client() as client:
        return client.post(f"/r/{site}/{page}", data=valid_form(**form), headers=headers)


def notify_addresses(api):
    return [str(a) for a in api.service.sites.get(SITE).site.config.partner.notify]


def test_sign_up_stores_the_subscriber_and_both_emails_arrive(api, smtp):
    response = post(api)
    assert response.status_code == 303
    assert response.headers["location"] == "https://oblako-plus.example/register/trial/thanks/"

    [row] = api.subscribers()
    assert row.number == "1000001" and row.site_id == SITE and row.page_id == "trial"
    assert row.tariff == "biznes" and row.phone == "+79123456789" and row.inn == "6671045280"
    assert row.trial_ends == dt.date(2026, 4, 9), "today (10 March, Moscow) + 30 days"
    assert row.consent_at is not None and row.status == "trial"

    wait_until(lambda: len(smtp.mailbox.messages) == 2, message="two e-mails")
    partner_addresses = notify_addresses(api)
    [notice] = [m for m in smtp.mailbox.messages if partner_addresses[0] in str(m["To"])]
    [welcome] = smtp.mailbox.to("anna@client.example")
    for message in (notice, welcome):
        assert message["From"].addresses[0].display_name == "Облако Плюс"
        assert message["From"].addresses[0].addr_spec == "robot@storefront.example"
        assert message.get_body("plain") is not None and message.get_body("html") is not None
    assert "Анна Петрова" in notice["Subject"]
    notice_text = notice.get_body("plain").get_content()
    for detail in (
        "1000001",
        "Анна Петрова",
        "anna@client.example",
        "+7 912 345-67-89",
        "ООО «Ромашка»",
        "6671045280",
        "Бизнес",
        "Бесплатный доступ на 30 дней",
        "9 апреля 2026",
    ):
        assert detail in notice_text, detail
    assert notice["Reply-To"] == "anna@client.example"

    assert "1000001" in welcome["Subject"]
    welcome_text = welcome.get_body("plain").get_content()
    for detail in (
        "Здравствуйте, Анна Петрова!",
        "1000001",
        "9 апреля 2026",
        "+7 343 555-01-23",
        "https://1cfresh.com/",
        "hello@oblako-plus.example",
        "30 дней",
    ):
        assert detail in welcome_text, detail
    assert welcome["Reply-To"] == "hello@oblako-plus.example"
    wait_until(lambda: all(m.sent_at is not None for m in api.outbox()), message="the outbox marked sent")


def test_an_address_with_cyrillic_letters_gets_its_welcome(api, smtp):
    assert post(api, json=True, email="анна@пример.рф").status_code == 201
    wait_until(lambda: len(smtp.mailbox.messages) == 2, message="two e-mails")
    [welcome] = [m for m in smtp.mailbox.messages if "пример.рф" in str(m["To"])]
    assert "Здравствуйте, Анна Петрова!" in welcome.get_body("plain").get_content()
    [notice] = [m for m in smtp.mailbox.messages if m is not welcome]
    assert notice["Reply-To"] == "анна@пример.рф" and "анна@пример.рф" in notice.get_body("plain").get_content()


def test_json_client_gets_201_with_number_and_trial_end(api):
    response = post(api, page="kassa", json=True, phone="+7 912 3456789")
    assert response.status_code == 201
    body = response.json()
    assert body["subscriber_number"] == "1000001" and body["trial_ends"] == "2026-03-24"
    [row] = api.subscribers()
    assert row.application == "kassa" and row.tariff == "start" and row.phone == "+79123456789"


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 3456789", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("+7 (343) 555-01-23", "+73435550123"),
        ("912 345 67 89", "+79123456789"),
    ],
)
def test_phone_forms_are_stored_normalised(api, typed, stored):
    assert post(api, phone=typed, email=f"{abs(hash(typed))}@client.example", json=True).status_code == 201
    assert api.subscribers()[-1].phone == stored


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("inn", "6671045281", "ИНН не проходит проверку контрольных цифр"),
        ("inn", "12345", "ИНН не проходит проверку контрольных цифр"),
        ("phone", "+1 212 555 0100", "Это не похоже на российский номер"),
        ("phone", "8 912 345", "Это не похоже на российский номер"),
        ("email", "anna@client", "Похоже, в адресе почты ошибка"),
        ("email", "", "Укажите адрес электронной почты"),
        ("name", "", "Укажите, как к вам обращаться"),
        ("name", "   ", "Укажите, как к вам обращаться"),
        ("consent", None, "Без согласия на обработку персональных данных"),
        ("consent", "no", "Без согласия на обработку персональных данных"),
    ],
)
def test_each_wrong_field_reshows_the_form_with_what_was_typed(api, field, value, message):
    response = post(api, **{field: value})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    page = html.fromstring(response.text)
    error = page.get_element_by_id(f"sf-{field}-error")
    assert message in error.text_content()
    assert page.get_element_by_id(f"sf-{field}").get("aria-invalid") == "true"
    typed = valid_form(**{field: value})
    for other in ("name", "email", "phone", "company", "inn"):
        assert page.get_element_by_id(f"sf-{other}").get("value") == typed.get(other, "").strip()
    assert ("checked" in html.tostring(page.get_element_by_id("sf-consent")).decode()) == (field != "consent")
    assert page.xpath("//link[@rel='stylesheet']/@href")[0].startswith("/sites/oblako-plus/assets/")
    assert api.subscribers() == []


def test_valid_twelve_digit_inn_is_accepted(api):
    assert post(api, inn="500100732259", json=True).status_code == 201


def test_json_errors_per_field(api):
    response = post(api, json=True, email="nope", inn="1234567890", consent=None)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"email", "inn", "consent"} and all(isinstance(v, list) for v in errors.values())


def test_markup_in_a_name_is_escaped_in_the_email_and_the_page(api, smtp):
    name = '<script>alert("x")</script> Анна'
    page = post(api, name=name, email="bad")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Анна" in page.text
    assert post(api, name=name).status_code == 303
    wait_until(lambda: len(smtp.mailbox.messages) == 2)
    for message in smtp.mailbox.messages:
        body = message.get_body("html").get_content()
        assert "<script>" not in body and "&lt;script&gt;" in body


def test_double_submit_makes_one_subscriber_and_one_partner_email(api, smtp):
    token = "5b1f7c0e-0d0c-4a55-9a59-111111111111"
    first = post(api, token=token, json=True)
    second = post(api, token=token, json=True, name="Анна П.")
    assert first.status_code == second.status_code == 201
    assert first.json()["subscriber_number"] == second.json()["subscriber_number"]
    same_email = post(api, json=True, email="ANNA@client.example")
    assert same_email.status_code == 201 and same_email.json()["status"] == "registered"
    assert "subscriber_number" not in same_email.json() and "trial_ends" not in same_email.json()
    assert len(api.subscribers()) == 1
    wait_until(lambda: len(smtp.mailbox.messages) >= 2)
    with api.client() as client:
        client.get("/healthz")
    assert (
        len(api.outbox()) == 2 and len([m for m in smtp.mailbox.messages if "Новая регистрация" in m["Subject"]]) == 1
    )


def test_concurrent_double_submit_still_makes_one(api):
    token = "concurrent-token"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(api, token=token, json=True), range(8)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["subscriber_number"] for a in answers}) == 1 and len(api.subscribers()) == 1


def test_repeats_within_one_batch_get_the_first_ones_number(api):
    from registration_api.domain.signups import SignUp, _Request

    partner = api.service.sites.get(SITE)
    page = partner.page("trial")

    def request(email: str, token: str | None) -> _Request:
        return _Request(partner, page, SignUp("Анна Петрова", email, "+79123456789", None, None, token))

    batch = [
        request("anna@client.example", "t1"),
        request("other@client.example", "t1"),  # the same token
        request("ANNA@client.example", "t2"),  # the same e-mail
        request("boris@client.example", None),
    ]
    with api.service.engine.begin() as conn:
        outcomes = api.service.signups._register_batch(conn, batch)
    assert [o.created for o in outcomes] == [True, False, False, True]
    assert outcomes[0].number == outcomes[1].number == outcomes[2].number != outcomes[3].number
    assert sorted(r.email for r in api.subscribers()) == ["anna@client.example", "boris@client.example"]
    assert len(api.outbox()) == 4, "two e-mails per new subscriber, none for repeats"


def test_a_new_trial_after_the_old_one_ended(api, clock):
    first = post(api, json=True).json()
    clock.advance(days=31)
    second = post(api, json=True).json()
    assert first["subscriber_number"] != second["subscriber_number"]
    assert [r.status for r in api.subscribers()] == ["expired", "trial"]


def test_fifty_concurrent_sign_ups_get_fifty_distinct_numbers(api, smtp):
    def sign_up(i):
        return post(api, json=True, email=f"client{i}@client.example", name=f"Клиент {i}")

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(sign_up, range(50)))
    assert [a.status_code for a in answers] == [201] * 50
    numbers = {a.json()["subscriber_number"] for a in answers}
    rows = api.subscribers()
    assert len(numbers) == 50 and {r.number for r in rows} == numbers
    wait_until(lambda: len(smtp.mailbox.messages) == 100, timeout=30, message="100 e-mails")


def test_mail_sent_while_smtp_was_down_arrives_once_it_is_back(make_api, clock):
    down = SmtpServer()  # a port with nobody listening yet
    api = make_api(down.url, background=False)
    assert post(api, json=True).status_code == 201
    report = asyncio.run(api.service.sender.deliver_due())
    assert (report.sent, report.failed) == (0, 2)
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in api.outbox())

    down.start()
    try:
        assert asyncio.run(api.service.sender.deliver_due()).sent == 0, "not before the back-off"
        clock.advance(minutes=1)
        assert asyncio.run(api.service.sender.deliver_due()).sent == 2
        clock.advance(hours=2)
        assert asyncio.run(api.service.sender.deliver_due()).sent == 0
        assert len(down.mailbox.messages) == 2
        assert sorted(m["Subject"].split(":")[0] for m in down.mailbox.messages)[0].startswith("Новая регистрация")
    finally:
        down.stop()


def test_a_batch_of_emails_shares_one_smtp_connection(make_api, smtp):
    api = make_api(smtp.url, background=False)
    for i in range(3):
        assert post(api, json=True, email=f"c{i}@client.example").status_code == 201
    assert asyncio.run(api.service.sender.deliver_due()).sent == 6
    assert len(smtp.mailbox.messages) == 6 and len(set(smtp.mailbox.connections)) == 1


def test_two_senders_at_once_send_each_email_once(make_api, smtp):
    from registration_api.delivery.outbox import OutboxSender

    api = make_api(smtp.url, background=False)
    for i in range(10):
        assert post(api, json=True, email=f"c{i}@client.example").status_code == 201
    service = api.service
    other = OutboxSender(service.engine, service.sender.transport, clock=service.clock, site=service.sites.site)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda sender: asyncio.run(sender.deliver_due(limit=3)), [service.sender, other]))
    assert sum(r.sent for r in reports) == 20 and sum(r.failed for r in reports) == 0
    assert len(smtp.mailbox.messages) == 20 and len({m["Message-ID"] for m in smtp.mailbox.messages}) == 20


def test_post_from_a_foreign_origin_is_refused(api):
    html_answer = post(api, headers={"Origin": "https://evil.example"})
    assert html_answer.status_code == 403 and "только со страниц партнёра" in html_answer.text
    json_answer = post(api, json=True, headers={"Referer": "https://evil.example/form.html"})
    assert json_answer.status_code == 403 and "evil.example" in json_answer.json()["error"]
    assert api.subscribers() == []


def test_partner_origins_are_accepted_with_cors(api):
    own = post(api, json=True, headers={"Origin": "https://oblako-plus.example"})
    assert own.status_code == 201 and own.headers["access-control-allow-origin"] == "https://oblako-plus.example"
    embedded = post(
        api, site="buhcentr", json=True, email="x@client.example", headers={"Origin": "https://buhcentr-sever.example"}
    )
    assert embedded.status_code == 201
    with api.client() as client:
        preflight = client.options(
            f"/r/{SITE}/trial",
            headers={"Origin": "https://oblako-plus.example", "Access-Control-Request-Method": "POST"},
        )
        refused = client.options(f"/r/{SITE}/trial", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 204 and "POST" in preflight.headers["access-control-allow-methods"]
    assert refused.status_code == 403


def test_local_preview_origin_gets_thanks_on_its_own_host(api):
    response = post(api, headers={"Origin": LOCAL_ORIGIN})
    assert response.headers["location"] == f"{LOCAL_ORIGIN}/register/trial/thanks/"


def test_honeypot_drops_the_submission_silently(api, smtp):
    assert post(api, website="http://spam.example").status_code == 303
    assert post(api, website="spam", json=True).status_code == 201
    assert post(api, website="spam", phone="123", json=True).status_code == 422, "a form with mistakes shows them"
    assert api.subscribers() == [] and api.outbox() == []


def test_unknown_page_is_a_404_in_the_partners_theme(api):
    with api.client() as client:
        page = client.post(f"/r/{SITE}/no-such-page", data=valid_form())
        site = client.post("/r/no-such-site/trial", data=valid_form())
    assert page.status_code == 404 and "Страница не найдена" in page.text and "Облако Плюс" in page.text
    assert "bright." in page.text
    assert site.status_code == 404


def test_rate_limit_per_client(make_api, smtp):
    api = make_api(smtp.url, rate_limit_per_minute=3)
    answers = [post(api, json=True, email=f"r{i}@client.example").status_code for i in range(5)]
    assert answers == [201, 201, 201, 429, 429]
    limited = post(api, email="r9@client.example")
    assert limited.status_code == 429 and "Подождите минуту" in limited.text and "retry-after" in limited.headers


def test_request_body_is_size_capped(api):
    response = post(api, company="Ромашка" * 4000)
    assert response.status_code == 413 and api.subscribers() == []


def test_health_and_openapi(api):
    with api.client() as client:
        health = client.get("/healthz").json()
        spec = client.get("/openapi.json").json()
    assert health == {"status": "ok", "database": "ok", "sites": ["buhcentr", "oblako-plus"], "failed": {}}
    assert spec["openapi"].startswith("3.") and "/r/{site_id}/{page_id}" in spec["paths"]


def test_changed_site_yaml_is_picked_up_without_a_restart(api, sites_dir):
    yaml_file = sites_dir / SITE / "site.yaml"
    text = yaml_file.read_text()
    assert re.search(r"\n  - id: kassa\n(.*\n)*?    trial_days: 14\n", text)
    yaml_file.write_text(text.replace("    trial_days: 14\n", "    trial_days: 21\n", 1))
    wait_until(lambda: api.service.sites.get(SITE).page("kassa").trial_days == 21, message="reload")
    assert post(api, page="kassa", json=True).json()["trial_ends"] == "2026-03-31"

    yaml_file.write_text(text.replace("partner:", "partner:\n  broken: [", 1))
    time.sleep(1.0)  # five watch intervals
    assert api.service.sites.get(SITE).page("kassa").trial_days == 21, "a broken edit keeps the last good site"


def test_loopback_pages_are_accepted_only_when_the_service_listens_locally(make_api, smtp):
    public = make_api(smtp.url)
    assert post(public, headers={"Origin": "http://localhost:8080"}).status_code == 403
    local = make_api(smtp.url, allow_loopback_origins=True)
    answer = post(local, headers={"Origin": "http://localhost:8080"})
    assert answer.status_code == 303 and answer.headers["location"] == "http://localhost:8080/register/trial/thanks/"


def test_form_shown_again_posts_to_the_public_address(make_api, smtp):
    api = make_api(smtp.url, public_base_url="https://api.oblako-plus.example/")
    page = html.fromstring(post(api, email="bad").text)
    assert page.xpath("//form/@action") == ["https://api.oblako-plus.example/r/oblako-plus/trial"]


def test_a_line_break_in_the_name_is_a_field_error_not_a_crash(api):
    answer = post(api, json=True, name="Иван\nBcc: evil@x.example")
    assert answer.status_code == 422 and "одной строкой" in answer.json()["errors"]["name"][0]
    assert api.subscribers() == []


def test_behind_a_proxy_the_limit_follows_the_address_the_proxy_saw(make_api, smtp):
    api = make_api(smtp.url, rate_limit_per_minute=2, trust_proxy=1)
    spoofed = [
        post(
            api, json=True, email=f"s{i}@client.example", headers={"X-Forwarded-For": f"10.0.0.{i}, 203.0.113.7"}
        ).status_code
        for i in range(3)
    ]
    assert spoofed == [201, 201, 429], "a client cannot get a fresh limit by inventing addresses"
