"""Addresses a fetch may not reach, refused before any connection is tried."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from novabot.config import FetchSettings
from novabot.web import AddressPolicy, AddressRefused, FetchError, fetch_page
from novabot.web.addresses import non_public_kind, parse_address
from novabot.web.fetch import checked_target, policy_of

CLOSED = FetchSettings(timeout_s=5)
"""The default: no private address is reachable."""


REFUSAL = r"^refused: .* is a {kind} address \(set NOVA_FETCH_ALLOW_PRIVATE=1 to allow it\)$"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:1/", "loopback"),
        ("http://127.8.9.10:1/", "loopback"),
        ("http://[::1]:1/", "loopback"),
        ("http://[::ffff:127.0.0.1]:1/", "loopback"),
        ("http://0.0.0.0:1/", "unspecified"),
    ],
)
async def test_loopback_addresses_are_refused_before_connecting(url: str, kind: str) -> None:
    # Port 1 has no server: a connection tried would fail otherwise, not be "refused".
    with pytest.raises(AddressRefused, match=REFUSAL.format(kind=kind)):
        await fetch_page(url, CLOSED)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://10.1.2.3/wiki", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00::7]/", "private"),
        ("http://100.64.0.1/", "non-public"),
        ("http://224.0.0.1/", "multicast"),
    ],
)
def test_other_non_public_addresses_are_refused(url: str, kind: str) -> None:
    # Checked without fetching: the check every request passes first (a test that got
    # past it would send traffic to a network that is not this machine's).
    with pytest.raises(AddressRefused, match=REFUSAL.format(kind=kind)):
        checked_target(url, policy_of(CLOSED))
    assert checked_target(url, policy_of(CLOSED.model_copy(update={"allow_private": True})))


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(AddressRefused, match=r"localhost resolves to 127\.0\.0\.1, a loopback"):
        await fetch_page("http://localhost:1/", CLOSED)


async def test_allowing_private_addresses_lets_the_connection_be_tried() -> None:
    opened = CLOSED.model_copy(update={"allow_private": True})
    with pytest.raises(FetchError, match=r"^could not fetch 127\.0\.0\.1") as caught:
        await fetch_page("http://127.0.0.1:1/", opened)
    assert not isinstance(caught.value, AddressRefused)


def test_allowed_networks_open_only_themselves() -> None:
    policy = AddressPolicy(allowed_networks=(ip_network("10.1.2.0/24"),))
    assert policy.refusal("10.1.2.77") is None
    assert policy.refusal("10.1.3.1") == "a private address"
    assert policy.refusal("127.1") is not None  # what sockets read as 127.0.0.1
    with pytest.raises(AddressRefused, match=r"wiki\.lan resolves to 10\.9\.9\.9, a private"):
        policy.check("wiki.lan", ["10.1.2.5", "10.9.9.9"])  # every address, not the first


def test_public_addresses_pass() -> None:
    for address in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "1.1.1.1"):
        ip = parse_address(address)
        assert ip is not None and non_public_kind(ip) is None, address
    assert AddressPolicy().refusal("8.8.8.8") is None
