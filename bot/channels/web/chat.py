"""The chat page's own channel (/webhooks/webchat/): messages in the conversation of a signed session.

    POST /webhooks/webchat/session   {} or {"new": true}: the session, as an HttpOnly cookie
                                     -> 200 {"conversation_id": "web:<id>", "expires_at": <unix s>, "renewed": bool}
    POST /webhooks/webchat/webhook   {"message"[, "message_id", "metadata"]} with the cookie
                                     -> Rasa's messages, as the REST channel answers

Before issue 12 the page posted to the REST channel with a sender id it made up and kept in
localStorage: any id anyone learnt opened that conversation. Now the server makes the session
(bot/channels/session.py: HMAC-SHA256 over a random id and an expiry) and sets it as the cookie
`qualibot_session` (HttpOnly: the page's scripts never see it; SameSite=Strict: other sites' pages
cannot send it; Secure behind https). Every message is checked against it; the conversation is
"web:<id>"; a "sender" in the body is ignored. socket.io accepts the same sessions
(bot/channels/socketio.py), so a session is one conversation on both, counted once by the rate limit.

Refusals: 401 {"error", "session": "missing" | "expired" | "invalid"} without a valid session (the page
then asks for a new session and sends the message once more); the REST channel's 400/413/415 for the
body; 429 per conversation (QUALIBOT_RATE_LIMIT) and per client address (QUALIBOT_ADDRESS_RATE_LIMIT,
which also counts new sessions; X-Forwarded-For only from QUALIBOT_TRUSTED_PROXIES). Messages from the
page are public: a `/intent{...}` counts only when it is a button the bot just offered (bot/rasa_patches.py).

credentials.yml:
  bot.channels.web.WebChatInput:
    session_secret: ${QUALIBOT_SESSION_SECRET}   # production: required (`require_session_secret: true`)
    session_ttl: ${QUALIBOT_SESSION_TTL}         # seconds, default 24 h (renewed on every page load)
Both may be left out: they are then read from the environment (empty secret: one per process).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.addresses import is_trusted_proxy, request_address
from bot.channels.http import JSON_HEADERS, BadJSON, decode_json_object
from bot.channels.ratelimit import Limits, RateLimiter
from bot.channels.rest import QualibotRestInput, _error, _flag, parse_body
from bot.channels.session import COOKIE, Session, SessionSigner, parse_ttl, signer_for

logger = logging.getLogger(__name__)

MAX_SESSION_BODY = 1024


def is_https(request: Request) -> bool:
    if request.scheme == "https":
        return True
    proto = (request.headers.get("X-Forwarded-Proto") or "").strip().lower()
    return proto == "https" and is_trusted_proxy(request.ip)


def set_session_cookie(resp: HTTPResponse, session: Session, ttl: float, secure: bool) -> None:
    resp.cookies[COOKIE] = session.token
    cookie = resp.cookies[COOKIE]
    cookie["path"] = "/"
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["max-age"] = int(ttl)
    if secure:
        cookie["secure"] = True


def signer_from(credentials: Optional[Dict[Text, Any]]) -> SessionSigner:
    """The session signer of a channel's credentials (shared by the web page's channel and socket.io)."""
    c = credentials or {}
    secret = c.get("session_secret")
    secret = str(secret).strip() if secret is not None else os.environ.get("QUALIBOT_SESSION_SECRET", "").strip()
    ttl = c.get("session_ttl")
    ttl = parse_ttl(ttl if ttl is not None else os.environ.get("QUALIBOT_SESSION_TTL"))
    if not secret and _flag(c.get("require_session_secret")):
        raise ValueError("web sessions need QUALIBOT_SESSION_SECRET (shared by every replica): refusing to "
                         "start without it")
    return signer_for(secret, ttl)


class WebChatInput(QualibotRestInput):
    """The chat page's channel: the REST channel's checks, with the conversation of a signed session."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls(signer_from(credentials))

    def __init__(self, signer: Optional[SessionSigner] = None, limits: Optional[Limits] = None) -> None:
        super().__init__(open_on_loopback=False, token="")
        self.signer = signer or signer_from(None)
        self.limits = limits or Limits.shared(per_address=True)

    @property
    def limiter(self) -> RateLimiter:
        return self.limits.conversation

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # the page's messages are the page's: no claiming another channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.route("/session", methods=["POST"])
        async def session(request: Request) -> HTTPResponse:
            try:
                return await self.session(request)
            except Exception:  # never a stack trace to the page
                logger.exception("webchat: issuing a session failed")
                return _error(500, "internal error")

        return bp

    async def session(self, request: Request) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_SESSION_BODY:
            return _error(413, "the body is too large")
        wants_new = False
        if body.strip():
            try:
                data = decode_json_object(body, max_depth=None)  # at most 1 KB: its depth needs no check
            except BadJSON as e:
                return _error(400, str(e))
            wants_new = data.get("new") is True
        current = None if wants_new else self.signer.verify(request.cookies.get(COOKIE))
        if current is None:
            # a new conversation: counted against the address, so one address cannot mint sessions endlessly
            over = await self.limits.check(None, request_address(request))
            if over is not None:
                resp = response.json({"error": "too many new conversations from this address; try again later"},
                                     status=429, headers={**JSON_HEADERS,
                                                          "Retry-After": str(self.limits.retry_after(over))})
                return resp
        issued = self.signer.issue(current.id if current else None)
        resp = response.json({"conversation_id": issued.conversation_id, "expires_at": issued.expires_at,
                              "renewed": current is not None}, headers=dict(JSON_HEADERS))
        set_session_cookie(resp, issued, self.signer.ttl, is_https(request))
        return resp

    def caller(self, request: Request) -> Any:
        token = request.cookies.get(COOKIE)
        session = self.signer.verify(token)
        if session is None:
            status = self.signer.status(token)
            return response.json({"error": f"no valid session ({status}): POST session first",
                                  "session": status}, status=401, headers=dict(JSON_HEADERS))
        return session

    async def screen(self, request: Request) -> Optional[HTTPResponse]:
        session = self.caller(request)
        if isinstance(session, HTTPResponse):
            return session
        parsed = parse_body(request.body or b"", request.content_type, prefix="web", session_id=session.id)
        return await self.admit(request, parsed, False, request_address(request))
