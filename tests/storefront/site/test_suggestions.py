"""«Did you mean» offers what a partner plausibly meant: by the product's names as well as its id."""

from __future__ import annotations

import pytest

from storefront import language
from storefront.errors import InvalidSite
from storefront.site.catalogue import catalogue
from storefront.site.loader import load_site
from storefront.site.suggestions import suggest, transliterations


def applications() -> dict[str, list[str]]:
    return {key: [app.name] for key, app in catalogue().applications.items()}


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("buh", "bp"),  # «бух», not bgu, which merely shares two letters
        ("бух", "bp"),
        ("buhgalteria", "bp"),
        ("bpp", "bp"),
        ("kasa", "kassa"),
        ("predprinimatel", "ip"),
        ("ерп", "erp"),
        ("kompleks", "ka"),
        ("bp_korp", "bp-korp"),
        ("zupp", "zup"),
    ],
)
def test_a_realistic_typo_suggests_the_application_meant_first(written, meant):
    assert suggest(written, applications())[0] == meant


def test_buh_never_suggests_the_state_accounting():
    assert "bgu" not in suggest("buh", applications())


def test_nothing_is_suggested_for_something_unlike_every_candidate():
    assert suggest("telefon", applications()) == []


def test_cyrillic_is_typed_in_latin_letters_as_russians_type_it():
    assert {"buhgalteriya", "bukhgalteriia"} <= transliterations("Бухгалтерия")


def test_a_misspelt_application_in_site_yaml_names_the_neighbour_and_its_name(sites):
    with pytest.raises(InvalidSite) as caught:
        load_site(sites.make(replace={"  - ip\n": "  - buh\n"}))
    [problem] = caught.value.problems
    assert problem.message.startswith("there is no application 'buh'; did you mean 'bp' («1С:Бухгалтерия»)")
    assert "bgu" not in problem.message


def test_a_misspelt_tariff_is_found_by_its_name_too(sites):
    language.use("ru")
    try:
        with pytest.raises(InvalidSite) as caught:
            load_site(sites.make(replace={"    tariff: business": "    tariff: biznes"}))
    finally:
        language.use()
    [problem] = caught.value.problems
    assert problem.message == "нет тарифа «biznes»; может быть, вы имели в виду «business» (Бизнес)?"
