import datetime as dt
from decimal import Decimal

import pytest

from storefront import formatting
from storefront.i18n import Translator

THIN = "\u202f"


@pytest.mark.parametrize(
    "amount, expected",
    [
        (1044, f"1{THIN}044{THIN}₽"),
        (Decimal("2472.50"), f"2{THIN}472,50{THIN}₽"),
        (494, f"494{THIN}₽"),
        (129990, f"129{THIN}990{THIN}₽"),
    ],
)
def test_roubles_in_russian(amount, expected):
    assert formatting.money(amount, "ru") == expected


def test_roubles_in_english():
    assert formatting.money(1044, "en") == "1,044\xa0RUB"
    assert formatting.money(Decimal("1044.5"), "en") == "1,044.50\xa0RUB"


@pytest.mark.parametrize(
    "n, expected",
    [
        (1, "1 сеанс"),
        (2, "2 сеанса"),
        (4, "4 сеанса"),
        (5, "5 сеансов"),
        (11, "11 сеансов"),
        (21, "21 сеанс"),
        (22, "22 сеанса"),
        (25, "25 сеансов"),
        (111, "111 сеансов"),
    ],
)
def test_russian_plural_forms(n, expected):
    assert Translator("ru").plural("sessions", n) == expected


def test_plural_days_and_applications():
    ru = Translator("ru")
    assert [ru.plural("days", n) for n in (1, 3, 14, 30)] == ["1 день", "3 дня", "14 дней", "30 дней"]
    assert ru.plural("applications_count", 3) == "3 программы"
    assert Translator("en").plural("days", 1) == "1 day" and Translator("en").plural("days", 30) == "30 days"


def test_dates_in_the_locale():
    day = dt.date(2026, 3, 1)
    assert formatting.date(day, "ru") == f"1 марта 2026{THIN}г."
    assert formatting.date(day, "en") == "March 1, 2026"


def test_numbers_use_thin_spaces_in_russian():
    assert formatting.number(10000, "ru") == f"10{THIN}000"


@pytest.mark.parametrize(
    "typed, shown, link",
    [
        ("8 (921) 555-12-34", "+7 921 555-12-34", "+79215551234"),
        ("+79215551234", "+7 921 555-12-34", "+79215551234"),
        ("+7 (343) 555-01-23", "+7 343 555-01-23", "+73435550123"),
        ("+7 (8182) 55-01-47", "+7 8182 55-01-47", "+78182550147"),
        ("8 8182 550147", "+7 8182 55-01-47", "+78182550147"),
        ("+7 (81378) 2-15-44", "+7 81378 2-15-44", "+78137821544"),
        ("8-800-555-35-35", "+7 800 555-35-35", "+78005553535"),
        ("+1 212 555 0100", "+1 212-555-0100", "+12125550100"),
    ],
)
def test_phones_are_shown_as_a_person_writes_them_and_dialled_clean(typed, shown, link):
    assert formatting.phone(typed) == shown
    assert formatting.tel(typed) == link


@pytest.mark.parametrize("typed", ["555-44-33", "5554433", "+7 921 555", "звоните", ""])
def test_a_number_without_its_area_code_is_not_a_phone(typed):
    assert formatting.phone(typed) is None


@pytest.mark.parametrize(
    ("written", "shown", "dialled"),
    [
        ("+7 (495) 123-45-67 доб. 123", "+7 495 123-45-67 доб. 123", "tel:+74951234567;ext=123"),
        ("8 495 123 45 67, ext. 5", "+7 495 123-45-67 ext. 5", "tel:+74951234567;ext=5"),
        ("+7 (8182) 55-01-47 #12", "+7 8182 55-01-47 #12", "tel:+78182550147;ext=12"),
    ],
)
def test_an_extension_is_kept_after_the_number_and_dialled_after_it(written, shown, dialled):
    assert formatting.phone(written) == shown
    assert "tel:" + formatting.tel(written) == dialled
