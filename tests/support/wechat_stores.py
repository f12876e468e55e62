"""The WeChat channel's shared store for tests that stand for several replicas (bot/channels/wechat/store.py).

`new_store` (a fixture: import it into the test module) yields a factory; every store it makes sees the
same data, as every replica sees one Redis. It runs each test twice: on the in-memory store, and on the
machine's Redis under a key prefix of its own (deleted afterwards; skipped when Redis is not running).
"""
from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlparse

import pytest

from bot.channels.wechat.store import MemoryStore, RedisStore

REDIS_URL = os.environ.get("QUALIBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_up(url: str = REDIS_URL) -> bool:
    u = urlparse(url)
    try:
        socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
def new_store(request):
    if request.param == "memory":
        shared = MemoryStore()
        yield lambda: shared
        return
    if not redis_up():
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    prefix = f"qualibottest:wechat:{uuid.uuid4().hex[:10]}:"
    yield lambda: RedisStore(REDIS_URL, prefix=prefix)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
