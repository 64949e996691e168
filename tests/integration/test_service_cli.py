"""``registration-api`` verbs as an operator runs them, in real processes."""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa

from registration_api.storage import engines, tables
from tests.support import REPO, free_port, valid_form, wait_until


def _env(tmp_path, database_url, **extra):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
        "RATE_LIMIT_PER_MINUTE": "10000",
        **extra,
    }
    env.pop("SMTP_URL", None) if "SMTP_URL" not in extra else None
    return env


def _serve(tmp_path, database_url, sites_dir, **extra):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "registration_api", "serve", "--sites", str(sites_dir), "--port", str(port)],
        env=_env(tmp_path, database_url, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def up():
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            assert process.poll() is None, process.stderr.read().decode()
            return False

    wait_until(up, timeout=20, message="registration-api serve")
    return process, f"http://127.0.0.1:{port}"


def test_two_processes_on_one_database_never_share_a_number(tmp_path, database_url, sites_dir):
    servers = [_serve(tmp_path, database_url, sites_dir) for _ in range(2)]
    try:

        def sign_up(i):
            url = servers[i % 2][1]
            return httpx.post(
                f"{url}/r/oblako-plus/trial",
                headers={"Accept": "application/json"},
                data=valid_form(email=f"p{i}@client.example"),
                timeout=30,
            )

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(sign_up, range(40)))
        assert [a.status_code for a in answers] == [201] * 40
        assert len({a.json()["subscriber_number"] for a in answers}) == 40
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)


def _sign_up_and_wait_for_two_emails(url: str, tmp_path):
    answer = httpx.post(
        f"{url}/r/buhcentr/trial", headers={"Accept": "application/json"}, data=valid_form(), timeout=30
    )
    assert answer.status_code == 201
    maildir = tmp_path / "var" / "mail"
    wait_until(
        # the sender makes the Maildir's folders one after another: wait for the last of them too
        lambda: (maildir / "cur").is_dir() and len(mailbox.Maildir(maildir, create=False)) == 2,
        message="two messages in the Maildir",
    )
    return maildir


def test_without_smtp_mail_lands_in_the_maildir_and_send_mail_drains_once(tmp_path, database_url, sites_dir):
    process, url = _serve(tmp_path, database_url, sites_dir)
    try:
        maildir = _sign_up_and_wait_for_two_emails(url, tmp_path)
    finally:
        process.terminate()
        process.wait(timeout=10)
    parse = lambda f: email.message_from_binary_file(f, policy=email.policy.default)  # noqa: E731
    subjects = sorted(str(m["Subject"]) for m in mailbox.Maildir(maildir, factory=parse, create=False))
    assert subjects[1].startswith("Новая регистрация: Анна Петрова")
    assert subjects[0].startswith("БухЦентр Север: ваш пробный доступ открыт, номер абонента 1000001")

    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "send-mail", "--sites", str(sites_dir)],
        env=_env(tmp_path, database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "No e-mails were due to be sent.\n"
    assert len(mailbox.Maildir(maildir, create=False)) == 2


def test_send_mail_delivers_what_the_service_could_not(tmp_path, database_url, sites_dir, smtp):
    down_port = free_port()
    process, url = _serve(tmp_path, database_url, sites_dir, SMTP_URL=f"smtp://127.0.0.1:{down_port}")
    try:
        assert (
            httpx.post(
                f"{url}/r/oblako-plus/trial", headers={"Accept": "application/json"}, data=valid_form(), timeout=30
            ).status_code
            == 201
        )
        engine = engines.create_engine(database_url)
        wait_until(lambda: _attempted(engine), message="a failed first attempt")
    finally:
        process.terminate()
        process.wait(timeout=10)
    with engine.connect() as conn:  # composed at the first attempt and kept: a retry sends the same message
        stored = {
            email.message_from_bytes(m)["Message-ID"]
            for m in conn.execute(sa.select(tables.outbox.c.message)).scalars()
        }
    with engine.begin() as conn:  # the back-off has passed
        conn.execute(tables.outbox.update().values(next_attempt_at=tables.outbox.c.created_at))
    engine.dispose()
    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "send-mail", "--sites", str(sites_dir)],
        env=_env(tmp_path, database_url, SMTP_URL=smtp.url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "2 e-mails sent.\n", result.stderr
    assert {m["Message-ID"] for m in smtp.mailbox.messages} == stored and len(stored) == 2


def _children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-a", "-P", str(pid)], capture_output=True, text=True).stdout
    return found.splitlines()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()  # a zombie has exited: it only waits to be reaped
    return stat.split(") ", 1)[1][0] != "Z"


def test_serve_runs_the_sender_in_its_own_process_which_ends_with_it(tmp_path, database_url, sites_dir):
    for stop in (signal.SIGTERM, signal.SIGKILL):
        process, _url = _serve(tmp_path, database_url, sites_dir)
        children = _children(process.pid)
        assert len(children) == 1 and "send-mail --watch" in children[0], children
        sender = int(children[0].split()[0])
        process.send_signal(stop)
        process.wait(timeout=30)
        wait_until(lambda pid=sender: not _alive(pid), timeout=30, message=f"the sender gone after {stop.name}")


def test_a_sender_that_dies_is_started_again(tmp_path, database_url, sites_dir):
    process, url = _serve(tmp_path, database_url, sites_dir)
    try:
        [first] = _children(process.pid)
        os.kill(int(first.split()[0]), signal.SIGKILL)
        wait_until(
            lambda: [c for c in _children(process.pid) if c != first and "send-mail --watch" in c],
            timeout=20,
            message="a new sender",
        )
        _sign_up_and_wait_for_two_emails(url, tmp_path)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_without_sender(tmp_path, database_url, sites_dir):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "registration_api",
            "serve",
            "--sites",
            str(sites_dir),
            "--port",
            str(port),
            "--no-sender",
        ],
        env=_env(tmp_path, database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _up(port), timeout=20, message="registration-api serve --no-sender")
        assert _children(process.pid) == []
    finally:
        process.terminate()
        process.wait(timeout=10)


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _attempted(engine) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                sa.select(sa.func.count()).select_from(tables.outbox).where(tables.outbox.c.attempts > 0)
            ).scalar()
            == 2
        )


def test_bad_settings_are_explained(tmp_path, sites_dir):
    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "send-mail", "--sites", str(sites_dir)],
        env={**os.environ, "DATABASE_URL": "mysql://x"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "DATABASE_URL must start with sqlite:/// or postgresql://" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "serve", "--sites", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1 and "there is no sites folder" in result.stderr


def _cli(tmp_path, database_url, sites_dir, *args):
    return subprocess.run(
        [sys.executable, "-m", "registration_api", *args, "--sites", str(sites_dir)],
        env=_env(tmp_path, database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_keys_revoke_takes_the_site_first_and_the_exact_prefix(tmp_path, database_url, sites_dir):
    for site in ("oblako-plus", "oblako-plus", "buhcentr"):
        assert _cli(tmp_path, database_url, sites_dir, "keys", "create", site).returncode == 0
    listed = _cli(tmp_path, database_url, sites_dir, "keys", "list", "oblako-plus").stdout.splitlines()
    first, second = (line.split()[0] for line in listed)  # as printed: sfk_AbCdEfGh…
    bare = first.removesuffix("…")
    shape = _cli(tmp_path, database_url, sites_dir, "keys", "revoke", "oblako-plus", "%")
    assert shape.returncode == 2 and "PREFIX" in shape.stderr and "keys list" in shape.stderr
    for wildcard in ("sfk_________", f"{bare[:-1]}%", bare.swapcase()):
        refused = _cli(tmp_path, database_url, sites_dir, "keys", "revoke", "oblako-plus", wildcard)
        assert refused.returncode in (1, 2) and "error:" in refused.stderr, wildcard
    other = _cli(tmp_path, database_url, sites_dir, "keys", "revoke", "buhcentr", first)
    assert other.returncode == 1 and f"buhcentr has no key {first}: that key belongs to another site" in other.stderr
    revoked = _cli(tmp_path, database_url, sites_dir, "keys", "revoke", "oblako-plus", first)
    assert revoked.returncode == 0 and f"The key {first} of oblako-plus is revoked" in revoked.stdout
    states = _cli(tmp_path, database_url, sites_dir, "keys", "list", "oblako-plus").stdout.splitlines()
    assert ["revoked" in line for line in states] == [True, False] and states[1].startswith(second)
    assert "active" in _cli(tmp_path, database_url, sites_dir, "keys", "list", "buhcentr").stdout


def test_serve_on_a_public_address_needs_public_base_url(tmp_path, database_url, sites_dir):
    for host in ("0.0.0.0", "::", "203.0.113.5"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "registration_api",
                "serve",
                "--host",
                host,
                "--port",
                "1",
                "--sites",
                str(sites_dir),
            ],
            env=_env(tmp_path, database_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1 and "PUBLIC_BASE_URL is not set" in result.stderr, (host, result.stderr)
