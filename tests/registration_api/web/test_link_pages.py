"""The pages a client opens from an e-mail, in-process: ``/invite/<code>`` (activate an invitation)
and ``/extend/<token>`` (extend a trial once), when the link is valid, unknown, used or late."""

from __future__ import annotations

import re

import pytest
from lxml import html

from registration_api.domain import subscriptions
from tests.support import SERVICE_URL, valid_form

SITE = "oblako-plus"
STOREFRONT = "https://oblako-plus.example"


def invitation(service, **wanted) -> str:
    """A new invitation code of the partner, made through the partner API."""
    answer = service.http.post(f"/api/v1/sites/{SITE}/invitations", json=wanted, headers=service.bearer(SITE))
    assert answer.status_code == 201, answer.text
    [code] = answer.json()["codes"]
    return code


def extension_path(service) -> str:
    """A subscriber whose trial ends on 9 April, and the extension link of the reminder a
    week before, as ``registration-api remind`` e-mails it."""
    answer = service.http.post(f"/r/{SITE}/trial", data=valid_form(), headers={"Accept": "application/json"})
    assert answer.json()["trial_ends"] == "2026-04-09"
    reminded = service.cli("remind", "--today", "2026-04-02")
    assert reminded.code == 0, reminded.err
    [reminder] = [m for m in service.mail() if "заканчивается" in m["Subject"]]
    link = re.search(rf"{re.escape(SERVICE_URL)}(/extend/\S+)", reminder.get_body("plain").get_content())
    assert link, "the reminder carries an extension link"
    return link.group(1)


# --- /invite/<code> ---------------------------------------------------------------------------


def test_an_open_invitation_shows_the_form_in_the_partners_theme(in_process_api):
    code = invitation(in_process_api, trial_days=14)
    answer = in_process_api.http.get(f"/invite/{code}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = html.fromstring(answer.text)
    assert page.findtext(".//h1") == "Приглашение от компании «Облако Плюс»"
    lead = " ".join(page.xpath("string(//p[@class='lead'])").split())
    assert lead.startswith("«Облако Плюс» приглашает вас бесплатно поработать в 1С в облаке: 14 дней на тарифе «")
    assert page.xpath("//form/@action") == [f"{SERVICE_URL}/invite/{code}"]
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert "14" in answer.text, "the trial the invitation gives"
    stylesheets = page.xpath("//link[@rel='stylesheet']/@href")
    assert stylesheets and all(href.startswith(f"/sites/{SITE}/assets/") for href in stylesheets)
    assert all(in_process_api.http.get(href).status_code == 200 for href in stylesheets)


def test_activating_an_invitation_opens_the_trial(in_process_api):
    code = invitation(in_process_api, trial_days=14)
    answer = in_process_api.http.post(f"/invite/{code}", data=valid_form(name="Ольга Смирнова"))
    assert answer.status_code == 200 and "Доступ открыт" in answer.text
    [row] = in_process_api.subscribers()
    assert (row.name, row.page_id, str(row.trial_ends)) == ("Ольга Смирнова", "invitation", "2026-03-24")
    assert row.number in answer.text and "24 марта 2026" in answer.text
    page = html.fromstring(answer.text)
    start = " ".join(page.xpath("string(//main//p[a[@href='https://1cfresh.com/']])").split())
    assert start == "Чтобы начать работу, войдите в сервис с номером абонента из письма: https://1cfresh.com/"
    [listed] = in_process_api.http.get(f"/api/v1/sites/{SITE}/invitations", headers=in_process_api.bearer(SITE)).json()
    assert listed["subscriber_number"] == row.number and listed["activated_at"] is not None


def test_a_used_invitation_says_so_and_opens_nothing(in_process_api):
    code = invitation(in_process_api)
    assert in_process_api.http.post(f"/invite/{code}", data=valid_form()).status_code == 200
    shown = in_process_api.http.get(f"/invite/{code}")
    again = in_process_api.http.post(f"/invite/{code}", data=valid_form(email="other@client.example"))
    for answer in (shown, again):
        assert answer.status_code == 409 and "уже использовано" in answer.text
        assert "<form" not in answer.text
    assert len(in_process_api.subscribers()) == 1


def test_a_late_invitation_says_it_expired(in_process_api):
    code = invitation(in_process_api, expires_days=3)
    assert in_process_api.http.get(f"/invite/{code}").status_code == 200
    in_process_api.clock.advance(days=3, seconds=1)
    shown = in_process_api.http.get(f"/invite/{code}")
    used = in_process_api.http.post(f"/invite/{code}", data=valid_form())
    assert shown.status_code == used.status_code == 410 and "Срок приглашения истёк" in shown.text
    assert in_process_api.subscribers() == []


@pytest.mark.parametrize(
    "code", ["AAAA-BBBB-CCCC-DDDD", "not-a-code", "AAAA-BBBB-CCCC-DDDD-EEEE", "ЖЖЖЖ-BBBB-CCCC-DDDD"]
)
def test_an_unknown_code_is_a_plain_404(in_process_api, code):
    invitation(in_process_api)
    shown = in_process_api.http.get(f"/invite/{code}")
    posted = in_process_api.http.post(f"/invite/{code}", data=valid_form())
    for answer in (shown, posted):
        assert answer.status_code == 404 and "Приглашение не найдено" in answer.text
        assert "Traceback" not in answer.text
    assert in_process_api.subscribers() == []


def test_a_code_is_read_whatever_its_case_and_spaces(in_process_api):
    code = invitation(in_process_api)
    assert in_process_api.http.get(f"/invite/{code.lower()}").status_code == 200
    assert in_process_api.http.post(f"/invite/{code.lower()}", data=valid_form()).status_code == 200
    assert in_process_api.http.get(f"/invite/{code}").status_code == 409, "the same invitation, now used"


def test_an_invitation_form_with_mistakes_keeps_what_was_typed(in_process_api):
    code = invitation(in_process_api)
    answer = in_process_api.http.post(f"/invite/{code}", data=valid_form(phone="123", name="Ольга"))
    assert answer.status_code == 422
    page = html.fromstring(answer.text)
    assert page.get_element_by_id("sf-phone").get("value") == "123"
    assert page.get_element_by_id("sf-name").get("value") == "Ольга"
    assert "не похоже на российский номер" in page.get_element_by_id("sf-phone-error").text_content()
    assert in_process_api.subscribers() == []
    assert in_process_api.http.get(f"/invite/{code}").status_code == 200, "still open"


def test_an_invitation_posted_from_another_site_is_refused(in_process_api):
    code = invitation(in_process_api)
    foreign = in_process_api.http.post(f"/invite/{code}", data=valid_form(), headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and in_process_api.subscribers() == []
    own = in_process_api.http.post(f"/invite/{code}", data=valid_form(), headers={"Origin": SERVICE_URL})
    assert own.status_code == 200, "the invitation page itself posts from this service's address"


def test_the_honeypot_on_an_invitation_opens_nothing(in_process_api):
    code = invitation(in_process_api)
    answer = in_process_api.http.post(f"/invite/{code}", data=valid_form(website="spam"))
    assert answer.status_code == 200 and in_process_api.subscribers() == []


# --- /extend/<token> --------------------------------------------------------------------------


def test_opening_an_extension_link_asks_first_and_changes_nothing(in_process_api):
    path = extension_path(in_process_api)
    answer = in_process_api.http.get(path)
    assert answer.status_code == 200 and "на 7 дней, до 16 апреля 2026" in answer.text
    page = html.fromstring(answer.text)
    assert page.xpath("//form/@action") == [f"{SERVICE_URL}{path}"]
    assert str(in_process_api.subscribers()[0].trial_ends) == "2026-04-09"
    assert in_process_api.http.head(path).status_code == 200


def test_an_extension_link_extends_the_trial_once(in_process_api):
    path = extension_path(in_process_api)
    done = in_process_api.http.post(path)
    assert done.status_code == 200 and "продлён до 16 апреля 2026" in done.text and "г.." not in done.text
    again = in_process_api.http.post(path)
    assert again.status_code == 409 and "один раз" in again.text
    [row] = in_process_api.subscribers()
    assert str(row.trial_ends) == "2026-04-16" and row.extended_at is not None


def test_the_extension_link_of_a_client_who_left_extends_nothing(in_process_api):
    path = extension_path(in_process_api)
    [row] = in_process_api.subscribers()
    service = in_process_api.app.state.service
    assert subscriptions.mark_gone(service.engine, row.site_id, row.number, "закрыли фирму", service.clock())
    answer = in_process_api.http.post(path)
    assert answer.status_code == 409
    [row] = in_process_api.subscribers()
    assert str(row.trial_ends) == "2026-04-09" and row.extended_at is None and row.status == "gone"


@pytest.mark.parametrize("forge", ["tail", "date", "number", "garbage"])
def test_a_forged_or_broken_extension_link_does_not_work(in_process_api, forge):
    path = extension_path(in_process_api)
    number, day, signature = path.removeprefix("/extend/").split(".")
    forged = {
        "tail": f"{number}.{day}.{signature[:-3]}abc",
        "date": f"{number}.2026-05-09.{signature}",
        "number": f"{int(number) + 1}.{day}.{signature}",
        "garbage": "1.2026-01-01.%D0%96",
    }[forge]
    for answer in (in_process_api.http.get(f"/extend/{forged}"), in_process_api.http.post(f"/extend/{forged}")):
        assert answer.status_code == 404 and "Ссылка не действует" in answer.text
    assert str(in_process_api.subscribers()[0].trial_ends) == "2026-04-09"
