"""Rasa's socket.io channel (/socket.io) with every `user_uttered` checked before Rasa sees it.

Rasa's handler trusts the payload (a missing "message", a non-dict, a bad metadata string, an extra
argument all end in an exception in the server's log and silence for the user). Here the handlers
for the user's message and for `session_request` are replaced on Rasa's own AsyncServer:

  payload not {"message": str, ...}, bad session_id or metadata, lone surrogate -> "bad_request"
  over QUALIBOT_RATE_LIMIT for this conversation                           -> "rate_limited"
  empty, or over guard.MAX_TEXT_CHARS                                      -> "empty" / "too_long"
  the assistant failed                                                     -> "unavailable"
each a polite `bot_uttered` {"text": …} to that socket only (guard's wording, in the user's language).

credentials.yml:  bot.channels.socketio.QualibotSocketIOInput:  (instead of `socketio:`, same settings)
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.guard import BadInput, RateLimiter, clean_text, problem_with, reply_for, validate_sender
from bot.channels.turn import guarded

logger = logging.getLogger(__name__)


class QualibotSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads sent as `{"custom": {...}}` (as the REST channel does).

    Rasa 3.6 emits a custom payload as the keyword arguments of `AsyncServer.emit`, so every answer of
    ours (each carries {"kind", "lang", "cites", …}) raised TypeError mid-turn and the turn was lost.
    """

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class QualibotSocketIOInput(SocketIOInput):
    """socket.io at /socket.io (Rasa's), with the user's messages checked."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def __init__(self, *args: Any, limiter: Optional[RateLimiter] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = limiter or RateLimiter.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = guarded(on_new_message)  # stores or action server down -> "temporarily unavailable"
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint

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
        sio.on("session_request", handler=session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handler=handle_message, namespace=self.namespace)
        return bp

    async def say(self, sid: Text, text: str) -> None:
        """One bot message to this socket only."""
        assert self.sio is not None
        await self.sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

    async def confirm_session(self, sid: Text, data: Any) -> None:
        """Rasa's session_request, with a session id that is not a valid sender id replaced by a new one."""
        assert self.sio is not None
        session_id = data.get("session_id") if isinstance(data, dict) else None
        try:
            session_id = validate_sender(session_id) if session_id is not None else uuid.uuid4().hex
        except BadInput:
            session_id = uuid.uuid4().hex
        if self.session_persistence:
            # a coroutine in python-socketio 5 (Rasa's handler does not await it, so never joins the room)
            joined = self.sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):
                await joined
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

    async def handle_user_message(self, sid: Text, data: Any,
                                  on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        try:
            sender, text, metadata = self._parse(sid, data)
        except BadInput as e:
            logger.info("socketio: message from %s refused: %s", sid, e)
            await self.say(sid, reply_for("bad_request", _text_of(data)))
            return
        if not await self.limiter.allow(sender):
            await self.say(sid, reply_for("rate_limited", text))
            return
        problem = problem_with(text)
        if problem:
            await self.say(sid, reply_for(problem, text))
            return
        assert self.sio is not None
        output = QualibotSocketIOOutput(self.sio, self.bot_message_evt)
        await on_new_message(UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata))

    def _parse(self, sid: Text, data: Any) -> Tuple[str, str, Dict[str, Any]]:
        """(sender, cleaned text, metadata) of a user_uttered payload; BadInput when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            raise BadInput("the payload must be an object with a 'message' string")
        if self.session_persistence:
            if not isinstance(data.get("session_id"), str):
                raise BadInput("no session_id: send session_request first")
            sender = validate_sender(data["session_id"])
        else:
            sender = sid
        return sender, clean_text(data["message"]), _metadata(data.get(self.metadata_key))


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
    return value


def _text_of(data: Any) -> str:
    """The message text, when there is one to tell the language by."""
    try:
        return clean_text(data.get("message")) if isinstance(data, dict) else ""
    except BadInput:
        return ""
