"""Rate limits of the public channels: so many messages per conversation (or client address) per window.

* `RateLimiter`: fixed windows. In memory by default; shared through Redis when QUALIBOT_REDIS_URL is set,
  falling back to memory (with a warning) while Redis is unreachable, so a Redis outage never blocks a user.
* `Limits`: the checks every public message passes: per conversation (whatever channel it came through:
  the web page's posts and socket.io share a session's counter) and per client address.

Environment (read in `rate_limit_config` only):
  QUALIBOT_RATE_LIMIT          "30/60" = 30 messages per 60 s per conversation (the default); "0" turns it off
  QUALIBOT_ADDRESS_RATE_LIMIT  "120/60" = 120 messages (and new web sessions) per 60 s per client address
                               on the public web channels (web page, socket.io); "0" turns it off
  QUALIBOT_REDIS_URL           e.g. redis://127.0.0.1:6379/0: the counters are shared by every server process
"""
from __future__ import annotations

import asyncio
import logging
import math
import os
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from bot import metrics
from bot.stores.fallback import RedisOrMemory

logger = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = (30, 60.0)
DEFAULT_ADDRESS_RATE_LIMIT = (120, 60.0)
MAX_TRACKED_SENDERS = 100_000
REDIS_TIMEOUT = 0.5  # seconds: a slow Redis must not slow every message down
REDIS_KEY = "qualibot:rl:{sender}:{window}"


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
                 clock: Callable[[], float] = time.time, max_senders: int = MAX_TRACKED_SENDERS,
                 name: str = "conversation") -> None:
        if limit < 0 or window_seconds <= 0:
            raise ValueError("the rate limit needs limit >= 0 and a positive window")
        self.limit, self.window, self.clock = int(limit), float(window_seconds), clock
        self.name = name  # what it limits: the label of its refusals in /metrics (bot/metrics.py)
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
            limiter = _SHARED[key] = cls(c.limit, c.window, c.redis_url, name=kind)
        return limiter

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def allow(self, sender: str) -> bool:
        """Count this message of `sender`; False when it is over the limit of the current window."""
        if not self.enabled:
            return True
        window = int(self.clock() // self.window)
        if await self._hit(sender, window) <= self.limit:
            return True
        metrics.RATE_LIMITED.labels(self.name).inc()
        return False

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
