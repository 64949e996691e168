"""What the tests share, in one module: throwaway sites from the scaffold, the CLI run as a
partner runs it, a valid sign-up form, free ports, an aiosmtpd SMTP server, a movable clock,
the registration API under uvicorn in a background thread or in this process under Starlette's
TestClient, and throwaway PostgreSQL databases.

Fixtures live in ``tests/conftest.py`` and are built from these; tests import helpers from
here, never from a conftest file."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email
import email.policy
import io
import mailbox
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from aiosmtpd.controller import Controller
from starlette.exceptions import StarletteDeprecationWarning

from registration_api import cli as service_cli
from registration_api.domain import api_keys
from registration_api.settings import Settings
from registration_api.storage import tables
from registration_api.web.app import create_app
from storefront.cli import main as storefront_main
from storefront.site.theme_chain import available
from storefront.starter import Starter

with warnings.catch_warnings():
    # Starlette asks for the `httpx2` package and warns when the TestClient runs on httpx,
    # which is what the project installs; the warning says nothing about our code.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SITES = REPO / "sites"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOCAL_ORIGIN = "http://127.0.0.1:9999"
TIMEOUT = 120
THEMES = sorted(available(None))


#: What the tests' HTTP clients ask for: the partner API's refusals in English, the language the
#: tests are written in (without it, the API answers in the partner site's own language).
ENGLISH = {"Accept-Language": "en"}


def scaffold_text() -> str:
    """The site.yaml that ``storefront new`` writes, with a fixed id."""
    return Starter("demo").site_yaml()


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


class SiteFactory:
    """Writes sites under a temporary ``sites/`` folder, each starting from the scaffold."""

    def __init__(self, root: Path):
        self.root = root
        self.sites = root / "sites"
        self.sites.mkdir()

    def make(
        self,
        site_id: str = "demo",
        yaml_text: str | None = None,
        news: dict[str, str] | None = None,
        replace: dict[str, str] | None = None,
    ) -> Path:
        folder = self.sites / site_id
        Starter("demo").write(folder)
        text = yaml_text if yaml_text is not None else scaffold_text()
        for old, new in (replace or {}).items():
            assert old in text, f"{old!r} is not in the scaffold"
            text = text.replace(old, new)
        (folder / "site.yaml").write_text(text, encoding="utf-8")
        for name, body in (news or {}).items():
            (folder / "news" / name).write_text(body, encoding="utf-8")
        return folder


def valid_form(**changes) -> dict[str, str]:
    form = {
        "name": "Анна Петрова",
        "email": "anna@client.example",
        "phone": "8 (912) 345-67-89",
        "company": "ООО «Ромашка»",
        "inn": "6671045280",
        "consent": "yes",
        "website": "",
        "token": "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def postgres_database() -> tuple[str, Callable[[], None]]:
    """A new, empty database on the test PostgreSQL server, and how to drop it."""
    name = f"sf_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({exc.orig}); "
            "run the tests through ./scripts/test, which starts one"
        )
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def storefront(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``storefront <args>`` in a child process, with its own compiled-template cache."""
    env = {**os.environ, "XDG_CACHE_HOME": str((cwd or Path.cwd()) / ".test-cache")}
    return subprocess.run(
        [sys.executable, "-m", "storefront", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def assert_refused(result: subprocess.CompletedProcess, pattern: str, *, unpublished: Path | None = None) -> None:
    """Exit 1 with a message matching ``pattern`` and no traceback; ``unpublished`` (a site's
    output folder) was not written."""
    printed = output(result)
    assert result.returncode == 1, printed
    assert re.search(pattern, printed), printed
    assert "Traceback" not in printed and "RecursionError" not in printed, printed
    assert unpublished is None or not unpublished.exists()


def build_in_process(root: Path, *args: str) -> Path:
    """``storefront build <args>`` run in ``root`` as a partner runs it (``sites/`` into
    ``public/``), in this process; returns ``root/public``. Fails the test, showing what was
    printed, unless the build succeeds."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = storefront_main(["build", *args])
    assert code == 0, out.getvalue() + err.getvalue()
    return root / "public"


def published(root: Path) -> str:
    """Everything under ``root/public/``, as one text."""
    public = root / "public"
    files = [p for p in public.rglob("*") if p.is_file()] if public.is_dir() else []
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in files)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 10.0, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {message}")


@dataclass
class Mailbox:
    """What a real SMTP server received."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    connections: list[tuple] = field(default_factory=list)  # the client's address of each message

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.connections.append(session.peer)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class Clock:
    """A clock the test can move; starts at a fixed moment."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


class Api:
    """A running registration API and handles on what it stores and sends."""

    def __init__(self, settings: Settings, clock: Clock, *, background: bool = True):
        self.port = free_port()
        self.settings = dataclasses.replace(settings, listen_url=f"{self.url}/")  # as `registration-api serve` does
        self.clock = clock
        self.app = create_app(self.settings, clock=clock, send_in_background=background, watch_interval=0.2)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> Api:
        self.thread.start()
        wait_until(lambda: self.server.started, message="uvicorn to start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service(self):
        return self.app.state.service

    def client(self, **kwargs) -> httpx.Client:
        headers = {**ENGLISH, **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, headers=headers, **kwargs)

    def subscribers(self) -> list:
        with self.service.engine.connect() as conn:
            return list(conn.execute(sa.select(tables.subscribers).order_by(tables.subscribers.c.id)))

    def outbox(self) -> list:
        with self.service.engine.connect() as conn:
            return list(conn.execute(sa.select(tables.outbox).order_by(tables.outbox.c.id)))


@dataclass
class Storefronts:
    api: Api
    smtp: SmtpServer
    urls: dict[tuple[str, str], str]
    sites_dir: Path

    def url(self, theme: str, site: str, path: str = "") -> str:
        return self.urls[(theme, site)] + path


#: The address the in-process service is told it is served at (``PUBLIC_BASE_URL``) and that
#: its test client sends requests to, so links the service writes point back at it.
SERVICE_URL = "https://api.storefront.test"

#: When a test's clock starts (as the ``clock`` fixture's does).
CLOCK_START = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)

#: What the service's start-up writes and keeps for its lifetime: the schema's version and the
#: secret that signs links. :meth:`InProcessApi.reset` empties every other table.
STARTUP_TABLES = frozenset({"schema_version", "secrets"})


def in_process_env(root: Path, **overrides: object) -> dict[str, str]:
    """The environment the in-process service and its command line share: an SQLite file and
    a Maildir under ``root/var``, limits high enough that only a test about them meets them."""
    env = {
        "DATABASE_URL": f"sqlite:///{root / 'var' / 'registrations.sqlite3'}",
        "VAR_DIR": str(root / "var"),
        "MAIL_FROM": "robot@storefront.example",
        "PUBLIC_BASE_URL": f"{SERVICE_URL}/",
        "EXTRA_ORIGINS": LOCAL_ORIGIN,
        "RATE_LIMIT_PER_MINUTE": "10000",
        "API_RATE_LIMIT_PER_MINUTE": "10000",
        "AUTH_FAILURES_PER_MINUTE": "10000",
    }
    env.update({name.upper(): str(value) for name, value in overrides.items()})
    return env


@dataclass
class CliResult:
    """What one ``registration-api`` command printed, and its exit code."""

    code: int
    out: str
    err: str


class InProcessApi:
    """The registration API driven in this process by Starlette's TestClient: no uvicorn, no
    port. :meth:`start` runs the lifespan (migrations, the sites loaded); e-mails stay in the
    outbox until :meth:`cli` runs ``send-mail`` or ``remind``, which deliver to the Maildir."""

    def __init__(
        self, env: dict[str, str], sites_dir: Path, clock: Clock, *, raise_server_exceptions: bool = True
    ) -> None:
        self.env = env
        self.sites_dir = sites_dir
        self.clock = clock
        self.settings = Settings.from_env(env, sites_dir=sites_dir)
        self.app = create_app(self.settings, clock=clock, send_in_background=False, watch_interval=3600)
        self.http = TestClient(
            self.app,
            base_url=SERVICE_URL,
            follow_redirects=False,
            raise_server_exceptions=raise_server_exceptions,
            client=("192.0.2.10", 50000),
            headers=ENGLISH,
        )
        self.database = sa.create_engine(self.settings.database_url)

    def start(self) -> InProcessApi:
        self.http.__enter__()
        return self

    def stop(self) -> None:
        self.http.__exit__(None, None, None)
        self.database.dispose()

    def reset(self) -> None:
        """Back to a service that has just started, for the next test: no rows, no mail, the
        clock at :data:`CLOCK_START`, no key on the client. Starting a service costs more than
        a whole test (the sites are loaded, the schema migrated), so a test module shares one."""
        with self.database.begin() as conn:
            for table in sa.inspect(conn).get_table_names():
                if table not in STARTUP_TABLES:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
        shutil.rmtree(self.settings.maildir, ignore_errors=True)
        self.clock.now = CLOCK_START
        self.http.headers.pop("authorization", None)
        self.http.cookies.clear()

    def rows(self, table: str) -> list[sa.Row]:
        """Every row of one of the service's tables, oldest first."""
        with self.database.connect() as conn:
            return list(conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")))

    def subscribers(self) -> list[sa.Row]:
        return self.rows("subscribers")

    def outbox(self) -> list[sa.Row]:
        return self.rows("outbox")

    def partner_key(self, site_id: str, label: str = "test") -> str:
        """A new API key of ``site_id``, as ``registration-api keys create`` makes one."""
        return api_keys.create(self.database, site_id, label, self.clock())

    def bearer(self, site_id: str) -> dict[str, str]:
        """The ``Authorization`` header of a new key of ``site_id``."""
        return {"Authorization": f"Bearer {self.partner_key(site_id)}"}

    def cli(self, *args: str) -> CliResult:
        """``registration-api <args> --sites <sites>`` on this service's database, in this process."""
        out, err = io.StringIO(), io.StringIO()
        with (
            mock.patch.dict(os.environ, self.env),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = service_cli.main([*args, "--sites", str(self.sites_dir)])
        return CliResult(code, out.getvalue(), err.getvalue())

    def mail(self) -> list[email.message.EmailMessage]:
        """The messages delivered to the local Maildir so far."""
        folder = self.settings.maildir
        if not folder.is_dir():
            return []
        return [
            email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
            for message in mailbox.Maildir(folder, create=False)
        ]
