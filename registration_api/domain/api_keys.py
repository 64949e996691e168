"""Partner API keys: shown once, stored only as a SHA-256 hash, each bound to one site."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registration_api.storage.records import ApiKey
from registration_api.storage.tables import api_keys

PREFIX_LENGTH = 12  # what `keys list` prints of a key, and what the API's per-key rate limit counts by
PREFIX = re.compile(r"sfk_[A-Za-z0-9_-]{8}")  # a key's first PREFIX_LENGTH characters
KEY = re.compile(r"sfk_[A-Za-z0-9_-]{40}")  # a whole key, as `create` makes one


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(engine: Engine, site_id: str, label: str | None, now: dt.datetime) -> str:
    """A new key for ``site_id``; the caller shows it once, it cannot be read back."""
    key = f"sfk_{secrets.token_urlsafe(30)}"
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                site_id=site_id, prefix=key[:PREFIX_LENGTH], key_hash=_hash(key), label=label, created_at=now
            )
        )
    return key


def list_keys(engine: Engine, site_id: str) -> list[ApiKey]:
    """The site's keys, oldest first, revoked ones too."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_keys).where(api_keys.c.site_id == site_id).order_by(api_keys.c.id))
        return [ApiKey.from_row(row) for row in rows]


def with_prefix(engine: Engine, prefix: str) -> list[ApiKey]:
    """Every key whose stored prefix is exactly ``prefix``, whichever site it belongs to."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_keys).where(api_keys.c.prefix == prefix).order_by(api_keys.c.id))
        return [ApiKey.from_row(row) for row in rows]


def revoke(engine: Engine, site_id: str, prefix: str, now: dt.datetime) -> int:
    """Revoke the site's active key whose stored prefix is exactly ``prefix``; returns how many (0 or 1)."""
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"{prefix!r} is not a key prefix; write it as `keys list` prints it, e.g. sfk_AbCdEfGh")
    with engine.begin() as conn:
        revoked: int = conn.execute(
            api_keys.update()
            .where(api_keys.c.site_id == site_id, api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
    return revoked


def site_of(engine: Engine, key: str) -> str | None:
    """The site a live key belongs to, or None."""
    with engine.connect() as conn:
        site_id: str | None = conn.execute(
            sa.select(api_keys.c.site_id).where(api_keys.c.key_hash == _hash(key), api_keys.c.revoked_at.is_(None))
        ).scalar()
    return site_id


def of_site(engine: Engine, site_id: str, prefix: str) -> ApiKey | None:
    """The site's key whose stored prefix is exactly ``prefix``, revoked or not; None when the site
    has none (another site's key included) or ``prefix`` is not a prefix at all."""
    if not PREFIX.fullmatch(prefix):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(api_keys)
            .where(api_keys.c.site_id == site_id, api_keys.c.prefix == prefix)
            .order_by(api_keys.c.revoked_at.is_not(None), api_keys.c.id.desc())
            .limit(1)
        ).first()
    return ApiKey.from_row(row) if row is not None else None
