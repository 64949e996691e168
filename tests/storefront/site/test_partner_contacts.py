"""The partner's phone and sign-in address in site.yaml: checked, and shown as a person writes them."""

from __future__ import annotations

import pytest

from storefront import language
from storefront.errors import InvalidSite
from storefront.site.loader import load_site
from storefront.site.schema import VENDOR_SIGN_IN_URL

SCAFFOLD_PHONE = 'phone: "+7 (495) 000-00-00"'


def problems_of(folder):
    with pytest.raises(InvalidSite) as caught:
        load_site(folder)
    return caught.value.problems


def test_a_phone_without_its_area_code_is_refused_with_an_example(sites):
    [problem] = problems_of(sites.make(replace={SCAFFOLD_PHONE: 'phone: "555-44-33"'}))
    assert problem.field == "partner.phone"
    assert "555-44-33" in problem.message and "+7 921 555-44-33" in problem.message


def test_the_phone_mistake_is_said_in_russian(sites):
    folder = sites.make(replace={SCAFFOLD_PHONE: 'phone: "555-44-33"'})
    language.use("ru")
    try:
        [problem] = problems_of(folder)
    finally:
        language.use("en")
    assert problem.message.startswith("«555-44-33» — неполный номер телефона: напишите его с кодом страны и города")


@pytest.mark.parametrize(
    "written, shown",
    [("8 (921) 555-12-34", "+7 921 555-12-34"), ("+7 (8182) 55-01-47", "+7 8182 55-01-47")],
)
def test_a_phone_is_kept_as_a_person_writes_it(sites, written, shown):
    site = load_site(sites.make(replace={SCAFFOLD_PHONE: f'phone: "{written}"'}))
    assert site.config.partner.phone == shown


def test_subscribers_sign_in_at_the_vendors_address_unless_the_partner_names_its_own(sites):
    assert load_site(sites.make("plain")).config.partner.service_url == VENDOR_SIGN_IN_URL
    own = sites.make(
        "own", replace={SCAFFOLD_PHONE: f"{SCAFFOLD_PHONE}\n  service_url: https://cloud.example.ru/login"}
    )
    assert load_site(own).config.partner.service_url == "https://cloud.example.ru/login"


def test_a_sign_in_address_must_be_https(sites):
    folder = sites.make(replace={SCAFFOLD_PHONE: f"{SCAFFOLD_PHONE}\n  service_url: http://cloud.example.ru/"})
    [problem] = problems_of(folder)
    assert problem.field == "partner.service_url" and "https://" in problem.message
