"""Redis first, this process's memory while Redis does not answer: the rate-limit counters
(bot/channels/ratelimit.py) and the WeChat state (bot/channels/wechat/store.py) both degrade this way. After a
failure, memory is used for REDIS_RETRY_AFTER seconds (one warning, not one per request), then Redis is tried
again."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, TypeVar

from bot import metrics

logger = logging.getLogger(__name__)

REDIS_RETRY_AFTER = 30.0  # seconds in memory after Redis failed, before trying it again
T = TypeVar("T")


class RedisOrMemory:
    def __init__(self, what: str, retry_after: float = REDIS_RETRY_AFTER) -> None:
        self.what, self.retry_after = what, retry_after
        self._down_until = 0.0

    async def call(self, op: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
        if time.monotonic() >= self._down_until:
            try:
                return await op()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - unreachable, timed out, refused, a bad URL…
                self._down_until = time.monotonic() + self.retry_after
                logger.warning("%s: Redis unreachable (%s); this process's memory is used for %.0f s", self.what,
                               type(e).__name__, self.retry_after)
        metrics.REDIS_MEMORY_FALLBACKS.labels(self.what).inc()
        return await fallback()
