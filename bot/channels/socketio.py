"""Rasa's socket.io channel (/socket.io) with sessions the server issued and every `user_uttered` checked.

Sessions (issue 12). Rasa's handler let `session_request` name any session_id and joined that room, so
anyone who knew an id received that conversation's answers live, and `user_uttered` with that id wrote
into it. Here:
  * `session_confirm` carries a signed session token the server issued (bot/channels/session.py, the
    same sessions as the web page's channel, bot/channels/web/chat.py); the conversation is "web:<id>".
  * each socket is bound to one session: the web page's cookie at connect, a valid token it names in
    `session_request` (a reconnect), or else a new one. `session_request` naming another session than the
    one the socket is bound to is refused (a polite `bot_uttered`, no confirm, no room); a session_id that
    is no valid token (someone's conversation id, an expired token) gets a new session of its own.
  * `user_uttered` is taken only from a bound socket, and only with its own session's token as
    session_id (or none): another session_id is refused, never written into that conversation.
  * answers go to the room of the conversation id, which only sockets bound to that session join.

Checks of `user_uttered`, each refusal a polite `bot_uttered` {"text": …} to that socket only (bot/channels/wording.py's
wording, in the user's language):
  payload not {"message": str, ...}, no or another session, bad metadata (or nested more than
  checks.MAX_JSON_DEPTH levels), lone surrogate                                    -> "bad_request"
  over QUALIBOT_RATE_LIMIT for this conversation, or QUALIBOT_ADDRESS_RATE_LIMIT for this address
  (X-Forwarded-For from trusted fronts only)                                       -> "rate_limited"
  empty, or over checks.MAX_TEXT_CHARS                                              -> "empty" / "too_long"
  the assistant failed                                                             -> "unavailable"
A "/…" payload counts only when the bot just offered it as a button (bot/rasa_patches.py).

credentials.yml:  bot.channels.socketio.QualibotSocketIOInput:  (instead of `socketio:`, same settings,
                  plus session_secret / session_ttl / require_session_secret as in web/chat.py)
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
from http.cookies import CookieError, SimpleCookie
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot import rasa_patches
from bot.channels.addresses import client_address
from bot.channels.checks import BadInput, check_depth, clean_text, problem_with
from bot.channels.ratelimit import Limits, RateLimiter
from bot.channels.wording import reply_for
from bot.channels.session import COOKIE, Session, SessionSigner
from bot.turn import guarded

logger = logging.getLogger(__name__)


class QualibotSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads sent as `{"custom": {...}}` (as the REST channel does).

    Rasa 3.6 emits a custom payload as the keyword arguments of `AsyncServer.emit`, so every answer of
    ours (each carries {"kind", "lang", "cites", …}) raised TypeError mid-turn and the turn was lost.
    """

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


def _cookie_token(environ: Dict[str, Any]) -> Optional[str]:
    raw = environ.get("HTTP_COOKIE") or ""
    try:
        jar = SimpleCookie()
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _environ_address(environ: Dict[str, Any]) -> str:
    # engineio's Sanic driver writes REMOTE_ADDR 127.0.0.1 for everyone: the Sanic request knows the peer
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR") or ""
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"))


class QualibotSocketIOInput(SocketIOInput):
    """socket.io at /socket.io (Rasa's), with server-issued sessions and the user's messages checked."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "QualibotSocketIOInput":
        from bot.channels.web.chat import signer_from

        channel = super().from_credentials(credentials)
        assert isinstance(channel, cls)
        channel.signer = signer_from(credentials)
        return channel

    def __init__(self, *args: Any, limiter: Optional[RateLimiter] = None, limits: Optional[Limits] = None,
                 signer: Optional[SessionSigner] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if limits is None:
            limits = Limits(limiter, None) if limiter is not None else Limits.shared(per_address=True)
        self.limits = limits
        if signer is None:
            from bot.channels.web.chat import signer_from

            signer = signer_from(None)
        self.signer = signer
        self._sessions: Dict[str, Session] = {}  # socket id -> the session it is bound to
        self._addresses: Dict[str, str] = {}  # socket id -> its client's address

    @property
    def limiter(self) -> RateLimiter:
        return self.limits.conversation

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = guarded(on_new_message)  # stores or action server down -> "temporarily unavailable"
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint

        async def connect(sid: Text, environ: Dict[str, Any], auth: Any = None) -> bool:
            return await self.on_connect(sid, environ, auth)

        async def disconnect(sid: Text, *_: Any) -> None:
            self._sessions.pop(sid, None)
            self._addresses.pop(sid, None)

        async def session_request(sid: Text, data: Any = None, *_: Any) -> None:
            await self.confirm_session(sid, data)

        async def handle_message(sid: Text, data: Any = None, *_: Any) -> None:
            try:
                await self.handle_user_message(sid, data, on_new_message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - never an exception for the user, never silence
                logger.exception("socketio: the assistant failed on a message from %s", sid)
                await self.say(sid, reply_for("unavailable", _text_of(data)))

        # the same events Rasa registered, now with these handlers
        sio.on("connect", handler=connect, namespace=self.namespace)
        sio.on("disconnect", handler=disconnect, namespace=self.namespace)
        sio.on("session_request", handler=session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handler=handle_message, namespace=self.namespace)
        return bp

    async def on_connect(self, sid: Text, environ: Dict[str, Any], auth: Any) -> bool:
        if self.jwt_key:  # Rasa's optional JWT check, kept
            from rasa.core.channels.channel import decode_bearer_token

            token = auth.get("token") if isinstance(auth, dict) else None
            if not token or not decode_bearer_token(token, self.jwt_key, self.jwt_algorithm):
                return False
        self._addresses[sid] = _environ_address(environ or {})
        session = self.signer.verify(_cookie_token(environ or {}))  # the web page's cookie, if any
        if session is not None:
            await self._bind(sid, session)
        return True

    async def _bind(self, sid: Text, session: Session) -> None:
        """The socket belongs to `session`: it joins the room its conversation's answers go to."""
        assert self.sio is not None
        self._sessions[sid] = session
        joined = self.sio.enter_room(sid, session.conversation_id, namespace=self.namespace)
        if inspect.isawaitable(joined):  # a coroutine in python-socketio 5 (Rasa's handler does not await it)
            await joined

    async def say(self, sid: Text, text: str) -> None:
        """One bot message to this socket only."""
        assert self.sio is not None
        await self.sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

    async def confirm_session(self, sid: Text, data: Any) -> None:
        """session_request: bind the socket to its session (named, or new) and confirm its token."""
        assert self.sio is not None
        named = data.get("session_id") if isinstance(data, dict) else None
        bound = self._sessions.get(sid)
        session = self.signer.verify(named) if named is not None else None
        if bound is not None and named is not None and (session is None or session.id != bound.id):
            logger.info("socketio: %s asked for another session than its own: refused", sid)
            await self.say(sid, reply_for("bad_request"))
            return
        if session is None:
            session = bound
        if session is None:
            over = await self.limits.check(None, self._addresses.get(sid))
            if over is not None:
                await self.say(sid, reply_for("rate_limited"))
                return
            session = self.signer.issue()
        await self._bind(sid, session)
        await self.sio.emit("session_confirm", session.token, room=sid, namespace=self.namespace)

    async def handle_user_message(self, sid: Text, data: Any,
                                  on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        try:
            sender, text, metadata = self._parse(sid, data)
        except BadInput as e:
            logger.info("socketio: message from %s refused: %s", sid, e)
            await self.say(sid, reply_for("bad_request", _text_of(data)))
            return
        if await self.limits.check(sender, self._addresses.get(sid)) is not None:
            await self.say(sid, reply_for("rate_limited", text))
            return
        problem = problem_with(text)
        if problem:
            await self.say(sid, reply_for(problem, text))
            return
        assert self.sio is not None
        output = QualibotSocketIOOutput(self.sio, self.bot_message_evt)
        message = UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata)
        rasa_patches.mark_public(message, True)
        await on_new_message(message)

    def _parse(self, sid: Text, data: Any) -> Tuple[str, str, Dict[str, Any]]:
        """(conversation id, cleaned text, metadata) of a user_uttered payload; BadInput when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            raise BadInput("the payload must be an object with a 'message' string")
        bound = self._sessions.get(sid)
        if bound is None:
            raise BadInput("no session: send session_request first")
        if self.signer.verify(bound.token) is None:
            self._sessions.pop(sid, None)
            raise BadInput("the session has expired: send session_request")
        named = data.get("session_id")
        if named is not None and named != bound.token:
            raise BadInput("the session_id is not this connection's session")
        return bound.conversation_id, clean_text(data["message"]), _metadata(data.get(self.metadata_key))


def _metadata(value: Any) -> Dict[str, Any]:
    """The payload's metadata (an object, or a JSON string of one, as Rasa accepts); {} when absent."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise BadInput("the metadata is not valid JSON") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput("the metadata must be an object")
    check_depth(value)
    return value


def _text_of(data: Any) -> str:
    """The message text, when there is one to tell the language by."""
    try:
        return clean_text(data.get("message")) if isinstance(data, dict) else ""
    except BadInput:
        return ""
