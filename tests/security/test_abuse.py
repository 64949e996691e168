"""Abuse by API clients and anonymous clients: mail bombing through invitations, links built
from a Host header, wildcard key revocation, look-alike digits and invisible characters in
fields, what /healthz and a repeated sign-up tell a stranger."""

from __future__ import annotations

import pytest

from registration_api.domain import api_keys
from tests.support import valid_form, wait_until

SITE = "oblako-plus"
INVITATIONS = f"/api/v1/sites/{SITE}/invitations"


def key_for(api, site_id=SITE) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_keys.create(api.service.engine, site_id, 'test', api.clock())}"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "victim@example.com", "count": 50},
        {"email": "victim@example.com", "count": 2},
        {"email": "victim@example.com", "count": 1000},
        {"email": "victim@example.com", "count": 2.0},
    ],
)
def test_one_request_e_mails_one_code(make_api, smtp, body):
    api = make_api(smtp.url)
    with api.client(headers=key_for(api)) as client:
        answer = client.post(INVITATIONS, json=body)
    assert answer.status_code == 422 and answer.json()["error"].startswith("count:"), answer.text
    assert api.outbox() == []


@pytest.mark.parametrize(
    "spellings",
    [
        ["victim@example.com"] * 4,
        ["victim@example.com", "Victim@example.com", "VICTIM@example.com", "victim@EXAMPLE.com"],
    ],
)
def test_one_address_gets_at_most_three_invitations_a_day(make_api, smtp, clock, spellings):
    api = make_api(smtp.url)
    with api.client(headers=key_for(api)) as client:
        answers = [client.post(INVITATIONS, json={"email": address}) for address in spellings]
        other = client.post(INVITATIONS, json={"email": "someone.else@example.com"})
        bulk = client.post(INVITATIONS, json={"count": 1000})
        clock.advance(days=1, seconds=1)
        next_day = client.post(INVITATIONS, json={"email": spellings[0]})
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert "in the last 24 hours" in answers[3].json()["error"]
    assert other.status_code == 201 and bulk.status_code == 201 and len(bulk.json()["codes"]) == 1000
    assert next_day.status_code == 201
    wait_until(lambda: len(smtp.mailbox.messages) == 5, message="the invitations within the quota")
    assert len([m for m in smtp.mailbox.messages if "someone.else" not in str(m["To"])]) == 4


def test_a_site_e_mails_at_most_its_daily_quota(make_api, smtp):
    api = make_api(smtp.url, invitation_mails_per_day=5)
    with api.client(headers=key_for(api)) as client:
        answers = [client.post(INVITATIONS, json={"email": f"p{n}@example.com"}) for n in range(7)]
        codes = client.post(INVITATIONS, json={"count": 20})
    assert [a.status_code for a in answers] == [201] * 5 + [429] * 2
    assert "INVITATION_MAILS_PER_DAY" in answers[5].json()["error"]
    assert codes.status_code == 201


@pytest.mark.parametrize(
    "host",
    [
        "login-oblako-plus.evil.example",
        "evil.example:8443",
        "127.0.0.1.evil.example",
        "[::1]:1",
        "localhost",
    ],
)
def test_links_never_come_from_the_host_header(make_api, smtp, host):
    api = make_api(smtp.url)
    with api.client(headers={**key_for(api), "Host": host}) as client:
        answer = client.post(INVITATIONS, json={"email": "olga@client.example"})
        bulk = client.post(INVITATIONS, json={"count": 3})
    assert answer.status_code == bulk.status_code == 201, answer.text
    links = answer.json()["links"] + bulk.json()["links"]
    assert all(link.startswith(f"{api.url}/invite/") for link in links), links
    [mail] = wait_until(lambda: smtp.mailbox.to("olga@client.example"), message="the invitation")
    body = mail.get_body(("plain",)).get_content()
    assert f"{api.url}/invite/{answer.json()['codes'][0]}" in body and host not in body


def test_links_use_the_public_address_when_it_is_set(make_api, smtp):
    api = make_api(smtp.url, public_base_url="https://api.oblako-plus.example/")
    with api.client(headers={**key_for(api), "Host": "evil.example"}) as client:
        answer = client.post(INVITATIONS, json={"count": 1})
    assert answer.json()["links"][0].startswith("https://api.oblako-plus.example/invite/")


@pytest.mark.parametrize("prefix", ["%", "sfk_%", "sfk_", "_", "sfk_________", "sfk_%%%%%%%%", "", "*"])
def test_revoking_by_a_wildcard_revokes_nothing(make_api, smtp, prefix):
    api = make_api(smtp.url)
    headers = key_for(api)
    try:
        revoked = api_keys.revoke(api.service.engine, SITE, prefix, api.clock())
    except ValueError as exc:
        assert "keys list" in str(exc)
        revoked = 0
    assert revoked == 0
    with api.client(headers=headers) as client:
        assert client.get(f"/api/v1/sites/{SITE}/subscribers").status_code == 200


@pytest.mark.parametrize(
    "phone",
    [
        "+7٩١٢٣٤٥٦٧٨٩",
        "+7 ９１２ ３４５ ６７ ８９",
        "8 ۹۱۲ ۳۴۵ ۶۷ ۸۹",
        "+7 912 345 67 8\u0969",
        "+7 𝟗𝟏𝟐 345 67 89",
    ],
)
def test_digits_of_other_scripts_are_no_phone_number(make_api, smtp, phone):
    api = make_api(smtp.url)
    with api.client() as client:
        answer = client.post(f"/r/{SITE}/trial", data=valid_form(phone=phone), headers={"Accept": "application/json"})
    assert answer.status_code == 422 and "phone" in answer.json()["errors"], answer.text
    assert api.subscribers() == []


@pytest.mark.parametrize("inn", ["٦٦٧١٠٤٥٢٨٠", "６６７１０４５２８０", "667104528\u0660"])
def test_digits_of_other_scripts_are_no_inn(make_api, smtp, inn):
    api = make_api(smtp.url)
    with api.client() as client:
        answer = client.post(f"/r/{SITE}/trial", data=valid_form(inn=inn), headers={"Accept": "application/json"})
    assert answer.status_code == 422 and "inn" in answer.json()["errors"], answer.text


@pytest.mark.parametrize("field", ["name", "company"])
@pytest.mark.parametrize("char", ["\u0085", "\u009b", "\u0080", "\uffff", "\ufffe", "\ufdd0", "\U0001fffe"])
def test_invisible_controls_and_non_characters_are_refused(make_api, smtp, field, char):
    api = make_api(smtp.url)
    with api.client() as client:
        answer = client.post(
            f"/r/{SITE}/trial",
            data=valid_form(**{field: f"Анна{char}[2J Петрова"}),
            headers={"Accept": "application/json"},
        )
    assert answer.status_code == 400, answer.text
    assert f"field '{field}'" in answer.json()["error"] and f"U+{ord(char):04X}" in answer.json()["error"]
    assert api.subscribers() == []


def test_healthz_counts_problems_and_tells_no_one_what_they_are(make_api, smtp, sites_dir):
    for name, text in {
        "broken-yaml": "site: [\n",
        "evil-alias": "a: &a [*a]\n",
        "nosy": "site:\n  logo: ../../../../etc/passwd\n",
    }.items():
        (sites_dir / name).mkdir()
        (sites_dir / name / "site.yaml").write_text(text)
    api = make_api(smtp.url)
    with api.client() as client:
        answer = client.get("/healthz")
    failed = answer.json()["failed"]
    assert answer.status_code == 200 and sorted(failed) == ["broken-yaml", "evil-alias", "nosy"]
    assert all(isinstance(count, int) and count >= 1 for count in failed.values())
    for secret in ("sites/", "site.yaml", "passwd", "Error", "line"):
        assert secret not in answer.text


def test_a_repeat_by_e_mail_tells_nothing_about_the_existing_trial(make_api, smtp):
    api = make_api(smtp.url, background=False)
    first = {"token": "5b1f7c0e-0d0c-4a55-9a59-222222222222"}
    with api.client(headers={"Accept": "application/json"}) as client:
        mine = client.post(f"/r/{SITE}/trial", data=valid_form(**first)).json()
        retry = client.post(f"/r/{SITE}/trial", data=valid_form(**first)).json()
        probes = [
            client.post(f"/r/{SITE}/trial", data=valid_form(email=email, token=token, name="Мэллори"))
            for email, token in [
                ("anna@client.example", ""),
                ("ANNA@client.example", ""),
                (" anna@client.example ", "00000000-0000-0000-0000-000000000000"),
            ]
        ]
    assert retry["subscriber_number"] == mine["subscriber_number"] and retry["trial_ends"] == mine["trial_ends"]
    for probe in probes:
        assert probe.status_code == 201 and probe.json()["status"] == "registered"
        assert "subscriber_number" not in probe.json() and "trial_ends" not in probe.json()
        assert mine["subscriber_number"] not in probe.text
    assert len(api.subscribers()) == 1 and len(api.outbox()) == 2  # the probes e-mailed no one
