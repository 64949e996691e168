"""Hostile and unlucky visits to the cabinet's page of subscriptions ending: no session, another
partner's page and subscribers, and hostile names, companies and addresses shown as text."""

from __future__ import annotations

from urllib.parse import quote, unquote

from lxml import html

from tests.registration_api.domain.test_ending import add
from tests.registration_api.web.test_cabinet_auth import sign_in, text_of
from tests.registration_api.web.test_cabinet_ending import PAGE, TODAY, client, section

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_without_a_session_the_page_sends_to_the_sign_in(cabinet):
    answer = cabinet.http.get(PAGE)
    assert answer.status_code == 303 and answer.headers["location"] == "/cabinet/"


def test_another_partners_page_is_not_found_and_its_subscribers_never_shown(cabinet):
    theirs = add(cabinet.database, "Чужой клиент", 2, today=TODAY, site_id="buhcentr")
    sign_in(cabinet)
    for site in ("buhcentr", "no-such-site", "OBLAKO-PLUS", "oblako-plus%2F..%2Fbuhcentr"):
        answer = cabinet.http.get(f"/cabinet/{site}/ending")
        assert answer.status_code == 404, site
        assert "Такой страницы нет" in text_of(answer.text) and "Чужой клиент" not in answer.text
    own = cabinet.http.get(PAGE)
    assert own.status_code == 200 and section(own.text, "ending") == []
    assert theirs not in own.text and "Чужой клиент" not in own.text


def test_hostile_names_companies_and_addresses_are_shown_as_text(cabinet):
    sign_in(cabinet)
    number = client(cabinet, HOSTILE, 3, company=HOSTILE, email=f"{HOSTILE}@x.example", phone=HOSTILE[:20])

    page = cabinet.http.get(PAGE).text

    tree = html.fromstring(page)
    assert not tree.xpath("//script") and not tree.xpath("//img") and not tree.xpath("//*[@onerror]")
    [row] = section(page, "ending")
    assert row[:3] == [number, f"{HOSTILE} {HOSTILE}", f"{HOSTILE}@x.example {HOSTILE[:20]}"]
    [mailto] = tree.xpath("//section[@aria-labelledby='ending']//a[starts-with(@href, 'mailto:')]/@href")
    assert mailto == "mailto:" + quote(f"{HOSTILE}@x.example", safe="@"), "the address stays inside its attribute"


def test_an_address_carrying_a_query_adds_nothing_to_the_operators_draft(cabinet):
    sign_in(cabinet)
    sneaky = "a?cc=spy%40evil.example&body=pay-here&x=@client.example"  # a valid address, as sign-ups accept
    client(cabinet, "Хитрый", 3, email=sneaky)
    tree = html.fromstring(cabinet.http.get(PAGE).text)
    [mailto] = tree.xpath("//section[@aria-labelledby='ending']//a[starts-with(@href, 'mailto:')]/@href")
    assert "?" not in mailto and "&" not in mailto and unquote(mailto.removeprefix("mailto:")) == sneaky
