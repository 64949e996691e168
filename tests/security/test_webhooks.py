"""A partner's webhook address cannot make the service post a lead's data into the host's own
network: internal addresses are refused by `storefront check` when written literally and by
the sender, on the address it would connect to, whatever the spelling or the name."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import ipaddress
import threading

import pytest
from standardwebhooks.webhooks import Webhook

from registration_api.delivery import webhook_post
from registration_api.domain import webhook_events
from registration_api.storage.tables import outbox
from storefront.cli import main as storefront
from storefront.site.webhook_destinations import AllowList
from tests.support import line_of, valid_form

SITE = "oblako-plus"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Listener:
    """A real HTTP server on 127.0.0.1 that records every request it receives. ``answer``:
    ``ok`` (204), ``redirect`` (302 to another path of itself), ``huge`` (200 with a body far
    larger than the sender reads) or ``silent`` (reads the request, never answers)."""

    HUGE = 256 * 1024 * 1024

    def __init__(self, answer: str = "ok"):
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.written = 0
        self.release = threading.Event()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                listener.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if answer == "silent":
                    listener.release.wait(30)
                    return
                if answer == "redirect":
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{listener.port}/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if answer == "huge":
                    self.send_response(200)
                    self.send_header("Content-Length", str(Listener.HUGE))
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        while listener.written < Listener.HUGE:
                            self.wfile.write(chunk)
                            listener.written += len(chunk)
                    except OSError:
                        pass
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener(request):
    started: list[Listener] = []

    def start(answer: str = "ok") -> Listener:
        started.append(Listener(answer))
        return started[-1]

    yield start
    for one in started:
        one.stop()


def with_webhook(sites_dir, url: str) -> None:
    yaml_file = sites_dir / SITE / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: {url}\n  secret: "{SECRET}"\n')


def queue_event(api, url: str) -> int:
    """An event already in the outbox for ``url`` (queued before the address or the operator's
    list changed, say): the sender must judge the address again when it sends."""
    row = webhook_events.event_row(
        api.service.sites.get(SITE),
        "subscriber.registered",
        {"subscriber_number": "000001", "email": "anna@client.example"},
        api.clock(),
    )
    with api.service.engine.begin() as conn:
        return conn.execute(outbox.insert().values(**{**row, "target_url": url}).returning(outbox.c.id)).scalar()


def deliver(api):
    return asyncio.run(api.service.sender.deliver_due())


def webhook_rows(api) -> list:
    return [row for row in api.outbox() if row.channel == "webhook"]


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


HOSTILE_SPELLINGS = [
    "http://127.0.0.1:{port}/hook",
    "http://localhost:{port}/hook",
    "http://LocalHost:{port}/hook",
    "http://0x7f000001:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0177.0.0.1:{port}/hook",
    "http://127.1:{port}/hook",
    "http://0.0.0.0:{port}/hook",
    "http://[::1]:{port}/hook",
    "http://[::]:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[::ffff:7f00:1]:{port}/hook",
    "http://[::127.0.0.1]:{port}/hook",
    "http://[64:ff9b::7f00:1]:{port}/hook",
    "http://[2002:7f00:1::1]:{port}/hook",
]


@pytest.mark.parametrize("spelling", HOSTILE_SPELLINGS)
def test_a_queued_event_for_a_local_address_never_reaches_it(make_api, smtp, sites_dir, listener, spelling):
    with_webhook(sites_dir, "https://crm.oblako-plus.example/hooks")
    target = listener()
    api = make_api(smtp.url, background=False)
    queue_event(api, spelling.format(port=target.port))
    report = deliver(api)
    [row] = webhook_rows(api)
    assert target.requests == [], "nothing reaches the listener"
    assert report.sent == 0 and row.sent_at is None and row.attempts == 1
    assert row.last_error.startswith("Refused: ") and "WEBHOOK_ALLOW_HOSTS" in row.last_error
    assert aware(row.next_attempt_at) > api.clock(), "kept, and tried again later like any failure"


@pytest.mark.parametrize(
    "spelling",
    [
        "http://127.0.0.1/hook",
        "http://127.0.0.1:5432/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
    ],
)
def test_check_refuses_a_local_address_written_in_site_yaml(sites, capsys, monkeypatch, spelling):
    monkeypatch.delenv("WEBHOOK_ALLOW_HOSTS", raising=False)
    folder = sites.make()
    yaml_file = folder / "site.yaml"
    text = yaml_file.read_text() + f'\nwebhook:\n  url: {spelling}\n  secret: "{SECRET}"\n'
    yaml_file.write_text(text)
    assert storefront(["check", "demo"]) == 1
    err = capsys.readouterr().err
    assert f"sites/demo/site.yaml:{line_of(text, '  url: ' + spelling)}:8: webhook.url: " in err
    assert "local or private network address" in err


@pytest.mark.parametrize(
    "spelling, words",
    [
        ("http://user:secret@crm.example/hook", "without a user name or password"),
        ("http://crm.example:99999/hook", "port"),
        ("ftp://crm.example/hook", "full address"),
    ],
)
def test_check_refuses_an_address_that_is_not_a_plain_endpoint(sites, capsys, spelling, words):
    folder = sites.make()
    yaml_file = folder / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: {spelling}\n  secret: "{SECRET}"\n')
    assert storefront(["check", "demo"]) == 1
    assert words in capsys.readouterr().err


def test_the_operator_may_allow_an_internal_address_for_check(sites, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_HOSTS", "crm.internal,10.0.0.0/24")
    folder = sites.make()
    yaml_file = folder / "site.yaml"
    yaml_file.write_text(yaml_file.read_text() + f'\nwebhook:\n  url: http://10.0.0.5/hook\n  secret: "{SECRET}"\n')
    assert storefront(["check", "demo"]) == 0


def addresses(*texts: str) -> list:
    return [ipaddress.ip_address(t) for t in texts]


@pytest.mark.parametrize(
    "host, resolved",
    [
        ("localhost", ("127.0.0.1", "::1")),
        ("LocalHost.", ("127.0.0.1",)),
        ("127.0.0.1.nip.io", ("127.0.0.1",)),
        ("metadata.google.internal", ("169.254.169.254",)),
        ("rebind.attacker.example", ("10.0.0.7",)),
        ("shared.attacker.example", ("100.64.12.1",)),
        ("v6.attacker.example", ("fd12:3456::1", "fe80::1")),
        ("mapped.attacker.example", ("::ffff:192.168.0.1",)),
        ("nat64.attacker.example", ("64:ff9b::a00:1",)),
        ("teredo.attacker.example", ("2001:0:4136:e378:8000:63bf:3fff:fdd2",)),
        ("multicast.attacker.example", ("224.0.0.251", "ff02::fb")),
        ("docs.attacker.example", ("192.0.2.1", "2001:db8::1")),
        ("nothing.attacker.example", ()),
    ],
)
def test_a_name_that_resolves_inside_is_refused(host, resolved):
    with pytest.raises(webhook_post.Refused, match="not a public address"):
        webhook_post.permitted(host, addresses(*resolved), AllowList())


def test_of_mixed_answers_only_the_public_addresses_are_used():
    mixed = addresses("127.0.0.1", "10.1.1.1", "93.184.216.34", "::1", "2606:4700::6810:84e5")
    assert webhook_post.permitted("crm.example", mixed, AllowList()) == addresses(
        "93.184.216.34", "2606:4700::6810:84e5"
    )
    allow = AllowList.parse("10.1.1.0/24")
    assert webhook_post.permitted("crm.example", mixed, allow)[0] == ipaddress.ip_address("10.1.1.1")
    assert webhook_post.permitted("CRM.internal.", addresses("10.9.9.9"), AllowList.parse("crm.internal"))


def test_a_name_resolving_to_loopback_is_refused_end_to_end(make_api, smtp, sites_dir, listener):
    target = listener()
    with_webhook(sites_dir, f"http://localhost:{target.port}/hook")
    api = make_api(smtp.url, background=False)
    with api.client() as client:
        assert (
            client.post(f"/r/{SITE}/trial", data=valid_form(), headers={"Accept": "application/json"}).status_code
            == 201
        )
    deliver(api)
    [row] = webhook_rows(api)
    assert target.requests == []
    assert row.sent_at is None and row.last_error.startswith("Refused: localhost resolves to 127.0.0.1")
    assert len(smtp.mailbox.messages) == 2, "the e-mails still go out"


def test_the_allow_list_lets_an_internal_receiver_get_a_signed_event(make_api, smtp, sites_dir, listener):
    target = listener()
    with_webhook(sites_dir, f"http://localhost:{target.port}/hook")
    api = make_api(smtp.url, background=False, webhook_allow_hosts="127.0.0.1")
    with api.client() as client:
        client.post(f"/r/{SITE}/trial", data=valid_form(), headers={"Accept": "application/json"})
    assert deliver(api).failed == 0
    [(path, headers, body)] = target.requests
    assert path == "/hook" and headers["host"] == f"localhost:{target.port}"
    assert Webhook(SECRET).verify(body, headers)["type"] == "subscriber.registered"
    assert webhook_rows(api)[0].sent_at is not None


def test_a_redirect_is_a_failure_and_is_not_followed(make_api, smtp, sites_dir, listener):
    target = listener("redirect")
    with_webhook(sites_dir, f"http://localhost:{target.port}/hook")
    api = make_api(smtp.url, background=False, webhook_allow_hosts="localhost")
    queue_event(api, f"http://localhost:{target.port}/hook")
    deliver(api)
    [row] = webhook_rows(api)
    assert [path for path, _, _ in target.requests] == ["/hook"], "the redirect's target was never asked"
    assert row.sent_at is None and "302" in row.last_error and "not followed" in row.last_error


def test_a_huge_answer_is_not_read_to_the_end(make_api, smtp, sites_dir, listener):
    target = listener("huge")
    with_webhook(sites_dir, f"http://localhost:{target.port}/hook")
    api = make_api(smtp.url, background=False, webhook_allow_hosts="127.0.0.0/8")
    queue_event(api, f"http://localhost:{target.port}/hook")
    assert deliver(api).sent == 1
    assert len(target.requests) == 1 and target.written < Listener.HUGE


def test_a_receiver_that_never_answers_is_given_up(make_api, smtp, sites_dir, listener, monkeypatch):
    monkeypatch.setattr(webhook_post, "READ_SECONDS", 0.5)
    monkeypatch.setattr(webhook_post, "TOTAL_SECONDS", 1.0)
    target = listener("silent")
    with_webhook(sites_dir, f"http://localhost:{target.port}/hook")
    api = make_api(smtp.url, background=False, webhook_allow_hosts="127.0.0.1")
    queue_event(api, f"http://localhost:{target.port}/hook")
    assert deliver(api).failed == 1
    [row] = webhook_rows(api)
    assert len(target.requests) == 1 and row.sent_at is None and "Failed: the receiver" in row.last_error


def test_a_bad_allow_list_stops_the_service_with_the_variables_name():
    from registration_api.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="WEBHOOK_ALLOW_HOSTS: 'crm internal'"):
        Settings.from_env({"WEBHOOK_ALLOW_HOSTS": "crm internal"})
    assert Settings.from_env({"WEBHOOK_ALLOW_HOSTS": " CRM.internal., 10.0.0.5 "}).webhook_allow_hosts.names_host(
        "crm.internal"
    )
