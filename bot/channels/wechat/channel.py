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
     The text is cleaned first (bot/channels/checks.py: control characters out; empty or too long gets a
     polite prompt) and each OpenID may send QUALIBOT_RATE_LIMIT messages (default 30 per 60 s).
     Voice messages are read from the platform's transcript (Recognition, when speech recognition is on);
     menu clicks (CLICK) and QR scans by followers (SCAN) get a short reply, subscribing the welcome.

The platform waits 5 s and retries (3 tries), on any replica. Each message runs once (dedup.py:
FromUserName + MsgId, shared through Redis). If the answer is not ready within `reply_timeout` (4 s)
the response is "success" (the platform then stops retrying) and the answer follows through the
customer-service message API (api.py), which works within 48 h of the user's last message. Without
the API the response says the answer is coming and keeps it as the user's next page: "更多"/"more" reads it.

Rendering: several bot messages are joined with blank lines; "custom" payloads (the web page's
citation data) are left out; buttons become numbered options ("1. …") appended to the text, and a bare
number in the user's next message is sent to Rasa as that button's payload, as a click would be on the
web page (numbers the channel has no options for go to Rasa unchanged). A reply over 2,048 bytes goes
out in parts through the customer-service API; without the API it is cut into pages at a paragraph, line
or sentence end, the first sent with "reply 更多/more for the rest", and each "更多"/"more" gets the next.
Options and pages are kept per OpenID in the shared store (store.py), so any replica can use them.

The package: envelope.py (open a POST, seal a reply; crypto.py for safe mode), render.py (Rasa's messages as
WeChat text, parts and pages), api.py (the customer-service message API), dedup.py (one turn per message),
store.py (memory or Redis); this module is the channel: routes, answering, options and pages. Its fixed
replies are bot/channels/wording.py's.

credentials.yml (values are strings; empty or missing means the default):
  bot.channels.wechat.WeChatInput:
    token: ${WECHAT_TOKEN}            # required: without it every request is refused (503)
    app_id: ${WECHAT_APP_ID}          # required in safe mode and for the customer-service API
    app_secret: ${WECHAT_APP_SECRET}  # for the customer-service API
    aes_key: ${WECHAT_AES_KEY}        # EncodingAESKey, 43 chars: safe mode; empty: plain mode
    api_base: ${WECHAT_API_BASE}      # default https://api.weixin.qq.com
    timestamp_window: ${WECHAT_TIMESTAMP_WINDOW}  # seconds, default 300
    reply_timeout: ${WECHAT_REPLY_TIMEOUT}        # seconds, default 4.0 (must stay under 5)
    kf_enabled: ${WECHAT_KF_ENABLED}              # "true": when the bot offers a person, hand the conversation to
                                                  # the account's customer-service desk (transfer_customer_service)

Receipts and handoff (issue 14): every reply ends with the answers' receipt code ("回执编号：Q7K-3F2", render.py),
inside the 2,048 bytes (the parts and pages are cut after it is added). When the answers offer a person
(catalog/handoff.py: "转人工", or two answers in a row that did not help) and WECHAT_KF_ENABLED is set, the passive
reply is the platform's transfer_customer_service message, and the user is told the receipt code through the
customer-service API (when it is configured) so that they can give it to the agent.
"""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import os
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import metrics
from bot.channels import settings
from bot.channels.checks import BadInput, clean_text, conversation_id, problem_with
from bot.channels.http import MAX_BODY_BYTES, read_body
from bot.channels.ratelimit import RateLimiter
from bot.channels.wechat import crypto
from bot.channels.wechat.api import DEFAULT_API_BASE, WeChatAPI
from bot.channels.wechat.dedup import Deduplicator, Entry, StillInProgress, message_key
from bot.channels.wechat.envelope import Envelope, Refused
from bot.channels.wechat.render import (MAX_CONTENT_BYTES, Rendered, decode_rendered, encode_rendered, paginate, render,
                                        split_text)
from bot.channels.wechat.store import Store, store_from_env
from bot.channels.wording import (ERROR, MENU_REPLY, SCAN_REPLY, TEXT_ONLY, VOICE_UNHEARD, WELCOME,
                                  wording)
from bot.turn import guarded
from catalog import handoff
from catalog.language import picked_number

logger = logging.getLogger(__name__)

DEFAULT_TIMESTAMP_WINDOW = 300.0
DEFAULT_REPLY_TIMEOUT = 4.0
MAX_REPLY_TIMEOUT = 4.5  # the platform gives up at 5 s
OPTIONS_TTL = 3600.0  # how long numbered options stay pickable by a bare number
PAGES_TTL = 3600.0  # how long the rest of a long reply waits for "更多"/"more"
DESK_TTL = 3600.0  # a message handed to the desk tells the user its receipt once, whatever the retries
SUCCESS = "success"  # "received, no passive reply": the platform does not retry

# empty, too long, rate limited, unreadable text: the public channels' shared wording, in both languages
TOO_LONG = wording("too_long")
EMPTY = wording("empty")
RATE_LIMITED = wording("rate_limited")
STILL_WORKING = wording("still_working")
BAD_TEXT = wording("bad_request")

_MORE = re.compile(r"^\s*(?:更多|more)\s*[.。!！]?\s*$", re.I)


# --- configuration ---------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any, default: float, name: str) -> float:
    return settings.seconds(value, default, f"wechat: {name}")


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on") if value is not None else False


class Transfer(str):
    """The passive reply that hands the conversation to the customer-service desk (transfer_customer_service)."""


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
        n = picked_number(text)
        if n is None:
            return text
        payloads = _string_list(await self.store.get("options:" + openid))
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
            kf_enabled=_flag(c.get("kf_enabled") if c.get("kf_enabled") not in (None, "")
                             else os.environ.get("WECHAT_KF_ENABLED")),
        )

    def __init__(self, token: str = "", app_id: str = "", app_secret: str = "", aes_key: str = "",
                 api_base: str = DEFAULT_API_BASE, timestamp_window: float = DEFAULT_TIMESTAMP_WINDOW,
                 reply_timeout: float = DEFAULT_REPLY_TIMEOUT, api: Optional[WeChatAPI] = None,
                 clock: Callable[[], float] = time.time, limiter: Optional[RateLimiter] = None,
                 store: Optional[Store] = None, kf_enabled: bool = False) -> None:
        self.token = token or ""
        # hand a conversation to the account's customer-service desk when the bot offers a person (issue 14)
        self.kf_enabled = bool(kf_enabled)
        self.app_id = app_id or ""
        self.timestamp_window = float(timestamp_window)
        if reply_timeout >= 5:
            logger.warning("wechat: reply_timeout %.1f s is not under the platform's 5 s; using %.1f s",
                           reply_timeout, MAX_REPLY_TIMEOUT)
            reply_timeout = MAX_REPLY_TIMEOUT
        self.reply_timeout = float(reply_timeout)
        # safe mode when an EncodingAESKey is set; a wrong key or a missing AppID stops start-up
        self.crypto = (crypto.MessageCrypto(self.token, aes_key, self.app_id)
                       if aes_key and self.token else None)
        self.clock = clock
        self.envelope = Envelope(self.token, self.crypto, self.timestamp_window, lambda: self.clock())
        self.api = api or WeChatAPI(self.app_id, app_secret, api_base or DEFAULT_API_BASE)
        # retries, replay marks, options and pages: in Redis when QUALIBOT_REDIS_URL is set (every replica)
        self.store = store if store is not None else store_from_env()
        # a request older than the timestamp window is refused, so its retries need no longer memory
        self.dedup = Deduplicator(self.store, ttl=max(60.0, self.timestamp_window),
                                  encode=encode_rendered, decode=decode_rendered)
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

        @bp.listener("after_server_stop")
        async def close_api(*_: Any) -> None:  # the customer-service API's one aiohttp session
            await self.api.close()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                return response.text(self.envelope.verify_url(request.args))
            except Refused as e:
                return response.text(e.text, status=e.status)

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
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return response.text("payload too large", status=413)
        try:
            opened = await self.envelope.open(request.args, body, self._first_body_for)
        except Refused as e:
            return response.text(e.text, status=e.status)
        content = await self._answer(opened.msg, on_new_message, started)
        return self._reply(opened.msg, content, request.args.get("nonce") or "", encrypt=opened.encrypted)

    async def _first_body_for(self, ts: int, nonce: str, sig: str, body: bytes) -> bool:
        """Is this the body this plain-signed URL first came with? The signature covers only the
        timestamp and nonce, so the URL is remembered (until its timestamp leaves the window) with a hash
        of its body: the platform's retry (same body) passes, a forged body under a seen URL does not."""
        mark = "url:" + hashlib.sha256(f"{ts}:{nonce}:{sig.strip().lower()}".encode()).hexdigest()
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
            metrics.WECHAT_RETRIES.labels("joined").inc()
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
        if rendered.handoff and self.kf_enabled:
            # the bot offers a person and the account has a customer-service desk: the platform passes this
            # message, and the conversation, to an agent; the user gets the receipt code to give them
            if not await self.dedup.claim_passive(key):
                return None
            if rendered.receipt and self.api.configured and await self.store.add("desk:" + key, "1", DESK_TTL):
                # once per message, whichever request or replica answers it (the platform retries)
                told = handoff.desk(rendered.lang or "zh", rendered.receipt)
                self._in_background(self._send_parts(openid, split_text(told)))
            return Transfer()
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
        # after a replica died) finds it in the stored conversation and gets the answer again (bot/rasa_patches.py)
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
            sent = await self._send_parts(openid, parts)
            metrics.WECHAT_DEFERRED.labels("sent" if sent else "failed").inc()

    def _in_background(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_parts(self, openid: str, parts: List[str]) -> bool:
        for part in parts:
            if not await self.api.send_text(openid, part):
                return False
        return True

    def _reply(self, msg: Dict[str, str], content: Optional[str], nonce: str, encrypt: bool) -> HTTPResponse:
        if content is None:
            return response.text(SUCCESS)
        if isinstance(content, Transfer):
            logger.info("wechat: conversation handed to the customer-service desk")
            return response.text(self.envelope.seal_transfer(msg, nonce, encrypt),
                                 content_type="application/xml; charset=utf-8")
        return response.text(self.envelope.seal(msg, content, nonce, encrypt),
                             content_type="application/xml; charset=utf-8")
