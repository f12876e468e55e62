"""WeChat official account (微信公众号) input channel: /webhooks/wechat/webhook.

GET  verify the server URL: sha1(sorted(token, timestamp, nonce)) == signature -> echostr.
POST a user's message or an event, as XML. Every POST is checked before its text reaches Rasa:
     size (<= 64 KB, else 413), timestamp within the window (else 403: replayed or stale), signature
     (plain: signature; safe mode: msg_signature over the ciphertext, else 403), XML parsed with
     defusedxml (no DTD, no entities: else 400), safe mode decrypted and its AppID checked.
     Text goes to Rasa with sender_id = the user's OpenID (FromUserName), input channel "wechat";
     the bot's messages are collected and returned as a passive reply (被动回复) in the response.
     The text is cleaned first (bot/channels/guard.py: control characters out; empty or too long gets a
     polite prompt) and each OpenID may send QUALIBOT_RATE_LIMIT messages (default 30 per 60 s).

The platform waits 5 s and retries (3 tries). Each message runs once (wechat_dedup: MsgId; across
replicas the same key is the message's Rasa id, which bot/runtime.py never runs twice). If the
answer is not ready within `reply_timeout` (4 s) the response is "success" (the platform then stops
retrying) and the answer follows through the customer-service message API (wechat_api), which works
within 48 h of the user's last message.

Rendering: several bot messages are joined with blank lines; "custom" payloads (the web page's
citation data) are left out; buttons become numbered options ("1. …") appended to the text, and a bare
number in the user's next message is sent to Rasa as that button's payload, as a click would be on the
web page (numbers the channel has no options for go to Rasa unchanged).

credentials.yml (values are strings; empty or missing means the default):
  bot.channels.wechat.WeChatInput:
    token: ${WECHAT_TOKEN}            # required: without it every request is refused (503)
    app_id: ${WECHAT_APP_ID}          # required in safe mode and for the customer-service API
    app_secret: ${WECHAT_APP_SECRET}  # for the customer-service API
    aes_key: ${WECHAT_AES_KEY}        # EncodingAESKey, 43 chars: safe mode; empty: plain mode
    api_base: ${WECHAT_API_BASE}      # default https://api.weixin.qq.com
    timestamp_window: ${WECHAT_TIMESTAMP_WINDOW}  # seconds, default 300
    reply_timeout: ${WECHAT_REPLY_TIMEOUT}        # seconds, default 4.0 (must stay under 5)
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple, Union
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage

from bot.channels import wechat_crypto
from bot.channels.guard import BadInput, RateLimiter, clean_text, conversation_id, problem_with, wording
from bot.channels.turn import guarded
from bot.channels.wechat_api import DEFAULT_API_BASE, WeChatAPI
from bot.channels.wechat_dedup import Deduplicator, Entry, message_key

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_CONTENT_BYTES = 2048  # longer user text is refused; longer replies go out in parts
DEFAULT_TIMESTAMP_WINDOW = 300.0
DEFAULT_REPLY_TIMEOUT = 4.0
MAX_REPLY_TIMEOUT = 4.5  # the platform gives up at 5 s
OPTIONS_TTL = 3600.0  # how long numbered options stay pickable by a bare number
SUCCESS = "success"  # "received, no passive reply": the platform does not retry

# Fixed replies of the channel itself (the user's language is not known here): Chinese first, then English.
WELCOME = (
    "您好！我可以解答北京市境外职业资格认可目录(3.0版)的问题：证书是否被认可、可享受哪些便利、如何查验。"
    "请直接发送证书名称，如“CFA”。\n"
    "Hello! I answer questions about Beijing's Catalog of Recognized Overseas Professional Qualifications "
    "(Version 3.0): whether a certificate is recognized, which facilitation measures it brings, and how it "
    "is verified. Just send the certificate's name, e.g. \"CFA\"."
)
TEXT_ONLY = (
    "抱歉，我目前只能阅读文字消息。请用文字发送您的问题，如证书名称“CFA”。\n"
    "Sorry, I can only read text messages. Please type your question, e.g. a certificate's name such as \"CFA\"."
)
# empty, too long, rate limited, unreadable text: the public channels' shared wording (bot/channels/guard.py)
TOO_LONG = wording("too_long")
EMPTY = wording("empty")
RATE_LIMITED = wording("rate_limited")
BAD_TEXT = wording("bad_request")
ERROR = (
    "抱歉，系统暂时出了点问题，请稍后再试。\n"
    "Sorry, something went wrong on our side. Please try again in a moment."
)

_PICK = re.compile(r"^\s*(?:第|选|no\.?|number|option|#)?\s*(\d{1,2})\s*(?:个|项|号)?\s*[.。!！]?\s*$", re.I)
# characters XML 1.0 cannot carry (the platform would reject the whole reply)
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- XML -----------------------------------------------------------------------------------------

class WeChatXMLError(ValueError):
    """The body is not a WeChat message: malformed XML, a DTD or entity, or the wrong root element."""


def parse_xml(body: Union[bytes, str]) -> Dict[str, str]:
    """The fields of a WeChat XML message (<xml><ToUserName>…</ToUserName>…</xml>) as a flat dict.

    defusedxml refuses any DTD, so entity expansion (billion laughs) and external entities never run.
    Nested elements (e.g. ScanCodeInfo) keep their direct text only. Raises only WeChatXMLError.
    """
    try:
        root = _defused_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, LookupError, UnicodeError) as e:
        raise WeChatXMLError(_short_reason(e)) from None
    if root.tag != "xml":
        raise WeChatXMLError("root element is not <xml>")
    fields: Dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str):
            fields.setdefault(child.tag, child.text or "")
    return fields


def _short_reason(e: Exception) -> str:
    if isinstance(e, DefusedXmlException):
        return "DTDs and entities are not allowed"
    return "malformed XML"


def _cdata(text: str) -> str:
    return "<![CDATA[" + _XML_INVALID.sub("", text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_xml(fields: Mapping[str, Union[str, int]]) -> str:
    """<xml> with one element per field: integers as they are, text in CDATA."""
    parts = ["<xml>"]
    for name, value in fields.items():
        body = str(value) if isinstance(value, int) and not isinstance(value, bool) else _cdata(str(value))
        parts.append(f"<{name}>{body}</{name}>")
    parts.append("</xml>")
    return "".join(parts)


# --- rendering Rasa's messages as WeChat text ------------------------------------------------------

@dataclass
class Rendered:
    text: str
    payloads: List[str] = field(default_factory=list)  # what option n (1-based) stands for


def render(messages: List[Dict[str, Any]]) -> Rendered:
    """Join the bot's messages with blank lines; number the buttons across the whole reply."""
    parts: List[str] = []
    payloads: List[str] = []
    for m in messages:
        lines: List[str] = []
        text = (m.get("text") or "").strip()
        if text:
            lines.append(text)
        for b in m.get("buttons") or []:
            title = str(b.get("title") or b.get("payload") or "").strip()
            if not title:
                continue
            payloads.append(str(b.get("payload") or title))
            lines.append(f"{len(payloads)}. {title}")
        for key in ("image", "attachment"):
            if isinstance(m.get(key), str) and m[key].strip():
                lines.append(m[key].strip())
        # m["custom"]: structured data for the web page; nothing a WeChat user can read
        if lines:
            parts.append("\n".join(lines))
    return Rendered("\n\n".join(parts), payloads)


def split_text(text: str, limit: int = MAX_CONTENT_BYTES) -> List[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at blank lines, else line ends, else characters."""
    if len(text.encode("utf-8")) <= limit:
        return [text] if text else []
    parts: List[str] = []
    rest = text
    while rest:
        if len(rest.encode("utf-8")) <= limit:
            parts.append(rest)
            break
        cut = _fit(rest, limit)
        window = rest[:cut]
        for sep in ("\n\n", "\n"):
            i = window.rfind(sep)
            if i > 0:
                cut = i
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    return [p for p in parts if p]


def _fit(text: str, limit: int) -> int:
    """The largest number of leading characters whose UTF-8 form fits in `limit` bytes."""
    size = 0
    for i, ch in enumerate(text):
        size += len(ch.encode("utf-8"))
        if size > limit:
            return max(i, 1)
    return len(text)


# --- the request body ------------------------------------------------------------------------------

async def _read_body(request: Request, limit: int) -> Optional[bytes]:
    """The body, or None when it is over `limit` bytes (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    stream = getattr(request, "stream", None)
    if request.body or stream is None:  # a non-streaming route: already read
        body = request.body or b""
        return body if len(body) <= limit else None
    stream.request_max_size = limit + 1  # Sanic drains (and stops at) what the handler leaves unread
    chunks: List[bytes] = []
    size = 0
    try:
        while True:
            chunk = await stream.read()
            if chunk is None:
                break
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except PayloadTooLarge:
        return None
    return b"".join(chunks)


# --- configuration ---------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any, default: float, name: str) -> float:
    s = _text(value)
    if not s:
        return default
    try:
        n = float(s)
    except ValueError:
        raise ValueError(f"wechat: {name} must be a number of seconds, got {s!r}") from None
    if n <= 0:
        raise ValueError(f"wechat: {name} must be positive, got {s!r}")
    return n


class _Options:
    """The numbered options last offered to each user (OpenID), for a bare-number reply."""

    def __init__(self, ttl: float = OPTIONS_TTL, max_users: int = 10_000) -> None:
        self.ttl, self.max_users = ttl, max_users
        self._by_user: "OrderedDict[str, Tuple[float, List[str]]]" = OrderedDict()

    def remember(self, openid: str, payloads: List[str]) -> None:
        self._by_user.pop(openid, None)
        if payloads:
            self._by_user[openid] = (time.monotonic() + self.ttl, payloads)
            while len(self._by_user) > self.max_users:
                self._by_user.popitem(last=False)

    def resolve(self, openid: str, text: str) -> str:
        m = _PICK.match(text)
        entry = self._by_user.get(openid)
        if not m or entry is None or entry[0] < time.monotonic():
            return text
        n = int(m.group(1))
        return entry[1][n - 1] if 1 <= n <= len(entry[1]) else text


# --- the channel -----------------------------------------------------------------------------------

class WeChatInput(InputChannel):
    """WeChat official account webhook: /webhooks/wechat/webhook (GET check, POST messages)."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        c = credentials or {}
        return cls(
            token=_text(c.get("token")),
            app_id=_text(c.get("app_id")),
            app_secret=_text(c.get("app_secret")),
            aes_key=_text(c.get("aes_key")),
            api_base=_text(c.get("api_base")) or DEFAULT_API_BASE,
            timestamp_window=_number(c.get("timestamp_window"), DEFAULT_TIMESTAMP_WINDOW, "timestamp_window"),
            reply_timeout=_number(c.get("reply_timeout"), DEFAULT_REPLY_TIMEOUT, "reply_timeout"),
        )

    def __init__(self, token: str = "", app_id: str = "", app_secret: str = "", aes_key: str = "",
                 api_base: str = DEFAULT_API_BASE, timestamp_window: float = DEFAULT_TIMESTAMP_WINDOW,
                 reply_timeout: float = DEFAULT_REPLY_TIMEOUT, api: Optional[WeChatAPI] = None,
                 clock: Callable[[], float] = time.time, limiter: Optional[RateLimiter] = None) -> None:
        self.token = token or ""
        self.app_id = app_id or ""
        self.timestamp_window = float(timestamp_window)
        if reply_timeout >= 5:
            logger.warning("wechat: reply_timeout %.1f s is not under the platform's 5 s; using %.1f s",
                           reply_timeout, MAX_REPLY_TIMEOUT)
            reply_timeout = MAX_REPLY_TIMEOUT
        self.reply_timeout = float(reply_timeout)
        # safe mode when an EncodingAESKey is set; a wrong key or a missing AppID stops start-up
        self.crypto = (wechat_crypto.MessageCrypto(self.token, aes_key, self.app_id)
                       if aes_key and self.token else None)
        self.api = api or WeChatAPI(self.app_id, app_secret, api_base or DEFAULT_API_BASE)
        self.clock = clock
        self.dedup = Deduplicator(ttl=max(60.0, self.timestamp_window))
        self.options = _Options()
        self.limiter = limiter or RateLimiter.from_env()  # QUALIBOT_RATE_LIMIT, per OpenID
        self._background: set = set()
        if not self.token:
            logger.warning("wechat: no token configured (WECHAT_TOKEN); the webhook refuses every request")
            return
        logger.info("wechat: %s mode", "safe (AES)" if self.crypto else "plain")
        if not self.api.configured:
            logger.warning("wechat: no app_id/app_secret: answers slower than %.1f s cannot be delivered",
                           self.reply_timeout)

    # --- routes ---

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = guarded(on_new_message)  # stores or action server down -> "temporarily unavailable"
        module = inspect.getmodule(self)
        bp = Blueprint(f"wechat_webhook_{type(self).__name__}", module.__name__ if module else None)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            signature, timestamp, nonce, echostr = (request.args.get(k) for k in
                                                    ("signature", "timestamp", "nonce", "echostr"))
            if not (signature and timestamp and nonce and echostr):
                return response.text("missing signature, timestamp, nonce or echostr", status=400)
            if not self.token:
                return response.text("wechat channel not configured", status=503)
            if not wechat_crypto.check_signature(self.token, timestamp, nonce, signature):
                return response.text("invalid signature", status=403)
            return response.text(echostr)

        # streamed, so that an oversized body is refused without being held in memory
        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            started = asyncio.get_running_loop().time()
            try:
                return await self._receive(request, on_new_message, started)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not show the platform (or anyone) a stack trace
                logger.exception("wechat: unexpected error handling a message")
                return response.text("internal error", status=500)

        return bp

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       started: float) -> HTTPResponse:
        body = await _read_body(request, MAX_BODY_BYTES)
        if body is None:
            return response.text("payload too large", status=413)
        args = request.args
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        safe = (args.get("encrypt_type") or "").lower() == "aes"
        sig = args.get("msg_signature") if safe else args.get("signature")
        if not (timestamp and nonce and sig):
            return response.text("missing signature, timestamp or nonce", status=400)
        if not self.token:
            return response.text("wechat channel not configured", status=503)
        if self.crypto is not None and not safe:
            # in plain mode the signature does not cover the body: refuse it once safe mode is set up
            return response.text("safe mode required", status=403)
        if safe and self.crypto is None:
            return response.text("safe mode not configured", status=400)
        try:
            ts = int(timestamp)
        except ValueError:
            return response.text("invalid timestamp", status=400)
        if abs(self.clock() - ts) > self.timestamp_window:
            return response.text("stale timestamp", status=403)

        if self.crypto is None:
            if not wechat_crypto.check_signature(self.token, timestamp, nonce, sig):
                return response.text("invalid signature", status=403)
            try:
                msg = parse_xml(body)
            except WeChatXMLError as e:
                return response.text(str(e), status=400)
        else:
            try:
                outer = parse_xml(body)
            except WeChatXMLError as e:
                return response.text(str(e), status=400)
            encrypted = outer.get("Encrypt", "")
            if not encrypted:
                return response.text("missing Encrypt", status=400)
            try:
                inner = self.crypto.verify_and_decrypt(timestamp, nonce, encrypted, sig)
                msg = parse_xml(inner.encode("utf-8"))
            except wechat_crypto.InvalidSignature:
                return response.text("invalid signature", status=403)
            except wechat_crypto.AppIdMismatch:
                return response.text("wrong AppID", status=403)
            except wechat_crypto.DecryptError:
                return response.text("cannot decrypt", status=400)
            except WeChatXMLError as e:
                return response.text(str(e), status=400)

        if not (msg.get("FromUserName") and msg.get("ToUserName") and msg.get("MsgType")):
            return response.text("missing ToUserName, FromUserName or MsgType", status=400)
        content = await self._answer(msg, on_new_message, started)
        return self._reply(msg, content, nonce)

    # --- answering ---

    async def _answer(self, msg: Dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      started: float) -> Optional[str]:
        """The passive reply's text, or None for "success"."""
        kind = msg["MsgType"].strip().lower()
        if kind == "event":
            event = (msg.get("Event") or "").strip().lower()
            return WELCOME if event == "subscribe" else None  # unsubscribe, menu clicks, location reports…
        if kind != "text":
            return TEXT_ONLY
        content = msg.get("Content") or ""
        if len(content.encode("utf-8", "surrogatepass")) > MAX_CONTENT_BYTES:
            return TOO_LONG
        try:
            text = clean_text(content)  # control characters out, ends trimmed
        except BadInput:
            return BAD_TEXT
        problem = problem_with(text)
        if problem:
            return EMPTY if problem == "empty" else TOO_LONG
        return await self._converse(msg, text, on_new_message, started)

    async def _converse(self, msg: Dict[str, str], text: str,
                        on_new_message: Callable[[UserMessage], Awaitable[Any]], started: float) -> Optional[str]:
        openid = msg["FromUserName"]
        metadata = {"wechat": {k: msg.get(k) for k in ("ToUserName", "MsgId", "CreateTime") if msg.get(k)}}
        key = message_key(msg)
        entry, first = self.dedup.get_or_start(
            key, lambda: self._run_turn(openid, text, metadata, on_new_message, key))
        if first:
            entry.future.add_done_callback(lambda _f, e=entry, o=openid: self._maybe_deliver_later(e, o))
        else:
            logger.info("wechat: retry of %s joins the first delivery", entry.key)
        remaining = self.reply_timeout - (asyncio.get_running_loop().time() - started)
        try:
            rendered = await asyncio.wait_for(asyncio.shield(entry.future), timeout=max(remaining, 0.0))
        except asyncio.TimeoutError:
            entry.deferred = True  # "success" now; the done-callback sends it through the API
            self._maybe_deliver_later(entry, openid)  # (in case it finished in this very loop turn)
            return None
        except asyncio.CancelledError:
            if entry.future.cancelled():  # the server is shutting down
                return None
            entry.deferred = True  # the platform hung up: nobody will read this response
            self._maybe_deliver_later(entry, openid)
            raise
        parts = split_text(rendered.text)
        if not parts:
            return None
        if len(parts) > 1 and self.api.configured:
            # too long for one reply: all parts through the API, in order
            entry.deferred = True
            self._maybe_deliver_later(entry, openid)
            return None
        if not entry.claim_passive():
            return None  # it went (or goes) through the customer-service API
        if len(parts) > 1:
            logger.warning("wechat: reply of %s cut to its first part (no customer-service API)", entry.key)
        return parts[0]

    async def _run_turn(self, openid: str, text: str, metadata: Dict[str, Any],
                        on_new_message: Callable[[UserMessage], Awaitable[Any]], key: str) -> Rendered:
        # counted here, once per message: the platform's retries of it join this turn (dedup)
        if not await self.limiter.allow(openid):
            logger.info("wechat: %s is over the rate limit", openid)
            return Rendered(RATE_LIMITED)
        collector = CollectingOutputChannel()
        # the dedup key as Rasa's message id: a retry that reaches another replica (nginx, or the platform
        # after a replica died) finds it in the stored conversation and gets the answer again (bot/runtime.py)
        message = UserMessage(self.options.resolve(openid, text), collector, conversation_id("wechat", openid),
                              input_channel=self.name(), metadata=metadata, message_id=key)
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("wechat: the assistant failed on a message")
            return Rendered(ERROR)
        rendered = render(collector.messages)
        self.options.remember(openid, rendered.payloads)
        return rendered

    def _maybe_deliver_later(self, entry: Entry, openid: str) -> None:
        future = entry.future
        if not future.done() or future.cancelled() or future.exception() is not None:
            return
        if not entry.claim_later():
            return
        parts = split_text(future.result().text)
        if not parts:
            return
        task = asyncio.ensure_future(self._send_parts(openid, parts))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_parts(self, openid: str, parts: List[str]) -> None:
        for part in parts:
            if not await self.api.send_text(openid, part):
                return

    def _reply(self, msg: Dict[str, str], content: Optional[str], nonce: str) -> HTTPResponse:
        if content is None:
            return response.text(SUCCESS)
        now = int(self.clock())
        xml = build_xml({
            "ToUserName": msg["FromUserName"],
            "FromUserName": msg["ToUserName"],
            "CreateTime": now,
            "MsgType": "text",
            "Content": content,
        })
        if self.crypto is not None:
            env = self.crypto.encrypt_reply(xml, str(now), nonce)
            xml = build_xml({"Encrypt": env["Encrypt"], "MsgSignature": env["MsgSignature"],
                             "TimeStamp": now, "Nonce": env["Nonce"]})
        return response.text(xml, content_type="application/xml; charset=utf-8")
