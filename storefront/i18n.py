"""Interface texts of the themes in each supported locale, with plural forms.

Texts are YAML catalogues (``locales/<locale>.yaml``). A plural entry maps CLDR plural
categories (one, few, many, other) to forms containing ``{n}``; Babel decides which
category a number falls in, so «1 сеанс, 2 сеанса, 5 сеансов» come out right.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from babel import Locale

LOCALES = ("ru", "en")

#: A locale's texts by key: a text, or its forms by CLDR plural category.
Texts = dict[str, str | dict[str, str]]


#: A ``{name}`` place followed by a period, in a text.
_PLACE_THEN_PERIOD = re.compile(r"\{(\w+)\}\.")


#: Quotation marks of each locale, opening and closing.
QUOTES = {"ru": ("«", "»"), "en": ("\u201c", "\u201d")}

#: Quotes a name may already carry: straight ones, or any language's curly ones.
_QUOTED = re.compile(r'["\u201c\u201e]([^"\u201c\u201d\u201e]+)["\u201d\u201c]')
_HAS_QUOTES = re.compile(r"[«»\u201c\u201d\u201e]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")

#: Legal forms a company's name may start with: «ООО «Счётный Двор»» is named without the word «компания».
_LEGAL_FORM = re.compile(r"^(ООО|ОАО|ЗАО|ПАО|НАО|АО|АНО|НКО|ИП)\s+(.+)$", re.DOTALL)
#: Sole traders are people: their names take no quotes.
_SOLE_TRADER = "ИП"


class MissingTranslation(LookupError):
    """A template asked for a text the locale's catalogue does not have."""

    def __init__(self, key: str, locale: str):
        self.key, self.locale = key, locale
        super().__init__(f"no '{locale}' translation for the text '{key}' (add it to storefront/locales/{locale}.yaml)")


@cache
def messages(locale: str) -> Texts:
    """The texts of ``locale``, read once per process."""
    text = resources.files("storefront").joinpath(f"locales/{locale}.yaml").read_text(encoding="utf-8")
    texts: Texts = yaml.safe_load(text)
    return texts


class Translator:
    """Looks texts up for one locale; used as ``_()`` and ``plural()`` in templates."""

    def __init__(self, locale: str):
        self.locale = locale
        self._messages = messages(locale)
        self._babel = Locale.parse(locale)

    def text(self, key: str, **values: Any) -> str:
        try:
            message = self._messages[key]
        except KeyError:
            raise MissingTranslation(key, self.locale) from None
        if not isinstance(message, str):
            raise MissingTranslation(key, self.locale)
        if not values:
            return message
        # A value that ends a sentence with its own period («9 апреля 2026 г.») takes the
        # sentence's period: never «2026 г..».
        message = _PLACE_THEN_PERIOD.sub(
            lambda m: m.group(0)[:-1] if str(values.get(m.group(1), "")).endswith(".") else m.group(0),
            message,
        )
        return message.format(**values)

    def quoted(self, name: str) -> str:
        """A name inside a sentence: «Счётный Двор», “Business”; a name that already has quotes
        keeps them (straight ones become the locale's), and in Russian a Latin name (Acme Cloud)
        or one with its legal form (ООО «Счётный Двор», ИП Иванов) takes no more."""
        opening, closing = QUOTES.get(self.locale, QUOTES["en"])
        name = " ".join(name.split())
        if _QUOTED.search(name):
            return _QUOTED.sub(lambda m: f"{opening}{m.group(1)}{closing}", name)
        if _HAS_QUOTES.search(name):
            return name
        if self.locale == "ru":
            form = _LEGAL_FORM.match(name)
            if form:
                rest = form.group(2)
                return f"{form.group(1)} {rest if form.group(1) == _SOLE_TRADER else self.quoted(rest)}"
            if not _CYRILLIC.search(name):
                return name
        return f"{opening}{name}{closing}"

    def company(self, name: str, case: str = "nom") -> str:
        """A partner's name as the subject (``nom``), after «специалист» (``gen``) or «с» (``ins``):
        «компании «Счётный Двор»», «ООО «Счётный Двор»» (the legal form says it), «компании Acme Cloud»;
        in English the name as it is."""
        if self.locale != "ru":
            return " ".join(name.split())
        quoted = self.quoted(name)
        if _LEGAL_FORM.match(quoted):
            return quoted
        return self.text(f"company_{case}", name=quoted)

    def plural(self, key: str, n: int | float, formatted: str | None = None) -> str:
        """``plural('sessions', 5)`` → «5 сеансов»; ``formatted`` replaces the bare number."""
        forms = self._messages.get(key)
        if not isinstance(forms, dict):
            raise MissingTranslation(key, self.locale)
        category = self._babel.plural_form(n)
        form = forms.get(category) or forms["other"]
        return form.format(n=formatted if formatted is not None else n)
