from __future__ import annotations

import pytest

from storefront.errors import InvalidSite
from storefront.site.loader import load_site

NOTIFY = "  notify:\n    - sales@demo.example\n"


def test_operators_default_to_the_notify_addresses(sites):
    site = load_site(sites.make())
    assert site.config.partner.operators == ["sales@demo.example"]


def test_operators_listed_are_the_ones_who_may_sign_in(sites):
    operators = NOTIFY + "  operators:\n    - anna@demo.example\n    - boris@demo.example\n"
    site = load_site(sites.make(replace={NOTIFY: operators}))
    assert site.config.partner.operators == ["anna@demo.example", "boris@demo.example"]


@pytest.mark.parametrize(
    ("listed", "field"),
    [
        (["anna@demo.example", "ANNA@demo.example"], "partner.operators"),
        ([f"op{n}@demo.example" for n in range(21)], "partner.operators"),
        ([], "partner.operators"),
    ],
)
def test_operators_must_be_distinct_at_most_twenty_and_not_empty(sites, listed, field):
    block = "".join(f"    - {address}\n" for address in listed) if listed else "    []\n"
    with pytest.raises(InvalidSite) as caught:
        load_site(sites.make(replace={NOTIFY: NOTIFY + "  operators:\n" + block}))
    assert [p.field for p in caught.value.problems] == [field]
