"""What the WeChat channel must remember across requests, shared by every Rasa replica when Redis is set.

The platform does not pin a user to a replica: a retry, the next message, the number that picks an
option or the "更多/more" that asks for the rest of a long answer may reach any replica. So every piece
of state the channel keeps between requests lives here:

    dedup records   dedup.py: one turn per message, the answer for the platform's retries
    replay marks    wechat.py: a plain-mode signed URL (timestamp, nonce, signature) is used for one body
    options         the numbered options last offered to a user (a bare number picks one)
    pages           the rest of a reply too long for one passive reply ("更多"/"more" gets the next)

`MemoryStore`: this process only (development, tests, one replica). `RedisStore`: QUALIBOT_REDIS_URL,
every replica. `store_from_env()` picks one. Values are strings with a time to live; `add` (set if
absent) and the owner-checked `renew`/`release` are atomic in both (Redis: SET NX, Lua scripts).

A Redis that does not answer (down, slow, refused) never fails a message: the store answers from this
process's memory for REDIS_RETRY_AFTER seconds (bot/stores/fallback.py), with a warning, then tries Redis again, as the rate
limit does (bot/channels/ratelimit.py). While Redis is down the lock store is too, so Rasa turns are refused
anyway ("temporarily unavailable", bot/turn.py); what memory keeps is this replica's best effort.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, TypeVar

from bot.stores.fallback import RedisOrMemory

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "qualibot:wechat:"
REDIS_TIMEOUT = 0.5  # seconds per Redis call: a slow Redis must not eat the platform's 5 s
MAX_MEMORY_ENTRIES = 100_000

T = TypeVar("T")

# set the TTL (ms) of KEYS[1] only if it holds ARGV[1]; delete it only if it holds ARGV[1]
_RENEW_LUA = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE_LUA = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _ms(ttl: float) -> int:
    return max(1, int(ttl * 1000))


class MemoryStore:
    """Strings with a time to live, in this process; at most `max_entries` (the oldest go first)."""

    def __init__(self, max_entries: int = MAX_MEMORY_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._data: "OrderedDict[str, Tuple[float, str]]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def _live(self, key: str) -> Optional[str]:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= self.clock():
            del self._data[key]
            return None
        return item[1]

    def _put(self, key: str, value: str, ttl: float) -> None:
        self._data.pop(key, None)
        self._data[key] = (self.clock() + ttl, value)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    async def get(self, key: str) -> Optional[str]:
        return self._live(key)

    async def put(self, key: str, value: str, ttl: float) -> None:
        self._put(key, value, ttl)

    async def add(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def renew(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) != value:
            return False
        self._put(key, value, ttl)
        return True

    async def release(self, key: str, value: str) -> bool:
        if self._live(key) != value:
            return False
        del self._data[key]
        return True


class RedisStore:
    """The same operations on Redis, under `prefix`; falls back to a MemoryStore while Redis fails."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, timeout: float = REDIS_TIMEOUT) -> None:
        self.url, self.prefix, self.timeout = url, prefix, timeout
        self.fallback = MemoryStore()
        self._client: Any = None
        self._scripts: Dict[str, Any] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._redis_or_memory = RedisOrMemory("wechat state")

    def _connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:  # a client belongs to one event loop
            import redis.asyncio as aioredis

            self._client = aioredis.from_url(self.url, socket_connect_timeout=self.timeout,
                                             socket_timeout=self.timeout, decode_responses=True)
            self._scripts = {"renew": self._client.register_script(_RENEW_LUA),
                             "release": self._client.register_script(_RELEASE_LUA)}
            self._loop = loop
        return self._client

    async def _call(self, op: Callable[[Any], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
        return await self._redis_or_memory.call(
            lambda: asyncio.wait_for(op(self._connection()), timeout=self.timeout * 2), fallback)

    async def get(self, key: str) -> Optional[str]:
        return await self._call(lambda r: r.get(self.prefix + key), lambda: self.fallback.get(key))

    async def put(self, key: str, value: str, ttl: float) -> None:
        async def op(r: Any) -> None:
            await r.set(self.prefix + key, value, px=_ms(ttl))
        await self._call(op, lambda: self.fallback.put(key, value, ttl))

    async def add(self, key: str, value: str, ttl: float) -> bool:
        async def op(r: Any) -> bool:
            return bool(await r.set(self.prefix + key, value, px=_ms(ttl), nx=True))
        return await self._call(op, lambda: self.fallback.add(key, value, ttl))

    async def delete(self, key: str) -> None:
        async def op(r: Any) -> None:
            await r.delete(self.prefix + key)
        await self._call(op, lambda: self.fallback.delete(key))

    async def renew(self, key: str, value: str, ttl: float) -> bool:
        async def op(r: Any) -> bool:
            return bool(await self._scripts["renew"](keys=[self.prefix + key], args=[value, _ms(ttl)]))
        return await self._call(op, lambda: self.fallback.renew(key, value, ttl))

    async def release(self, key: str, value: str) -> bool:
        async def op(r: Any) -> bool:
            return bool(await self._scripts["release"](keys=[self.prefix + key], args=[value]))
        return await self._call(op, lambda: self.fallback.release(key, value))


Store = Any  # MemoryStore | RedisStore: the same async methods (get, put, add, delete, renew, release)


def store_from_env(environ: Optional[Mapping[str, str]] = None) -> Store:
    """RedisStore when QUALIBOT_REDIS_URL is set (read where the rate limit reads it), else MemoryStore."""
    from bot.channels.ratelimit import rate_limit_config

    url = rate_limit_config(environ).redis_url
    if url:
        logger.info("wechat: retries, replays, options and pages are shared through Redis")
        return RedisStore(url)
    logger.info("wechat: no QUALIBOT_REDIS_URL: retries, replays, options and pages are kept per process")
    return MemoryStore()
