"""How long the cabinet's overview takes to count at 100,000 subscribers (SQLite, one partner).

Writes N subscribers (seeded: the same rows every run) into a temporary SQLite file made by the
service's own migrations, then times ``cabinet_overview.overview()`` 20 times (after one
warm-up) and prints the median and the 99th percentile, with the indexes the migrations make
(``storage/tables.py``: the subscribers' by sign-up, by last day, by departure and by conversion).

    .venv/bin/python bench/cabinet_overview.py            # N=100000, 20 runs
    .venv/bin/python bench/cabinet_overview.py --subscribers 20000 --runs 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registration_api.domain.cabinet_overview import overview
from registration_api.storage import engines, migrations, tables

SITE = "acme"
TODAY = dt.date(2026, 12, 1)
ZONE = ZoneInfo("Europe/Moscow")
PAGES = ["main", "promo", "accountants", "shops", "winter-offer"]


def populate(engine: sa.Engine, count: int, seed: int) -> None:
    """``count`` subscribers over two years, busier lately; 5 % of them of another partner."""
    rng = random.Random(seed)
    now = dt.datetime.combine(TODAY, dt.time(12), dt.UTC)
    rows = []
    for n in range(count):
        age = dt.timedelta(seconds=int(rng.triangular(0, 730, 0) * 86400))
        created = now - age
        trial_ends = (created + dt.timedelta(days=14)).date()
        status = "trial" if trial_ends >= TODAY else rng.choices(["expired", "paid", "gone"], [55, 35, 10])[0]
        paid_until = TODAY + dt.timedelta(days=rng.randint(1, 365)) if status == "paid" or rng.random() < 0.3 else None
        gone_at = created + dt.timedelta(days=rng.randint(1, 60)) if status == "gone" else None
        # a payment recorded around the trial's end (a tenth of the paid rows predate the column)
        paid = paid_until is not None and status in ("paid", "gone")
        converted_at = created + dt.timedelta(days=rng.randint(7, 20)) if paid and rng.random() < 0.9 else None
        rows.append(
            {
                "number": str(1_000_000 + n),
                "site_id": SITE if rng.random() < 0.95 else "other",
                "page_id": rng.choice(PAGES),
                "tariff": "basic",
                "name": f"Абонент {n}",
                "email": f"s{n}@example.ru",
                "email_key": f"s{n}@example.ru",
                "phone": "+79123456789",
                "status": status,
                "trial_ends": trial_ends,
                "paid_until": paid_until if status in ("paid", "gone") else None,
                "gone_at": gone_at,
                "converted_at": converted_at,
                "invitation_id": n if rng.random() < 0.1 else None,
                "consent_at": created,
                "created_at": created,
            }
        )
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(tables.subscribers.insert(), rows[start : start + 5000])


def timed(engine: sa.Engine, runs: int) -> tuple[float, float]:
    overview(engine, SITE, TODAY, ZONE)  # warm-up: caches, compiled statements
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        overview(engine, SITE, TODAY, ZONE)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p99 = seconds[min(len(seconds) - 1, round(0.99 * (len(seconds) - 1)))]
    return statistics.median(seconds) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = engines.create_engine(f"sqlite:///{folder}/bench.sqlite3")
        migrations.migrate(engine)
        populate(engine, options.subscribers, options.seed)
        figures = overview(engine, SITE, TODAY, ZONE)
        print(
            f"{options.subscribers} subscribers; this month {figures.signups_this_month} sign-ups, "
            f"{figures.trials_running} trials running, rate {figures.rate_converted}/{figures.rate_trials}"
        )
        median, p99 = timed(engine, options.runs)
        print(f"overview(): median {median:.1f} ms, p99 {p99:.1f} ms ({options.runs} runs)")
        engine.dispose()


if __name__ == "__main__":
    main()
