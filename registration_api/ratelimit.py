"""A per-client limit on sign-ups: a token bucket per address, kept in memory."""
from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` posts a minute per client, in bursts of up to that many."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = Lock()

    def take(self, client: str) -> float:
        """0 if the client may go on, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            if len(self._buckets) > 50_000:
                self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < 120}
            bucket = self._buckets.setdefault(client, _Bucket(self.capacity, now))
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate
