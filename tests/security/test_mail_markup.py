"""Markup in a partner's name or a prospect's name is shown as text in every e-mail, in the
layout's header, footer and button as in the body, and written as typed in the plain text."""

from __future__ import annotations

import pytest
from lxml import html

from tests.registration_api.delivery.mail_kinds import all_kinds, oblako, registration, reminder

PARTNER = 'Облако <img src=x onerror="alert(1)"> & Co'
PROSPECT = '<script>alert("x")</script> Анна'


@pytest.mark.parametrize("kind", all_kinds(oblako()))
def test_a_hostile_partner_name_is_text_in_every_kind(kind):
    message, _link = all_kinds(oblako({"name": PARTNER}))[kind]
    source = message.get_body(("html",)).get_content()
    page = html.fromstring(source)
    assert page.xpath("//img | //script | //*[@onerror]") == []
    assert "&lt;img src=x onerror=" in source
    [wordmark] = page.xpath("//a[contains(@class, 'wordmark')]")
    assert wordmark.text_content() == PARTNER
    assert message.get_body(("plain",)).get_content().startswith(PARTNER + "\n")


def test_a_hostile_prospect_name_is_text_in_the_partners_notice_the_welcome_and_a_reminder():
    site = oblako()
    for message in [*registration(site, name=PROSPECT), reminder(site, name=PROSPECT)]:
        source = message.get_body(("html",)).get_content()
        assert html.fromstring(source).xpath("//script") == [] and "&lt;script&gt;alert(" in source
        assert PROSPECT in message.get_body(("plain",)).get_content()
