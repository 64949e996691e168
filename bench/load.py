"""Registration under load: distinct, valid sign-ups from 32 concurrent clients over HTTP.

    python bench/load.py [--seconds 30] [--clients 32] [--database sqlite|postgresql]
                         [--postgres-url URL] [--crash]

Starts the real service (``registration-api serve``, one uvicorn process; two processes
on PostgreSQL) and, in the same run, a trivial Starlette endpoint as the ceiling, both
driven by the same client. Reports sign-ups per second and p50/p99 latency. With
``--crash`` the service is killed with SIGKILL in the middle of the load and restarted,
and every sign-up that had been answered 201 must be in the database with its e-mails
delivered afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
FORM = {"name": "Нагрузочный Тест", "phone": "+7 912 345-67-89", "company": "ООО «Нагрузка»",
        "inn": "6671045280", "consent": "yes", "website": ""}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"could not start {' '.join(command)}")


async def drive(urls: list[str], seconds: float, clients: int, stop_after: float | None = None,
                on_stop=None) -> dict:
    """Post distinct sign-ups for ``seconds``; returns latencies and the answered e-mails."""
    latencies: list[float] = []
    answered: list[str] = []
    failures: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers={"Accept": "application/json"}) as client:
        async def worker(n: int) -> None:
            i = 0
            while time.monotonic() < deadline:
                email = f"load-{n}-{i}-{uuid.uuid4().hex[:6]}@client.example"
                url = urls[(n + i) % len(urls)]
                i += 1
                started = time.perf_counter()
                try:
                    response = await client.post(url, data={**FORM, "email": email, "token": uuid.uuid4().hex})
                except httpx.HTTPError as exc:
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                    await asyncio.sleep(0.05)
                    continue
                if response.status_code == 201:
                    latencies.append(time.perf_counter() - started)
                    answered.append(email)
                else:
                    failures[str(response.status_code)] = failures.get(str(response.status_code), 0) + 1

        async def stopper() -> None:
            if stop_after is not None:
                await asyncio.sleep(stop_after)
                on_stop()

        started = time.monotonic()
        await asyncio.gather(stopper(), *(worker(n) for n in range(clients)))
        elapsed = time.monotonic() - started
    return {"latencies": latencies, "answered": answered, "failures": failures, "elapsed": elapsed}


def summary(name: str, result: dict) -> dict:
    lat = sorted(result["latencies"])
    figures = {"per_second": len(lat) / result["elapsed"] if lat else 0.0,
               "p50_ms": statistics.median(lat) * 1000 if lat else None,
               "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else None,
               "answered": len(lat), "failures": result["failures"]}
    print(f"  {name:<28}{figures['per_second']:>10.0f}/s   p50 {figures['p50_ms'] or 0:>7.1f} ms   "
          f"p99 {figures['p99_ms'] or 0:>7.1f} ms   answered {len(lat)}   failures {result['failures'] or 'none'}")
    return figures


def service_env(database_url: str, var: Path) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "VAR_DIR": str(var), "RATE_LIMIT_PER_MINUTE": "100000000",
            "MAIL_FROM": "load@storefront.example"}


def count_stored(database_url: str, emails: list[str]) -> tuple[int, int]:
    """How many of ``emails`` are stored, and how many e-mails are still unsent."""
    import sqlalchemy as sa

    sys.path.insert(0, str(REPO))
    from registration_api import db

    engine = db.create_engine(database_url)
    with engine.connect() as conn:
        stored = set(conn.execute(sa.select(db.subscribers.c.email)).scalars())
        unsent = conn.execute(sa.select(sa.func.count()).select_from(db.outbox).where(db.outbox.c.sent_at.is_(None))).scalar()
    engine.dispose()
    return sum(1 for e in emails if e in stored), unsent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--crash", action="store_true", help="SIGKILL the service mid-load and check nothing was lost")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storefront-load-"))
    if args.database == "sqlite":
        database_url = f"sqlite:///{work / 'registrations.sqlite3'}"
    else:
        import sqlalchemy as sa
        name = f"sf_load_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres_url.replace("postgresql://", "postgresql+psycopg://"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        database_url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    env = service_env(database_url, work)
    processes = 2 if args.database == "postgresql" else 1
    print(f"{args.clients} clients, {args.seconds:.0f} s, {args.database} "
          f"({processes} API process{'es' if processes > 1 else ''}), {os.cpu_count()} cores")

    ceiling_port = free_port()
    ceiling = start([sys.executable, "-m", "uvicorn", "--app-dir", str(REPO / "bench"), "ceiling_app:app",
                     "--port", str(ceiling_port), "--log-level", "warning"], env, ceiling_port)
    ports = [free_port() for _ in range(processes)]
    serve = [sys.executable, "-m", "registration_api", "serve", "--sites", str(REPO / "sites"), "--port"]
    services = [start(serve + [str(p)], env, p) for p in ports]
    urls = [f"http://127.0.0.1:{p}/r/oblako-plus/trial" for p in ports]
    results = {}
    try:
        results["ceiling"] = summary("trivial Starlette endpoint",
                                     asyncio.run(drive([f"http://127.0.0.1:{ceiling_port}/r/x/y"], args.seconds,
                                                       args.clients)))
        if not args.crash:
            outcome = asyncio.run(drive(urls, args.seconds, args.clients))
            results["signups"] = summary("sign-ups (full path)", outcome)
            results["ratio_to_ceiling"] = results["signups"]["per_second"] / results["ceiling"]["per_second"]
            print(f"  sign-ups reach {results['ratio_to_ceiling']:.2f} of the ceiling")
        else:
            def kill() -> None:
                for process in services:
                    process.send_signal(signal.SIGKILL)
                print("  SIGKILL sent to the service")
            outcome = asyncio.run(drive(urls, args.seconds, args.clients, stop_after=args.seconds / 2, on_stop=kill))
            for process in services:
                process.wait()
            answered = outcome["answered"]
            stored, _ = count_stored(database_url, answered)
            print(f"  answered 201 before the kill: {len(answered)}; stored after restart: {stored}")
            services = [start(serve + [str(p)], env, p) for p in ports]
            deadline = time.monotonic() + 120
            while True:
                _, unsent = count_stored(database_url, [])
                if unsent == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            print(f"  unsent e-mails after restart: {unsent}")
            results["crash"] = {"answered": len(answered), "stored": stored, "unsent_after_restart": unsent}
            if stored != len(answered) or unsent:
                print("  LOST SIGN-UPS OR E-MAILS")
                return 1
    finally:
        for process in (*services, ceiling):
            process.terminate()
            process.wait(timeout=10)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
