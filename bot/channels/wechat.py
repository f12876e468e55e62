"""WeChat official account (微信公众号) input channel: /webhooks/wechat/webhook.

GET  verify the server URL: sha1(sorted(token, timestamp, nonce)) == signature -> echostr.
POST a user's message or an event, as XML. Every POST is checked before its text reaches Rasa:
     size (<= 64 KB, else 413), timestamp within the window (else 403: replayed or stale), signature
     (plain: signature; safe mode: msg_signature over the ciphertext, else 403), XML parsed with
     defusedxml (no DTD, no entities: else 400), safe mode decrypted and its AppID checked, the
     OpenID (FromUserName) and the account id (ToUserName) 1-64 characters of A-Z a-z 0-9 _ - (else 400,
     before either reaches a log or the tracker).
     Modes: plain; safe (encrypt_type=aes, Encrypt only); compatible (兼容模式: Encrypt AND the
     plaintext fields): with an EncodingAESKey it is decrypted as in safe mode, without one the
     plaintext fields are used, checked by the URL's plain signature, and the reply is plaintext
     (which the platform accepts in compatible mode).
     Plain signatures cover no body: a signed URL (timestamp, nonce, signature) is remembered for the
     timestamp window with the body it came with, and the same URL with another body is refused (403).
     The platform's own retry sends the same body and is answered as a retry.
     Text goes to Rasa with sender_id = the user's OpenID (FromUserName), input channel "wechat";
     the bot's messages are collected and returned as a passive reply (被动回复) in the response.
     The text is cleaned first (bot/channels/guard.py: control characters out; empty or too long gets a
     polite prompt) and each OpenID may send QUALIBOT_RATE_LIMIT messages (default 30 per 60 s).
     Voice messages are read from the platform's transcript (Recognition, when speech recognition is on);
     menu clicks (CLICK) and QR scans by followers (SCAN) get a short reply, subscribing the welcome.

The platform waits 5 s and retries (3 tries), on any replica. Each message runs once (wechat_dedup:
FromUserName + MsgId, shared through Redis). If the answer is not ready within `reply_timeout` (4 s)
the response is "success" (the platform then stops retrying) and the answer follows through the
customer-service message API (wechat_api), which works within 48 h of the user's last message. Without
the API the response says the answer is coming and keeps it as the user's next page: "更多"/"more" reads it.

Rendering: several bot messages are joined with blank lines; "custom" payloads (the web page's
citation data) are left out; buttons become numbered options ("1. …") appended to the text, and a bare
number in the user's next message is sent to Rasa as that button's payload, as a click would be on the
web page (numbers the channel has no options for go to Rasa unchanged). A reply over 2,048 bytes goes
out in parts through the customer-service API; without the API it is cut into pages at a paragraph, line
or sentence end, the first sent with "reply 更多/more for the rest", and each "更多"/"more" gets the next.
Options and pages are kept per OpenID in the shared store (wechat_store.py), so any replica can use them.

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
import hashlib
import inspect
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Union
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage

from bot.channels import settings, wechat_crypto
from bot.channels.guard import BadInput, RateLimiter, clean_text, conversation_id, problem_with, wording
from bot.channels.turn import guarded
from bot.channels.wechat_api import DEFAULT_API_BASE, WeChatAPI
from bot.channels.wechat_dedup import Deduplicator, Entry, StillInProgress, message_key
from bot.channels.wechat_store import Store, store_from_env
from catalog.privacy import notice as privacy_notice

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_CONTENT_BYTES = 2048  # longer user text is refused; longer replies go out in parts or pages
DEFAULT_TIMESTAMP_WINDOW = 300.0
DEFAULT_REPLY_TIMEOUT = 4.0
MAX_REPLY_TIMEOUT = 4.5  # the platform gives up at 5 s
OPTIONS_TTL = 3600.0  # how long numbered options stay pickable by a bare number
PAGES_TTL = 3600.0  # how long the rest of a long reply waits for "更多"/"more"
SUCCESS = "success"  # "received, no passive reply": the platform does not retry

# Fixed replies of the channel itself (the user's language is not known here): Chinese first, then English.
# The welcome also says what is kept and for how long (catalog/privacy.py: QUALIBOT_RETENTION_DAYS).
WELCOME = (
    "您好！我可以解答北京市境外职业资格认可目录(3.0版)的问题：证书是否被认可、可享受哪些便利、如何查验。"
    "请直接发送证书名称，如“CFA”。" + privacy_notice("zh") + "\n"
    "Hello! I answer questions about Beijing's Catalog of Recognized Overseas Professional Qualifications "
    "(Version 3.0): whether a certificate is recognized, which facilitation measures it brings, and how it "
    "is verified. Just send the certificate's name, e.g. \"CFA\". " + privacy_notice("en")
)
TEXT_ONLY = (
    "抱歉，我目前只能阅读文字消息。请用文字发送您的问题，如证书名称“CFA”。\n"
    "Sorry, I can only read text messages. Please type your question, e.g. a certificate's name such as \"CFA\"."
)
VOICE_UNHEARD = (  # a voice message without the platform's transcript (speech recognition off, or nothing heard)
    "抱歉，我没能识别这条语音。请用文字发送您的问题，如证书名称“CFA”。\n"
    "Sorry, I could not make out that voice message. Please type your question, e.g. a certificate's name "
    "such as \"CFA\"."
)
MENU_REPLY = (  # a menu click (CLICK event): the account's menu keys are not ours to know
    "请直接发送您的问题，如证书名称“CFA”，或“能享受哪些便利”。\n"
    "Please type your question, e.g. a certificate's name such as \"CFA\", or \"what benefits do I get\"."
)
SCAN_REPLY = (  # a follower scanned one of the account's QR codes (SCAN event)
    "欢迎回来！请发送证书名称，如“CFA”，我来告诉您它是否在《目录》内。\n"
    "Welcome back! Send a certificate's name, e.g. \"CFA\", and I will tell you whether the catalog lists it."
)
MORE_HINT = (  # the end of every page of a long reply but the last
    "\n\n（回复“更多”查看后续内容）\n(Reply \"more\" for the rest.)"
)
# empty, too long, rate limited, unreadable text: the public channels' shared wording (bot/channels/guard.py)
TOO_LONG = wording("too_long")
EMPTY = wording("empty")
RATE_LIMITED = wording("rate_limited")
STILL_WORKING = wording("still_working")
BAD_TEXT = wording("bad_request")
ERROR = (
    "抱歉，系统暂时出了点问题，请稍后再试。\n"
    "Sorry, something went wrong on our side. Please try again in a moment."
)

_PICK = re.compile(r"^\s*(?:第|选|no\.?|number|option|#)?\s*(\d{1,2})\s*(?:个|项|号)?\s*[.。!！]?\s*$", re.I)
# characters XML 1.0 cannot carry (the platform would reject the whole reply)
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# an OpenID (28 characters today) or an account's original id (gh_…): what may reach a log, a key, Rasa
_WECHAT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,32}")
_MORE = re.compile(r"^\s*(?:更多|more)\s*[.。!！]?\s*$", re.I)
# where a page may end: after a sentence's end mark (CJK ones anywhere, Latin ones before a space)
_SENTENCE_END = re.compile(r"[。！？；…](?:[”’」』）)])?|[.!?;](?:[\"')\]])?(?=\s)")


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


def paginate(text: str, limit: int = MAX_CONTENT_BYTES, hint: str = MORE_HINT) -> List[str]:
    """Pages of at most `limit` UTF-8 bytes for passive replies; each page but the last ends with `hint`.

    A page ends at a paragraph (blank line), else a line end, else a sentence end in its second half,
    else at the last character that fits: no page is cut short for a separator near its start."""
    if len(text.encode("utf-8")) <= limit:
        return [text] if text else []
    room = limit - len(hint.encode("utf-8"))
    pages: List[str] = []
    rest = text
    while len(rest.encode("utf-8")) > limit:
        cut = _page_end(rest, room)
        pages.append(rest[:cut].rstrip() + hint)
        rest = rest[cut:].lstrip()
    if rest:
        pages.append(rest)
    return pages


def _page_end(text: str, room: int) -> int:
    window = text[:_fit(text, room)]
    half = len(window) // 2
    for sep in ("\n\n", "\n"):
        i = window.rfind(sep)
        if i >= half:
            return i
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() >= half]
    return ends[-1] if ends else len(window)


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
    return settings.seconds(value, default, f"wechat: {name}")


class _Options:
    """The numbered options last offered to each user (OpenID), for a bare-number reply (shared store)."""

    def __init__(self, store: Store, ttl: float = OPTIONS_TTL) -> None:
        self.store, self.ttl = store, ttl

    async def remember(self, openid: str, payloads: List[str]) -> None:
        if payloads:
            await self.store.put("options:" + openid, json.dumps(payloads, ensure_ascii=False), self.ttl)
        else:
            await self.store.delete("options:" + openid)

    async def resolve(self, openid: str, text: str) -> str:
        m = _PICK.match(text)
        if not m:
            return text
        payloads = _string_list(await self.store.get("options:" + openid))
        n = int(m.group(1))
        return payloads[n - 1] if 1 <= n <= len(payloads) else text


class _Pages:
    """The pages of a long reply a user has not read yet ("更多"/"more" gets the next), per OpenID."""

    def __init__(self, store: Store, ttl: float = PAGES_TTL) -> None:
        self.store, self.ttl = store, ttl

    async def keep(self, openid: str, pages: List[str]) -> None:
        if pages:
            await self.store.put("pages:" + openid, json.dumps(pages, ensure_ascii=False), self.ttl)
        else:
            await self.store.delete("pages:" + openid)

    async def next(self, openid: str) -> Optional[str]:
        pages = _string_list(await self.store.get("pages:" + openid))
        if not pages:
            return None
        await self.keep(openid, pages[1:])
        return pages[0]


def _string_list(stored: Optional[str]) -> List[str]:
    try:
        value = json.loads(stored) if stored else []
    except ValueError:
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _encode_rendered(r: "Rendered") -> str:
    return json.dumps({"text": r.text, "payloads": r.payloads}, ensure_ascii=False)


def _decode_rendered(stored: str) -> "Rendered":
    data = json.loads(stored)
    return Rendered(str(data.get("text") or ""), [str(p) for p in data.get("payloads") or []])


def _check_fields(msg: Dict[str, str]) -> Optional[str]:
    """Why the message's routing fields are unusable (None when fine); trims them in place. The OpenID
    becomes a log field, a store key and the conversation id: only the platform's id characters pass."""
    for name in ("ToUserName", "FromUserName", "MsgType", "MsgId", "CreateTime"):
        if name in msg:
            msg[name] = msg[name].strip()
    if not (msg.get("FromUserName") and msg.get("ToUserName") and msg.get("MsgType")):
        return "missing ToUserName, FromUserName or MsgType"
    if not (_WECHAT_ID.fullmatch(msg["FromUserName"]) and _WECHAT_ID.fullmatch(msg["ToUserName"])):
        return "invalid FromUserName or ToUserName"
    if len(msg["MsgType"]) > 32:
        return "invalid MsgType"
    for name in ("MsgId", "CreateTime"):
        if msg.get(name) and not _DIGITS.fullmatch(msg[name]):
            return f"invalid {name}"
    return None


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
                 clock: Callable[[], float] = time.time, limiter: Optional[RateLimiter] = None,
                 store: Optional[Store] = None) -> None:
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
        # retries, replay marks, options and pages: in Redis when QUALIBOT_REDIS_URL is set (every replica)
        self.store = store if store is not None else store_from_env()
        # a request older than the timestamp window is refused, so its retries need no longer memory
        self.dedup = Deduplicator(self.store, ttl=max(60.0, self.timestamp_window),
                                  encode=_encode_rendered, decode=_decode_rendered)
        self.options = _Options(self.store)
        self.pages = _Pages(self.store)
        self.limiter = limiter or RateLimiter.from_env()  # QUALIBOT_RATE_LIMIT, per OpenID
        self._background: set = set()
        if not self.token:
            logger.warning("wechat: no token configured (WECHAT_TOKEN); the webhook refuses every request")
            return
        logger.info("wechat: %s mode", "safe (AES)" if self.crypto else "plain or compatible")
        if not self.api.configured:
            logger.warning("wechat: no app_id/app_secret: an answer slower than %.1f s is kept for the user's "
                           "\"更多/more\", and long answers are sent in pages", self.reply_timeout)

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
        encrypted = (args.get("encrypt_type") or "").lower() == "aes"  # safe or compatible mode
        decrypt = encrypted and self.crypto is not None
        sig = args.get("msg_signature") if decrypt else args.get("signature")
        if not (timestamp and nonce and sig):
            return response.text("missing signature, timestamp or nonce", status=400)
        if not self.token:
            return response.text("wechat channel not configured", status=503)
        if self.crypto is not None and not encrypted:
            # in plain mode the signature does not cover the body: refuse it once safe mode is set up
            return response.text("safe mode required", status=403)
        try:
            ts = int(timestamp)
        except ValueError:
            return response.text("invalid timestamp", status=400)
        if abs(self.clock() - ts) > self.timestamp_window:
            return response.text("stale timestamp", status=403)

        if not decrypt:
            if not wechat_crypto.check_signature(self.token, timestamp, nonce, sig):
                return response.text("invalid signature", status=403)
            if not await self._first_body_for(ts, nonce, sig, body):
                return response.text("signature already used", status=403)
            try:
                msg = parse_xml(body)
            except WeChatXMLError as e:
                return response.text(str(e), status=400)
            if encrypted:
                # compatible mode without our EncodingAESKey: the plaintext fields beside Encrypt (the
                # signature checked is the URL's plain one); safe mode proper has no plaintext to read
                if not (msg.get("MsgType") and msg.get("FromUserName")):
                    return response.text("safe mode not configured", status=400)
                msg.pop("Encrypt", None)
        else:
            try:
                outer = parse_xml(body)
            except WeChatXMLError as e:
                return response.text(str(e), status=400)
            ciphertext = outer.get("Encrypt", "").strip()  # an indented <Encrypt> is still the same one
            if not ciphertext:
                return response.text("missing Encrypt", status=400)
            try:
                inner = self.crypto.verify_and_decrypt(timestamp, nonce, ciphertext, sig)
                msg = parse_xml(inner.encode("utf-8"))
            except wechat_crypto.InvalidSignature:
                return response.text("invalid signature", status=403)
            except wechat_crypto.AppIdMismatch:
                return response.text("wrong AppID", status=403)
            except wechat_crypto.DecryptError:
                return response.text("cannot decrypt", status=400)
            except WeChatXMLError as e:
                return response.text(str(e), status=400)

        problem = _check_fields(msg)
        if problem:
            return response.text(problem, status=400)
        content = await self._answer(msg, on_new_message, started)
        return self._reply(msg, content, nonce, encrypt=decrypt)

    async def _first_body_for(self, ts: int, nonce: str, sig: str, body: bytes) -> bool:
        """Is this the body this plain-signed URL first came with? The signature covers only the
        timestamp and nonce, so the URL is remembered (until its timestamp leaves the window) with a hash
        of its body: the platform's retry (same body) passes, a forged body under a seen URL does not."""
        mark = "url:" + hashlib.sha256(f"{ts}:{nonce}:{sig.strip().lower()}".encode("utf-8")).hexdigest()
        digest = hashlib.sha256(body).hexdigest()
        ttl = max(1.0, ts + self.timestamp_window - self.clock() + 1)
        if await self.store.add(mark, digest, ttl):
            return True
        return await self.store.get(mark) == digest

    # --- answering ---

    async def _answer(self, msg: Dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      started: float) -> Optional[str]:
        """The passive reply's text, or None for "success"."""
        kind = msg["MsgType"].lower()
        if kind == "event":
            event = (msg.get("Event") or "").strip().lower()
            # unsubscribe, menu links (VIEW), location reports…: nothing to say
            return {"subscribe": WELCOME, "click": MENU_REPLY, "scan": SCAN_REPLY}.get(event)
        if kind == "text":
            content = msg.get("Content") or ""
        elif kind == "voice":
            # the platform's transcript, present when the account has speech recognition on (语音识别)
            content = msg.get("Recognition") or ""
            if not content.strip():
                return VOICE_UNHEARD
        else:
            return TEXT_ONLY
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
        if msg["MsgType"].lower() == "voice":
            metadata["wechat"]["voice"] = True
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
            if first and not self.api.configured:
                # no API to send it later: it becomes the user's next page ("更多"/"more" reads it), and this
                # reply says so; "success" would have lost the answer for good
                self._park(entry, openid)
                return STILL_WORKING
            # "success" now; the answer goes through the API when it is ready (here or on its replica)
            self._defer(entry, openid)
            return None
        except asyncio.CancelledError:
            if entry.future.cancelled():  # the server is shutting down
                return None
            self._defer(entry, openid)  # the platform hung up: nobody reads this response
            raise
        except StillInProgress:
            logger.warning("wechat: no answer for %s from the replica that runs it", entry.key)
            return None
        parts = split_text(rendered.text)
        if not parts:
            return None
        if len(parts) > 1 and self.api.configured:
            # too long for one reply: all parts through the API, in order
            self._defer(entry, openid)
            return None
        if not await self.dedup.claim_passive(key):
            return None  # it went (or goes) through the customer-service API
        if len(parts) > 1:  # not expected: without the API, _run_turn pages long answers
            logger.warning("wechat: reply of %s cut to its first part", entry.key)
        return parts[0]

    async def _run_turn(self, openid: str, text: str, metadata: Dict[str, Any],
                        on_new_message: Callable[[UserMessage], Awaitable[Any]], key: str) -> Rendered:
        # runs once per message (dedup): a retry gets what this returned, and a page is read once
        if _MORE.match(text):
            page = await self.pages.next(openid)
            if page is not None:
                return Rendered(page)
        # counted here, once per message: the platform's retries of it join this turn (dedup)
        if not await self.limiter.allow(openid):
            logger.info("wechat: %s is over the rate limit", openid)
            return Rendered(RATE_LIMITED)
        text = await self.options.resolve(openid, text)
        collector = CollectingOutputChannel()
        # the dedup key as Rasa's message id: a retry that reaches another replica (nginx, or the platform
        # after a replica died) finds it in the stored conversation and gets the answer again (bot/runtime.py)
        message = UserMessage(text, collector, conversation_id("wechat", openid),
                              input_channel=self.name(), metadata=metadata, message_id=key)
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("wechat: the assistant failed on a message")
            return Rendered(ERROR)
        rendered = render(collector.messages)
        await self.options.remember(openid, rendered.payloads)
        if self.api.configured:  # a long answer goes out in parts through the API
            await self.pages.keep(openid, [])
            return rendered
        # no API: one passive reply per message, so a long answer is read page by page ("更多"/"more")
        pages = paginate(rendered.text)
        await self.pages.keep(openid, pages[1:])
        return Rendered(pages[0] if pages else "", rendered.payloads)

    def _park(self, entry: Entry, openid: str) -> None:
        """The answer of a turn that outlasted the platform's wait, with no customer-service API: kept as the
        first of the user's unread pages (before the rest of a long answer, which _run_turn kept already)."""

        async def keep_when_ready() -> None:
            try:
                rendered = await asyncio.shield(entry.future)
            except Exception:  # noqa: BLE001 - the turn failed: nothing to keep (its error was logged)
                return
            if rendered.text:
                rest = _string_list(await self.store.get("pages:" + openid))
                await self.pages.keep(openid, [rendered.text] + rest)

        self._in_background(keep_when_ready())

    def _defer(self, entry: Entry, openid: str) -> None:
        """This request answers "success": the answer must go out later. Recorded here at once and in the
        shared store in the background (the response must not wait for Redis); then, if the answer is
        known already, delivered (else the entry's done-callback delivers it)."""
        entry.deferred = True

        async def record_and_deliver() -> None:
            await self.dedup.mark_deferred(entry)
            self._maybe_deliver_later(entry, openid)

        self._in_background(record_and_deliver())

    def _maybe_deliver_later(self, entry: Entry, openid: str) -> None:
        """Once the answer is known and some request gave up waiting for it: send it through the API,
        unless it went out in a response or another replica sends it (Deduplicator.claim_later)."""
        future = entry.future
        if not future.done() or future.cancelled() or future.exception() is not None:
            return
        self._in_background(self._deliver_later(entry, openid, future.result()))

    async def _deliver_later(self, entry: Entry, openid: str, rendered: Rendered) -> None:
        parts = split_text(rendered.text)
        if parts and await self.dedup.claim_later(entry):
            await self._send_parts(openid, parts)

    def _in_background(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_parts(self, openid: str, parts: List[str]) -> None:
        for part in parts:
            if not await self.api.send_text(openid, part):
                return

    def _reply(self, msg: Dict[str, str], content: Optional[str], nonce: str, encrypt: bool) -> HTTPResponse:
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
        if encrypt and self.crypto is not None:
            env = self.crypto.encrypt_reply(xml, str(now), nonce)
            xml = build_xml({"Encrypt": env["Encrypt"], "MsgSignature": env["MsgSignature"],
                             "TimeStamp": now, "Nonce": env["Nonce"]})
        return response.text(xml, content_type="application/xml; charset=utf-8")
