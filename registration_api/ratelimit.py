"""Per-client limits on requests: a token bucket per key (an address, an API key), kept in memory."""
from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` requests a minute per key, in bursts of up to that many."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = Lock()

    def take(self, key: str) -> float:
        """0 if the client may go on (and one request is counted), else the seconds to wait."""
        return self._bucket(key, spend=True)

    def peek(self, key: str) -> float:
        """Like :meth:`take`, without counting a request: for limits on failures, counted afterwards."""
        return self._bucket(key, spend=False)

    def _bucket(self, key: str, *, spend: bool) -> float:
        now = self.clock()
        with self._lock:
            if len(self._buckets) > 50_000:
                self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < 120}
            bucket = self._buckets.setdefault(key, _Bucket(self.capacity, now))
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                if spend:
                    bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


def retry_after(wait: float) -> dict[str, str]:
    """The ``Retry-After`` header for a refusal that asks to wait ``wait`` seconds."""
    return {"Retry-After": str(int(wait) + 1)}
