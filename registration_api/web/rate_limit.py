"""Per-client limits on requests: a token bucket per key (an address, an API key), kept in memory.

Buckets are kept in order of last use, so the ones idle long enough to be full again are
dropped a few at a time from the old end: a request costs the same with a million clients
as with one, and a hard cap bounds memory when many addresses arrive at once.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

MAX_KEYS = 100_000
_EVICT_PER_CALL = 4


@dataclass
class _Bucket:
    tokens: float
    updated: float


def client_key(address: str) -> str:
    """The key of a client address: an IPv4 address as is (also written IPv4-mapped), an IPv6
    address by its /64, which one subscriber gets whole and could otherwise walk through."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


class RateLimiter:
    """Allows ``per_minute`` requests a minute per key, in bursts of up to that many; remembers
    at most ``max_keys`` keys (the longest idle is forgotten first, which gives it a full bucket)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.refill = self.capacity / self.rate  # seconds after which an unused bucket is full again
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """0 if the client may go on (and one request is counted), else the seconds to wait."""
        return self._bucket(key, spend=True)

    def peek(self, key: str) -> float:
        """Like :meth:`take`, without counting a request: for limits on failures, counted afterwards."""
        return self._bucket(key, spend=False)

    def _bucket(self, key: str, *, spend: bool) -> float:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(self.capacity, now)
            self._evict(now)
            self._buckets[key] = bucket  # now the most recently used
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                if spend:
                    bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def _evict(self, now: float) -> None:
        """Forget a few buckets that are full again (idle past the refill time), and the least
        recently used ones beyond the cap."""
        for _ in range(_EVICT_PER_CALL):
            if not self._buckets:
                return
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated < self.refill:
                break
            self._buckets.popitem(last=False)
        while len(self._buckets) >= self.max_keys:
            self._buckets.popitem(last=False)


def retry_after(wait: float) -> dict[str, str]:
    """The ``Retry-After`` header for a refusal that asks to wait ``wait`` seconds."""
    return {"Retry-After": str(int(wait) + 1)}
