"""The atomic Redis lock store on the real Redis: several processes, one conversation, strictly one at a time."""
from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid

import pytest

from rasa.utils.endpoints import EndpointConfig

PREFIX = "qualibottest"


def _store(redis_addr):
    from bot.stores.lock_store import AtomicRedisLockStore

    return AtomicRedisLockStore(EndpointConfig(url=redis_addr[0], port=redis_addr[1], db=0, key_prefix=PREFIX))


def _worker(redis_addr, conversation_id, turns, start_at, queue):
    """One 'replica': `turns` turns of one conversation, each holding the lock for 30 ms."""
    async def main():
        store = _store(redis_addr)
        while time.time() < start_at:
            await asyncio.sleep(0.001)
        spans, errors = [], []
        for _ in range(turns):
            try:
                async with store.lock(conversation_id):
                    began = time.time()
                    await asyncio.sleep(0.03)
                    spans.append((began, time.time()))
            except Exception as e:  # noqa: BLE001 - reported to the test
                errors.append(repr(e))
        return spans, errors

    queue.put(asyncio.run(main()))


def test_the_store_is_built_from_the_endpoint_like_rasa_builds_it(redis_addr):
    from rasa.core.lock_store import LockStore

    store = LockStore.create(EndpointConfig(type="bot.stores.lock_store.AtomicRedisLockStore",
                                            url=redis_addr[0], port=redis_addr[1], db=0, key_prefix=PREFIX))
    assert type(store).__name__ == "AtomicRedisLockStore"
    assert store.red.ping() and store.key_prefix == f"{PREFIX}:lock:"


def test_four_processes_never_hold_one_conversation_at_once(redis_addr):
    conversation = f"c-{uuid.uuid4().hex[:8]}"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 3  # every process imported and connected before the first turn
    procs = [ctx.Process(target=_worker, args=(redis_addr, conversation, 5, start_at, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(10)
    errors = [e for _, errs in results for e in errs]
    spans = sorted(s for spans, _ in results for s in spans)
    assert errors == [] and len(spans) == 20
    for (_, end), (begin, _) in zip(spans, spans[1:]):
        assert begin >= end, "two processes held the lock of one conversation at the same time"
    store = _store(redis_addr)
    assert store.get_lock(conversation) is None  # the last one out deleted it


def test_redis_unreachable_is_a_lock_error_not_a_hang():
    from rasa.core.lock_store import LockError

    from bot.stores.lock_store import AtomicRedisLockStore

    store = AtomicRedisLockStore(host="127.0.0.1", port=1, socket_timeout=0.5)

    async def turn():
        async with store.lock("x"):
            pass

    began = time.time()
    with pytest.raises(LockError):
        asyncio.run(turn())
    assert time.time() - began < 5
