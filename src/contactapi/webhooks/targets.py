"""Where a webhook may be sent: not to private, loopback, link-local or other special
addresses (the server's own network) unless the operator allows them. Checked on the address
the name resolves to at delivery time, by the delivery pools' resolver (`sender.py`), so a
connection only opens to a checked address and a name that resolves elsewhere a moment later
(DNS rebinding) changes nothing."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class TargetRefused(Exception):
    pass


# IPv6 prefixes that carry an IPv4 address (NAT64, 6to4, IPv4-compatible): refused outright,
# as they may lead to the private IPv4 network.
_WRAPPING_IPV4 = [ipaddress.ip_network(net) for net in
                  ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96")]  # fmt: skip


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in net for net in _WRAPPING_IPV4):
            return False
    return ip.is_global and not ip.is_multicast


def literal_refused(url: str, allow_private: bool) -> str | None:
    """Why a URL is refused before any lookup (a bad scheme, or an address literal that is not
    public); None when it may be tried."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number from 0 to 65535)
    except ValueError:
        return "The url must be a valid http or https URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The url must be an http or https URL."
    if parts.username is not None or parts.password is not None:
        return "The url must not hold credentials: sign with the webhook's secret instead."
    if allow_private:
        return None
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return "The url must not point at this server's own network."
    try:
        public = is_public(host)
    except ValueError:
        return None  # a name: checked when it is resolved, at each delivery
    return None if public else "The url must not point at a private or local address."
