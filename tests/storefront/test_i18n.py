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
