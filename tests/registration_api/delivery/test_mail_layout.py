"""Every e-mail in the partner's look: its brand colour, a heading, one button that opens the
link the text part writes out, its contacts in the footer, styles inlined for the mail clients
that drop style blocks, readable in dark mode, and a plain text that says it all."""

from __future__ import annotations

import re

import pytest
from lxml import html

from registration_api.delivery.mail_layout import AA, contrast
from tests.registration_api.delivery.mail_kinds import (
    CONFIRM,
    EXTEND,
    INVITE,
    SIGN_IN,
    UNSUBSCRIBE,
    WORDING,
    all_kinds,
    oblako,
    reminder,
)

HEADINGS = {
    "partner_notice": "Новая регистрация на витрине",
    "welcome": "Пробный доступ открыт",
    "invitation": "Приглашение попробовать 1С в облаке",
    "reminder with the extension link": "Скоро заканчивается доступ к 1С в облаке",
    "reminder": "Ваши данные в облаке ждут вас",
    "digest": "Подписки, которые заканчиваются в ближайшие 14 дней",
    "sign_in": "Вход в кабинет партнёра",
    "news_confirm": "Подтвердите подписку на новости",
}
#: The newsletter and onboarding letters are headed by the partner's own subject (a digest: by whose news it is).
HEADED_BY_SUBJECT = ("newsletter digest", "newsletter written", "onboarding letter")
KINDS = all_kinds(oblako())


def _parts(kind: str):
    message, link = KINDS[kind]
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None, "a text and an HTML part"
    return plain.get_content(), html.fromstring(rich.get_content()), link


def _style(element, prop: str) -> str:
    found = re.search(rf"(?:^|;)\s*{prop}\s*:\s*([^;]+)", element.get("style", ""))
    assert found, f"{prop} in the style of <{element.tag} class={element.get('class')}>"
    return found.group(1).strip()


def _text(element) -> str:
    return " ".join(element.text_content().split())


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_headed_by_the_partner_in_its_brand_colour_with_its_contacts_below(kind):
    text, page, _link = _parts(kind)
    [wordmark] = page.xpath("//a[contains(@class, 'wordmark')]")
    assert (
        _text(wordmark) == "Облако Плюс" and _style(wordmark, "color") == "#0b5fd6"
    )  # the brand colour reads on white
    heading = str(KINDS[kind][0]["Subject"]) if kind in HEADED_BY_SUBJECT else HEADINGS[kind]
    if kind == "newsletter digest":
        heading = "Новости компании «Облако Плюс»"  # whose news; the subject names the newest
    assert [_text(h) for h in page.xpath("//h1")] == [heading]
    assert text.startswith(f"Облако Плюс\n\n{heading}\n")
    [footer] = page.xpath("//td[contains(@class, 'footer')]")
    for contact in (
        "620014, г. Екатеринбург, ул. Малышева, д. 51, офис 1204",
        "+7 343 555-01-23",
        "hello@oblako-plus.example",
        "https://oblako-plus.example/",
        "ООО «Облако Плюс»",
    ):
        assert contact in _text(footer) and contact in text.split("\n--\n")[-1]
    # advertising (and only advertising) ends with the recipient's own unsubscribe link
    unsubscribe = [UNSUBSCRIBE] if kind in HEADED_BY_SUBJECT else []
    assert footer.xpath(".//a/@href") == [
        "tel:+73435550123",
        "mailto:hello@oblako-plus.example",
        "https://oblako-plus.example/",
        *unsubscribe,
    ]


@pytest.mark.parametrize("kind", HEADED_BY_SUBJECT)
def test_advertising_says_why_it_came_and_unsubscribes_in_one_click(kind):
    message = KINDS[kind][0]
    text, page, _link = _parts(kind)
    assert message["List-Unsubscribe"].strip() == f"<{UNSUBSCRIBE}>"  # may be folded onto its next line
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "<oblako-plus.news.oblako-plus.example>"
    assert str(message["From"]).startswith("«Облако Плюс» <")  # newsletter.sender, not partner.name
    why = "потому что согласились получать новости и предложения компании «Облако Плюс»"
    [footer] = page.xpath("//td[contains(@class, 'footer')]")
    assert why in _text(footer) and why in text
    assert f"Отписаться одним нажатием: {UNSUBSCRIBE}" in text


def test_transactional_mail_has_no_unsubscribe_header():
    for kind, (message, _link) in KINDS.items():
        if kind not in HEADED_BY_SUBJECT:
            assert message["List-Unsubscribe"] is None, kind


@pytest.mark.parametrize("kind", KINDS)
def test_one_button_opens_the_link_the_text_part_writes_out(kind):
    text, page, link = _parts(kind)
    buttons = page.xpath("//a[contains(@class, 'button-link')]")
    if link is None:  # the digest and a late reminder ask for a call, not a click
        assert buttons == []
        return
    [button] = buttons
    assert button.get("href") == link and link in text
    assert _style(button, "background-color") == "#0b5fd6" and _style(button, "color") == "#ffffff"
    # the same link written out under the button, for a client that shows no button
    hint = button.xpath("following::p[1]")[0]
    assert "скопируйте этот адрес" in _text(hint) and hint.xpath(".//a/@href") == [link]


@pytest.mark.parametrize("kind", KINDS)
def test_styles_are_in_the_elements_and_only_media_queries_stay_in_a_style_block(kind):
    _text_part, page, _link = _parts(kind)
    for element in page.xpath("//body | //h1 | //p | //td | //th | //a"):
        assert element.get("style"), f"<{element.tag} class={element.get('class')}> carries its style"
    blocks = "".join(page.xpath("//style/text()"))
    rules_outside_media = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", blocks).strip()
    assert rules_outside_media == "" and "max-width: 620px" in blocks


@pytest.mark.parametrize("kind", KINDS)
def test_dark_mode_is_declared_and_its_colours_read_on_the_dark_card(kind):
    _text_part, page, _link = _parts(kind)
    assert page.xpath("//meta[@name='color-scheme']/@content") == ["light dark"]
    dark = re.search(r"@media \(prefers-color-scheme: dark\)(.*)", "".join(page.xpath("//style/text()")), re.S)
    assert dark, "a dark-mode block"
    card = re.search(r"\.card[^{]*\{\s*background-color: (#\w+)", dark.group(1)).group(1)
    for colour in re.findall(r"(?<!background-)color: (#\w+)", dark.group(1)):
        assert contrast(colour, card) >= AA, f"{colour} on the dark card {card}"


@pytest.mark.parametrize("brand", ["#ffd400", "#7cc4ff", "#808080", "#111111", None])
def test_any_brand_colour_gives_a_readable_button_and_wordmark(brand):
    site = oblako(brand_changes={"primary": brand})
    page = html.fromstring(reminder(site).get_body(("html",)).get_content())
    [button] = page.xpath("//a[contains(@class, 'button-link')]")
    assert contrast(_style(button, "color"), _style(button, "background-color")) >= AA
    [wordmark] = page.xpath("//a[contains(@class, 'wordmark')]")
    assert contrast(_style(wordmark, "color"), "#ffffff") >= AA


def test_the_text_part_says_everything_the_html_does():
    facts = {
        "partner_notice": ["1000042", "Иван Петров", "ivan@client.example", "+7 912 345-67-89", "9 апреля 2026"],
        "welcome": ["1000042", "Старт", "9 апреля 2026", "https://1cfresh.com/", "Пн–Пт, 9:00–19:00"],
        "invitation": ["K7Q2-M4X9", INVITE, "14 дней"],
        "reminder with the extension link": ["1000042", "9 апреля 2026", EXTEND, "7 дней"],
        "reminder": ["1000042", "9 апреля 2026"],
        "digest": ["15 марта 2026", "1000042", "Иван Петров", "+7 912 345-67-89", "ivan@client.example", "пробный"],
        "sign_in": [SIGN_IN, "https://api.storefront.example/cabinet/"],
        "news_confirm": ["Иван Петров", "ivan@client.example", WORDING, CONFIRM],
    }
    for kind, expected in facts.items():
        text, page, _link = _parts(kind)
        for fact in expected:
            assert fact in text and fact in _text(page), (kind, fact)
