"""The welcome e-mail says how to start working, and the thank-you page promises nothing more."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

from lxml import html

from registration_api.delivery import messages
from storefront import SiteRenderer
from storefront.site.loader import load_site
from tests.support import REPO

SIGN_IN = "https://cloud.oblako-plus.example/login"


def _site(**partner_changes):
    site = load_site(REPO / "sites" / "oblako-plus")
    partner = site.config.partner.model_copy(update=partner_changes)
    return type(site)(**{**site.__dict__, "config": site.config.model_copy(update={"partner": partner})})


def _welcome(site):
    lead = messages.Lead(
        "1000042",
        "Иван Петров",
        "ivan@client.example",
        "+79123456789",
        None,
        None,
        dt.date(2026, 4, 9),
        dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC),
    )
    tariff = site.config.tariffs[0]
    queued = messages.registration_mail(
        site,
        lead,
        "robot@storefront.example",
        tariff_id=tariff.id,
        trial_days=30,
        application_id=None,
        source=("x", None),
    )
    notice, welcome = (
        messages.compose_queued(site, o.purpose, o.recipients, o.envelope_from, o.compose) for o in queued
    )
    return [email.message_from_bytes(raw, policy=email.policy.default) for raw in (notice, welcome)]


def test_the_welcome_email_says_where_to_sign_in_with_the_subscriber_number():
    _notice, welcome = _welcome(_site(service_url=SIGN_IN))
    text = welcome.get_body(("plain",)).get_content()
    assert f"Чтобы начать работу, откройте сервис и войдите с номером абонента 1000042:\n{SIGN_IN}\n" in text
    page = html.fromstring(welcome.get_body(("html",)).get_content())
    assert SIGN_IN in page.xpath("//a/@href")


def test_the_thank_you_page_says_the_same_as_the_email():
    site = _site(service_url=SIGN_IN)
    renderer = SiteRenderer(site)
    page = html.fromstring(renderer.render_page(renderer.page("register/trial/thanks/")))
    steps = [" ".join(li.text_content().split()) for li in page.xpath("//ol[@class='steps']/li")]
    assert steps[0] == "Проверьте почту: в письме номер абонента и адрес, по которому входить в сервис."
    assert steps[1].startswith(f"Чтобы начать работу, войдите в сервис с номером абонента из письма: {SIGN_IN}")
    assert steps[2].startswith("Специалист компании «Облако Плюс» свяжется с вами")
    assert page.xpath("//ol[@class='steps']//a/@href") == [SIGN_IN]
    assert "ссылка для входа" not in page.text_content()


def test_phones_in_the_emails_are_written_for_people_and_dialled_clean():
    notice, welcome = _welcome(_site(phone="+7 8182 55-01-47"))
    notice_text = notice.get_body(("plain",)).get_content()
    assert "+7 912 345-67-89" in notice_text and "+79123456789" not in notice_text
    links = html.fromstring(notice.get_body(("html",)).get_content()).xpath("//a[starts-with(@href, 'tel:')]/@href")
    assert links == ["tel:+79123456789", "tel:+78182550147"]  # the lead's, then the partner's in the footer
    welcome_page = html.fromstring(welcome.get_body(("html",)).get_content())
    assert set(welcome_page.xpath("//a[starts-with(@href, 'tel:')]/@href")) == {"tel:+78182550147"}
    assert "+7 8182 55-01-47" in welcome.get_body(("plain",)).get_content()


def test_a_partner_name_reads_naturally_in_the_emails():
    _notice, welcome = _welcome(_site(name="ООО «Счётный Двор»"))
    assert "ООО «Счётный Двор» на связи:" in welcome.get_body(("plain",)).get_content()
    _notice, welcome = _welcome(_site(name="Счётный Двор"))
    assert "компания «Счётный Двор» на связи:" in welcome.get_body(("plain",)).get_content()
