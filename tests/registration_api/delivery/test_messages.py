"""E-mails as bytes on the wire: one header per line, whatever the partner typed."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from zoneinfo import ZoneInfo

from registration_api.delivery import messages
from storefront.site.loader import load_site
from tests.support import REPO


def _site_named(name: str):
    site = load_site(REPO / "sites" / "oblako-plus")
    partner = site.config.partner.model_copy(update={"name": name})
    return type(site)(**{**site.__dict__, "config": site.config.model_copy(update={"partner": partner})})


def test_a_line_break_in_a_partner_text_cannot_add_headers():
    site = _site_named("Облако\nBcc: everyone@evil.example")
    when = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
    for to in (["anna@client.example"], ["анна@пример.рф"]):  # the classic and the SMTPUTF8 way
        raw = messages.mail_message(
            site,
            messages.Letterhead("robot@storefront.example", to, "sales@oblako-plus.example"),
            subject="Весна\nReply-To : attacker@evil.example",
            text="текст",
            html="<p>текст</p>",
            when=when,
            headers={"List-Id": "news\nBcc: everyone@evil.example"},
        )
        headers = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8").split("\n")
        names = [line.split(":", 1)[0] for line in headers if not line.startswith((" ", "\t"))]
        assert "Bcc" not in names and names.count("Reply-To") == 1 and names.count("From") == 1, headers
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message.get_all("Reply-To") == ["sales@oblako-plus.example"] and message["Bcc"] is None
        if to[0].isascii():
            assert message["Subject"] == "Весна Reply-To : attacker@evil.example"
            assert message["From"].addresses[0].display_name == "Облако Bcc: everyone@evil.example"


def test_an_email_queued_before_the_partner_renamed_its_tariff_still_goes_out():
    site = load_site(REPO / "sites" / "oblako-plus")
    tariff, app = site.config.tariffs[0], site.applications[0]
    lead = messages.Lead(
        "1000001",
        "Иван Петров",
        "ivan@client.example",
        "+79123456789",
        None,
        None,
        dt.date(2026, 4, 9),
        dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC),
    )
    [notice, _welcome] = messages.registration_mail(
        site,
        lead,
        "robot@storefront.example",
        tariff_id=tariff.id,
        trial_days=30,
        application_id=app.id,
        source=("Пробный доступ", None),
    )
    gone = {**notice.compose, "tariff": "renamed-since", "application": "dropped-since"}  # as if edited since
    raw = messages.compose_queued(site, "partner_notice", notice.recipients, notice.envelope_from, gone)
    text = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    assert tariff.name in text and app.name in text and "Иван Петров" in text


def test_the_partners_notice_says_when_the_lead_came_in_its_own_time_zone():
    site = load_site(REPO / "sites" / "oblako-plus")
    moscow = dt.datetime(2026, 12, 1, 20, 15, tzinfo=ZoneInfo("Europe/Moscow"))
    lead = messages.Lead(
        "1000001", "Иван Петров", "ivan@client.example", "+79123456789", None, None, dt.date(2026, 12, 31), moscow
    )
    [notice, _welcome] = messages.registration_mail(
        site,
        lead,
        "robot@storefront.example",
        tariff_id=site.config.tariffs[0].id,
        trial_days=30,
        application_id=None,
        source=("Пробный доступ", None),
    )
    stored = json.loads(json.dumps(notice.compose))  # as the outbox keeps it, and reads it back
    raw = messages.compose_queued(site, "partner_notice", notice.recipients, notice.envelope_from, stored)
    text = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    assert "Время регистрации: 1 декабря 2026\u202fг., 20:15 MSK" in text
