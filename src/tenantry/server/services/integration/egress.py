"""Calling URLs that someone else chose (webhook endpoints), safely against SSRF.

Each call resolves the host once, checks every address it got (``domain/egress.py``) and
connects to a checked address itself, with the URL's host name in the ``Host`` header and as
the TLS server name (SNI and certificate check). A second lookup never happens, so a name
that answers with a public address to the check and a private one to the connection (DNS
rebinding) cannot steer the request. Redirects are not followed (a 3xx is an answer like
any other), proxies from the environment are not used, and no connection is kept for
another request (a kept connection was checked for another name).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tenantry.server.domain.egress import (
    AllowList,
    IPAddress,
    TargetRefused,
    check_addresses,
    parse_address,
    refuse_name,
)

# (host, port) -> the addresses to try, in order. Raises OSError when the name does not resolve.
Resolver = Callable[[str, int], list[IPAddress]]


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """What the operating system resolves ``host`` to (hosts file, DNS), without duplicates."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = parse_address(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    return found


class Unresolvable(Exception):
    """The host name does not resolve (now)."""


@dataclass(frozen=True)
class Target:
    """A URL whose host was resolved and whose every address passed the checks."""

    url: httpx.URL
    host: str  # ASCII (IDNA) form
    addresses: list[IPAddress]

    def url_for(self, address: IPAddress) -> httpx.URL:
        return self.url.copy_with(host=str(address))


def vet(url: str, allow: AllowList, resolve: Resolver) -> Target:
    """Resolve ``url``'s host and check every address. Raises TargetRefused (not http(s), a
    loopback name, a non-public address not on the allow-list) and Unresolvable."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetRefused(f"not a URL we can call: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise TargetRefused("only http and https URLs with a host are called")
    host = parsed.raw_host.decode("ascii")
    refuse_name(host, allow)
    literal = parse_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80))
        except (OSError, UnicodeError) as exc:
            raise Unresolvable(f"{host} does not resolve ({exc})") from None
        if not addresses:
            raise Unresolvable(f"{host} does not resolve")
    check_addresses(host, addresses, allow)
    return Target(parsed, host, addresses)


def check_new_target(url: str, allow: AllowList, resolve: Resolver = system_resolver) -> None:
    """Refuse, when an endpoint is registered or changed, what a delivery would refuse: an
    address or a name that resolves to a non-public address. A name that does not resolve
    yet is accepted: every delivery checks again. Raises TargetRefused."""
    try:
        vet(url, allow, resolve)
    except Unresolvable:
        return


def client(timeout: float, headers: dict[str, str]) -> httpx.Client:
    """The HTTP client for pinned calls (see the module's docstring for why these options)."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers=headers,
    )


@contextmanager
def post(http: httpx.Client, target: Target, body: bytes, headers: dict[str, str]) -> Iterator[httpx.Response]:
    """POST ``body`` to ``target``, connecting only to its checked addresses (the next one
    when one refuses the connection); the response is streamed, so callers read no more
    of it than they keep. Raises httpx.HTTPError."""
    sent = {**headers, "host": target.url.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    for number, address in enumerate(target.addresses, start=1):
        request = http.build_request("POST", target.url_for(address), content=body, headers=sent, extensions=extensions)
        try:
            response = http.send(request, stream=True)
        except httpx.ConnectError:
            if number == len(target.addresses):
                raise
            continue
        try:
            yield response
        finally:
            response.close()
        return


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport for clients that call URLs someone else configured (an identity
    provider's discovery, token, JWKS and metadata URLs): every request is vetted like a
    webhook delivery (``vet``) and sent to a checked address, with the host name kept for
    the ``Host`` header and TLS. Redirects are the client's business (keep them off)."""

    def __init__(self, allow: AllowList, resolve: Resolver = system_resolver) -> None:
        self._allow = allow
        self._resolve = resolve
        self._inner = httpx.HTTPTransport(trust_env=False, limits=httpx.Limits(max_keepalive_connections=0))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            target = vet(str(request.url), self._allow, self._resolve)
        except (TargetRefused, Unresolvable) as refused:
            raise httpx.ConnectError(f"not called: {refused}", request=request) from None
        extensions = dict(request.extensions)
        if target.url.scheme == "https":
            extensions["sni_hostname"] = target.host
        headers = httpx.Headers(request.headers)
        headers["host"] = target.url.netloc.decode("ascii")
        for number, address in enumerate(target.addresses, start=1):
            pinned = httpx.Request(
                request.method,
                target.url_for(address),
                headers=headers,
                content=request.content,
                extensions=extensions,
            )
            try:
                return self._inner.handle_request(pinned)
            except httpx.ConnectError:
                if number == len(target.addresses):
                    raise
        raise httpx.ConnectError("no address to call", request=request)  # pragma: no cover (vet returns ≥ 1)

    def close(self) -> None:
        self._inner.close()
