"""The sign-up route ``POST /r/<site-id>/<page-id>`` in-process: what a browser and a script get
back for each kind of post, and what is stored. Mail delivery and concurrency are covered through
uvicorn in tests/integration/test_signup_service.py."""

from __future__ import annotations

import pytest
from lxml import html

from tests.support import LOCAL_ORIGIN, SERVICE_URL, valid_form

SITE = "oblako-plus"
STOREFRONT = "https://oblako-plus.example"
FROM_STOREFRONT = {"Origin": STOREFRONT}
SCRIPT = {"Accept": "application/json"}


def sign_up(service, page="trial", site=SITE, headers=None, **form):
    """A post of the registration form as a browser on the partner's storefront sends it."""
    return service.http.post(
        f"/r/{site}/{page}", data=valid_form(**form), headers={**FROM_STOREFRONT, **(headers or {})}
    )


def test_a_browser_is_sent_to_the_thank_you_page_of_the_storefront(in_process_api):
    answer = sign_up(in_process_api)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{STOREFRONT}/register/trial/thanks/"
    [row] = in_process_api.subscribers()
    assert (row.site_id, row.page_id, row.tariff, row.status) == (SITE, "trial", "biznes", "trial")
    assert (row.name, row.email, row.phone) == ("Анна Петрова", "anna@client.example", "+79123456789")


def test_a_storefront_under_a_sub_path_gets_its_thank_you_page_there(in_process_api):
    answer = sign_up(in_process_api, site="buhcentr", headers={"Origin": "https://buhcentr-sever.example"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "https://buhcentr-sever.example/cloud/register/trial/thanks/"


def test_a_script_gets_201_with_the_number_and_the_end_of_the_trial(in_process_api):
    answer = sign_up(in_process_api, page="kassa", headers=SCRIPT)
    assert answer.status_code == 201 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "status": "registered",
        "thanks_url": f"{STOREFRONT}/register/kassa/thanks/",
        "subscriber_number": "1000001",
        "trial_ends": "2026-03-24",
    }, "the kassa page gives 14 days from 10 March"
    [row] = in_process_api.subscribers()
    assert (row.application, row.tariff, row.number) == ("kassa", "start", "1000001")


def test_each_new_subscriber_gets_the_next_number(in_process_api):
    numbers = [
        sign_up(in_process_api, headers=SCRIPT, email=f"client{i}@client.example").json()["subscriber_number"]
        for i in range(3)
    ]
    assert numbers == ["1000001", "1000002", "1000003"]


def test_a_sign_up_queues_the_partners_notice_and_the_welcome(in_process_api):
    sign_up(in_process_api)
    assert len(in_process_api.outbox()) == 2
    assert in_process_api.cli("send-mail").code == 0
    recipients = sorted(str(message["To"]) for message in in_process_api.mail())
    assert any("anna@client.example" in to for to in recipients)
    assert any("sales@oblako-plus.example" in to for to in recipients)


def test_the_partners_notice_gives_each_fact_its_own_line(in_process_api):
    sign_up(in_process_api)
    assert in_process_api.cli("send-mail").code == 0
    [notice] = [m for m in in_process_api.mail() if "sales@oblako-plus.example" in str(m["To"])]
    lines = notice.get_body("plain").get_content().splitlines()
    for label in ("Откуда пришла заявка", "Тариф", "Пробный период до", "Время регистрации"):
        [line] = [line for line in lines if line.startswith(label)]
        assert line.count(": ") == 1, f"one fact on the line: {line!r}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inn", "6671045281", "ИНН не проходит проверку контрольных цифр"),
        ("phone", "8 912 345", "Это не похоже на российский номер"),
        ("email", "anna@client", "Похоже, в адресе почты ошибка"),
        ("name", "", "Укажите, как к вам обращаться"),
        ("consent", None, "Без согласия на обработку персональных данных"),
    ],
)
def test_a_wrong_field_shows_the_form_again_with_the_error_and_what_was_typed(in_process_api, field, value, message):
    answer = sign_up(in_process_api, token="tok-1", **{field: value})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    page = html.fromstring(answer.text)
    assert message in page.get_element_by_id(f"sf-{field}-error").text_content()
    assert page.get_element_by_id(f"sf-{field}").get("aria-invalid") == "true"
    typed = valid_form(**{field: value})
    for other in ("name", "email", "phone", "company", "inn"):
        assert page.get_element_by_id(f"sf-{other}").get("value") == typed.get(other, "").strip(), other
    assert page.xpath("//input[@name='token']/@value") == ["tok-1"], "the repeat stays idempotent"
    assert page.xpath("//form/@action") == [f"{SERVICE_URL}/r/{SITE}/trial"]
    assert in_process_api.subscribers() == [] and in_process_api.outbox() == []


def test_the_form_shown_again_takes_its_theme_from_the_service_and_links_back_to_the_storefront(in_process_api):
    page = html.fromstring(sign_up(in_process_api, email="nope").text)
    stylesheets = page.xpath("//link[@rel='stylesheet']/@href")
    assert stylesheets and all(href.startswith(f"/sites/{SITE}/assets/") for href in stylesheets)
    for href in stylesheets:
        answer = in_process_api.http.get(href)
        assert answer.status_code == 200 and answer.headers["content-type"] == "text/css; charset=utf-8"
        assert "immutable" in answer.headers["cache-control"] and answer.text.strip()
    assert page.xpath("//a[@class='brand']/@href") == [f"{STOREFRONT}/"]


def test_a_script_gets_the_errors_per_field(in_process_api):
    answer = sign_up(in_process_api, headers=SCRIPT, email="nope", inn="1234567890", consent=None)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert sorted(errors) == ["consent", "email", "inn"]
    assert errors["inn"][0].startswith("ИНН не проходит проверку контрольных цифр")


def test_the_honeypot_is_answered_as_a_success_and_nothing_is_stored(in_process_api):
    browser = sign_up(in_process_api, website="http://spam.example")
    script = sign_up(in_process_api, website="spam", headers=SCRIPT)
    assert browser.status_code == 303 and browser.headers["location"] == f"{STOREFRONT}/register/trial/thanks/"
    assert script.status_code == 201 and script.json() == {"status": "registered"}
    assert in_process_api.subscribers() == [] and in_process_api.outbox() == []


def test_a_repeated_token_gives_the_same_subscriber_and_no_second_one(in_process_api):
    token = "5b1f7c0e-0d0c-4a55-9a59-222222222222"
    first = sign_up(in_process_api, headers=SCRIPT, token=token)
    again = sign_up(in_process_api, headers=SCRIPT, token=token, name="Анна П.", email="other@client.example")
    browser_again = sign_up(in_process_api, token=token)
    assert first.status_code == again.status_code == 201 and browser_again.status_code == 303
    assert again.json()["subscriber_number"] == first.json()["subscriber_number"]
    [row] = in_process_api.subscribers()
    assert row.name == "Анна Петрова", "the repeat changes nothing"
    assert len(in_process_api.outbox()) == 2, "e-mails for one sign-up only"


def test_the_same_email_again_does_not_reveal_the_existing_trial(in_process_api):
    sign_up(in_process_api, headers=SCRIPT)
    again = sign_up(in_process_api, headers=SCRIPT, email="ANNA@client.example")
    assert again.status_code == 201 and again.json() == {
        "status": "registered",
        "thanks_url": f"{STOREFRONT}/register/trial/thanks/",
    }
    assert len(in_process_api.subscribers()) == 1


@pytest.mark.parametrize(
    "claimed",
    [
        {"Origin": "https://evil.example"},
        {"Origin": None, "Referer": "https://evil.example/form.html"},
        {"Origin": "null"},
    ],
)
def test_a_post_from_another_site_is_refused(in_process_api, claimed):
    headers = {name: value for name, value in claimed.items() if value is not None}
    browser = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=headers)
    script = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(), headers={**headers, **SCRIPT})
    assert browser.status_code == 403 and "только со страниц партнёра" in browser.text
    assert script.status_code == 403 and "only from the partner's own sites" in script.json()["error"]
    assert "access-control-allow-origin" not in script.headers
    assert in_process_api.subscribers() == []


def test_a_post_without_origin_is_a_script_and_accepted(in_process_api):
    answer = in_process_api.http.post(f"/r/{SITE}/trial", data=valid_form(), headers=SCRIPT)
    assert answer.status_code == 201 and "access-control-allow-origin" not in answer.headers


def test_the_partners_own_pages_get_cors_headers(in_process_api):
    answer = sign_up(in_process_api, headers=SCRIPT)
    assert answer.headers["access-control-allow-origin"] == STOREFRONT and answer.headers["vary"] == "Origin"
    preflight = in_process_api.http.options(
        f"/r/{SITE}/trial", headers={"Origin": STOREFRONT, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == STOREFRONT
    assert "POST" in preflight.headers["access-control-allow-methods"]
    foreign = in_process_api.http.options(f"/r/{SITE}/trial", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers


def test_another_listed_origin_of_the_partner_is_accepted(in_process_api):
    """buhcentr embeds its form on its main site, which it lists under ``origins``."""
    answer = sign_up(in_process_api, site="buhcentr", headers={"Origin": "https://buhcentr-sever.example", **SCRIPT})
    assert answer.status_code == 201
    assert sign_up(in_process_api, site="buhcentr", headers=SCRIPT).status_code == 403, "oblako-plus is not theirs"


def test_a_local_preview_gets_the_thank_you_page_on_its_own_host(in_process_api):
    answer = sign_up(in_process_api, headers={"Origin": LOCAL_ORIGIN})
    assert answer.status_code == 303 and answer.headers["location"] == f"{LOCAL_ORIGIN}/register/trial/thanks/"


def test_an_unknown_page_is_the_partners_404_and_an_unknown_site_a_plain_one(in_process_api):
    page = sign_up(in_process_api, page="no-such-page")
    assert page.status_code == 404 and "Облако Плюс" in page.text and "Страница не найдена" in page.text
    as_json = sign_up(in_process_api, page="no-such-page", headers=SCRIPT)
    assert as_json.status_code == 404 and as_json.json() == {"error": "there is no registration page 'no-such-page'"}
    site = sign_up(in_process_api, site="no-such-site")
    assert site.status_code == 404 and "Такой витрины нет" in site.text
    assert sign_up(in_process_api, site="no-such-site", headers=SCRIPT).json() == {
        "error": "there is no such storefront"
    }
    assert in_process_api.subscribers() == []


def test_too_many_sign_ups_from_one_address_wait_a_minute(make_in_process_api):
    service = make_in_process_api(rate_limit_per_minute=2)
    answers = [sign_up(service, headers=SCRIPT, email=f"r{i}@client.example").status_code for i in range(3)]
    assert answers == [201, 201, 429]
    page = sign_up(service, email="r9@client.example")
    assert page.status_code == 429 and "Подождите минуту" in page.text and int(page.headers["retry-after"]) > 0


def test_a_body_over_the_cap_is_refused_and_not_stored(make_in_process_api):
    service = make_in_process_api(max_body_bytes=2048)
    page = sign_up(service, company="Ромашка" * 300)
    script = sign_up(service, company="Ромашка" * 300, headers=SCRIPT)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert script.status_code == 413 and script.json() == {"error": "the request body is larger than 2048 bytes"}
    assert service.subscribers() == []


def test_a_json_body_is_read_as_the_form(in_process_api):
    answer = in_process_api.http.post(
        f"/r/{SITE}/trial", json={**valid_form(), "consent": True}, headers={**FROM_STOREFRONT, **SCRIPT}
    )
    assert answer.status_code == 201 and answer.json()["subscriber_number"] == "1000001"
