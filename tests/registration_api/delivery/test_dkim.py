"""DKIM and the headers every e-mail carries, as a receiving server sees them: each kind the
service sends goes through the outbox to a real SMTP server with a ``Date``, a ``Message-ID``
and a signature that verifies against the published key; mail from a domain without a key is
not signed; a changed body fails; a wrong ``DKIM_KEYS`` stops the service with the reason."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import dkim
import pytest
import sqlalchemy as sa

from registration_api import cli
from registration_api.delivery import messages
from registration_api.delivery.outbox import OutboxSender, SmtpTransport
from registration_api.domain.operators import LinkRequest, sign_in_mail
from registration_api.domain.partner_sites import PartnerSites
from registration_api.domain.signups import mail_row
from registration_api.settings import Settings, SettingsError
from registration_api.storage import engines, migrations
from registration_api.storage.tables import outbox
from storefront import language
from tests.support import CLOCK_START, REPO, Mailbox, SmtpServer

SENDER = "robot@storefront.example"
SELECTOR = "mail2026"


@dataclass
class RawMailbox(Mailbox):
    """A mailbox that also keeps each message's bytes as they arrived (a verifier needs them)."""

    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dkim") / "storefront.example.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def published(key_file):
    """The DNS a receiver asks: the TXT record of the selector, as the operator publishes it."""
    der = subprocess.run(
        ["openssl", "rsa", "-in", str(key_file), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    records = {f"{SELECTOR}._domainkey.storefront.example.".encode(): b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)}
    return lambda name, timeout=5: records.get(name)


@pytest.fixture
def raw_smtp():
    server = SmtpServer()
    server.mailbox = RawMailbox()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sender(tmp_path, key_file, raw_smtp):
    settings = Settings.from_env({"DKIM_KEYS": f"storefront.example:{SELECTOR}:{key_file}"})
    engine = engines.create_engine(f"sqlite:///{tmp_path / 'outbox.sqlite3'}")
    migrations.migrate(engine)
    return OutboxSender(
        engine, SmtpTransport(raw_smtp.url), clock=lambda: CLOCK_START, site=_partners().site, dkim=settings.dkim_keys
    )


@cache
def _partners() -> PartnerSites:
    """The example partners, loaded once."""
    sites = PartnerSites(REPO / "sites", None)
    sites.reload()
    return sites


def _send(sender: OutboxSender, outgoing: list[messages.Outgoing]) -> None:
    partner = _partners().get("oblako-plus")
    with sender.engine.begin() as conn:
        conn.execute(outbox.insert(), [mail_row(partner, message, CLOCK_START, None) for message in outgoing])
    report = asyncio.run(sender.deliver_due())
    assert report.failed == 0, report.first_error


def _every_kind() -> list[messages.Outgoing]:
    """One e-mail of each kind the service sends, composed as the service composes them."""
    partner = _partners().get("oblako-plus")
    site = partner.site
    tariff = site.config.tariffs[0]
    lead = messages.Lead(
        "1000001", "Иван Петров", "ivan@client.example", "+79123456789", None, None, dt.date(2026, 4, 9), CLOCK_START
    )
    registration = messages.registration_mail(
        site, lead, SENDER, tariff_id=tariff.id, trial_days=30, application_id=None, source=("Пробный доступ", None)
    )
    offer = messages.InvitationOffer("ABCD-EFGH", "https://api.storefront.test/i/x", tariff.id, 14, None)
    invitation = messages.invitation_mail(site, offer, email="olga@client.example", sender=SENDER, when=CLOCK_START)
    common = {"to": ["ivan@client.example"], "reply_to": str(site.config.partner.email), "sender": SENDER}
    reminders = [
        messages.compose(
            site,
            "reminder",
            {"kind": kind, "name": "Иван", "number": "1000001", "ends": dt.date(2026, 4, 9), "link": link, "days": 14},
            when=CLOCK_START,
            purpose=f"reminder_{kind}",
            **common,
        )
        for kind, link in (("before_7", "https://api.storefront.test/extend/x"), ("before_3", None), ("after_5", None))
    ]
    digest = messages.compose(site, "digest", {"items": [], "today": CLOCK_START.date()}, when=CLOCK_START, **common)
    asked = LinkRequest("operator@oblako-plus.example", "https://api.storefront.test/cabinet/", SENDER, CLOCK_START)
    sign_in = sign_in_mail(partner, asked, "https://api.storefront.test/cabinet/link/x")
    return [*registration, invitation, *reminders, digest, sign_in]


def test_every_kind_goes_out_dated_identified_and_signed(sender, raw_smtp, published):
    kinds = _every_kind()
    _send(sender, kinds)
    received = raw_smtp.mailbox.raw
    assert len(received) == len(kinds) == 8
    ids = set()
    for raw in received:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["Date"] and email.utils.parsedate_to_datetime(message["Date"]) == CLOCK_START, message["Subject"]
        ids.add(message["Message-ID"])
        assert message["DKIM-Signature"] and "d=storefront.example" in message["DKIM-Signature"]
        assert "s=mail2026" in message["DKIM-Signature"] and "c=relaxed/relaxed" in message["DKIM-Signature"]
        assert dkim.verify(raw, dnsfunc=published), message["Subject"]
    assert len(ids) == 8 and None not in ids


def test_a_changed_body_or_an_added_from_fails_verification(sender, raw_smtp, published):
    _send(sender, _every_kind()[1:2])
    [raw] = raw_smtp.mailbox.raw
    head, body = raw.split(b"\r\n\r\n", 1)
    assert dkim.verify(raw, dnsfunc=published)
    assert not dkim.verify(head + b"\r\n\r\n" + body.replace(b"=", b"-", 1), dnsfunc=published)
    assert not dkim.verify(head + b"\r\nFrom: bank@evil.example\r\n\r\n" + body, dnsfunc=published)


def test_mail_from_a_domain_without_a_key_is_not_signed_and_a_subdomain_is(sender, raw_smtp, published):
    site = _partners().get("oblako-plus").site
    offer = messages.InvitationOffer(
        "ABCD-EFGH", "https://api.storefront.test/i/x", site.config.tariffs[0].id, 14, None
    )
    others = [
        messages.invitation_mail(site, offer, email="a@client.example", sender=address, when=CLOCK_START)
        for address in ("robot@elsewhere.example", "robot@mail.storefront.example", "robot@notstorefront.example")
    ]
    _send(sender, others)
    by_sender = {email.message_from_bytes(raw)["From"].split("<")[-1].rstrip(">"): raw for raw in raw_smtp.mailbox.raw}
    assert b"DKIM-Signature" not in by_sender["robot@elsewhere.example"]
    assert b"DKIM-Signature" not in by_sender["robot@notstorefront.example"]
    assert dkim.verify(by_sender["robot@mail.storefront.example"], dnsfunc=published)


def test_a_message_queued_without_date_or_message_id_gets_the_same_ones_on_every_try(sender, raw_smtp, published):
    bare = b"From: Shop <robot@storefront.example>\nTo: a@client.example\nSubject: Hello\n\nText.\n"
    _send(sender, [messages.Outgoing("welcome", SENDER, ["a@client.example"], bare)])
    with sender.engine.begin() as conn:  # as if the server's acceptance had been lost: sent again
        conn.execute(sa.update(outbox).values(sent_at=None))
    asyncio.run(sender.deliver_due())
    first, again = (email.message_from_bytes(raw, policy=email.policy.default) for raw in raw_smtp.mailbox.raw)
    assert first["Message-ID"] == again["Message-ID"] and first["Message-ID"].endswith("@storefront.example>")
    assert first["Date"] == again["Date"] and email.utils.parsedate_to_datetime(first["Date"]) == CLOCK_START
    assert all(dkim.verify(raw, dnsfunc=published) for raw in raw_smtp.mailbox.raw)


# --- the setting -----------------------------------------------------------------------------


def test_several_domains_each_with_its_key(key_file):
    keys = Settings.from_env(
        {"DKIM_KEYS": f" storefront.example:{SELECTOR}:{key_file} , Пример.РФ:s1:{key_file},"}
    ).dkim_keys
    assert [(key.domain, key.selector) for key in keys.keys] == [
        ("storefront.example", SELECTOR),
        ("xn--e1afmkfd.xn--p1ai", "s1"),
    ]
    assert keys.for_domain("пример.рф").selector == "s1" and keys.for_domain("example.org") is None
    assert "PRIVATE" not in repr(keys) and not Settings.from_env({}).dkim_keys


@pytest.fixture
def wrong_files(tmp_path) -> Path:
    (tmp_path / "public.pem").write_text("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")
    subprocess.run(["openssl", "genrsa", "-out", str(tmp_path / "short.pem"), "512"], check=True, capture_output=True)
    return tmp_path


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (
            "storefront.example:mail2026",
            "DKIM_KEYS: «storefront.example:mail2026» is not domain:selector:/path/to/key.pem",
        ),
        (
            "storefront.example:mail 2026:{dir}/public.pem",
            "DKIM_KEYS: the selector «mail 2026» of storefront.example is not a DNS label",
        ),
        (
            "storefront.example:-x:{dir}/public.pem",
            "DKIM_KEYS: the selector «-x» of storefront.example is not a DNS label",
        ),
        ("storefront:s1:{dir}/public.pem", "DKIM_KEYS: «storefront» is not a domain name such as example.ru"),
        (
            "storefront.example:s1:{dir}/absent.pem",
            "DKIM_KEYS: the key file {dir}/absent.pem of storefront.example cannot be read (No such file or directory)",
        ),
        (
            "storefront.example:s1:{dir}",
            "DKIM_KEYS: the key file {dir} of storefront.example cannot be read (Is a directory)",
        ),
        ("storefront.example:s1:{dir}/public.pem", "DKIM_KEYS: {dir}/public.pem is not an RSA private key in PEM form"),
        ("storefront.example:s1:{dir}/short.pem", "DKIM_KEYS: the key {dir}/short.pem has 512 bits; receivers ignore"),
    ],
)
def test_a_wrong_key_setting_says_which_and_why(wrong_files, value, said):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"DKIM_KEYS": value.format(dir=wrong_files)})
    assert str(refused.value).startswith(said.format(dir=wrong_files))


def test_a_domain_given_twice_is_refused(key_file):
    with pytest.raises(SettingsError, match=r"DKIM_KEYS: storefront\.example has two keys; give one per domain"):
        Settings.from_env({"DKIM_KEYS": f"storefront.example:a:{key_file},STOREFRONT.example:b:{key_file}"})


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "error: DKIM_KEYS: the key file {path} of storefront.example cannot be read (No such file or directory)\n",
        ),
        (
            "ru",
            "ошибка: DKIM_KEYS: файл ключа {path} домена storefront.example не читается (No such file or directory)\n",
        ),
    ],
)
def test_the_service_does_not_start_with_a_missing_key(tmp_path, monkeypatch, capsys, lang, said):
    missing = tmp_path / "gone.pem"
    monkeypatch.setenv("DKIM_KEYS", f"storefront.example:s1:{missing}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    try:
        code = cli.main(["--lang", lang, "send-mail", "--sites", str(REPO / "sites")])
    finally:
        language.use()
    assert code == 1 and capsys.readouterr().err == said.format(path=missing)
