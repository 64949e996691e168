"""No e-mail the service sends looks like spam: each kind, as the outbox sends it, scores below
2.0 with SpamAssassin's local rules (Debian's ``spamassassin``: the rules its package ships, no
network tests, no Bayes, nothing of this machine's SpamAssassin state). A mail filter marks spam
at 5.0; below 2.0 leaves room for what a receiving server adds (its relays, its DNS lists).

All messages are scored by one ``spamassassin`` process (its start-up takes most of the time),
together with the GTUBE test message, which must score as spam: proof that the rules ran on the
bytes given and that the scores are read right."""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from registration_api.delivery.outbox import stamped
from registration_api.storage.records import OutboxMessage
from tests.registration_api.delivery.mail_kinds import SENDER, WHEN, all_kinds, oblako

LIMIT = 2.0
RULES = Path("/usr/share/spamassassin")  # the rules the package ships (not sa-update's downloads)
PLUGINS = Path("/etc/spamassassin")  # the package's .pre files: which plugins are loaded
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
CONTROL = "the GTUBE test message"
KINDS = all_kinds(oblako())


@dataclass(frozen=True)
class Verdict:
    """What SpamAssassin said of one message: its score, the rules hit and its report."""

    score: float
    rules: list[str]
    report: str


def outgoing(message: email.message.EmailMessage, row_id: int) -> bytes:
    """The bytes the outbox sends for ``message``: as composed (headers as written, not
    refolded) with the ``Date`` and ``Message-ID`` the outbox adds to a message lacking them."""
    composed = message.as_bytes(policy=message.policy.clone(refold_source="none"))
    row = OutboxMessage(
        id=row_id,
        purpose="mail",
        channel="email",
        site_id="oblako-plus",
        subscriber_id=None,
        envelope_from=SENDER,
        recipients=[str(message["To"])],
        message=composed,
        compose=None,
        target_url=None,
        created_at=WHEN,
        attempts=0,
        next_attempt_at=WHEN,
        claimed_until=None,
        sent_at=None,
        last_error=None,
    )
    return stamped(composed, row)


def spam_control() -> bytes:
    return (
        f"From: someone@elsewhere.example\nTo: ivan@client.example\nSubject: Test\n"
        f"Date: {email.utils.format_datetime(WHEN)}\nMessage-ID: <gtube@elsewhere.example>\n\n{GTUBE}\n"
    ).encode()


def spamassassin() -> str:
    found = shutil.which("spamassassin")
    if found is None:
        pytest.fail(
            "SpamAssassin is not installed: run scripts/test, which installs Debian's spamassassin "
            "(or: sudo apt-get install --no-install-recommends spamassassin)",
            pytrace=False,
        )
    return found


def options(home: Path) -> list[str]:
    """Local tests only, with the package's rules and plugins and a configuration of our own
    in ``home`` (no Bayes, no auto-learning, no user preferences of this machine)."""
    site = home / "site"
    site.mkdir()
    for pre in PLUGINS.glob("*.pre"):
        if pre.name != "sa-compile.pre":  # rules compiled on this machine: its state, not the package's
            shutil.copy(pre, site)
    (site / "local.cf").write_text(
        "use_bayes 0\nbayes_auto_learn 0\nreport_safe 0\n"
    )  # spam stays as sent, not wrapped
    prefs = home / "user_prefs"
    prefs.write_text("")
    return [
        "--local",
        "--test-mode",
        "--nocreate-prefs",
        f"--configpath={RULES}",
        f"--siteconfigpath={site}",
        f"--prefspath={prefs}",
    ]


def verdict(scored: bytes) -> tuple[str, Verdict]:
    """The Message-ID of a message ``spamassassin --test-mode`` wrote out, and its verdict."""
    message = email.message_from_bytes(scored, policy=email.policy.default)
    status = " ".join(str(message["X-Spam-Status"]).split()).replace(", ", ",")  # unfolded
    score = re.search(r"\bscore=(-?\d+(?:\.\d+)?)", status)
    rules = re.search(r"\btests=(\S+)", status)
    assert score and rules, f"no score in X-Spam-Status: {status!r}"
    report = scored.decode("utf-8", "replace").partition("Content analysis details:")[2]
    return str(message["Message-ID"]), Verdict(float(score.group(1)), rules.group(1).split(","), report.strip())


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[str, Verdict]:
    """Every kind's verdict, and the control's, from one run of ``spamassassin``."""
    program = spamassassin()
    home = tmp_path_factory.mktemp("spamassassin")
    sent = {name: outgoing(message, number) for number, (name, (message, _)) in enumerate(KINDS.items(), 1)}
    sent[CONTROL] = spam_control()
    paths = []
    for number, raw in enumerate(sent.values()):
        paths.append(home / f"{number}.eml")
        paths[-1].write_bytes(raw)
    environment = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    run = subprocess.run([program, *options(home), *map(str, paths)], capture_output=True, env=environment, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    blocks = re.split(rb"(?m)^(?=X-Spam-Checker-Version:)", run.stdout)[1:]
    assert len(blocks) == len(sent), run.stderr.decode()
    by_id = dict(verdict(block) for block in blocks)
    ids = {
        name: str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])
        for name, raw in sent.items()
    }
    return {name: by_id[ids[name]] for name in sent}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_scores_below_two_with_the_local_rules(kind, verdicts):
    found = verdicts[kind]
    assert found.score < LIMIT, f"{kind} scored {found.score} (limit {LIMIT}):\n{found.report}"
    assert "HTML_MESSAGE" in found.rules, "scored as sent: with its HTML part"


def test_the_rules_ran_and_the_scores_are_read(verdicts):
    control = verdicts[CONTROL]
    assert control.score >= 1000 and "GTUBE" in control.rules, control.report
    assert "GTUBE" in control.report
