"""Which addresses a webhook may reach: public ones, and what the operator allows."""

from __future__ import annotations

import ipaddress

import pytest

from storefront.site.webhook_destinations import AllowList, is_public, literal_address, url_problem


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.8",
        "198.18.0.1",
        "192.0.2.1",
        "::",
        "::1",
        "fe80::1",
        "fec0::1",
        "fd00::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::10.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        "2002:a00:1::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    ],
)
def test_internal_addresses_are_not_public(text):
    assert not is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    "text", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
)
def test_internet_addresses_are_public(text):
    assert is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    "host", ["0x7f000001", "2130706433", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]", "127.0.0.1."]
)
def test_every_spelling_of_an_address_is_read_as_the_resolver_reads_it(host):
    address = literal_address(host)
    assert address is not None and not is_public(address)


def test_names_are_not_addresses():
    assert [literal_address(h) for h in ("crm.example", "localhost", "deadbeef", "1e100.net")] == [None] * 4


def test_the_allow_list_names_hosts_and_networks():
    allow = AllowList.parse(" CRM.Internal. ,10.0.0.5, 192.168.10.0/24,[fd00::1]")
    assert allow.permits("crm.internal", ipaddress.ip_address("10.9.9.9"))
    assert allow.permits("other.example", ipaddress.ip_address("192.168.10.77"))
    assert allow.permits("v6.example", ipaddress.ip_address("fd00::1"))
    assert not allow.permits("other.example", ipaddress.ip_address("10.0.0.6"))
    with pytest.raises(ValueError, match="'crm internal'"):
        AllowList.parse("crm internal")


def test_url_problems_are_worded_for_the_partner():
    assert url_problem("https://crm.example/hook", AllowList()) is None
    assert "local or private" in url_problem("http://[::1]:8080/", AllowList())
    assert url_problem("http://10.0.0.5/", AllowList.parse("10.0.0.0/8")) is None
    assert "user name" in url_problem("https://a:b@crm.example/", AllowList())
