"""Rasa's REST channel (/webhooks/rest/webhook): the server-to-server integration channel, every message
checked first.

Who may call it (issue 12: a sender id was a key anyone could use to read someone's conversation):
  * a caller with `Authorization: Bearer <QUALIBOT_REST_TOKEN>` (compared in constant time): an
    integration; its `/intent{...}` payloads are taken as it sends them;
  * without the token, only a caller on loopback that came straight to this server (no X-Forwarded-For,
    i.e. not through a front), and only where credentials.yml says `open_on_loopback: true` (`make run`,
    the tests). Such a caller is treated as public: a `/…` payload counts only if the bot just offered it
    as a button (bot/rasa_patches.py);
  * anyone else: 401 {"error"} (403 for a wrong token). In production (credentials.prod.yml) the token is
    required: the channel refuses to start without one (and so do scripts/run_prod.sh and start-rasa.sh).
The web page no longer uses this channel: it has its own, with a signed session (bot/channels/web/chat.py).

The conversation is "rest:<sender>" (checks.conversation_id): a REST sender "abc" is not the web session
or WeChat user "abc". A missing sender is a 400 (Rasa would have put every such caller into one
conversation called "default"). Replies carry the caller's own sender as recipient_id, as before.

A request middleware on Rasa's own blueprint reads the body before Rasa does (`parse_body`, which never
raises) and either answers itself or hands Rasa the checked JSON (`request.parsed_json`), so Rasa's
receive route keeps its behaviour: input_channel, metadata, CollectingOutputChannel, ?stream=true.

Every message has an id, recorded on its `user` event in the tracker: the body's optional "message_id",
else the X-Request-Id header nginx sets (the same for its retries of one request on the other replica),
else Rasa's random one. A message whose id the conversation already holds is not run again: its stored
answer is replayed (bot/rasa_patches.py), so a client's or the front's retry after a lost response is safe.
Rasa's receive route builds the UserMessage itself, so the middleware leaves the id in a context
variable that the route's `on_new_message` (same request, same task) copies onto the message.

  401 {"error"}   no token (and not an open loopback caller); 403: a wrong token
  415 {"error"}   Content-Type is not application/json
  413 [message]   body over 64 KB: a polite "too long" in both languages, as a Rasa reply list
  400 {"error"}   not UTF-8, not JSON, nested more than checks.MAX_JSON_DEPTH levels, not an object, "message"
                  not a string, a missing or bad sender, input_channel, metadata or message_id, a lone surrogate
  429 [message]   over QUALIBOT_RATE_LIMIT for this conversation (Retry-After header), in the user's language
  200 [message]   empty or over checks.MAX_TEXT_CHARS: a polite prompt; Rasa never sees it

credentials.yml:        bot.channels.rest.QualibotRestInput: {open_on_loopback: true}   (token: from the environment)
credentials.prod.yml:   bot.channels.rest.QualibotRestInput: {token: ${QUALIBOT_REST_TOKEN}}  (required)
"""
from __future__ import annotations

import contextvars
import hmac
import logging
import os
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_patches
from bot.channels.addresses import is_loopback
from bot.channels.checks import BadInput, check_depth, clean_text, conversation_id, problem_with, validate_sender
from bot.channels.http import JSON_HEADERS, MAX_BODY_BYTES, BadJSON, decode_json_object, media_type
from bot.channels.ratelimit import Limits, RateLimiter
from bot.channels.wording import reply_for, wording
from bot.turn import guarded, turn_receipts

logger = logging.getLogger(__name__)

MAX_INPUT_CHANNEL_CHARS = 64
MESSAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # the body's "message_id" and the X-Request-Id header
REQUEST_ID_HEADER = "X-Request-Id"
RECEIPT_HEADER = "X-Qualibot-Receipt"

# what the middleware found for the current request, read by on_new_message (same request, same task):
# the message's id, whether its caller is trusted with payloads, and the sender as the caller wrote it
_message_id: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("rest_message_id", default=None)
_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("rest_trusted", default=False)
_raw_sender: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("rest_raw_sender", default=None)


@dataclass(frozen=True)
class Refusal:
    status: int
    error: str
    situation: Optional[str] = None  # a user-facing reply (bot/channels/wording.py) instead of {"error"}


@dataclass(frozen=True)
class Parsed:
    payload: Dict[str, Any]  # what Rasa reads: the JSON object with the conversation id and cleaned message
    sender: str  # the conversation id: "rest:<sender>" (the channel's `prefix`)
    text: str
    message_id: Optional[str] = None  # the body's "message_id"
    raw_sender: Optional[str] = None  # the sender as the caller wrote it


def _check_extras(payload: Dict[str, Any]) -> Optional[Refusal]:
    channel, metadata = payload.get("input_channel"), payload.get("metadata")
    if channel is not None and not (isinstance(channel, str) and 0 < len(channel) <= MAX_INPUT_CHANNEL_CHARS
                                    and channel.isprintable()):
        return Refusal(400, "'input_channel' must be a short string")
    if metadata is not None and not isinstance(metadata, dict):
        return Refusal(400, "'metadata' must be a JSON object")
    try:
        check_depth(metadata, "'metadata'")
    except BadInput as e:
        return Refusal(400, str(e))
    message_id = payload.get("message_id")
    if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID.fullmatch(message_id)):
        return Refusal(400, "'message_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -")
    return None


def parse_body(body: bytes, content_type: Optional[str], prefix: Optional[str] = "rest",
               session_id: Optional[str] = None) -> Union[Parsed, Refusal]:
    """The checked message of a webhook request, or why it is refused. Never raises.

    The conversation is "<prefix>:<sender>" (prefix "rest"); the web page's channel passes the id of
    its signed session instead (`session_id`, prefix "web"), and the body's sender is then ignored."""
    if media_type(content_type) != "application/json":
        return Refusal(415, "send the message as application/json")
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, "the body is too large", "too_long")
    try:
        payload = decode_json_object(body)  # strict UTF-8, at most MAX_JSON_DEPTH levels inside the object
    except BadJSON as e:
        return Refusal(400, str(e))
    if not isinstance(payload.get("message"), str):
        return Refusal(400, "'message' must be a string")
    try:
        if session_id is not None:
            raw_sender = session_id
        elif payload.get("sender") is None:
            raise BadInput("'sender' is required: the id of the conversation in your system")
        else:
            raw_sender = validate_sender(payload["sender"])
        sender = conversation_id(prefix, raw_sender) if prefix else raw_sender
        text = clean_text(payload["message"])
    except BadInput as e:
        return Refusal(400, str(e))
    refusal = _check_extras(payload)
    if refusal is not None:
        return refusal
    return Parsed({**payload, "sender": sender, "message": text}, sender, text, payload.get("message_id"),
                  raw_sender)


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


def bearer_token(request: Request) -> Optional[str]:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    header = request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on") if value is not None else False


class QualibotRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender", "message"[, "message_id", "metadata", "input_channel"]}:
    the integrations' channel, its callers authenticated and every message checked first."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "QualibotRestInput":
        c = credentials or {}
        token = c.get("token")
        token = str(token).strip() if token is not None else os.environ.get("QUALIBOT_REST_TOKEN", "").strip()
        open_on_loopback = _flag(c.get("open_on_loopback"))
        if not token and not open_on_loopback:
            raise ValueError("the REST channel needs QUALIBOT_REST_TOKEN (its callers send it as "
                             "'Authorization: Bearer <token>'): refusing to start without it")
        return cls(token=token, open_on_loopback=open_on_loopback)

    def __init__(self, limiter: Optional[RateLimiter] = None, token: str = "", open_on_loopback: bool = True) -> None:
        # the per-conversation counter is the process's shared one (ratelimit.Limits), so a conversation's
        # messages count once whatever channel they take; REST has no per-address limit: an integration
        # sends all its users' messages from one address
        self.limits = Limits(limiter or RateLimiter.shared("conversation"), None)
        self.token = token or ""
        self.open_on_loopback = bool(open_on_loopback)
        if not self.token:
            logger.warning("rest: no QUALIBOT_REST_TOKEN: the REST channel answers callers on loopback only")

    @property
    def limiter(self) -> RateLimiter:
        return self.limits.conversation

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # a turn that did not really happen (stores or action server down) -> "temporarily unavailable"
        bp = super().blueprint(_with_message_id(guarded(on_new_message)))

        @bp.middleware("request")
        async def guard(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None  # Rasa's health GET; the web page's /session (bot/channels/web/chat.py)
            try:
                return await self.screen(request)
            except Exception:  # a bug here must not show anyone a stack trace
                logger.exception("%s: unexpected error checking a message", self.name())
                return _error(500, "internal error")

        @bp.middleware("response")
        async def receipt_header(request: Request, resp: HTTPResponse) -> None:
            # the answer's receipt code for the front's log (deploy/nginx: $upstream_http_x_qualibot_receipt), so
            # that nginx's line of this request names the receipt the Rasa and action server lines carry; reset,
            # as the next request on a kept-alive connection runs in the same task
            codes = turn_receipts.get()
            if codes and resp is not None:
                resp.headers[RECEIPT_HEADER] = codes[-1]
            turn_receipts.set(())

        return bp

    def caller(self, request: Request) -> Union[bool, HTTPResponse]:
        """True for a caller trusted with payloads (the token), False for an open loopback caller, else the
        refusal (401 no token, 403 a wrong one)."""
        given = bearer_token(request)
        if given is not None and self.token:
            if hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
                return True
            return _error(403, "the token is not valid for this channel")
        if self.open_on_loopback and is_loopback(request.ip) and not request.headers.get("X-Forwarded-For"):
            return False
        return _error(401, "this channel is for integrations: send 'Authorization: Bearer <token>' "
                           "(the chat page has its own channel)")

    async def screen(self, request: Request) -> Optional[HTTPResponse]:
        """A response when the message does not go to Rasa; else None, with request.json checked."""
        trusted = self.caller(request)
        if isinstance(trusted, HTTPResponse):
            return trusted
        parsed = parse_body(request.body or b"", request.content_type)
        return await self.admit(request, parsed, trusted)

    async def admit(self, request: Request, parsed: Union[Parsed, Refusal], trusted: bool,
                    address: Optional[str] = None) -> Optional[HTTPResponse]:
        """The checks after parsing (limits, empty or too long), then the message handed to Rasa."""
        if isinstance(parsed, Refusal):
            if parsed.situation:
                return _messages(None, wording(parsed.situation), parsed.status)
            return _error(parsed.status, parsed.error)
        shown = parsed.raw_sender if self.name() == "rest" else None
        over = await self.limits.check(parsed.sender, address)
        if over is not None:
            logger.info("%s: %r is over the %s rate limit", self.name(), parsed.sender, over)
            return _messages(shown, reply_for("rate_limited", parsed.text), 429,
                             {"Retry-After": str(self.limits.retry_after(over))})
        problem = problem_with(parsed.text)
        if problem:
            return _messages(shown, reply_for(problem, parsed.text))
        request.parsed_json = parsed.payload
        _message_id.set(message_id_of(parsed, request.headers.get(REQUEST_ID_HEADER)))
        _trusted.set(bool(trusted))
        _raw_sender.set(shown)
        return None


Handler = Callable[[UserMessage], Awaitable[Any]]


def _with_message_id(on_new_message: Handler) -> Handler:
    """`on_new_message` giving each message the id `screen` found for its request (Rasa's uuid if none)."""

    async def handler(message: UserMessage) -> Any:
        message_id = _message_id.get()
        if message_id is not None:
            message.message_id = message_id
        rasa_patches.mark_public(message, not _trusted.get())  # payloads only from the buttons offered, unless trusted
        try:
            return await on_new_message(message)
        finally:
            _show_raw_sender(message, _raw_sender.get())

    return handler


def _show_raw_sender(message: UserMessage, raw_sender: Optional[str]) -> None:
    """The collected replies addressed to the sender the caller wrote ("me"), not to "rest:me"."""
    collected = getattr(message.output_channel, "messages", None)
    if raw_sender is None or not isinstance(collected, list):
        return
    for m in collected:
        if isinstance(m, dict) and m.get("recipient_id") == message.sender_id:
            m["recipient_id"] = raw_sender
