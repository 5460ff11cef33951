"""Which addresses Tenantry may call when someone else chose the URL (webhooks): the SSRF rules.

An API client that registers ``http://169.254.169.254/latest/meta-data/`` or
``http://127.0.0.1:6379/`` as a webhook would otherwise make the server call its own
infrastructure and read the answer back through the attempts API. Only publicly routable
addresses are called, unless the deployment's allow-list (``TENANTRY_WEBHOOK_ALLOWED_TARGETS``)
names the address, its network or the host name. The rules are applied to the addresses a
name resolves to (``services/integration/egress.py`` resolves, checks, and connects to the
checked address); IPv6 forms that carry an IPv4 address (``::ffff:127.0.0.1``, NAT64, 6to4)
are judged by that IPv4 address.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class TargetRefused(Exception):
    """The URL's host is, or resolves to, an address we do not call; the message says which
    and why (it ends up in a field error or in the delivery attempt)."""


@dataclass(frozen=True)
class AllowList:
    """Intranet targets the deployment allows: networks (an address is a /32 or /128) and
    host names (``hooks.corp.example``, or ``*.corp.example`` for every name under it)."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    def allows_host(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.hosts or any(
            pattern.startswith("*.") and name.endswith(pattern[1:]) for pattern in self.hosts
        )

    def allows_address(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)


def parse_allow_list(text: str) -> AllowList:
    """``"10.20.0.0/16, 127.0.0.1 hooks.corp.example"`` (commas or spaces). Raises ValueError
    naming the first entry that is neither an address, a network nor a host name."""
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for entry in re.split(r"[\s,]+", text.strip()):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        name = entry.lower().rstrip(".")
        if not _HOST.match(name):
            raise ValueError(
                f"TENANTRY_WEBHOOK_ALLOWED_TARGETS: {entry!r} is not an address, a CIDR range or a host name"
            )
        hosts.add(name)
    return AllowList(tuple(networks), frozenset(hosts))


def parse_address(text: str) -> IPAddress | None:
    """``text`` as an IP address (``[::1]`` and zone ids included), or None for a name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it is one of the forms that reach it."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for a publicly routable one."""
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a shared address (carrier-grade NAT)"
    if address.is_private:
        return "a private address"
    if address.is_reserved or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "a reserved address"
    if address in _NAT64_LOCAL or not address.is_global:
        return "not a public address"
    return None


_NEVER = ("the unspecified address", "a multicast or broadcast address")


def refusal(address: IPAddress, allow: AllowList) -> str | None:
    """What ``address`` is when it may not be called ("a loopback address"), or None when it
    may. Unspecified and multicast addresses are never called (no allow-list entry makes
    them a receiver); other non-public ones only when the allow-list names them."""
    judged = _embedded_ipv4(address) or address
    if judged.is_unspecified or address.is_unspecified:
        return _NEVER[0]
    if judged.is_multicast or address.is_multicast or judged == ipaddress.IPv4Address("255.255.255.255"):
        return _NEVER[1]
    if allow.allows_address(address) or allow.allows_address(judged):
        return None
    return _kind(judged)


def refuse_name(host: str, allow: AllowList) -> None:
    """Refuse names that always mean this machine (RFC 6761 ``localhost``), before any lookup.
    Raises TargetRefused."""
    name = host.lower().rstrip(".")
    if (name == "localhost" or name.endswith(".localhost")) and not allow.allows_host(name):
        raise TargetRefused(f"{host} is this server itself (a loopback name); {_HINT}")


_HINT = "intranet targets must be listed in TENANTRY_WEBHOOK_ALLOWED_TARGETS"


def check_addresses(host: str, addresses: list[IPAddress], allow: AllowList) -> None:
    """Every address ``host`` resolved to must be callable, so that whichever one a
    connection uses, it was checked (a name answering with a public and a private address
    is refused). A host name on the allow-list may resolve to non-public addresses, but
    never to unspecified or multicast ones. Raises TargetRefused."""
    host_allowed = allow.allows_host(host)
    for address in addresses:
        what = refusal(address, allow)
        if what is None or (host_allowed and what not in _NEVER):
            continue
        hint = "it is never called" if what in _NEVER else _HINT
        if parse_address(host) is not None:
            raise TargetRefused(f"{address} is {what}; {hint}")
        raise TargetRefused(f"{host} resolves to {address}, {what}; {hint}")
