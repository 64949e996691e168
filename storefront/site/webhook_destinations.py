"""Which network addresses a partner's webhook may reach: public ones, and the internal hosts
the operator names in ``WEBHOOK_ALLOW_HOSTS``.

Shared by the model (an internal address written literally is a positioned error in
``storefront check``) and the service's sender (every address it connects to is checked).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storefront.language import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_HOSTS_VARIABLE = "WEBHOOK_ALLOW_HOSTS"
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
_SPECIAL_IPV4 = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("192.88.99.0/24"))


def _translated_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _tunnelled_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.sixtofour is not None:
        return address.sixtofour
    return address.teredo[1] if address.teredo is not None else None


def is_public(address: Address) -> bool:
    """Routable on the internet: not loopback, private, link-local, shared (100.64/10),
    multicast, reserved, unspecified, site-local, nor an IPv6 form of such an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id or address in _LOCAL_NAT64 or address.is_site_local:
            return False
        translated = _translated_ipv4(address)
        if translated is not None:
            return is_public(translated)
        tunnelled = _tunnelled_ipv4(address)
        if tunnelled is not None and not is_public(tunnelled):
            return False
    elif any(address in network for network in _SPECIAL_IPV4):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_private
    )


def literal_address(host: str) -> Address | None:
    """The address a URL's host names literally, in any spelling a resolver accepts
    (``[::1]``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``, ``127.1``); None for a name."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class AllowList:
    """Internal destinations the operator allows: host names (exact) and addresses or networks."""

    names: frozenset[str] = field(default_factory=frozenset)
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """``crm.internal,10.0.0.5,192.168.10.0/24``; raises ValueError naming a bad entry."""
        names, networks = set(), []
        for entry in (e.strip().lower().rstrip(".") for e in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not _HOST_NAME.match(entry):
                raise ValueError(
                    _("{entry} is neither a host name nor an IP address or network").format(entry=repr(entry))
                )
            names.add(entry)
        return cls(frozenset(names), tuple(networks))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AllowList:
        """The operator's list from the environment; an unreadable list allows nothing here
        (the service refuses to start on it with a message naming the variable)."""
        env = os.environ if env is None else env
        try:
            return cls.parse(env.get(ALLOW_HOSTS_VARIABLE, ""))
        except ValueError:
            return cls()

    def names_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names

    def covers(self, address: Address) -> bool:
        return any(address.version == network.version and address in network for network in self.networks)

    def permits(self, host: str, address: Address) -> bool:
        """May a request for ``host`` connect to ``address``?"""
        return is_public(address) or self.names_host(host) or self.covers(address)


def url_problem(url: str, allow: AllowList | None = None) -> str | None:
    """What is wrong with a webhook address before any lookup, in words for the partner; None if
    nothing is. Host names are judged when sending, by the addresses they resolve to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return _("the address must start with https:// (or http://)")
    if "@" in parts.netloc:
        return _("write the address without a user name or password (the events are signed with webhook.secret)")
    try:
        _port = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        return _("the port must be a number from 1 to 65535")
    if not parts.hostname:
        return _("the address has no host name")
    address = literal_address(parts.hostname)
    allow = AllowList.from_env() if allow is None else allow
    if address is not None and not (is_public(address) or allow.covers(address)):
        return _(
            "{host} is a local or private network address ({address}), where events are never "
            "sent; write the public address of your system (the host's operator may allow an internal "
            "host in {variable})"
        ).format(host=parts.hostname, address=address, variable=ALLOW_HOSTS_VARIABLE)
    return None
