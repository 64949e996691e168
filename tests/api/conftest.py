"""Real components for the registration API tests: uvicorn on a free port, an aiosmtpd SMTP
server, SQLite files and databases on the PostgreSQL server named by TEST_DATABASE_URL."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from aiosmtpd.controller import Controller

from registration_api import db
from registration_api.app import create_app
from registration_api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOCAL_ORIGIN = "http://127.0.0.1:9999"


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

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
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

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


class Clock:
    """A clock the test can move; starts at a fixed moment."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def _postgres_database() -> tuple[str, callable]:
    name = f"sf_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({exc.orig}); "
                    "run the tests through ./scripts/test, which starts one")
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'registrations.sqlite3'}"
        return
    url, drop = _postgres_database()
    yield url
    drop()


@pytest.fixture
def sites_dir(tmp_path) -> Path:
    """A private copy of the example sites, so tests may edit them."""
    target = tmp_path / "sites"
    shutil.copytree(REPO / "sites", target)
    return target


class Api:
    """A running registration API and handles on what it stores and sends."""

    def __init__(self, settings: Settings, clock: Clock, *, background: bool = True):
        self.settings = settings
        self.clock = clock
        self.app = create_app(settings, clock=clock, send_in_background=background, watch_interval=0.2)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "Api":
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
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kwargs)

    def subscribers(self) -> list:
        with self.service.engine.connect() as conn:
            return list(conn.execute(sa.select(db.subscribers).order_by(db.subscribers.c.id)))

    def outbox(self) -> list:
        with self.service.engine.connect() as conn:
            return list(conn.execute(sa.select(db.outbox).order_by(db.outbox.c.id)))


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.timezone.utc))


@pytest.fixture
def make_api(tmp_path, database_url, sites_dir, clock):
    started: list[Api] = []

    def make(smtp_url: str | None = None, *, background: bool = True, **overrides) -> Api:
        env = {"DATABASE_URL": database_url, "VAR_DIR": str(tmp_path / "var"), "MAIL_FROM": "robot@storefront.example",
               "EXTRA_ORIGINS": LOCAL_ORIGIN, "RATE_LIMIT_PER_MINUTE": "10000"}
        if smtp_url:
            env["SMTP_URL"] = smtp_url
        env.update({k.upper(): str(v) for k, v in overrides.items()})
        api = Api(Settings.from_env(env, sites_dir=sites_dir), clock, background=background).start()
        started.append(api)
        return api

    yield make
    for api in started:
        api.stop()


@pytest.fixture
def api(make_api, smtp) -> Api:
    return make_api(smtp.url)


def valid_form(**changes) -> dict[str, str]:
    form = {"name": "Анна Петрова", "email": "anna@client.example", "phone": "8 (912) 345-67-89",
            "company": "ООО «Ромашка»", "inn": "6671045280", "consent": "yes", "website": "", "token": ""}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}
