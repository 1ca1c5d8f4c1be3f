"""Where we may send: https to the internet, never to our own network (SSRF).

A URL is checked when an endpoint is added and again at every send, on the addresses its
host resolves to *then*; the connection goes to the address that was checked, so a DNS
answer that changes in between (rebinding) cannot steer it inside.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import ProblemError

URL_MAX = 2000


class TargetRefused(ProblemError):
    """The address may not receive events; the message says why."""

    status = 422
    title = "Endpoint address refused"


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to `address`, speak to `host`."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _kind(address: str) -> str:
    """Return 'public', 'private' (own network, loopback) or 'forbidden' for an address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:  # before is_reserved, which ::1 also is
        return "private"
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        # Never: cloud metadata (169.254.169.254), broadcast and other non-destinations.
        return "forbidden"
    return "public" if ip.is_global else "private"


def parse(url: str) -> tuple[str, str, int, str]:
    """Split an endpoint URL into scheme, host, port and path, or raise TargetRefused."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX:
        raise TargetRefused(f"an endpoint URL is 1 to {URL_MAX} characters")
    if not url.isprintable() or any(ch.isspace() for ch in url):
        raise TargetRefused("an endpoint URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"not a usable URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise TargetRefused("an endpoint URL starts with https://")
    if not parts.hostname:
        raise TargetRefused("an endpoint URL names a host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("credentials do not belong in the URL; the signature proves the sender")
    if parts.fragment:
        raise TargetRefused("an endpoint URL has no #fragment")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(url: str, allow_private: bool) -> Target:
    """Check the URL and the addresses its host has now; return where to connect.

    https to public addresses always; to private or loopback ones, and plain http (to
    those only), only with `allow_private` (OUTBOUND_ALLOW_PRIVATE). Link-local, multicast
    and unspecified addresses never. Every address the host resolves to must pass.
    """
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetRefused(f"the host {host} does not resolve ({error})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(f"the host {host} has no address")
    kinds = {_kind(address) for address in addresses}
    if "forbidden" in kinds:
        raise TargetRefused(f"{host} resolves to a link-local, multicast or unspecified address")
    if "private" in kinds and not allow_private:
        raise TargetRefused(f"{host} resolves to a private or loopback address")
    if scheme == "http" and not (allow_private and kinds == {"private"}):
        raise TargetRefused("an endpoint URL starts with https:// (http:// is only for a "
                            "private address when OUTBOUND_ALLOW_PRIVATE is set)")
    return Target(scheme, host, port, path, addresses[0])
