"""The pages a newsletter's links open, in-process: ``/news/<site>/unsubscribe/<token>`` (the page,
its button, and the mail provider's one-click post of RFC 8058) and ``/news/<site>/confirm/<token>``
(double opt-in), each working only for the partner and the purpose its token was signed for."""

from __future__ import annotations

import pytest
from lxml import html

from registration_api.domain import news_audience, subscriptions
from registration_api.storage.records import Subscriber
from registration_api.storage.tables import subscribers
from tests.registration_api.web.test_news_double_opt_in import ask_double_opt_in, confirmation_link
from tests.support import CLOCK_START, SERVICE_URL, valid_form

SITE = "oblako-plus"
OTHER_SITE = "buhcentr"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
EMAIL = "anna.petrova@client.example"


def signed_up(service, *, email: str = EMAIL, news: bool = True) -> str:
    """A new subscriber of the partner (with consent to news unless ``news`` is false): its number."""
    form = valid_form(email=email, **({"news": "yes"} if news else {}))
    answer = service.http.post(f"/r/{SITE}/trial", data=form, headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["subscriber_number"])


def link(service, purpose: news_audience.LinkPurpose, number: str, site: str = SITE) -> str:
    """The path of the subscriber's link, as a newsletter e-mail carries it."""
    secret = service.app.state.service.link_secret
    return news_audience.link(SERVICE_URL, secret, purpose, site, number).removeprefix(SERVICE_URL)


def awaiting_confirmation(service, number: str) -> None:
    """The subscriber ticked the box on a site that asks for double opt-in: not yet confirmed."""
    with service.database.begin() as conn:
        conn.execute(subscribers.update().where(subscribers.c.number == number).values(news_confirmed_at=None))


def record(service, number: str) -> Subscriber:
    found = subscriptions.find(service.app.state.service.engine, SITE, number)
    assert found is not None
    return found


def row(service, number: str):
    [found] = [r for r in service.subscribers() if r.number == number]
    return found


def shown(answer) -> tuple[str, str]:
    """The page's heading and its lead text, as a person reads them."""
    page = html.fromstring(answer.text)
    return page.findtext(".//h1"), " ".join(page.xpath("string(//main//p[@class='lead'])").split())


def moment(value) -> str:
    return str(value)[:19]


# --- unsubscribe ------------------------------------------------------------------------------


def test_opening_the_unsubscribe_link_asks_first_and_changes_nothing(in_process_api):
    number = signed_up(in_process_api)
    path = link(in_process_api, "unsubscribe", number)
    answer = in_process_api.http.get(path)
    assert answer.status_code == 200
    assert shown(answer) == (
        "Отписаться от рассылки компании «Облако Плюс»?",
        "Новости и предложения больше не будут приходить на адрес a***@client.example.",
    )
    assert EMAIL not in answer.text, "the address is shown masked"
    page = html.fromstring(answer.text)
    assert page.xpath("//main//form/@action") == [f"{SERVICE_URL}{path}"]
    assert page.xpath("//main//form/@method") == ["post"]
    assert page.xpath("//main//form//button/text()") == ["Отписаться"]
    stylesheets = page.xpath("//link[@rel='stylesheet']/@href")
    assert stylesheets and all(href.startswith(f"/sites/{SITE}/assets/") for href in stylesheets)
    assert in_process_api.http.head(path).status_code == 200
    assert row(in_process_api, number).news_unsubscribed_at is None, (
        "a mail scanner opening the link unsubscribes no one"
    )


def test_the_pages_keep_the_token_to_themselves(in_process_api):
    number = signed_up(in_process_api)
    for purpose in ("unsubscribe", "confirm"):
        path = link(in_process_api, purpose, number)
        for answer in (in_process_api.http.get(path), in_process_api.http.post(path)):
            assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["referrer-policy"] == "no-referrer"
            policy = answer.headers["content-security-policy"]
            assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
            assert "script-src" not in policy, "no script runs on the page"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"data": ONE_CLICK}, id="urlencoded"),
        pytest.param({"files": {"List-Unsubscribe": (None, "One-Click")}}, id="multipart"),
    ],
)
def test_the_mail_providers_one_click_post_unsubscribes_at_once(in_process_api, body):
    number = signed_up(in_process_api)
    path = link(in_process_api, "unsubscribe", number)
    assert not in_process_api.http.cookies
    answer = in_process_api.http.post(path, **body)
    assert answer.status_code == 200 and "location" not in answer.headers
    assert answer.headers["content-type"].startswith("text/plain") and len(answer.content) < 100
    unsubscribed = row(in_process_api, number)
    assert moment(unsubscribed.news_unsubscribed_at) == moment(CLOCK_START.replace(tzinfo=None))
    assert unsubscribed.status == "trial", "only the newsletter is left, not the service"


def test_unsubscribing_again_is_no_error_and_keeps_the_first_time(in_process_api):
    number = signed_up(in_process_api)
    path = link(in_process_api, "unsubscribe", number)
    assert in_process_api.http.post(path, data=ONE_CLICK).status_code == 200
    first = row(in_process_api, number).news_unsubscribed_at
    in_process_api.clock.advance(days=2)
    again = in_process_api.http.post(path, data=ONE_CLICK)
    assert again.status_code == 200
    assert row(in_process_api, number).news_unsubscribed_at == first


@pytest.mark.parametrize("origin", ["https://mail.google.com", "https://e.mail.ru", "null", "https://evil.example"])
def test_a_one_click_post_from_any_origin_is_taken(in_process_api, origin):
    number = signed_up(in_process_api)
    answer = in_process_api.http.post(
        link(in_process_api, "unsubscribe", number), data=ONE_CLICK, headers={"Origin": origin}
    )
    assert answer.status_code == 200
    assert row(in_process_api, number).news_unsubscribed_at is not None


def test_the_pages_button_shows_that_it_is_done_and_how_to_write_to_the_partner(in_process_api):
    number = signed_up(in_process_api)
    path = link(in_process_api, "unsubscribe", number)
    done = in_process_api.http.post(
        path, headers={"Origin": SERVICE_URL, "Content-Type": "application/x-www-form-urlencoded"}
    )
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/html")
    title, lead = shown(done)
    assert title == "Вы отписались"
    assert lead.startswith("Рассылка компании «Облако Плюс» больше не будет приходить на адрес a***@client.example.")
    page = html.fromstring(done.text)
    assert page.xpath("//main//a[text()='Написать нам']/@href") == ["mailto:hello@oblako-plus.example"]
    assert not page.xpath("//main//form"), "nothing more to press"
    assert row(in_process_api, number).news_unsubscribed_at is not None
    reopened = in_process_api.http.get(path)
    assert reopened.status_code == 200 and shown(reopened)[0] == "Вы отписались", "the link, opened again"


def test_anyone_the_partner_mails_may_unsubscribe_even_without_consent_given(in_process_api):
    number = signed_up(in_process_api, news=False)
    assert in_process_api.http.post(link(in_process_api, "unsubscribe", number), data=ONE_CLICK).status_code == 200
    assert row(in_process_api, number).news_unsubscribed_at is not None


# --- confirm ----------------------------------------------------------------------------------


def test_confirming_asks_first_then_records_the_confirmation(in_process_api):
    number = signed_up(in_process_api)
    awaiting_confirmation(in_process_api, number)
    path = link(in_process_api, "confirm", number)
    asked = in_process_api.http.get(path)
    assert asked.status_code == 200
    assert shown(asked)[0] == "Подтвердите подписку на новости компании «Облако Плюс»"
    assert html.fromstring(asked.text).xpath("//main//form//button/text()") == ["Подтвердить подписку"]
    assert row(in_process_api, number).news_confirmed_at is None

    in_process_api.clock.advance(minutes=5)
    done = in_process_api.http.post(path)
    assert done.status_code == 200
    title, lead = shown(done)
    assert title == "Подписка подтверждена" and "a***@client.example" in lead
    confirmed = row(in_process_api, number)
    assert moment(confirmed.news_confirmed_at) == "2026-03-10 09:35:00"
    assert news_audience.news_state(record(in_process_api, number)) == "subscribed"

    in_process_api.clock.advance(days=1)
    again = in_process_api.http.post(path)
    assert again.status_code == 200 and shown(again)[0] == "Подписка подтверждена"
    assert row(in_process_api, number).news_confirmed_at == confirmed.news_confirmed_at, "the first time is kept"
    assert shown(in_process_api.http.get(path))[0] == "Подписка подтверждена"


def test_the_e_mailed_confirmation_link_opens_this_page_and_confirms(make_in_process_api, sites_dir):
    ask_double_opt_in(sites_dir)
    service = make_in_process_api()
    number = signed_up(service)
    path = confirmation_link(service).removeprefix(SERVICE_URL)
    assert service.http.get(path).status_code == 200 and record(service, number).news_confirmed_at is None
    done = service.http.post(path)
    assert done.status_code == 200 and shown(done)[0] == "Подписка подтверждена"
    assert news_audience.news_state(record(service, number)) == "subscribed"


def test_a_confirmation_link_without_consent_given_is_not_found(in_process_api):
    number = signed_up(in_process_api, news=False)
    path = link(in_process_api, "confirm", number)
    for answer in (in_process_api.http.get(path), in_process_api.http.post(path)):
        assert answer.status_code == 404 and shown(answer)[0] == "Ссылка не действует"
    assert row(in_process_api, number).news_confirmed_at is None


def test_confirming_after_unsubscribing_subscribes_no_one_again(in_process_api):
    number = signed_up(in_process_api)
    awaiting_confirmation(in_process_api, number)
    assert in_process_api.http.post(link(in_process_api, "unsubscribe", number)).status_code == 200
    path = link(in_process_api, "confirm", number)
    for answer in (in_process_api.http.get(path), in_process_api.http.post(path)):
        assert answer.status_code == 200 and shown(answer)[0] == "Вы отписались"
    assert row(in_process_api, number).news_confirmed_at is None


# --- links for another purpose or partner ------------------------------------------------------


@pytest.mark.parametrize("signed, used", [("confirm", "unsubscribe"), ("unsubscribe", "confirm")])
def test_a_link_works_only_for_its_own_purpose(in_process_api, signed, used):
    number = signed_up(in_process_api)
    awaiting_confirmation(in_process_api, number)
    token = link(in_process_api, signed, number).rsplit("/", 1)[1]
    path = f"/news/{SITE}/{used}/{token}"
    for answer in (in_process_api.http.get(path), in_process_api.http.post(path, data=ONE_CLICK)):
        assert answer.status_code == 404, answer.text
        assert shown(answer) == (
            "Ссылка не действует",
            "Эта ссылка не действует. Откройте ссылку из последнего письма или напишите нам.",
        )
    left = row(in_process_api, number)
    assert left.news_unsubscribed_at is None and left.news_confirmed_at is None


def test_another_partners_link_is_not_found_in_that_partners_theme(in_process_api):
    number = signed_up(in_process_api)
    token = link(in_process_api, "unsubscribe", number).rsplit("/", 1)[1]
    for site_token in (token, link(in_process_api, "unsubscribe", number, OTHER_SITE).rsplit("/", 1)[1]):
        path = f"/news/{OTHER_SITE}/unsubscribe/{site_token}"
        for answer in (in_process_api.http.get(path), in_process_api.http.post(path, data=ONE_CLICK)):
            assert answer.status_code == 404 and shown(answer)[0] == "Ссылка не действует"
            stylesheets = html.fromstring(answer.text).xpath("//link[@rel='stylesheet']/@href")
            assert stylesheets and all(href.startswith(f"/sites/{OTHER_SITE}/assets/") for href in stylesheets)
            assert answer.headers["cache-control"] == "no-store"
    assert row(in_process_api, number).news_unsubscribed_at is None


def test_a_link_of_a_site_the_service_does_not_serve_is_a_plain_404(in_process_api):
    number = signed_up(in_process_api)
    path = link(in_process_api, "unsubscribe", number, "no-such-site")
    for answer in (in_process_api.http.get(path), in_process_api.http.post(path, data=ONE_CLICK)):
        assert answer.status_code == 404 and "Ссылка не действует" in answer.text
        assert "stylesheet" not in answer.text


def test_a_script_is_answered_in_json(in_process_api):
    answer = in_process_api.http.post(
        f"/news/{SITE}/unsubscribe/1000001.forged", data=ONE_CLICK, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 404 and answer.json() == {"error": "this link is not valid"}


# --- on each database -------------------------------------------------------------------------


def test_unsubscribing_and_confirming_on_each_database(make_in_process_api, database_url):
    service = make_in_process_api(database_url=database_url)
    leaving, staying = signed_up(service), signed_up(service, email="boris@client.example")
    awaiting_confirmation(service, staying)
    assert service.http.post(link(service, "unsubscribe", leaving), data=ONE_CLICK).status_code == 200
    assert service.http.post(link(service, "confirm", staying)).status_code == 200
    assert service.http.post(link(service, "unsubscribe", leaving), data=ONE_CLICK).status_code == 200
    states = {number: news_audience.news_state(record(service, number)) for number in (leaving, staying)}
    assert states == {leaving: "unsubscribed", staying: "subscribed"}
    assert record(service, leaving).news_unsubscribed_at == CLOCK_START, "the time of the first post"
