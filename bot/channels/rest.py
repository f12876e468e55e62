"""Rasa's REST channel (/webhooks/rest/webhook, the chat page's) with every message checked first.

A request middleware on Rasa's own blueprint reads the body before Rasa does (`parse_body`, which never
raises) and either answers itself or hands Rasa the checked JSON (`request.parsed_json`), so Rasa's
receive route keeps its behaviour: sender ("default" when missing), input_channel, metadata,
CollectingOutputChannel, ?stream=true.

Every message has an id, recorded on its `user` event in the tracker: the body's optional "message_id",
else the X-Request-Id header nginx sets (the same for its retries of one request on the other replica),
else Rasa's random one. A message whose id the conversation already holds is not run again: its stored
answer is replayed (bot/runtime.py), so a client's or the front's retry after a lost response is safe.
Rasa's receive route builds the UserMessage itself, so the middleware leaves the id in a context
variable that the route's `on_new_message` (same request, same task) copies onto the message.

  415 {"error"}   Content-Type is not application/json
  413 [message]   body over 64 KB: a polite "too long" in both languages, as a Rasa reply list
  400 {"error"}   not UTF-8, not JSON (or nested too deeply), not an object, "message" not a string,
                  a bad sender, input_channel, metadata or message_id, a lone surrogate
  429 [message]   over QUALIBOT_RATE_LIMIT for this sender (Retry-After header), in the user's language
  200 [message]   empty or over guard.MAX_TEXT_CHARS: a polite prompt; Rasa never sees it

credentials.yml:  bot.channels.rest.QualibotRestInput:   (instead of `rest:`; the URL stays the same)
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.constants import DEFAULT_SENDER_ID
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import JSON_HEADERS
from bot.channels.guard import (BadInput, RateLimiter, clean_text, problem_with, reply_for, validate_sender,
                                wording)
from bot.channels.turn import guarded

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_INPUT_CHANNEL_CHARS = 64
MESSAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # the body's "message_id" and the X-Request-Id header
REQUEST_ID_HEADER = "X-Request-Id"

# the id of the message the current request carries (set by the middleware, read by on_new_message)
_message_id: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("rest_message_id", default=None)


@dataclass(frozen=True)
class Refusal:
    status: int
    error: str
    situation: Optional[str] = None  # a user-facing reply (guard's wording) instead of {"error"}


@dataclass(frozen=True)
class Parsed:
    payload: Dict[str, Any]  # what Rasa reads: the JSON object with the checked sender and cleaned message
    sender: str
    text: str
    message_id: Optional[str] = None  # the body's "message_id"


def _media_type(content_type: Optional[str]) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _decode(body: bytes) -> Union[Dict[str, Any], Refusal]:
    try:
        payload = json.loads(body.decode("utf-8"))  # strict: invalid UTF-8 is refused, not replaced
    except UnicodeDecodeError:
        return Refusal(400, "the body is not valid UTF-8")
    except (ValueError, RecursionError):
        return Refusal(400, "the body is not valid JSON")
    if not isinstance(payload, dict):
        return Refusal(400, "the body must be a JSON object")
    return payload


def _check_extras(payload: Dict[str, Any]) -> Optional[Refusal]:
    channel, metadata = payload.get("input_channel"), payload.get("metadata")
    if channel is not None and not (isinstance(channel, str) and 0 < len(channel) <= MAX_INPUT_CHANNEL_CHARS
                                    and channel.isprintable()):
        return Refusal(400, "'input_channel' must be a short string")
    if metadata is not None and not isinstance(metadata, dict):
        return Refusal(400, "'metadata' must be a JSON object")
    message_id = payload.get("message_id")
    if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID.fullmatch(message_id)):
        return Refusal(400, "'message_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -")
    return None


def parse_body(body: bytes, content_type: Optional[str]) -> Union[Parsed, Refusal]:
    """The checked message of a webhook request, or why it is refused. Never raises."""
    if _media_type(content_type) != "application/json":
        return Refusal(415, "send the message as application/json")
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, "the body is too large", "too_long")
    payload = _decode(body)
    if isinstance(payload, Refusal):
        return payload
    if not isinstance(payload.get("message"), str):
        return Refusal(400, "'message' must be a string")
    try:
        raw_sender = payload.get("sender")
        sender = DEFAULT_SENDER_ID if raw_sender is None else validate_sender(raw_sender)
        text = clean_text(payload["message"])
    except BadInput as e:
        return Refusal(400, str(e))
    refusal = _check_extras(payload)
    if refusal is not None:
        return refusal
    return Parsed({**payload, "sender": sender, "message": text}, sender, text, payload.get("message_id"))


def message_id_of(parsed: Parsed, request_id: Optional[str]) -> Optional[str]:
    """The body's message_id, else the front's request id if it has the same form, else None (Rasa's uuid)."""
    if parsed.message_id is not None:
        return parsed.message_id
    if request_id is not None and MESSAGE_ID.fullmatch(request_id):
        return request_id
    return None


def _messages(sender: Optional[str], text: str, status: int = 200,
              headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    body: List[Dict[str, Any]] = [{"recipient_id": sender, "text": text}]
    return response.json(body, status=status, headers={**JSON_HEADERS, **(headers or {})})


def _error(status: int, error: str) -> HTTPResponse:
    return response.json({"error": error}, status=status, headers=JSON_HEADERS)


class QualibotRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender", "message"[, "metadata", "input_channel"]}, checked first."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "QualibotRestInput":
        return cls()

    def __init__(self, limiter: Optional[RateLimiter] = None) -> None:
        self.limiter = limiter or RateLimiter.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # a turn that did not really happen (stores or action server down) -> "temporarily unavailable"
        bp = super().blueprint(_with_message_id(guarded(on_new_message)))

        @bp.middleware("request")
        async def guard(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            try:
                return await self.screen(request)
            except Exception:  # a bug here must not show anyone a stack trace
                logger.exception("rest: unexpected error checking a message")
                return _error(500, "internal error")

        return bp

    async def screen(self, request: Request) -> Optional[HTTPResponse]:
        """A response when the message does not go to Rasa; else None, with request.json checked."""
        parsed = parse_body(request.body or b"", request.content_type)
        if isinstance(parsed, Refusal):
            if parsed.situation:
                return _messages(None, wording(parsed.situation), parsed.status)
            return _error(parsed.status, parsed.error)
        if not await self.limiter.allow(parsed.sender):
            logger.info("rest: %r is over the rate limit", parsed.sender)
            return _messages(parsed.sender, reply_for("rate_limited", parsed.text), 429,
                             {"Retry-After": str(self.limiter.retry_after())})
        problem = problem_with(parsed.text)
        if problem:
            return _messages(parsed.sender, reply_for(problem, parsed.text))
        request.parsed_json = parsed.payload
        _message_id.set(message_id_of(parsed, request.headers.get(REQUEST_ID_HEADER)))
        return None


Handler = Callable[[UserMessage], Awaitable[Any]]


def _with_message_id(on_new_message: Handler) -> Handler:
    """`on_new_message` giving each message the id `screen` found for its request (Rasa's uuid if none)."""

    async def handler(message: UserMessage) -> Any:
        message_id = _message_id.get()
        if message_id is not None:
            message.message_id = message_id
        return await on_new_message(message)

    return handler
