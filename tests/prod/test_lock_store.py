"""The atomic Redis lock store on the real Redis: several processes, one conversation, strictly one at a time;
a replica killed mid-turn frees its conversation within the ticket lifetime, a live long turn keeps it."""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
import uuid

import pytest

from rasa.utils.endpoints import EndpointConfig

from tests.support import lock_replicas
from tests.support.lock_replicas import PREFIX


def _store(redis_addr, **kwargs):
    return lock_replicas.store(redis_addr, **kwargs)


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
    ready = ctx.Barrier(4)  # every process imported and connected before the first turn
    procs = [ctx.Process(target=lock_replicas.worker, args=(redis_addr, conversation, 5, ready, queue)) for _ in range(4)]
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


def test_a_replica_killed_mid_turn_frees_the_conversation_within_the_ticket_lifetime(redis_addr):
    """Rasa's tickets lived 60 s: the user's next message waited for a dead replica's ticket into a 504."""
    from bot.stores.lock_store import TICKET_SECONDS

    conversation = f"c-{uuid.uuid4().hex[:8]}"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=lock_replicas.holder, args=(redis_addr, conversation, queue))
    proc.start()
    try:
        assert queue.get(timeout=60) == "holding"
        os.kill(proc.pid, signal.SIGKILL)  # no cleanup, no finally: its ticket stays in Redis
        proc.join(10)
        store = _store(redis_addr)

        async def next_turn():
            began = time.monotonic()
            async with store.lock(conversation):
                return time.monotonic() - began

        waited = asyncio.run(asyncio.wait_for(next_turn(), timeout=30))
    finally:
        if proc.is_alive():
            proc.kill()
    assert waited <= TICKET_SECONDS + 2, f"the next turn waited {waited:.1f} s for a dead replica's ticket"
    assert store.get_lock(conversation) is None


def test_a_live_turn_longer_than_the_ticket_lifetime_keeps_the_lock(redis_addr):
    conversation = f"c-{uuid.uuid4().hex[:8]}"
    a = _store(redis_addr, ticket_lifetime=1, renew_interval=0.3)
    b = _store(redis_addr, ticket_lifetime=1, renew_interval=0.3)
    spans = {}

    async def turn(name, store, hold):
        async with store.lock(conversation):
            began = time.monotonic()
            await asyncio.sleep(hold)  # the turn's work, here longer than a ticket lives
            spans[name] = (began, time.monotonic())

    async def main():
        first = asyncio.ensure_future(turn("a", a, 2.5))
        while "a" not in spans and not (a.get_lock(conversation) and a.get_lock(conversation).tickets):
            await asyncio.sleep(0.01)
        await asyncio.gather(first, turn("b", b, 0))

    asyncio.run(main())
    assert spans["b"][0] >= spans["a"][1], "the second turn got the lock while the first still ran"
    assert a.get_lock(conversation) is None


def test_a_turn_that_hangs_still_loses_the_lock_after_rasas_lifetime(redis_addr):
    conversation = f"c-{uuid.uuid4().hex[:8]}"
    a = _store(redis_addr, ticket_lifetime=1, renew_interval=0.3)
    b = _store(redis_addr, ticket_lifetime=1, renew_interval=0.3)
    holding = {}

    async def hung():
        async with a.lock(conversation, lock_lifetime=1.5):
            holding["since"] = time.monotonic()
            await asyncio.sleep(30)

    async def main():
        stuck = asyncio.ensure_future(hung())
        while "since" not in holding:
            await asyncio.sleep(0.01)
        async with b.lock(conversation):
            waited = time.monotonic() - holding["since"]
        stuck.cancel()
        return waited

    waited = asyncio.run(main())
    assert 1.0 <= waited <= 4.0


def test_renewal_settings_are_checked():
    from bot.stores.lock_store import AtomicRedisLockStore

    with pytest.raises(ValueError):
        AtomicRedisLockStore(host="127.0.0.1", port=1, ticket_lifetime=3, renew_interval=3)
