"""Signing in to the partner's cabinet, in-process: the e-mail form, the link e-mailed to an
operator, the button that uses it, the partner's page, the choice between two partners, sign-out."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

from lxml import html

from storefront import language
from tests.support import SERVICE_URL, valid_form

OPERATOR = "anna.kuzmina@oblako-plus.example"  # listed in notify, so an operator by default
SITE = "oblako-plus"


def csrf_of(page: str) -> str:
    [token] = html.fromstring(page).xpath("//input[@name='csrf']/@value")[:1]
    return str(token)


def text_of(page: str) -> str:
    return " ".join(html.fromstring(page).text_content().split())


def ask_for_link(api, email: str):
    form = api.http.get("/cabinet/")
    return api.http.post("/cabinet/sign-in", data={"email": email, "csrf": csrf_of(form.text)})


def mailed_link(api, email: str) -> str:
    """The path of the sign-in link last e-mailed to ``email``, delivered by ``send-mail``."""
    assert api.cli("send-mail").code == 0
    # the newest by its Date (the service's clock): a Maildir lists its files in no set order
    [mail] = sorted((m for m in api.mail() if m["To"] == email), key=lambda m: parsedate_to_datetime(m["Date"]))[-1:]
    found = re.search(rf"{re.escape(SERVICE_URL)}(/cabinet/sign-in/\S+)", mail.get_body("plain").get_content())
    assert found, "the e-mail carries the sign-in link"
    return found.group(1)


def sign_in(api, email: str = OPERATOR):
    """Ask for a link, open it and press «Войти»: the answer to that press."""
    assert ask_for_link(api, email).status_code == 200
    path = mailed_link(api, email)
    button = api.http.get(path)
    return api.http.post(path, data={"csrf": csrf_of(button.text)})


def test_the_cabinet_asks_for_the_e_mail_in_russian(cabinet):
    page = cabinet.http.get("/cabinet/")
    assert page.status_code == 200
    form = html.fromstring(page.text).xpath("//form[@action='/cabinet/sign-in']")[0]
    assert form.xpath(".//input[@type='email'][@name='email']")
    assert "Вход в кабинет партнёра" in text_of(page.text)
    assert "пароль не нужен" in text_of(page.text)
    assert html.fromstring(page.text).get("lang") == "ru"


def test_an_operator_gets_a_link_that_signs_in_once_and_lands_on_the_partners_cabinet(cabinet):
    answer = ask_for_link(cabinet, OPERATOR)
    assert "Если адрес anna.kuzmina@oblako-plus.example есть в списке операторов партнёра" in text_of(answer.text)
    path = mailed_link(cabinet, OPERATOR)
    [mail] = cabinet.mail()
    assert mail["Subject"].strip() == "Ссылка для входа в кабинет партнёра"
    assert "Ссылка действует один раз и только 15 минут." in mail.get_body("plain").get_content()
    button = cabinet.http.get(path)
    assert button.status_code == 200 and "Войти" in text_of(button.text)
    assert cabinet.rows("sign_in_links")[0].used_at is None, "opening the link does not use it"
    landed = cabinet.http.post(path, data={"csrf": csrf_of(button.text)})
    assert landed.status_code == 303 and landed.headers["location"] == "/cabinet/"
    home = cabinet.http.get("/cabinet/")
    assert home.status_code == 303 and home.headers["location"] == f"/cabinet/{SITE}/"
    page = cabinet.http.get(f"/cabinet/{SITE}/")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Облако Плюс" in shown and OPERATOR in shown and "Выйти" in shown
    assert "вход в кабинет" in shown, "the audit log shows the sign-in"


def test_the_sign_in_mail_carries_no_stored_secret(cabinet):
    ask_for_link(cabinet, OPERATOR)
    token = mailed_link(cabinet, OPERATOR).rsplit("/", 1)[1]
    [row] = cabinet.rows("sign_in_links")
    assert token not in str(tuple(row)) and len(row.token_hash) == 64


def test_sign_out_ends_the_session_and_is_logged(cabinet):
    sign_in(cabinet)
    page = cabinet.http.get(f"/cabinet/{SITE}/")
    out = cabinet.http.post("/cabinet/sign-out", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert cabinet.http.get(f"/cabinet/{SITE}/").headers["location"] == "/cabinet/"
    assert [row.action for row in cabinet.rows("audit_log")] == ["sign_in", "sign_out"]
    assert {row.operator for row in cabinet.rows("audit_log")} == {OPERATOR}


def test_a_session_ends_after_half_an_hour_without_use(cabinet):
    sign_in(cabinet)
    cabinet.clock.advance(minutes=29)
    assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 200
    cabinet.clock.advance(minutes=29)  # the last visit moved the limit on
    assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 200
    cabinet.clock.advance(minutes=31)
    assert cabinet.http.get(f"/cabinet/{SITE}/").headers["location"] == "/cabinet/"


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(cabinet):
    sign_in(cabinet)
    for _ in range(12 * 3 - 1):  # a visit every twenty minutes for almost twelve hours
        cabinet.clock.advance(minutes=20)
        assert cabinet.http.get(f"/cabinet/{SITE}/").status_code == 200
    cabinet.clock.advance(minutes=20, seconds=1)
    assert cabinet.http.get(f"/cabinet/{SITE}/").headers["location"] == "/cabinet/"


def test_an_english_partners_operator_reads_the_cabinet_in_english(make_in_process_api, sites_dir):
    site_yaml = sites_dir / SITE / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("locale: ru", "locale: en"), encoding="utf-8")
    service = make_in_process_api()
    ask_for_link(service, OPERATOR)
    path = mailed_link(service, OPERATOR)
    [mail] = service.mail()
    assert mail["Subject"].strip() == "Your link to sign in to the cabinet"
    assert "The link works once, within 15 minutes." in mail.get_body("plain").get_content()
    button = service.http.get(path)
    assert "Press the button to sign in." in text_of(button.text), "the link's page speaks the partner's language"
    service.http.post(path, data={"csrf": csrf_of(button.text)})
    page = service.http.get(f"/cabinet/{SITE}/")
    assert "Sign out" in text_of(page.text) and "signed in" in text_of(page.text)
    assert html.fromstring(page.text).get("lang") == "en"
    forged = service.http.post("/cabinet/sign-out", data={"csrf": "wrong"})
    assert forged.status_code == 403 and "The form has expired" in text_of(forged.text)


def test_an_operator_of_two_partners_chooses_one(make_in_process_api, sites_dir):
    site_yaml = sites_dir / "buhcentr" / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(text.replace("  notify:\n", f"  operators:\n    - {OPERATOR}\n  notify:\n", 1), "utf-8")
    service = make_in_process_api()
    sign_in(service)
    choice = service.http.get("/cabinet/")
    assert choice.status_code == 200 and "Выберите, чей кабинет открыть" in text_of(choice.text)
    links = html.fromstring(choice.text).xpath("//ul[@class='choices']//a/@href")
    assert links == ["/cabinet/buhcentr/", f"/cabinet/{SITE}/"]
    assert service.http.get("/cabinet/buhcentr/").status_code == 200
    assert service.http.get(f"/cabinet/{SITE}/").status_code == 200
    assert sorted(row.site_id for row in service.rows("audit_log")) == ["buhcentr", SITE]


def test_a_mistyped_address_is_told_in_russian(cabinet):
    form = cabinet.http.get("/cabinet/")
    answer = cabinet.http.post("/cabinet/sign-in", data={"email": "anna.oblako", "csrf": csrf_of(form.text)})
    assert answer.status_code == 400
    assert "Это не адрес электронной почты; напишите его в виде name@company.ru." in text_of(answer.text)
    assert cabinet.outbox() == []


def test_russian_is_the_default_even_when_the_process_speaks_english(cabinet):
    language.use("en")
    assert "Прислать ссылку" in text_of(cabinet.http.get("/cabinet/").text)


def test_links_a_day_past_their_end_are_forgotten_when_another_is_asked_for(cabinet):
    ask_for_link(cabinet, OPERATOR)
    cabinet.clock.advance(days=1, minutes=16)
    ask_for_link(cabinet, "sales@oblako-plus.example")
    assert [row.email for row in cabinet.rows("sign_in_links")] == ["sales@oblako-plus.example"]


def test_the_partners_page_shows_its_figures_and_the_chart_of_sign_ups(cabinet):
    for n in range(3):
        posted = cabinet.http.post(
            f"/r/{SITE}/trial",
            data=valid_form(email=f"client{n}@client.example", token=f"overview-{n}"),
            headers={"Origin": "https://oblako-plus.example"},
        )
        assert posted.status_code == 303, posted.text
    sign_in(cabinet)
    page = cabinet.http.get(f"/cabinet/{SITE}/")
    tree = html.fromstring(page.text)
    figures = {div.findtext("dt"): div.findtext("dd") for div in tree.xpath("//dl[@class='figures']/div")}
    assert figures["Регистраций сегодня"] == "3" and figures["Идут пробные периоды"] == "3"
    assert figures["Ушли в этом месяце"] == "0"
    assert figures["Доля перешедших на оплату за 90 дней"] == "пробные периоды ещё не заканчивались"
    [chart] = html.fromstring(page.text).xpath("//div[@class='chart']/*[local-name()='svg']")
    assert chart.get("role") == "img"
    assert "3" in chart.xpath("string(.//*[local-name()='desc'])"), "the chart's description gives the total"
