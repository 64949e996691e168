"""The ceilings for the registration load test, served by one uvicorn process like the service.

``POST /trivial/...`` does nothing but answer (what the HTTP stack alone allows);
``POST /insert/...`` parses the form and does one durable SQLite insert per post (WAL,
``synchronous=FULL``, a connection per thread, one transaction per request): the plain
way to store a sign-up, against which the service's write path is measured.
"""

import os
import sqlite3
import threading

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

DATABASE = os.environ.get("CEILING_DATABASE", "ceiling.sqlite3")
_local = threading.local()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(DATABASE, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS signups (id INTEGER PRIMARY KEY, email TEXT, name TEXT, form TEXT)")
    return conn


def _insert(form: dict) -> None:
    conn = _connection()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO signups (email, name, form) VALUES (?, ?, ?)",
        (form.get("email"), form.get("name"), repr(sorted(form.items()))),
    )
    conn.execute("COMMIT")


async def trivial(request):
    await request.body()
    return JSONResponse({"status": "ok"}, status_code=201)


async def insert(request):
    form = dict(await request.form())
    await run_in_threadpool(_insert, form)
    return JSONResponse({"status": "registered"}, status_code=201)


app = Starlette(
    routes=[
        Route("/trivial/r/{site_id}/{page_id}", trivial, methods=["POST"]),
        Route("/insert/r/{site_id}/{page_id}", insert, methods=["POST"]),
    ]
)
