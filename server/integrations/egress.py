"""Outgoing webhooks connect only to public addresses, checked at the moment of connecting.

A hook's host is checked when the hook is saved, but a name may resolve elsewhere later, even
between a check and the connection that follows it (DNS rebinding). So the HTTP client's
network backend resolves each host once, refuses the connection when any address is not
globally routable, and connects to the very address it checked. TLS still verifies the
certificate against the host's name, which httpcore passes separately.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]


class DestinationRefused(httpcore.ConnectError):
    """The host resolved to an address webhooks may not go to (or did not resolve)."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # Not globally routable covers private, loopback, link-local (cloud metadata), shared,
    # reserved and documentation ranges.
    return ip.is_global and not ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    def __init__(
        self,
        resolver: Resolver | None = None,
        allowed: Callable[[str], bool] = is_public,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allowed = allowed
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            lookup = (self._resolver or resolve)(host, port)  # the module's, looked up now
            addresses = await asyncio.wait_for(lookup, timeout)
        except (OSError, TimeoutError) as exc:
            raise DestinationRefused(f"The host {host!r} cannot be resolved.") from exc
        if not addresses:
            raise DestinationRefused(f"The host {host!r} cannot be resolved.")
        if not all(self._allowed(a) for a in addresses):
            raise DestinationRefused(f"The host {host!r} is a private or loopback address.")
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:  # try the host's next address
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("Webhooks are not delivered to local sockets.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def webhook_transport(backend: httpcore.AsyncNetworkBackend) -> httpx.AsyncHTTPTransport:
    """httpx's transport over ``backend`` (a :class:`PublicOnlyBackend`).

    No proxy from the environment: a proxy would be the address connected to, and the
    receiver's address would go unchecked."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx has no parameter for httpcore's network backend; its pool reads this attribute
    # each time it opens a connection, and none has been opened yet.
    pool = transport._pool
    assert isinstance(pool, httpcore.AsyncConnectionPool)
    pool._network_backend = backend
    return transport
