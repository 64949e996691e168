"""Money, numbers, dates and phone numbers written the way a reader in the site's locale expects."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

NARROW_NBSP = "\u202f"
#: Russia's country calling code: its numbers are grouped as Russians write them.
RUSSIA = 7


def money(amount: Decimal | int | float, locale: str) -> str:
    """``1044`` → «1 044 ₽» in Russian (thin no-break spaces), «1,044 RUB» in English.

    Kopecks are shown only when the price has them.
    """
    amount = Decimal(str(amount))
    digits = "" if amount == amount.to_integral_value() else ".00"
    symbol = "¤" if locale == "ru" else "¤¤"
    text = format_currency(amount, "RUB", locale=locale, currency_digits=False, format=f"#,##0{digits}\xa0{symbol}")
    return text.replace("\xa0", NARROW_NBSP) if locale == "ru" else text


def number(value: int | float | Decimal, locale: str) -> str:
    text = format_decimal(value, locale=locale)
    return text.replace("\xa0", NARROW_NBSP) if locale == "ru" else text


def percent(value: float, locale: str) -> str:
    """A share as the locale writes it: 0.254 → «25 %» (ru), «25%» (en)."""
    text = format_percent(value, locale=locale)
    return text.replace("\xa0", NARROW_NBSP) if locale == "ru" else text


def date(value: dt.date, locale: str) -> str:
    """«22 ноября 2026 г.» / «November 22, 2026»."""
    return format_date(value, "long", locale=locale)


#: The area code as a person writes it after the country code: in brackets, or the first group
#: of digits («+7 (8182) 55-01-47», «8 921 555 12 34», «+7-343-555-01-23»).
_AREA_CODE = re.compile(r"^\s*(?:\+\s*7|8)[\s-]*(?:\((\d{3,5})\)|(\d{3,5})(?=[\s-]))")

#: How the rest of a Russian number is grouped after an area code of 3, 4 or 5 digits.
_SUBSCRIBER_GROUPS = {7: (3, 2, 2), 6: (2, 2, 2), 5: (1, 2, 2)}


#: An extension written after a number: «доб. 123», «ext. 5», «x12», «#12».
_EXTENSION = re.compile(r"[,;\s]*(?:доб\.?|добавочный|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


@lru_cache(maxsize=1024)  # the same few numbers on every page: parsing one costs as much as a page's text
def phone(text: str) -> str | None:
    """A phone number as a person writes it: «8 (921) 555-12-34» → «+7 921 555-12-34», a
    four-digit area code kept as written («+7 (8182) 55-01-47» → «+7 8182 55-01-47»), an
    extension kept after it («… доб. 123»); None when ``text`` is not a whole number with its
    area code («555-44-33»)."""
    written_extension = _EXTENSION.search(text)
    if written_extension:  # kept as the partner wrote it, after the number: never dropped
        number_part = phone(text[: written_extension.start()])
        return f"{number_part} {written_extension.group(0).strip(' ,;')}" if number_part else None
    number = _parsed(text)
    if number is None:
        return None
    extension = f" доб. {number.extension}" if number.extension else ""  # written some other way
    if number.country_code != RUSSIA:
        number.extension = None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL) + extension
    national = f"{number.national_number:010d}"
    written = _AREA_CODE.match(text)
    area = len(written.group(1) or written.group(2)) if written else 3
    if not national.startswith(("3", "4", "8")):  # mobile and toll-free numbers: always 3 digits
        area = 3
    groups, rest = [], national[area:]
    for size in _SUBSCRIBER_GROUPS[len(rest)]:
        groups.append(rest[:size])
        rest = rest[size:]
    return f"+7 {national[:area]} {'-'.join(groups)}{extension}"


@lru_cache(maxsize=1024)
def tel(text: str) -> str:
    """The number for a ``tel:`` link, digits only after the plus: «+79215551234» (what was
    typed without its spaces, brackets and dashes, when it is not a whole number)."""
    number = _parsed(text)
    if number is None:
        return re.sub(r"[^\d+]", "", text)
    dialled = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{dialled};ext={number.extension}" if number.extension else dialled


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    """The number ``text`` names (Russian unless it starts with another country's code), if it
    is a real one: a number without its area code is not."""
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
