"""An issue of a partner's newsletter to many subscribers, delivered to a local SMTP server.

For each size given, writes that many consenting subscribers (the same every run) into a fresh
database made by the service's own migrations (SQLite, or a throwaway PostgreSQL database with
``--postgresql URL``), gives the example partner «БухЦентр» a newsletter that is due with a
hand-written issue, and runs ``registration-api newsletter send --wait`` as an operator's cron
would (``--senders 2``: two of them at once) against an SMTP server in a process of its own that
counts every recipient. Reports the e-mails per second (the whole run: making the issue,
queueing it, composing and sending every message), the peak memory of a sender process, and
whether any recipient got the issue twice or not at all.

    .venv/bin/python bench/newsletter_send.py                       # 10,000 and 100,000 on SQLite
    .venv/bin/python bench/newsletter_send.py 20000 --senders 2 \\
        --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registration_api.storage import engines, migrations, tables

ROOT = Path(__file__).resolve().parents[1]

SITE = "buhcentr"
DUE_NOW = """
newsletter:
  every: 1 week
  weekday: monday
  hour: 0
  timezone: Europe/Moscow
  starts: 2026-01-01
"""
ISSUE = """---
subject: Новые тарифы с 1 февраля
preheader: Что меняется и как перейти
---
Уважаемые клиенты! С 1 февраля мы обновляем линейку тарифов.

## Что меняется

- тариф «Базовый» включает два сеанса вместо одного;
- в тариф «Проф» входит сервис проверки контрагентов;
- цены на дополнительные базы снижаются на 10 %.

Перейти на новый тариф можно в любой день: напишите нам или позвоните.
"""

SINK = r"""
# A minimal SMTP server that takes everything and counts each recipient: the bench measures the
# sender, so the server must not be the slower side (aiosmtpd parses far more than this needs).
import asyncio, collections, json, signal, sys

received, messages = collections.Counter(), 0

class Sink(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer, self.data, self.rcpt = transport, b"", False, []
        transport.write(b"220 sink ESMTP\r\n")
    def data_received(self, chunk):
        global messages
        self.buffer += chunk
        while True:
            if self.data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self.buffer, self.data = self.buffer[end + 5:], False
                messages += 1
                received.update(self.rcpt)
                self.rcpt = []
                self.transport.write(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"RCPT":
                self.rcpt.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                self.transport.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.data = True
                self.transport.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "127.0.0.1", int(sys.argv[1]))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    counts = received.values()
    json.dump({"messages": messages, "recipients": len(received),
               "twice": sum(1 for n in counts if n > 1)}, open(sys.argv[2], "w"))

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(engine: sa.Engine, count: int) -> None:
    """``count`` subscribers of the partner who agreed to news (and a tenth as many who did not)."""
    created = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        for n in range(count + count // 10):
            consented = created if n < count else None
            email = f"client{n}@client.example"
            batch.append(
                {
                    "number": str(5_000_000 + n),
                    "site_id": SITE,
                    "page_id": "trial",
                    "tariff": "basic",
                    "name": f"Клиент {n}",
                    "email": email,
                    "email_key": email,
                    "phone": "+79123456789",
                    "status": "trial" if n % 3 else "paid",
                    "trial_ends": dt.date(2026, 12, 2),
                    "consent_at": created,
                    "created_at": created,
                    "news_consent_at": consented,
                    "news_confirmed_at": consented,
                }
            )
            if len(batch) == 5000:
                conn.execute(tables.subscribers.insert(), batch)
                batch = []
        if batch:
            conn.execute(tables.subscribers.insert(), batch)


def database(postgresql: str | None, work: Path) -> tuple[str, object]:
    """A fresh database's URL and how to drop it."""
    if postgresql is None:
        return f"sqlite:///{work / 'registrations.sqlite3'}", lambda: None
    name = f"bench_newsletter_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgresql, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = postgresql.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()

    return url, drop


def run_once(count: int, senders: int, postgresql: str | None) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="bench-newsletter-"))
    url, drop = database(postgresql, work)
    try:
        sites = work / "sites"
        shutil.copytree(ROOT / "sites" / SITE, sites / SITE)
        config = sites / SITE / "site.yaml"
        config.write_text(config.read_text(encoding="utf-8") + DUE_NOW, encoding="utf-8")
        (sites / SITE / "newsletter").mkdir()
        (sites / SITE / "newsletter" / "2026-01-05.md").write_text(ISSUE, encoding="utf-8")
        engine = engines.create_engine(url)
        migrations.migrate(engine)
        populate(engine, count)
        engine.dispose()

        port, counts = free_port(), work / "counts.json"
        sink = subprocess.Popen([sys.executable, "-c", SINK, str(port), str(counts)], stdout=subprocess.PIPE, text=True)
        assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "VAR_DIR": str(work / "var"),
            "SMTP_URL": f"smtp://127.0.0.1:{port}",
            "NEWSLETTER_PER_MINUTE": "100000000",
            "PUBLIC_BASE_URL": "https://api.storefront.example/",
            "LANGUAGE": "en",
        }
        command = [sys.executable, "-m", "registration_api", "newsletter", "send", "--wait", "--sites", str(sites)]
        started = time.perf_counter()
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for _ in range(senders)
        ]
        outputs, codes, peaks = [], [], []
        for run in runs:
            assert run.stdout is not None
            outputs.append(run.stdout.read())
            _pid, status, usage = os.wait4(run.pid, 0)  # this child's own peak, not the largest so far
            codes.append(os.waitstatus_to_exitcode(status))
            peaks.append(usage.ru_maxrss)  # KiB on Linux
        elapsed = time.perf_counter() - started
        sink.send_signal(signal.SIGTERM)
        sink.wait(60)
        received = json.loads(counts.read_text())
        return {
            "recipients": count,
            "senders": senders,
            "database": "postgresql" if postgresql else "sqlite",
            "seconds": round(elapsed, 1),
            "emails_per_second": round(received["messages"] / elapsed),
            "peak_sender_mib": round(max(peaks) / 1024, 1),
            "delivered": received["recipients"],
            "twice": received["twice"],
            "missing": count - received["recipients"],
            "exit_codes": codes,
            "said": [output.strip().splitlines()[-1] if output.strip() else "" for output in outputs],
        }
    finally:
        drop()  # type: ignore[operator]
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000], help="recipients per run")
    parser.add_argument("--senders", type=int, default=1, help="`newsletter send` processes at once (default 1)")
    parser.add_argument("--postgresql", metavar="URL", help="a PostgreSQL server to make a throwaway database on")
    args = parser.parse_args()
    for size in args.sizes:
        print(json.dumps(run_once(size, args.senders, args.postgresql), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
