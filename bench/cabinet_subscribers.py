"""How fast the cabinet's list of subscribers answers, and how much memory its downloads take, at
100,000 subscribers of one partner (SQLite, or PostgreSQL with --database-url).

Writes N seeded subscribers of the example partner oblako-plus (Russian names, companies,
phones, ИНН, five pages, four statuses, two years of sign-ups, busier lately) plus a tenth as
many of two other partners, interleaved, into a temporary SQLite file made by the service's own
migrations (or into a new database on the PostgreSQL server of --database-url, dropped after).
Then, signed in as the partner's operator, it asks the real application (Starlette's test
client: the ASGI app with its middleware, templates and session, no network) for pages of
``/cabinet/oblako-plus/subscribers``: the first, a deep one, searches by a part of a name, by a
phone typed with spaces, by a company, with filters, by name. Each is asked ``--runs`` times
after a warm-up; the median and the 99th percentile are printed, with what it found.

Then both downloads (``subscribers.csv``, ``subscribers.xlsx``) of a tenth of the partner's
subscribers and of all of them, read through the same application as a browser would (the body
as it comes, never kept), with the time taken and the peak of memory Python allocated meanwhile
(tracemalloc, which makes them slower; their time is measured in a run without it).

    .venv/bin/python bench/cabinet_subscribers.py                 # N=100000, 50 runs a page
    .venv/bin/python bench/cabinet_subscribers.py --subscribers 20000 --runs 100
    .venv/bin/python bench/cabinet_subscribers.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registration_api.settings import Settings
from registration_api.storage import tables
from registration_api.storage.search_text import search_text
from registration_api.web import cabinet_session
from registration_api.web.app import create_app
from registration_api.web.cabinet_session import Session

REPO = Path(__file__).resolve().parents[1]
SITE = "oblako-plus"
OTHERS = ("buhcentr", "other")
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
ZONE = ZoneInfo("Europe/Moscow")
PAGES = ["trial", "kassa", "promo", "accountants", "shops"]
FIRST = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Дмитрий", "Наталья", "Алексей", "Юлия", "Андрей"]
LAST = ["Кузнецов", "Смирнов", "Иванов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"]
FIRMS = ["Ромашка", "Вектор", "Альфа", "Горизонт", "Северный ветер", "Меридиан", "Кедр", "Бухучёт", "Технострой"]


def _surname(rng: random.Random, first: str) -> str:
    last = rng.choice(LAST)
    return last + "а" if first in ("Анна", "Мария", "Ольга", "Елена", "Наталья", "Юлия") else last


def _row(rng: random.Random, n: int, site: str) -> dict[str, object]:
    created = NOW - dt.timedelta(seconds=int(rng.triangular(0, 730, 0) * 86400))
    trial_ends = (created + dt.timedelta(days=30)).date()
    status = "trial" if trial_ends >= NOW.date() else rng.choices(["expired", "paid", "gone"], [55, 35, 10])[0]
    first = rng.choice(FIRST)
    name = f"{first} {_surname(rng, first)}"
    email = f"client{n}@firm{n % 997}.example"
    phone = f"+79{rng.randrange(10**9):09d}"
    company = f"ООО «{rng.choice(FIRMS)} {n % 1000}»" if rng.random() < 0.7 else None
    inn = f"{rng.randrange(10**10):010d}" if company else None
    return {
        "number": str(1_000_000 + n),
        "site_id": site,
        "page_id": rng.choice(PAGES),
        "tariff": "biznes",
        "name": name,
        "email": email,
        "email_key": email,
        "phone": phone,
        "company": company,
        "inn": inn,
        "status": status,
        "trial_ends": trial_ends,
        "paid_until": trial_ends + dt.timedelta(days=365) if status == "paid" else None,
        "gone_at": created + dt.timedelta(days=rng.randint(1, 60)) if status == "gone" else None,
        "consent_at": created,
        "created_at": created,
        "search_text": search_text(name, email, phone, company, inn),
    }


def populate(engine: sa.Engine, count: int, seed: int) -> None:
    """``count`` subscribers of :data:`SITE` and a tenth as many of the others, interleaved."""
    rng = random.Random(seed)
    total = count + count // 10
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        for n in range(total):
            batch.append(_row(rng, n, SITE if n % 11 else rng.choice(OTHERS)))
            if len(batch) == 5000:
                conn.execute(tables.subscribers.insert(), batch)
                batch = []
        if batch:
            conn.execute(tables.subscribers.insert(), batch)


def analyse(engine: sa.Engine) -> None:
    """The statistics a database in use would have (PostgreSQL's autovacuum, SQLite's ANALYZE)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE subscribers")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


@contextmanager
def database(url: str | None, folder: str) -> Iterator[str]:
    """A new, empty database: a file in ``folder``, or one made on ``url``'s server and dropped after."""
    if url is None:
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    name = f"bench_subscribers_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """Median and 99th percentile, in milliseconds."""
    ordered = sorted(seconds)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000


def found(page: str) -> str:
    """What the page says it found («Найдено 9 950 абонентов»)."""
    start = page.index('<h2 id="list">') + len('<h2 id="list">')
    return page[start : page.index("</h2>", start)].replace("\xa0", " ")


def time_pages(client: TestClient, cases: dict[str, str], runs: int) -> None:
    print(f"{'page of the list':<44} {'median':>8} {'p99':>8}  found")
    for name, query in cases.items():
        address = f"/cabinet/{SITE}/subscribers?{query}"
        first = client.get(address)
        assert first.status_code == 200, (address, first.status_code)
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = client.get(address)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 200
        median, p99 = percentiles(seconds)
        print(f"{name:<44} {median:6.1f} ms {p99:6.1f} ms  {found(first.text)}")


def download(client: TestClient, kind: str, query: str) -> tuple[int, int]:
    """Bytes and lines of the file, read as it comes and dropped."""
    size = lines = 0
    with client.stream("GET", f"/cabinet/{SITE}/subscribers.{kind}?{query}") as answer:
        assert answer.status_code == 200, answer.status_code
        for chunk in answer.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    return size, lines


def time_downloads(client: TestClient, tenth: str) -> None:
    print(f"{'download':<34} {'bytes':>11} {'seconds':>8} {'peak of Python memory':>22}")
    for kind in ("csv", "xlsx"):
        for rows, query in (("a tenth", tenth), ("all", "")):
            started = time.perf_counter()
            size, lines = download(client, kind, query)
            seconds = time.perf_counter() - started
            tracemalloc.start()
            download(client, kind, query)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            what = f"{kind.upper()}, {rows} ({lines - 1:,} rows)" if kind == "csv" else f"XLSX, {rows}"
            print(f"{what:<34} {size:>11,} {seconds:>7.1f}s {peak / 2**20:>19.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--database-url", help="a PostgreSQL server to make the database on (default: SQLite)")
    parser.add_argument("--no-downloads", action="store_true", help="time the pages only")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, database(options.database_url, folder) as url:
        env = {"DATABASE_URL": url, "VAR_DIR": folder, "PUBLIC_BASE_URL": "http://bench.example/"}
        app = create_app(Settings.from_env(env, sites_dir=REPO / "sites"), send_in_background=False)
        with TestClient(app, base_url="http://bench.example") as client:
            service = app.state.service
            started = time.perf_counter()
            populate(service.engine, options.subscribers, options.seed)
            analyse(service.engine)
            print(f"{options.subscribers:,} subscribers of {SITE} and {options.subscribers // 10:,} of others "
                  f"written in {time.perf_counter() - started:.0f} s ({service.engine.dialect.name})")  # fmt: skip
            operator = str(service.sites.get(SITE).site.config.partner.operators[0])
            session = Session.signed_in(operator)
            cookie = cabinet_session.cookie_value(session, secret=service.cabinet_secret, now=service.clock())
            client.cookies.set(cabinet_session.COOKIE, cookie)
            time_pages(client, cases(service.engine, options.subscribers), options.runs)
            if not options.no_downloads:
                time_downloads(client, tenth(service.engine, options.subscribers))
        service.engine.dispose()


def cases(engine: sa.Engine, count: int) -> dict[str, str]:
    """The pages timed: what an operator asks for, and the deepest page of newest first."""
    c = tables.subscribers.c
    with engine.connect() as conn:
        phone = conn.execute(sa.select(c.phone).where(c.site_id == SITE).order_by(c.id).offset(count // 3)).scalar()
    d = str(phone)[2:]
    last = max(1, count // 50)
    return {
        "first page (newest first)": "",
        f"deep page ({last:,} of {last:,})": f"page={last}",
        "a name's part: «петров»": "q=петров",
        "two words: «анна смирнова»": "q=анна+смирнова",
        f"a phone typed «8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}»": f"q=8+({d[:3]})+{d[3:6]}-{d[6:8]}-{d[8:]}",
        f"a phone's part «{d[1:4]} {d[4:7]}»": f"q={d[1:4]}+{d[4:7]}",
        "a company: «ромашка 12»": "q=ромашка+12",
        "paid, page kassa, first half of 2026": "status=paid&source=kassa&from=2026-01-01&to=2026-06-30",
        "trials ending first": "status=trial&sort=trial_end",
        "«анна», trials, by name": "q=анна&status=trial&sort=name",
        f"by name, page {last // 2:,}": f"sort=name&page={last // 2}",
    }


def tenth(engine: sa.Engine, count: int) -> str:
    """The filter of the newest tenth of the partner's subscribers: those registered since a day."""
    c = tables.subscribers.c
    query = sa.select(c.created_at).where(c.site_id == SITE).order_by(c.created_at.desc()).offset(count // 10)
    with engine.connect() as conn:
        moment = conn.execute(query.limit(1)).scalar_one()
    day = (moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment) + dt.timedelta(days=1)
    return f"from={day.astimezone(ZONE).date().isoformat()}"


if __name__ == "__main__":
    main()
