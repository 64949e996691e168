"""``registration-api`` arguments that try to reach past one site: a site id written as a path,
a key prefix written as an SQL pattern. Each is refused, and no key is made or revoked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registration_api.storage import tables

SITE = "oblako-plus"


def keys(service) -> list[sa.Row]:
    with service.database.connect() as conn:
        return list(conn.execute(sa.select(tables.api_keys).order_by(tables.api_keys.c.id)))


@pytest.mark.parametrize("site", ["../oblako-plus", "oblako-plus/", "oblako-plus/../buhcentr", "./oblako-plus", ""])
def test_a_site_id_written_as_a_path_makes_no_key(in_process_api, site):
    made = in_process_api.cli("keys", "create", site)
    assert made.code == 1 and made.out == "" and "the sites there: buhcentr, oblako-plus" in made.err
    assert keys(in_process_api) == []


@pytest.mark.parametrize("pattern", ["sfk_%", "sfk________", "sfk_%%%%%%%%", "sfk_[a-z]*", "' OR 1=1 --"])
def test_a_prefix_written_as_a_pattern_revokes_nothing(in_process_api, pattern):
    for _ in range(2):
        assert in_process_api.cli("keys", "create", SITE).code == 0
    refused = in_process_api.cli("keys", "revoke", SITE, pattern)
    assert refused.code in (1, 2) and refused.err.startswith("error: ")
    assert [row.revoked_at for row in keys(in_process_api)] == [None, None]
