"""Russian phone numbers and taxpayer numbers (ИНН), as prospects type them.

Pure functions, so the form, the tests and later the partner API agree on one rule.
"""

from __future__ import annotations

import re

_PHONE_CHARS = re.compile(
    "^[0-9 \t\u00a0()+\\-.]+$"
)  # ASCII digits only: ٩ or ９ are digits to Python, not to an operator
_NATIONAL, _WITH_COUNTRY_CODE = 10, 11  # digits of a Russian number without and with its 7 or 8
_ORGANISATION_INN, _PERSON_INN = 10, 12  # digits of an organisation's and a person's ИНН
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def normalise_phone(text: str) -> str | None:
    """``8 (912) 345-67-89``, ``+7 912 3456789`` or ``912 345 67 89`` → ``+79123456789``.

    ``None`` when the text is not a Russian number.
    """
    text = text.strip()
    if not text or not _PHONE_CHARS.match(text) or text.count("+") > 1 or "+" in text[1:]:
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return f"+{digits}" if len(digits) == _WITH_COUNTRY_CODE and digits[0] == "7" else None
    if len(digits) == _WITH_COUNTRY_CODE and digits[0] in "78":
        return f"+7{digits[1:]}"
    if len(digits) == _NATIONAL and digits[0] in "3489" and not digits.startswith("89"):
        return f"+7{digits}"  # no area code starts with 89: that is a mobile number missing a digit
    return None


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10  # the digits before the check


def inn_check_digit(first_nine: str) -> int:
    """The check digit that makes an organisation's ИНН of these nine digits valid."""
    return _check_digit(first_nine, _INN10_WEIGHTS)


def inn_is_valid(inn: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (person) ИНН whose check digits match."""
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == _ORGANISATION_INN:
        return _check_digit(inn, _INN10_WEIGHTS) == int(inn[-1])
    if len(inn) == _PERSON_INN:
        return _check_digit(inn, _INN11_WEIGHTS) == int(inn[-2]) and _check_digit(inn, _INN12_WEIGHTS) == int(inn[-1])
    return False
