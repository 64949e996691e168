import pytest

from registration_api.domain.identifiers import inn_is_valid, normalise_phone


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 3456789", "+79123456789"),
        ("+7(912)345-67-89", "+79123456789"),
        ("7 912 345 67 89", "+79123456789"),
        ("912.345.67.89", "+79123456789"),
        ("8 (343) 555-01-23", "+73435550123"),
        ("(812) 555-01-23", "+78125550123"),
        ("+7\u00a0912\u00a0345-67-89", "+79123456789"),
    ],
)
def test_russian_numbers_in_their_usual_forms(typed, expected):
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "+1 212 555 0100",
        "+7 912 345 67 8",
        "8 912 345 67 899",
        "8-912-345-67-8",
        "+7 912 abc 67 89",
        "+7+912 345 67 89",
        "тел. 8 912 345 67 89",
        "+7٩١٢٣٤٥٦٧٨٩",
        "+7 ９１２ 345 67 89",
        "8 ۹۱۲ 345 67 89",
        "+7 912 345 67 8\u0669",
        "8\u2003912\u20033456789",
    ],
)
def test_what_is_not_a_russian_number(typed):
    assert normalise_phone(typed) is None


@pytest.mark.parametrize("inn", ["7707083893", "6671045280", "500100732259", "2901037169"])
def test_valid_inns(inn):
    assert inn_is_valid(inn)


@pytest.mark.parametrize(
    "inn",
    [
        "7707083894",
        "500100732250",
        "500100732209",
        "123456789",
        "12345678901",
        "770708389a",
        "７７０７０８３８９３",
        "٦٦٧١٠٤٥٢٨٠",
        "667104528٠",
        "6671 045280",
    ],
)
def test_invalid_inns(inn):
    assert not inn_is_valid(inn)
