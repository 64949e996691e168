import re

import pytest

from storefront.i18n import LOCALES, Translator, messages
from tests.support import REPO

THEMES = REPO / "storefront" / "themes"


def test_every_locale_has_the_same_texts():
    keys = {locale: set(messages(locale)) for locale in LOCALES}
    for locale in LOCALES:
        assert keys[locale] == keys["ru"], f"{locale}: {keys[locale] ^ keys['ru']}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_a_theme_uses_exists(locale):
    used = set()
    for template in THEMES.rglob("*.html"):
        text = template.read_text()
        used |= set(re.findall(r"_\('([a-z_]+)'\s*[,)]", text))
        used |= set(re.findall(r"plural\('([a-z_]+)'", text))
    assert used
    missing = used - set(messages(locale))
    assert not missing, missing


def test_plural_entries_have_the_forms_the_language_needs():
    for key, value in messages("ru").items():
        if isinstance(value, dict):
            assert {"one", "few", "many"} <= set(value), key


def test_a_date_ending_a_sentence_lends_its_period_to_it():
    t = Translator("ru")
    assert t.text("mail_invite_expires", date="9 апреля 2026 г.") == "Приглашение действует до 9 апреля 2026 г."
    assert t.text("mail_invite_expires", date="9.04.2026") == "Приглашение действует до 9.04.2026."
    reminder = t.text("mail_reminder_before_7", date="9 апреля 2026 г.")
    assert "2026 г. Чтобы" in reminder and ".." not in reminder


@pytest.mark.parametrize(
    "name, sentence",
    [
        ("Счётный Двор", "Специалист компании «Счётный Двор» свяжется с вами"),
        ("«Счётный Двор»", "Специалист компании «Счётный Двор» свяжется с вами"),
        ('"Счётный Двор"', "Специалист компании «Счётный Двор» свяжется с вами"),
        ("ООО «Счётный Двор»", "Специалист ООО «Счётный Двор» свяжется с вами"),
        ("ООО Счётный Двор", "Специалист ООО «Счётный Двор» свяжется с вами"),
        ("Acme Cloud", "Специалист компании Acme Cloud свяжется с вами"),
        ("ИП Иванов", "Специалист ИП Иванов свяжется с вами"),
    ],
)
def test_a_partner_name_reads_naturally_inside_a_russian_sentence(name, sentence):
    t = Translator("ru")
    assert t.text("thanks_step_call", partner=t.company(name, "gen")).startswith(sentence)


def test_a_partner_name_in_each_case_it_takes():
    t = Translator("ru")
    assert t.text("mail_reminder_pay", partner=t.company("Счётный Двор", "ins")).endswith(
        "свяжитесь с компанией «Счётный Двор»:"
    )
    assert t.text("mail_welcome_contacts", partner=t.company("ООО «Счётный Двор»")).endswith(
        "ООО «Счётный Двор» на связи:"
    )
    assert Translator("en").company("«Counting House»", "gen") == "«Counting House»"
    assert (
        Translator("en")
        .text("thanks_step_call", partner=Translator("en").company("Acme"))
        .startswith("A specialist from Acme will")
    )


def test_names_get_the_quotes_of_the_language_once():
    ru, en = Translator("ru"), Translator("en")
    assert ru.text("based_on", name=ru.quoted("ПРОФ")) == "На основе тарифа «ПРОФ»"
    assert ru.quoted("Пакет «Спокойный месяц»") == "Пакет «Спокойный месяц»"
    assert ru.quoted('Пакет "Спокойный месяц"') == "Пакет «Спокойный месяц»"
    assert en.text("based_on", name=en.quoted("Business")) == "Based on the \u201cBusiness\u201d plan"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_text_puts_its_own_quotes_around_a_name(locale):
    """Names come quoted by quoted() or company(): a text's own «{name}» would double them."""
    for key, value in messages(locale).items():
        for form in value.values() if isinstance(value, dict) else [value]:
            assert not re.search(r"[«“\"]\{\w+\}", form), (key, form)


@pytest.mark.parametrize(
    "n, subject",
    [
        (1, "Заканчиваются подписки: 1 подписка в ближайшие 14 дней"),
        (3, "Заканчиваются подписки: 3 подписки в ближайшие 14 дней"),
        (5, "Заканчиваются подписки: 5 подписок в ближайшие 14 дней"),
    ],
)
def test_counts_take_the_form_of_their_number(n, subject):
    t = Translator("ru")
    text = t.text("mail_digest_subject", count=t.plural("subscriptions_count", n), date="1 декабря 2026 г.")
    assert text == subject + " (сводка на 1 декабря 2026 г.)"
    extension = t.text("msg_extend_text", number="1000001", days=t.plural("days", 7), date="9 апреля 2026 г.")
    assert extension.startswith("Продлить доступ абонента 1000001 на 7 дней, до 9 апреля 2026 г.? Самостоятельно")
