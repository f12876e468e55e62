"""Who is asking: the client's address behind our own proxies, and whether a Host header names us.

`client_address(request)`: the peer's address, or, when the peer is one of our proxies (loopback, or a
network of QUALIBOT_TRUSTED_PROXIES), the last address in X-Forwarded-For that is not a proxy of ours
(nginx appends the address it saw: `$proxy_add_x_forwarded_for`). A client that talks to the server
directly cannot choose its address this way; one behind our proxy cannot either, since the proxy's own
entry is the last one.

`allowed_host(host_header, allowed)`: the staff surfaces answer only to a Host that is loopback or
configured (QUALIBOT_ALLOWED_HOSTS), so a page on another name that resolves to this server (DNS
rebinding) cannot read them from the user's browser.
"""
from __future__ import annotations

import ipaddress
import os
import re
from typing import Iterable, Mapping, Optional, Sequence, Tuple, Union

from sanic.request import Request

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
LOOPBACK_NAMES = ("localhost",)
_HOST = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]]+))(?::(?P<port>\d{1,5}))?$")


def parse_networks(value: Optional[str]) -> Tuple[Network, ...]:
    """"10.0.0.0/8 192.168.0.0/16" (spaces or commas) -> networks; ValueError for a bad one."""
    return tuple(ipaddress.ip_network(part, strict=False) for part in re.split(r"[\s,]+", value or "") if part)


def trusted_proxies(environ: Optional[Mapping[str, str]] = None) -> Tuple[Network, ...]:
    """QUALIBOT_TRUSTED_PROXIES (besides loopback, always trusted): the networks our proxies are in."""
    env = os.environ if environ is None else environ
    return parse_networks(env.get("QUALIBOT_TRUSTED_PROXIES"))


def _ip(value: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_proxy(value: str, networks: Sequence[Network]) -> bool:
    ip = _ip(value)
    return ip is not None and (ip.is_loopback or any(ip in n for n in networks))


def client_address(request: Request, networks: Optional[Sequence[Network]] = None) -> str:
    """The client's address as our proxies saw it (see the module docstring)."""
    networks = trusted_proxies() if networks is None else networks
    peer = request.ip or ""
    if not _is_proxy(peer, networks):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("x-forwarded-for", [])).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_proxy(hop, networks):
            return hop if _ip(hop) is not None else peer
    return hops[0] if hops and _ip(hops[0]) is not None else peer


def host_name(host_header: Optional[str]) -> Optional[str]:
    """The name or address of a Host header, lower case, without port or trailing dot; None if malformed."""
    m = _HOST.match((host_header or "").strip())
    if not m:
        return None
    name = (m.group("v6") or m.group("name") or "").lower().rstrip(".")
    return name or None


def parse_hosts(value: Union[None, str, Iterable[str]]) -> Tuple[str, ...]:
    """Allowed host names from "a.example.com, b.example.com" or a list (ports are ignored)."""
    parts = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value or ())
    return tuple(h for h in (host_name(str(p)) for p in parts if str(p).strip()) if h)


def allowed_host(host_header: Optional[str], allowed: Sequence[str]) -> bool:
    """Is this Host loopback (localhost, *.localhost, 127.0.0.0/8, ::1) or one of `allowed`?"""
    name = host_name(host_header)
    if name is None:
        return False
    if name in LOOPBACK_NAMES or name.endswith(".localhost") or name in allowed:
        return True
    ip = _ip(name)
    return ip is not None and ip.is_loopback
