"""The per-client token bucket: limits, IPv6 clients by /64, memory bounded however many clients come."""

from __future__ import annotations

import pytest

from registration_api.web.rate_limit import RateLimiter, client_key


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_waits_until_a_token_is_back():
    clock = Ticks()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a") == pytest.approx(20)
    assert limiter.take("b") == 0
    clock.now = 20
    assert limiter.take("a") == 0 and limiter.take("a") > 0


def test_peek_counts_nothing():
    limiter = RateLimiter(1, clock=Ticks())
    assert [limiter.peek("a") for _ in range(5)] == [0] * 5
    assert limiter.take("a") == 0 and limiter.peek("a") > 0


@pytest.mark.parametrize(
    "one, other",
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"),
        ("2001:db8:1:2::1", "2001:DB8:1:2:0:0:0:abcd"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::ffff:c000:207", "192.0.2.7"),
    ],
)
def test_addresses_of_one_client_share_a_bucket(one, other):
    limiter = RateLimiter(2, clock=Ticks())
    assert client_key(one) == client_key(other)
    assert limiter.take(client_key(one)) == 0 and limiter.take(client_key(other)) == 0
    assert limiter.take(client_key(one)) > 0 and limiter.take(client_key(other)) > 0


@pytest.mark.parametrize(
    "one, other",
    [
        ("2001:db8:1:2::1", "2001:db8:1:3::1"),
        ("192.0.2.7", "192.0.2.8"),
        ("::ffff:192.0.2.7", "::ffff:192.0.2.8"),
        ("192.0.2.7", "2001:db8::c000:207"),
    ],
)
def test_different_clients_have_their_own_buckets(one, other):
    assert client_key(one) != client_key(other)


def test_a_name_that_is_no_address_is_its_own_key():
    assert client_key("unknown") == "unknown" and client_key("testclient") == "testclient"


def test_memory_stays_bounded_when_a_hundred_thousand_addresses_arrive_at_once():
    limiter = RateLimiter(20, clock=Ticks(), max_keys=10_000)
    for n in range(100_000):
        limiter.take(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        assert len(limiter) <= 10_000
    assert limiter.take("10.1.134.159") == 0  # among the last ones: its bucket is still counted
    assert len(limiter) == 10_000


def test_buckets_full_again_are_forgotten_as_requests_come():
    clock = Ticks()
    limiter = RateLimiter(60, clock=clock)
    for n in range(1000):
        limiter.take(f"192.0.2.{n % 250}:{n}")
    clock.now = 61  # every bucket is full again: nothing to remember about them
    for _ in range(300):
        limiter.take("198.51.100.1")
    assert len(limiter) == 1


def test_a_throttled_client_stays_throttled_while_others_come_and_go():
    clock = Ticks()
    limiter = RateLimiter(1, clock=clock)
    assert limiter.take("a") == 0
    for step in range(1, 500):
        clock.now = step * 0.1
        limiter.take(f"other-{step}")
    assert limiter.take("a") > 0
