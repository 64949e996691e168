"""Registration under load: distinct, valid sign-ups from 32 concurrent connections over HTTP.

    python bench/load.py [--seconds 60] [--connections 32] [--database sqlite|postgresql]
                         [--postgres-url URL] [--crash] [--json FILE]

Starts the real service (``registration-api serve``: one uvicorn process and its e-mail
sender; two such processes on PostgreSQL) and, in the same run, the two ceilings of
``ceiling_app.py`` (a trivial endpoint, and form parsing with one durable SQLite insert
per post). wrk drives each for the same time with ``signup.lua`` (every request a new
person); reported: sign-ups per second, p50/p99 latency, errors, and that every sign-up
answered 201 is in the database. With ``--crash`` the service is killed with SIGKILL in the
middle of the load (driven by a Python client that remembers whom it was answered for),
restarted, and every answered sign-up must be stored and its e-mails delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
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
FORM = {
    "name": "Нагрузочный Тест",
    "phone": "+7 912 345-67-89",
    "company": "ООО «Нагрузка»",
    "inn": "6671045280",
    "consent": "yes",
    "website": "",
}


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


async def drive(urls: list[str], seconds: float, clients: int, stop_after: float | None = None, on_stop=None) -> dict:
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
    figures = {
        "per_second": len(lat) / result["elapsed"] if lat else 0.0,
        "p50_ms": statistics.median(lat) * 1000 if lat else None,
        "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else None,
        "answered": len(lat),
        "failures": result["failures"],
    }
    print(
        f"  {name:<34}{figures['per_second']:>8.0f}/s   p50 {figures['p50_ms'] or 0:>7.1f} ms   "
        f"p99 {figures['p99_ms'] or 0:>7.1f} ms   answered {len(lat)}   failures {result['failures'] or 'none'}"
    )
    return figures


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(urls: list[str], seconds: float, connections: int, label: str) -> dict:
    """Run wrk against each of ``urls`` at once (the connections shared out); sums the rates."""
    per_url = max(1, connections // len(urls))
    runs = [
        subprocess.Popen(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(per_url),
                "-d",
                f"{seconds:.0f}s",
                "--latency",
                "-s",
                str(REPO / "bench" / "signup.lua"),
                url,
                "--",
                f"{label}{i}-{uuid.uuid4().hex[:6]}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i, url in enumerate(urls)
    ]
    outputs = [run.communicate()[0] for run in runs]
    parsed = [_parse_wrk(out) for out in outputs]
    return {
        "per_second": sum(p["per_second"] for p in parsed),
        "p50_ms": max(p["p50_ms"] for p in parsed),
        "p99_ms": max(p["p99_ms"] for p in parsed),
        "requests": sum(p["requests"] for p in parsed),
        "errors": sum(p["errors"] for p in parsed),
        "answered": sum(p["requests"] - p["errors"] for p in parsed),
    }


def _parse_wrk(output: str) -> dict:
    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * _UNITS[unit]

    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout|read|write|connect) (\d+)", output))
    return {
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": errors,
    }


def report(name: str, figures: dict) -> dict:
    print(
        f"  {name:<34}{figures['per_second']:>8.0f}/s   p50 {figures['p50_ms']:>7.1f} ms   "
        f"p99 {figures['p99_ms']:>7.1f} ms   answered {figures['answered']}   errors {figures['errors']}"
    )
    return figures


def service_env(database_url: str, var: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var),
        "RATE_LIMIT_PER_MINUTE": "100000000",
        "MAIL_FROM": "load@storefront.example",
    }


def count_stored(database_url: str, emails: list[str] | None = None) -> tuple[int, int]:
    """How many of ``emails`` (all, when None) are stored, and how many e-mails are still unsent."""
    import sqlalchemy as sa

    sys.path.insert(0, str(REPO))
    from registration_api.storage import engines, tables

    engine = engines.create_engine(database_url)
    with engine.connect() as conn:
        if emails is None:
            stored = conn.execute(sa.select(sa.func.count()).select_from(tables.subscribers)).scalar()
        else:
            known = set(conn.execute(sa.select(tables.subscribers.c.email)).scalars())
            stored = sum(1 for e in emails if e in known)
        unsent = conn.execute(
            sa.select(sa.func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
        ).scalar()
    engine.dispose()
    return stored, unsent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--crash", action="store_true", help="SIGKILL the service mid-load and check nothing was lost")
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=30,
        help="after the load, how long to watch the e-mail sender catch up (default: 30)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.crash and shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="storefront-load-"))
    if args.database == "sqlite":
        database_url = f"sqlite:///{work / 'registrations.sqlite3'}"
    else:
        import sqlalchemy as sa

        name = f"sf_load_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(
            args.postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        database_url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    env = {**service_env(database_url, work), "CEILING_DATABASE": str(work / "ceiling.sqlite3")}
    processes = 2 if args.database == "postgresql" else 1
    print(
        f"{args.connections} connections, {args.seconds:.0f} s each, {args.database} "
        f"({processes} API process{'es' if processes > 1 else ''}, each with its e-mail sender), "
        f"{os.cpu_count()} cores"
    )

    ports = [free_port() for _ in range(processes)]
    serve = [sys.executable, "-m", "registration_api", "serve", "--sites", str(REPO / "sites"), "--port"]
    urls = [f"http://127.0.0.1:{p}/r/oblako-plus/trial" for p in ports]
    results: dict = {
        "seconds": args.seconds,
        "connections": args.connections,
        "database": args.database,
        "processes": processes,
    }
    if args.crash:
        services = [start([*serve, str(p)], env, p) for p in ports]
        try:
            ok = crash_test(args, services, serve, ports, env, urls, database_url, results)
        finally:
            stop(services)
        return finish(args, results, ok)

    ceiling_port = free_port()
    ceiling = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(REPO / "bench"),
            "ceiling_app:app",
            "--port",
            str(ceiling_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env,
        ceiling_port,
    )
    try:
        base = f"http://127.0.0.1:{ceiling_port}"
        results["trivial"] = report(
            "trivial endpoint (ceiling)", wrk([f"{base}/trivial/r/x/y"], args.seconds, args.connections, "trivial")
        )
        results["insert"] = report(
            "form + durable insert (ceiling)", wrk([f"{base}/insert/r/x/y"], args.seconds, args.connections, "insert")
        )
    finally:
        stop([ceiling])
    services = [start([*serve, str(p)], env, p) for p in ports]
    try:
        results["signups"] = report("sign-ups (the service)", wrk(urls, args.seconds, args.connections, "signup"))
        stored, unsent = count_stored(database_url)
        results["signups"].update(stored=stored, unsent_at_end=unsent)
        ratio = results["signups"]["per_second"] / results["insert"]["per_second"]
        results["ratio_to_insert_ceiling"] = ratio
        print(
            f"  sign-ups reach {ratio:.2f} of the durable-insert ceiling; answered 201: "
            f"{results['signups']['answered']}, stored: {stored} (wrk does not count the answers still "
            "in flight when it stops)"
        )
        deadline = time.monotonic() + args.drain_seconds
        while unsent and time.monotonic() < deadline:
            time.sleep(1)
            unsent = count_stored(database_url)[1]
        sent_after = results["signups"]["unsent_at_end"] - unsent
        results["signups"].update(unsent_after_drain=unsent, drain_seconds=args.drain_seconds)
        print(
            f"  e-mails: {results['signups']['unsent_at_end']} waiting when the load stopped; "
            f"{sent_after} sent in the next {args.drain_seconds:.0f} s; {unsent} still waiting"
        )
    finally:
        stop(services)
    return finish(args, results, results["signups"]["stored"] >= results["signups"]["answered"])


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def finish(args, results: dict, ok: bool) -> int:
    """Write the JSON report if asked; the exit code."""
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if ok else 1


def crash_test(args, services, serve, ports, env, urls, database_url, results) -> bool:
    """SIGKILL the service halfway through the load; every answered sign-up must survive."""

    def kill() -> None:
        for process in services:
            process.send_signal(signal.SIGKILL)
        print("  SIGKILL sent to the service")

    outcome = asyncio.run(drive(urls, args.seconds, args.connections, stop_after=args.seconds / 2, on_stop=kill))
    for process in services:
        process.wait()
    answered = outcome["answered"]
    stored, _ = count_stored(database_url, answered)
    print(f"  answered 201 before the kill: {len(answered)}; stored after restart: {stored}")
    services[:] = [start([*serve, str(p)], env, p) for p in ports]
    deadline = time.monotonic() + 300
    while True:
        _, unsent = count_stored(database_url, [])
        if unsent == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    print(f"  unsent e-mails after restart: {unsent}")
    results["crash"] = {"answered": len(answered), "stored": stored, "unsent_after_restart": unsent}
    if stored != len(answered) or unsent:
        print("  LOST SIGN-UPS OR E-MAILS")
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
