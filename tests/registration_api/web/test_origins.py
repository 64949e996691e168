"""Origins in one canonical spelling: what is the same origin, and what is none at all."""

from __future__ import annotations

import pytest

from registration_api.web.origins import header_origin, is_loopback, origin_of


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://a.ru", "https://a.ru"),
        ("https://a.ru:443/path?q#f", "https://a.ru"),
        ("HTTP://A.RU:80", "http://a.ru"),
        ("https://a.ru:8443/", "https://a.ru:8443"),
        ("https://Облако.рф/", "https://xn--80ab2acne.xn--p1ai"),
        ("https://my_site.example/", "https://my_site.example"),
        ("http://[0:0::1]:8080/", "http://[::1]:8080"),
    ],
)
def test_one_origin_one_spelling(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "null",
        "file:///etc/passwd",
        "ftp://a.ru",
        "http://user@a.ru",
        "http://a.ru:0",
        "http://a.ru:65536",
        "http://a.ru.",
        "http://[::1].evil.example",
        "http://a..ru",
        "http://[::1",
        "http:///path",
        "http://a b.ru",
    ],
)
def test_what_is_no_origin(url):
    assert origin_of(url) is None


def test_an_origin_header_is_only_scheme_host_and_port():
    assert header_origin("https://a.ru:443") == "https://a.ru"
    assert [header_origin(v) for v in ("https://a.ru/", "https://a.ru?x", "https://a.ru#x", "a.ru")] == [None] * 4


def test_loopback_is_localhost_127_and_ipv6_one_only():
    assert all(map(is_loopback, ["http://localhost:1", "http://127.9.9.9", "http://[::1]:8080"]))
    assert not any(map(is_loopback, ["http://127.0.0.1.evil.example", "http://[::ffff:7f00:1]", "http://localhost.a"]))
