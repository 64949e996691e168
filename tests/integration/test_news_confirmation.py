"""Double opt-in end to end: real uvicorn, real SMTP, SQLite and PostgreSQL. A sign-up that
ticks the news box on a partner asking for confirmation gets, besides its welcome, an e-mail
whose one button carries a genuine confirmation link for that subscriber."""

from __future__ import annotations

import pytest
from lxml import html

from registration_api.domain import news_audience
from tests.registration_api.web.test_news_double_opt_in import WORDING, ask_double_opt_in
from tests.support import valid_form, wait_until

SITE = "oblako-plus"


@pytest.fixture
def asking_api(make_api, smtp, sites_dir):
    ask_double_opt_in(sites_dir)
    return make_api(smtp.url)


def _confirmation(smtp, address: str):
    wait_until(lambda: any("подпис" in str(m["Subject"]) for m in smtp.mailbox.to(address)), message="the confirmation")
    [mail] = [m for m in smtp.mailbox.to(address) if "подпис" in str(m["Subject"])]
    return mail


def test_the_confirmation_arrives_with_a_link_that_names_the_subscriber(asking_api, smtp):
    with asking_api.client() as client:
        answer = client.post(f"/r/{SITE}/trial", data=valid_form(news="yes"), headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    number = answer.json()["subscriber_number"]
    mail = _confirmation(smtp, "anna@client.example")
    assert mail["Subject"] == "Облако Плюс: подтвердите подписку на новости"
    assert mail["Reply-To"] == "hello@oblako-plus.example"
    text = mail.get_body(("plain",)).get_content()
    page = html.fromstring(mail.get_body(("html",)).get_content())
    [button] = page.xpath("//a[contains(@class, 'button-link')]")
    assert " ".join(button.text_content().split()) == "Подтвердить подписку"
    link = button.get("href")
    assert link in text and link.startswith(f"{asking_api.settings.public_base.rstrip('/')}/news/{SITE}/confirm/")
    token = link.rsplit("/", 1)[1]
    assert news_audience.read_link_token(asking_api.service.link_secret, "confirm", SITE, token) == number
    flat = " ".join(text.split())
    for said in (
        "Здравствуйте, Анна Петрова!",
        WORDING,
        "anna@client.example",
        "Пока вы не подтвердите подписку, мы не пришлём вам ни одного письма с новостями.",
        "Если вы не просили о подписке, просто не обращайте внимания на это письмо.",
    ):
        assert said in flat, said
    [row] = asking_api.subscribers()
    assert row.number == number and row.news_consent_at is not None and row.news_confirmed_at is None


def test_signing_up_again_with_the_tick_sends_the_confirmation_once(asking_api, smtp):
    with asking_api.client() as client:
        client.post(f"/r/{SITE}/trial", data=valid_form())
        client.post(f"/r/{SITE}/trial", data=valid_form(news="yes"))
        client.post(f"/r/{SITE}/trial", data=valid_form(news="yes"))
    mail = _confirmation(smtp, "anna@client.example")
    [row] = asking_api.subscribers()
    link = next(
        a for a in html.fromstring(mail.get_body(("html",)).get_content()).xpath("//a/@href") if "/confirm/" in a
    )
    token = link.rsplit("/", 1)[1]
    assert news_audience.read_link_token(asking_api.service.link_secret, "confirm", SITE, token) == row.number
    wait_until(lambda: all(m.sent_at is not None for m in asking_api.outbox()), message="the outbox sent")
    assert [m["Subject"] for m in smtp.mailbox.to("anna@client.example")].count(mail["Subject"]) == 1
    assert row.news_consent_text == WORDING and row.news_confirmed_at is None
