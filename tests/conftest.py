"""Fixtures for every test: throwaway sites built from the scaffold, and the service's real
components (uvicorn, an SMTP server, SQLite files and PostgreSQL databases), and
``storefront serve`` in a child process. Helpers they use
live in :mod:`tests.support`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from registration_api.settings import Settings
from registration_api.web.rate_limit import RateLimiter
from registration_api.web.service import SIGN_INS_PER_ADDRESS, SIGN_INS_PER_CLIENT
from storefront import language
from tests.support import (
    CLOCK_START,
    LOCAL_ORIGIN,
    REPO,
    Api,
    Clock,
    InProcessApi,
    SiteFactory,
    SmtpServer,
    free_port,
    in_process_env,
    postgres_database,
    wait_until,
)

# The tests read storefront's messages in English, the language their code is written in,
# whatever the machine's LANG; the tests of the Russian messages ask for it (--lang ru or
# LANGUAGE=ru), as a partner does. Child processes inherit this.
os.environ["LANGUAGE"] = "en"
language.use()


@pytest.fixture(autouse=True)
def messages_in_english():
    """Every test starts in English: a test that ran a command with another language (a
    verb's main() chooses the process's) leaves nothing behind for the next one."""
    language.use()
    yield
    language.use()


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SiteFactory:
    monkeypatch.chdir(tmp_path)
    return SiteFactory(tmp_path)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'registrations.sqlite3'}"
        return
    url, drop = postgres_database()
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
    return Clock(dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC))


@pytest.fixture
def make_api(tmp_path, database_url, sites_dir, clock):
    started: list[Api] = []

    def make(smtp_url: str | None = None, *, background: bool = True, **overrides) -> Api:
        env = {
            "DATABASE_URL": database_url,
            "VAR_DIR": str(tmp_path / "var"),
            "MAIL_FROM": "robot@storefront.example",
            "EXTRA_ORIGINS": LOCAL_ORIGIN,
            "RATE_LIMIT_PER_MINUTE": "10000",
        }
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


@pytest.fixture
def make_in_process_api(tmp_path, sites_dir, clock):
    """Starts the registration API in this process (see :class:`tests.support.InProcessApi`) on an
    SQLite file under ``tmp_path`` and a copy of the example sites; settings as keyword overrides."""
    started: list[InProcessApi] = []

    def make(*, raise_server_exceptions: bool = True, **overrides: object) -> InProcessApi:
        env = in_process_env(tmp_path, **overrides)
        service = InProcessApi(env, sites_dir, clock, raise_server_exceptions=raise_server_exceptions).start()
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


@pytest.fixture(scope="module")
def shared_in_process_api(tmp_path_factory: pytest.TempPathFactory):
    """One in-process service per test module, on its own copy of the example sites (which its
    tests leave as they are: a test that edits a site uses ``make_in_process_api``)."""
    root = tmp_path_factory.mktemp("in-process-api")
    shutil.copytree(REPO / "sites", root / "sites")
    service = InProcessApi(in_process_env(root), root / "sites", Clock(CLOCK_START)).start()
    yield service
    service.stop()


@pytest.fixture
def in_process_api(shared_in_process_api: InProcessApi) -> InProcessApi:
    """The registration API in this process, as if just started: empty tables, no mail, the
    clock at ``CLOCK_START`` (move it with ``in_process_api.clock``), the default settings."""
    shared_in_process_api.reset()
    return shared_in_process_api


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Browser tests run in their own pytest process (Playwright keeps an event loop in the
    main thread); they are collected only when tests/e2e is named on the command line."""
    if collection_path.name == "e2e" and not any("e2e" in str(arg) for arg in config.args):
        return True
    return None


@pytest.fixture
def start_preview(tmp_path):
    """``storefront serve oblako-plus`` in a child process on a free port, in a copy of the examples."""
    processes = []

    def start(*args: str) -> tuple[str, Path]:
        if not (tmp_path / "sites").exists():
            shutil.copytree(REPO / "sites", tmp_path / "sites")
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "storefront", "serve", "oblako-plus", "--port", str(port), *args],
            cwd=tmp_path,
            env={**os.environ, "RATE_LIMIT_PER_MINUTE": "1000"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)

        def up():
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                assert process.poll() is None, process.stdout.read()
                return False

        wait_until(up, timeout=30, message="storefront serve")
        return f"http://127.0.0.1:{port}", tmp_path / "sites" / "oblako-plus"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def cabinet(in_process_api: InProcessApi) -> InProcessApi:
    """The shared in-process service for the partner's cabinet, its sign-in limits as if just started."""
    service = in_process_api.app.state.service
    service.sign_ins_by_client = RateLimiter(SIGN_INS_PER_CLIENT)
    service.sign_ins_by_address = RateLimiter(SIGN_INS_PER_ADDRESS)
    return in_process_api
