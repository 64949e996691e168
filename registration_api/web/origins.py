"""Web origins (scheme, host, port) in one canonical spelling, so they are compared exactly.

``https://Облако.рф:443/path`` and ``https://xn--80ab2acne.xn--p1ai`` are the same origin; a
user name, a host with a trailing dot, ``null`` or anything that is not http(s) has none.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import idna

MAX_PORT = 65535
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ASCII_NAME = re.compile(r"[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*")
_AUTHORITY = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\[\]:@/\\]+))(?::(?P<port>[0-9]{1,5}))?")


def origin_of(url: str) -> str | None:
    """The canonical origin of an http(s) URL, e.g. ``https://a.ru`` (default port left out);
    None when it has none: another scheme, a user name or password, no or a malformed host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    authority = _AUTHORITY.fullmatch(parts.netloc)
    if scheme not in _DEFAULT_PORTS or authority is None:
        return None
    host = _host(authority["ipv6"] or authority["name"])
    port = int(authority["port"]) if authority["port"] else None
    if host is None or (port is not None and not 0 < port <= MAX_PORT):
        return None
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def header_origin(value: str) -> str | None:
    """The canonical form of an ``Origin`` header, which a browser sends as scheme://host[:port]
    and nothing more; None for ``null`` and for anything with a path, query or fragment."""
    _, separator, authority = value.strip().partition("://")
    if not separator or any(c in authority for c in "/?#"):
        return None
    return origin_of(value)


def is_loopback(origin: str) -> bool:
    """A page served from this machine: ``localhost``, 127.0.0.0/8 or ``[::1]`` (canonical origins)."""
    host = urlsplit(origin).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(host: str) -> str | None:
    """A host name in IDNA (A-label) form, or an IP address in its usual spelling; None if neither."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{address.compressed}]" if isinstance(address, ipaddress.IPv6Address) else address.compressed
    if host.isascii():
        host = host.lower()
        return host if _ASCII_NAME.fullmatch(host) else None
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None
