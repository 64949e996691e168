import re

import pytest

from storefront.i18n import LOCALES, messages
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
