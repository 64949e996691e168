"""Posting a webhook event to a partner's system without letting its address reach into the
host's own network (server-side request forgery).

The host name is resolved once per connection and the connection is made to an address that
is public or that the operator allowed (``WEBHOOK_ALLOW_HOSTS``), with the original Host header
and the certificate checked for the host name. Redirects are not followed, time is bounded,
and at most ``RESPONSE_CAP`` bytes of the answer are read.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Mapping
from http import HTTPStatus

import httpcore
import httpx

from storefront import Address, AllowList, language, url_problem

_ = language.gettext

CONNECT_SECONDS = 5.0
READ_SECONDS = 10.0
TOTAL_SECONDS = 20.0
RESPONSE_CAP = 64 * 1024


#: A socket option as httpcore passes one through (its own alias is private).
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class Refused(Exception):
    """The destination is one the service never connects to; the message says why."""


class Failed(Exception):
    """The receiver could not be reached, or did not accept the event."""


async def addresses_for(host: str, port: int, allow: AllowList) -> list[Address]:
    """Resolve ``host`` once; the addresses among the answers that ``allow`` permits, in order."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Failed(_("{host} could not be resolved ({error})").format(host=host, error=exc)) from None
    return permitted(host, [ipaddress.ip_address(info[4][0]) for info in found], allow)


def permitted(host: str, addresses: Iterable[Address], allow: AllowList) -> list[Address]:
    """Which of a host's resolved ``addresses`` ``allow`` permits; Refused when none is."""
    addresses = list(dict.fromkeys(addresses))
    allowed = [address for address in addresses if allow.permits(host, address)]
    if not allowed:
        listed = ", ".join(map(str, addresses)) or _("no address")
        raise Refused(
            _(
                "{host} resolves to {addresses}, not a public address; events are not sent into the "
                "host's own network (the operator may allow an internal host in WEBHOOK_ALLOW_HOSTS)"
            ).format(host=host, addresses=listed)
        )
    return allowed


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses checked at that moment (the first that answers), so no second
    lookup can lead elsewhere."""

    def __init__(self, allow: AllowList):
        self.allow = allow
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await addresses_for(host, port, self.allow):
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or Failed(_("{host} has no address to connect to").format(host=host))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise Refused(_("events are never sent to a local socket"))

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def post(url: str, body: bytes, headers: Mapping[str, str], allow: AllowList) -> int:
    """POST ``body`` to ``url`` and return the receiver's 2xx status; raises Refused or Failed."""
    problem = url_problem(url, allow)
    if problem:
        raise Refused(problem)
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise Refused(_("the address cannot be used ({error})").format(error=exc)) from None
    request_headers = [
        (b"Host", target.netloc),
        (b"User-Agent", b"storefront-webhooks"),
        (b"Content-Length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    timeouts = {"connect": CONNECT_SECONDS, "read": READ_SECONDS, "write": READ_SECONDS, "pool": CONNECT_SECONDS}
    destination = httpcore.URL(scheme=target.raw_scheme, host=target.raw_host, port=target.port, target=target.raw_path)
    try:
        async with (
            asyncio.timeout(TOTAL_SECONDS),
            httpcore.AsyncConnectionPool(ssl_context=_tls(), retries=0, network_backend=_CheckedBackend(allow)) as pool,
            pool.stream(
                "POST", destination, headers=request_headers, content=body, extensions={"timeout": timeouts}
            ) as response,
        ):
            await _read_at_most(response, RESPONSE_CAP)
    except TimeoutError:
        raise Failed(_("the receiver did not answer within {seconds} s").format(seconds=f"{TOTAL_SECONDS:g}")) from None
    except httpcore.TimeoutException as exc:
        raise Failed(_("the receiver timed out ({error})").format(error=type(exc).__name__)) from None
    except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
        raise Failed(
            _("the receiver could not be reached ({error})").format(error=f"{type(exc).__name__}: {exc}")
        ) from None
    if HTTPStatus.MULTIPLE_CHOICES <= response.status < HTTPStatus.BAD_REQUEST:
        raise Failed(
            _(
                "the receiver answered {status} (a redirect), which is not followed: "
                "write the final address in webhook.url"
            ).format(status=response.status)
        )
    if not HTTPStatus.OK <= response.status < HTTPStatus.MULTIPLE_CHOICES:
        raise Failed(_("the receiver answered {status}").format(status=response.status))
    return response.status


@functools.cache
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


async def _read_at_most(response: httpcore.Response, cap: int) -> None:
    """Read the answer up to ``cap`` bytes; the rest is left unread and the connection closed."""
    size = 0
    async for chunk in response.aiter_stream():
        size += len(chunk)
        if size >= cap:
            return
