"""The 'replicas' of tests/prod/test_lock_store.py: processes (multiprocessing, spawn) that take the lock of one
conversation in the atomic Redis lock store, as Rasa replicas do.

This module imports nothing of Rasa at the top, so a spawned child loads only what it uses, and it loads Rasa as
the production server does (serve/: a stand-in for TensorFlow, which the lock store never needs): ~3 s less
per process than with TensorFlow, four processes at once.
"""
from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, Tuple

PREFIX = "qualibottest"


def store(redis_addr: Tuple[str, int], **kwargs: Any) -> Any:
    """An AtomicRedisLockStore on `redis_addr` with the tests' key prefix (kwargs: ticket settings)."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.stores.lock_store import AtomicRedisLockStore

    return AtomicRedisLockStore(EndpointConfig(url=redis_addr[0], port=redis_addr[1], db=0, key_prefix=PREFIX,
                                               **kwargs))


def _as_the_server_loads_rasa() -> None:
    if "rasa" not in sys.modules and "tensorflow" not in sys.modules:  # a fresh child, not the test process
        import serve

        serve.install_stand_in()


def holder(redis_addr: Tuple[str, int], conversation_id: str, queue: Any) -> None:
    """A replica in the middle of a turn: it holds the conversation's lock until it is killed."""
    _as_the_server_loads_rasa()

    async def main() -> None:
        s = store(redis_addr)  # the production settings (endpoints.prod.yml)
        async with s.lock(conversation_id):
            queue.put("holding")
            await asyncio.sleep(3600)

    asyncio.run(main())


def worker(redis_addr: Tuple[str, int], conversation_id: str, turns: int, ready: Any, queue: Any) -> None:
    """A replica: `turns` turns of one conversation, each holding the lock for 30 ms, begun when every replica has
    imported and connected (`ready`, a barrier of all of them); puts (spans, errors) on `queue`."""
    _as_the_server_loads_rasa()

    async def main() -> Tuple[list, list]:
        s = store(redis_addr)
        s.red.ping()
        ready.wait(120)
        spans, errors = [], []
        for _ in range(turns):
            try:
                async with s.lock(conversation_id):
                    began = time.time()
                    await asyncio.sleep(0.03)
                    spans.append((began, time.time()))
            except Exception as e:  # noqa: BLE001 - reported to the test
                errors.append(repr(e))
        return spans, errors

    queue.put(asyncio.run(main()))
