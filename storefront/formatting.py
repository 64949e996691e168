"""Money, numbers and dates written the way a reader in the site's locale expects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

NARROW_NBSP = "\u202f"


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


def date(value: dt.date, locale: str) -> str:
    """«22 ноября 2026 г.» / «November 22, 2026»."""
    return format_date(value, "long", locale=locale)
