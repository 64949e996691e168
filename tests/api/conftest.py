"""Real components for the registration API tests: uvicorn on a free port, an aiosmtpd SMTP
server, SQLite files and databases on the PostgreSQL server named by TEST_DATABASE_URL."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from registration_api.settings import Settings
from tests.support import Api, Clock, SmtpServer

REPO = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOCAL_ORIGIN = "http://127.0.0.1:9999"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


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
