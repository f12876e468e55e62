"""Who is on the other end: the client's address behind our fronts, and whether a Host header names us.

* `client_address`: the caller's address, from X-Forwarded-For only when the peer is a trusted front
  (QUALIBOT_TRUSTED_PROXIES, default loopback, where nginx runs in `make run-prod`; space or comma
  separated addresses or networks), and then the right-most entry, the one nginx appended.
* `allowed_host`: the staff surfaces answer only to a Host that is loopback or configured
  (QUALIBOT_ALLOWED_HOSTS), so a page on another name that resolves to this server (DNS rebinding) cannot
  read them from the user's browser.
"""
from __future__ import annotations

import ipaddress
import os
import re
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

LOOPBACK_NAMES = ("localhost",)
DEFAULT_TRUSTED_PROXIES = "127.0.0.1 ::1"
_HOST = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]]+))(?::(?P<port>\d{1,5}))?$")


def _ip(value: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


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


# --- the client's address behind our fronts ------------------------------------------------------

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def trusted_proxies(environ: Optional[Mapping[str, str]] = None) -> Tuple[Network, ...]:
    """QUALIBOT_TRUSTED_PROXIES (default loopback): the fronts whose X-Forwarded-For is believed."""
    env = os.environ if environ is None else environ
    raw = env.get("QUALIBOT_TRUSTED_PROXIES")
    words = re.split(r"[\s,]+", (raw if raw is not None and raw.strip() else DEFAULT_TRUSTED_PROXIES).strip())
    try:
        return tuple(ipaddress.ip_network(w, strict=False) for w in words if w)
    except ValueError:
        raise ValueError(f"QUALIBOT_TRUSTED_PROXIES must list addresses or networks, got {raw!r}") from None


def _address(text: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:  # [::1]:port
        text = text[1:text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Any, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in proxies)


def is_trusted_proxy(peer: Optional[str], proxies: Optional[Sequence[Network]] = None) -> bool:
    """Is `peer` one of the fronts whose X-Forwarded-For (and -Proto) is believed?"""
    return _trusted(_address(peer or ""), TRUSTED_PROXIES if proxies is None else proxies)


def is_loopback(peer: Optional[str]) -> bool:
    address = _address(peer or "")
    return address is not None and address.is_loopback


def client_address(peer: Optional[str], forwarded_for: Optional[str],
                   proxies: Optional[Sequence[Network]] = None) -> str:
    """The address a message came from: the peer, unless the peer is a trusted front (nginx on loopback),
    then the right-most X-Forwarded-For entry that is not itself a trusted front. An entry a client wrote
    (the left part of the header) is never believed: nginx appends the address it saw to the right."""
    proxies = TRUSTED_PROXIES if proxies is None else proxies
    current = (peer or "").strip() or "unknown"
    if not forwarded_for or not _trusted(_address(current), proxies):
        return current
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return current  # a malformed entry: stop at the last address we can vouch for
        current = str(address)
        if not _trusted(address, proxies):
            return current
    return current


TRUSTED_PROXIES = trusted_proxies()


def request_address(request: Any) -> str:
    """The client address of a (Sanic) request: its peer, X-Forwarded-For believed from trusted fronts only."""
    return client_address(request.ip, request.headers.get("X-Forwarded-For"))
