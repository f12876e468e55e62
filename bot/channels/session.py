"""Signed web sessions: the conversation id of the chat page and of socket.io, issued by the server.

Before (issue 12) the page chose its own sender id, so knowing someone's id was enough to read their
conversation ("What would I get?" answered from their certificate, nationality and age) or to write into it.
Now the server issues a session and the client only carries it:

    token = "v1." + id + "." + expiry (unix seconds, hex) + "." + base64url(HMAC-SHA256(secret, "v1.id.expiry"))

`id` is 16 random bytes (secrets.token_urlsafe), the conversation is "web:<id>" (checks.conversation_id).
A token is checked in constant time, refused once expired, and cannot be made without the secret; the id
alone (which staff may see as the conversation id) opens nothing. The web page gets it as an HttpOnly,
SameSite=Strict cookie (bot/channels/web/chat.py: scripts cannot read it, other sites cannot send it);
socket.io clients get it as the `session_id` of `session_confirm` (bot/channels/socketio.py).

The secret comes from QUALIBOT_SESSION_SECRET (credentials*.yml: `session_secret`). Every replica must
share it (run_prod.sh generates one into var/prod/session-secret; Kubernetes: the Secret). Empty in
development: a random secret per process, so sessions end when the server restarts (logged once).
Python's hmac and secrets: no new dependency (itsdangerous is not installed).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Optional

from bot.channels import settings
from bot.channels.checks import conversation_id

logger = logging.getLogger(__name__)

VERSION = "v1"
DEFAULT_TTL = 24 * 3600.0  # seconds; the page renews it on every load
MIN_SECRET_CHARS = 16
COOKIE = "qualibot_session"
_TOKEN = re.compile(r"v1\.([A-Za-z0-9_-]{22})\.([0-9a-f]{1,12})\.([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Session:
    id: str  # the random part
    expires_at: int  # unix seconds
    token: str  # what the client carries

    @property
    def conversation_id(self) -> str:
        return conversation_id("web", self.id)


class SessionSigner:
    """Issues and checks session tokens with one secret."""

    def __init__(self, secret: str = "", ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time) -> None:
        if secret and len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"QUALIBOT_SESSION_SECRET must have at least {MIN_SECRET_CHARS} characters")
        if ttl <= 0:
            raise ValueError("the session lifetime must be positive")
        self.ephemeral = not secret
        if self.ephemeral:
            logger.warning("web sessions: no QUALIBOT_SESSION_SECRET, using a random one: sessions end when "
                           "this process stops and are not valid on other replicas")
        self._key = (secret or secrets.token_urlsafe(32)).encode("utf-8")
        self.ttl = float(ttl)
        self.clock = clock

    def _signature(self, session_id: str, expiry_hex: str) -> str:
        mac = hmac.new(self._key, f"{VERSION}.{session_id}.{expiry_hex}".encode("ascii"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")

    def issue(self, session_id: Optional[str] = None) -> Session:
        """A new session (a new random id), or `session_id`'s renewed for another ttl."""
        sid = session_id or secrets.token_urlsafe(16)
        expires = int(self.clock() + self.ttl)
        expiry_hex = format(expires, "x")
        return Session(sid, expires, f"{VERSION}.{sid}.{expiry_hex}.{self._signature(sid, expiry_hex)}")

    def verify(self, token: object) -> Optional[Session]:
        """The session `token` stands for; None when it is malformed, forged or expired."""
        if not isinstance(token, str) or len(token) > 128:
            return None
        m = _TOKEN.fullmatch(token)
        if not m:
            return None
        sid, expiry_hex, signature = m.groups()
        if not hmac.compare_digest(signature.encode("ascii"), self._signature(sid, expiry_hex).encode("ascii")):
            return None
        expires = int(expiry_hex, 16)
        if expires <= self.clock():
            return None
        return Session(sid, expires, token)

    def status(self, token: object) -> str:
        """"ok", "missing", "expired" or "invalid": what a refusal tells the client."""
        if token in (None, ""):
            return "missing"
        if self.verify(token) is not None:
            return "ok"
        m = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if m and hmac.compare_digest(m.group(3).encode("ascii"),
                                     self._signature(m.group(1), m.group(2)).encode("ascii")):
            return "expired"
        return "invalid"


_SHARED: dict = {}


def signer_for(secret: str, ttl: float = DEFAULT_TTL) -> SessionSigner:
    """One signer per (secret, ttl) in this process: the web page's channel and socket.io must accept each
    other's sessions, also with the random development secret."""
    key = (secret, float(ttl))
    signer = _SHARED.get(key)
    if signer is None:
        signer = _SHARED[key] = SessionSigner(secret, ttl)
    return signer


def parse_ttl(value: object) -> float:
    """QUALIBOT_SESSION_TTL: seconds (empty: the default, 24 h), from 60 seconds to 90 days."""
    return settings.seconds(value, DEFAULT_TTL, "QUALIBOT_SESSION_TTL", low=60, high=90 * 24 * 3600)
