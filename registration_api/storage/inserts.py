"""Inserts that leave a row alone when its key is taken: how runs that overlap claim work once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_ignoring_duplicates(conn: Connection, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the connection's database; with ``.returning()`` it
    gives back only the rows this statement inserted, which is what a caller has claimed."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
