"""Real components the API and browser tests share: free ports, an aiosmtpd SMTP server,
a movable clock, and the registration API under uvicorn in a background thread."""
from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa
import uvicorn
from aiosmtpd.controller import Controller

from registration_api.storage import database
from registration_api.web.app import create_app
from registration_api.settings import Settings


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

    def start(self) -> "SmtpServer":
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
            return list(conn.execute(sa.select(database.subscribers).order_by(database.subscribers.c.id)))

    def outbox(self) -> list:
        with self.service.engine.connect() as conn:
            return list(conn.execute(sa.select(database.outbox).order_by(database.outbox.c.id)))
