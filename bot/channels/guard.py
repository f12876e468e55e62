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

Environment (read in `rate_limit_config` only):
  QUALIBOT_RATE_LIMIT  "30/60" = 30 messages per 60 s per sender (the default); "0" turns it off
  QUALIBOT_REDIS_URL   e.g. redis://127.0.0.1:6379/0: the limit is shared by every server process
"""
from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import yaml

from bot.language_rules import detect
from catalog.config import DATA_DIR

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 5000
MAX_SENDER_CHARS = 128
LANGS = ("zh", "en")
SITUATIONS = ("empty", "too_long", "rate_limited", "bad_request", "unavailable")
MESSAGES_FILE = DATA_DIR / "channel_messages.yaml"

DEFAULT_RATE_LIMIT = (30, 60.0)
MAX_TRACKED_SENDERS = 100_000
REDIS_TIMEOUT = 0.5  # seconds: a slow Redis must not slow every message down
REDIS_RETRY_AFTER = 30.0  # seconds in memory after Redis failed, before trying it again
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


def rate_limit_config(environ: Optional[Mapping[str, str]] = None) -> RateLimitConfig:
    """QUALIBOT_RATE_LIMIT and QUALIBOT_REDIS_URL: the only place they are read."""
    env = os.environ if environ is None else environ
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
        self._redis_down_until = 0.0

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "RateLimiter":
        c = rate_limit_config(environ)
        return cls(c.limit, c.window, c.redis_url)

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
        if self.redis is not None and time.monotonic() >= self._redis_down_until:
            try:
                return await self.redis.hit(sender, window)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - unreachable, timed out, refused, a bad URL…
                self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER
                logger.warning("rate limit: Redis unreachable (%s); counting in this process's memory for "
                               "%.0f s", type(e).__name__, REDIS_RETRY_AFTER)
        return self.memory.hit(sender, window)

