"""Which addresses a fetch may connect to: public ones only, unless the settings say so.

A URL's host is checked as an address when it is one, and every address a name resolves
to is checked by the resolver the connection itself uses, so what was checked is what is
connected to (a name that resolves to a public address for the check and a private one
for the connection cannot slip through).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """A page could not be fetched or read; the message is one line for the user."""


class AddressRefused(FetchError):
    """The URL leads to an address fetches may not reach."""


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    """Reachable even when private addresses are not (an intranet wiki's network)."""

    def refusal(self, address: str) -> str | None:
        """What kind of address `address` is ("a loopback address") if it may not be
        reached, or None when it may."""
        ip = parse_address(address)
        if ip is None:  # e.g. 127.1: sockets read it as an address, ipaddress does not
            return "not a plain IP address"
        if self.allow_private or any(ip in network for network in self.allowed_networks):
            return None
        kind = non_public_kind(ip)
        return None if kind is None else f"a {kind} address"

    def check(self, host: str, addresses: Iterable[str]) -> None:
        """Refuse the host if any of its addresses is refused (not just the first)."""
        for address in addresses:
            reason = self.refusal(address)
            if reason is not None:
                shown = f"{host} is" if host == address else f"{host} resolves to {address},"
                raise AddressRefused(
                    f"refused: {shown} {reason} (set NOVA_FETCH_ALLOW_PRIVATE=1 to allow it)"
                )


def parse_address(text: str) -> IPAddress | None:
    """The address `text` names (IPv4-mapped IPv6 as its IPv4), or None for a name."""
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def non_public_kind(ip: IPAddress) -> str | None:
    """The kind ("loopback", "private"…) of an address not on the public internet, or None."""
    for kind, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
    ):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


class GuardedResolver(AbstractResolver):
    """Resolves names for the connection and refuses them when any address is refused."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._resolver = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            results = await self._resolver.resolve(host, port, family)
        except OSError:
            raise FetchError(f"not found: the name {host} does not resolve") from None
        self.policy.check(host, [result["host"] for result in results])
        return results

    async def close(self) -> None:
        await self._resolver.close()
