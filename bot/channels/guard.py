"""What a public channel (REST, socket.io, WeChat) checks and cleans before a message reaches Rasa.

* `clean_text`: only text; control characters out (tab and newline kept; CR and CRLF become newline;
  U+2028/2029 become a space; the BOM goes); no lone surrogates; whitespace trimmed at the ends. What is
  left goes to the bot unchanged. `problem_with` then says whether it is empty or too long.
* `validate_sender`: a conversation id a log, a tracker store and a Redis key can carry.
* `wording` / `reply_for`: the channels' own replies (catalog/data/channel_messages.yaml), zh or en by
  bot/language_rules.py, both when the message doesn't tell.
* `RateLimiter`: so many messages per sender per window (fixed windows). In memory by default; shared
  through Redis when QUALIBOT_REDIS_URL is set, falling back to memory (with a warning) while Redis
  is unreachable, so a Redis outage never blocks a user.

* `conversation_id`: conversation ids are namespaced by channel ("web:<session id>", "rest:<sender>",
  "wechat:<openid>"), so one id is never one conversation on two channels (issue 12).
* `json_depth`: how deeply a decoded JSON value nests (metadata 500 levels deep used to fail the turn
  with a 124 kB traceback; the channels refuse more than MAX_JSON_DEPTH with a 400).
* `client_address`: the caller's address, from X-Forwarded-For only when the peer is a trusted front.
* `Limits`: the checks every public message passes: per conversation (whatever channel it came through:
  the web page's posts and socket.io share a session's counter) and per client address.

Environment (read in `rate_limit_config` and `trusted_proxies` only):
  QUALIBOT_RATE_LIMIT          "30/60" = 30 messages per 60 s per conversation (the default); "0" turns it off
  QUALIBOT_ADDRESS_RATE_LIMIT  "120/60" = 120 messages (and new web sessions) per 60 s per client address
                               on the public web channels (web page, socket.io); "0" turns it off
  QUALIBOT_TRUSTED_PROXIES     addresses or networks whose X-Forwarded-For is believed (default: loopback,
                               where nginx runs in `make run-prod`); space or comma separated
  QUALIBOT_REDIS_URL           e.g. redis://127.0.0.1:6379/0: the counters are shared by every server process
"""
from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import math
import os
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import yaml

from bot.language_rules import detect
from bot.stores.fallback import RedisOrMemory
from catalog.config import DATA_DIR

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 5000
MAX_SENDER_CHARS = 128
LANGS = ("zh", "en")
SITUATIONS = ("empty", "too_long", "rate_limited", "bad_request", "unavailable", "still_working")
MESSAGES_FILE = DATA_DIR / "channel_messages.yaml"

DEFAULT_RATE_LIMIT = (30, 60.0)
DEFAULT_ADDRESS_RATE_LIMIT = (120, 60.0)
MAX_JSON_DEPTH = 32  # objects and arrays inside one another: Rasa's own payloads need 3 or 4
CHANNEL_PREFIXES = ("web", "rest", "wechat")
DEFAULT_TRUSTED_PROXIES = "127.0.0.1 ::1"
MAX_TRACKED_SENDERS = 100_000
REDIS_TIMEOUT = 0.5  # seconds: a slow Redis must not slow every message down
REDIS_KEY = "qualibot:rl:{sender}:{window}"

_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE_LIKE = re.compile("[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")  # separators: a space, so words stay apart
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufeff]")


class BadInput(ValueError):
    """What a channel received is not a message it can pass on; str(e) says why (no internals)."""


# --- text and sender ----------------------------------------------------------------------------------

def clean_text(value: Any) -> str:
    """The text a user sent, fit for the bot. Raises BadInput for a non-string or a lone surrogate."""
    if not isinstance(value, str):
        raise BadInput("the message must be a string")
    if _SURROGATE.search(value):
        raise BadInput("the message is not valid Unicode text")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACE_LIKE.sub(" ", text)
    return _CONTROL.sub("", text).strip()


def problem_with(text: str) -> Optional[str]:
    """'empty' or 'too_long' for a cleaned text the bot should not get, else None."""
    if not text:
        return "empty"
    if len(text) > MAX_TEXT_CHARS:
        return "too_long"
    return None


def validate_sender(value: Any) -> str:
    """A sender (conversation) id: a string or an integer, 1..128 printable characters."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInput("the sender must be a string or a number")
    sender = str(value)
    if not 1 <= len(sender) <= MAX_SENDER_CHARS or not sender.strip():
        raise BadInput(f"the sender must have 1 to {MAX_SENDER_CHARS} characters")
    if not sender.isprintable():
        raise BadInput("the sender must not contain control or invisible characters")
    return sender


def conversation_id(channel: str, raw_id: str) -> str:
    """The conversation id of `raw_id` on `channel` ("web", "rest", "wechat"): "<channel>:<raw_id>".

    Rasa keys trackers, locks and replays by this id; with the channel in it, a REST sender "abc", a web
    session "abc" and a WeChat OpenID "abc" are three conversations, never one."""
    if channel not in CHANNEL_PREFIXES:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{channel}:{raw_id}"


def json_depth(value: Any, stop_at: int = MAX_JSON_DEPTH + 2) -> int:
    """How many objects/arrays deep `value` nests (a scalar: 0), counted without recursion and no further
    than `stop_at`, so a hostile value costs no stack and little time."""
    deepest = 0
    stack: List[Tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest >= stop_at:
            return deepest
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


def check_depth(value: Any, what: str = "the metadata") -> None:
    """BadInput when `value` nests more than MAX_JSON_DEPTH levels."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise BadInput(f"{what} is nested too deeply (at most {MAX_JSON_DEPTH} levels)")


# --- the channels' own replies ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def wordings() -> Dict[str, Dict[str, str]]:
    """channel_messages.yaml: {situation: {zh, en}}; a missing situation or language stops start-up."""
    with MESSAGES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    for key in SITUATIONS:
        texts = data.get(key)
        if not isinstance(texts, dict) or not all(isinstance(texts.get(lang), str) for lang in LANGS):
            raise ValueError(f"{MESSAGES_FILE.name}: '{key}' needs a zh and an en text")
    return data


def wording(situation: str, lang: Optional[str] = None) -> str:
    """The reply for `situation` in `lang`; in both languages (Chinese first) when lang is None."""
    texts = wordings()[situation]
    if lang in LANGS:
        return texts[lang]
    return texts["zh"] + "\n" + texts["en"]


def reply_for(situation: str, text: str = "") -> str:
    """The reply for `situation`, in the language of the user's `text` (both when it doesn't tell)."""
    return wording(situation, detect(text[:1000]) if text else None)


# --- rate limiting ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateLimitConfig:
    limit: int  # messages per window and sender; 0 = no limit
    window: float  # seconds
    redis_url: str = ""


def parse_rate_limit(value: Optional[str]) -> Tuple[int, float]:
    """"30/60" -> (30, 60.0); "" -> the default; "0" -> (0, 60.0), i.e. off. ValueError otherwise."""
    value = (value or "").strip()
    if not value:
        return DEFAULT_RATE_LIMIT
    if value == "0":
        return 0, DEFAULT_RATE_LIMIT[1]
    m = re.fullmatch(r"(\d{1,9})\s*/\s*(\d{1,9}(?:\.\d+)?)", value)
    if not m or float(m.group(2)) <= 0:
        raise ValueError(f"QUALIBOT_RATE_LIMIT must look like 30/60 (messages/seconds) or 0, got {value!r}")
    return int(m.group(1)), float(m.group(2))


def rate_limit_config(environ: Optional[Mapping[str, str]] = None, kind: str = "conversation") -> RateLimitConfig:
    """QUALIBOT_RATE_LIMIT (kind "conversation") or QUALIBOT_ADDRESS_RATE_LIMIT (kind "address"), and
    QUALIBOT_REDIS_URL: the only place they are read."""
    env = os.environ if environ is None else environ
    if kind == "address":
        raw = env.get("QUALIBOT_ADDRESS_RATE_LIMIT")
        limit, window = parse_rate_limit(raw) if (raw or "").strip() else DEFAULT_ADDRESS_RATE_LIMIT
    else:
        limit, window = parse_rate_limit(env.get("QUALIBOT_RATE_LIMIT"))
    return RateLimitConfig(limit, window, (env.get("QUALIBOT_REDIS_URL") or "").strip())


class MemoryCounter:
    """Messages per sender in the current fixed window, for at most `max_senders` (least recent go first)."""

    def __init__(self, max_senders: int = MAX_TRACKED_SENDERS) -> None:
        self.max_senders = max_senders
        self._counts: "OrderedDict[str, Tuple[int, int]]" = OrderedDict()

    def hit(self, sender: str, window: int) -> int:
        """Count one message of `sender` in window number `window`; the count so far."""
        previous = self._counts.pop(sender, None)
        count = previous[1] + 1 if previous and previous[0] == window else 1
        self._counts[sender] = (window, count)
        while len(self._counts) > self.max_senders:
            self._counts.popitem(last=False)
        return count

    def __len__(self) -> int:
        return len(self._counts)


class RedisCounter:
    """The same count in Redis (INCR + EXPIRE on qualibot:rl:<sender>:<window>), shared by processes."""

    def __init__(self, url: str, ttl: float) -> None:
        self.url, self.ttl = url, max(1, math.ceil(ttl))
        self._client: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:  # a client belongs to one event loop
            import redis.asyncio as aioredis

            self._client = aioredis.from_url(self.url, socket_connect_timeout=REDIS_TIMEOUT,
                                             socket_timeout=REDIS_TIMEOUT)
            self._loop = loop
        return self._client

    async def hit(self, sender: str, window: int) -> int:
        async with self._connection().pipeline(transaction=True) as pipe:
            pipe.incr(REDIS_KEY.format(sender=sender, window=window))
            pipe.expire(REDIS_KEY.format(sender=sender, window=window), self.ttl)
            count, _ = await asyncio.wait_for(pipe.execute(), timeout=REDIS_TIMEOUT * 4)
        return int(count)


class RateLimiter:
    """At most `limit` messages per sender in each `window_seconds` window (limit 0: no limit)."""

    def __init__(self, limit: int, window_seconds: float, redis_url: str = "",
                 clock: Callable[[], float] = time.time, max_senders: int = MAX_TRACKED_SENDERS) -> None:
        if limit < 0 or window_seconds <= 0:
            raise ValueError("the rate limit needs limit >= 0 and a positive window")
        self.limit, self.window, self.clock = int(limit), float(window_seconds), clock
        self.memory = MemoryCounter(max_senders)
        self.redis = RedisCounter(redis_url, self.window) if redis_url else None
        self._redis_or_memory = RedisOrMemory("rate limit")

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, kind: str = "conversation") -> "RateLimiter":
        c = rate_limit_config(environ, kind)
        return cls(c.limit, c.window, c.redis_url)

    @classmethod
    def shared(cls, kind: str = "conversation") -> "RateLimiter":
        """One limiter of `kind` per process, from the environment: every channel that counts a
        conversation (or an address) counts it in the same place, in memory or in Redis."""
        c = rate_limit_config(None, kind)
        key = (kind, c)
        limiter = _SHARED.get(key)
        if limiter is None:
            limiter = _SHARED[key] = cls(c.limit, c.window, c.redis_url)
        return limiter

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def allow(self, sender: str) -> bool:
        """Count this message of `sender`; False when it is over the limit of the current window."""
        if not self.enabled:
            return True
        window = int(self.clock() // self.window)
        return await self._hit(sender, window) <= self.limit

    def retry_after(self) -> int:
        """Whole seconds until the current window ends (for a Retry-After header)."""
        return max(1, math.ceil(self.window - self.clock() % self.window))

    async def _hit(self, sender: str, window: int) -> int:
        async def in_memory() -> int:
            return self.memory.hit(sender, window)

        if self.redis is None:
            return await in_memory()
        redis = self.redis
        return await self._redis_or_memory.call(lambda: redis.hit(sender, window), in_memory)



_SHARED: Dict[Tuple[str, RateLimitConfig], RateLimiter] = {}


# --- client addresses and the checks of a public message ---------------------------------------------------

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def trusted_proxies(environ: Optional[Mapping[str, str]] = None) -> Tuple[Network, ...]:
    """QUALIBOT_TRUSTED_PROXIES (default loopback): the fronts whose X-Forwarded-For is believed."""
    env = os.environ if environ is None else environ
    raw = env.get("QUALIBOT_TRUSTED_PROXIES")
    words = re.split(r"[\s,]+", (raw if raw is not None and raw.strip() else DEFAULT_TRUSTED_PROXIES).strip())
    try:
        return tuple(ipaddress.ip_network(w, strict=False) for w in words if w)
    except ValueError:
        raise ValueError(f"QUALIBOT_TRUSTED_PROXIES must list addresses or networks, got {raw!r}") from None


def _address(text: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:  # [::1]:port
        text = text[1:text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Any, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in proxies)


def is_trusted_proxy(peer: Optional[str], proxies: Optional[Sequence[Network]] = None) -> bool:
    """Is `peer` one of the fronts whose X-Forwarded-For (and -Proto) is believed?"""
    return _trusted(_address(peer or ""), TRUSTED_PROXIES if proxies is None else proxies)


def is_loopback(peer: Optional[str]) -> bool:
    address = _address(peer or "")
    return address is not None and address.is_loopback


def client_address(peer: Optional[str], forwarded_for: Optional[str],
                   proxies: Optional[Sequence[Network]] = None) -> str:
    """The address a message came from: the peer, unless the peer is a trusted front (nginx on loopback),
    then the right-most X-Forwarded-For entry that is not itself a trusted front. An entry a client wrote
    (the left part of the header) is never believed: nginx appends the address it saw to the right."""
    proxies = TRUSTED_PROXIES if proxies is None else proxies
    current = (peer or "").strip() or "unknown"
    if not forwarded_for or not _trusted(_address(current), proxies):
        return current
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return current  # a malformed entry: stop at the last address we can vouch for
        current = str(address)
        if not _trusted(address, proxies):
            return current
    return current


TRUSTED_PROXIES = trusted_proxies()


@dataclass
class Limits:
    """The rate limits a public message passes: its conversation's (every channel counts a conversation id
    in the same counter) and its client address's. `check` names the limit hit, or None."""

    conversation: RateLimiter
    address: Optional[RateLimiter] = None

    @classmethod
    def shared(cls, per_address: bool = True) -> "Limits":
        return cls(RateLimiter.shared("conversation"), RateLimiter.shared("address") if per_address else None)

    async def check(self, conversation: Optional[str], address: Optional[str] = None) -> Optional[str]:
        # the address first: a flood of new conversation ids from one address stops there
        if self.address is not None and address and not await self.address.allow("addr:" + address):
            logger.info("rate limit: address %s is over its limit", address)
            return "address"
        if conversation is not None and not await self.conversation.allow(conversation):
            logger.info("rate limit: conversation %r is over its limit", conversation)
            return "conversation"
        return None

    def retry_after(self, which: Optional[str]) -> int:
        limiter = self.address if which == "address" and self.address is not None else self.conversation
        return limiter.retry_after()
