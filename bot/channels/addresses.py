"""Whether a Host header names us: the staff surfaces answer only to a Host that is loopback or configured
(QUALIBOT_ALLOWED_HOSTS), so a page on another name that resolves to this server (DNS rebinding) cannot
read them from the user's browser. (The client's address behind our proxies: bot/channels/guard.py.)
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterable, Optional, Sequence, Tuple, Union

LOOPBACK_NAMES = ("localhost",)
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
