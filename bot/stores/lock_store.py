"""Rasa's RedisLockStore with its read-modify-write steps made atomic across processes.

Rasa 3.6's ticket lock keeps one JSON value per conversation in Redis and changes it by GET, change,
SET (`issue_ticket`, `finish_serving`, `cleanup`, `update_lock`). Within one process that is safe (no
await in between); between two replicas it is not: two replicas issuing tickets at the same moment both
read the same lock and hand out the same ticket number, and one replica's `cleanup` can delete the lock
while the other's ticket waits, which then fails with "Could not acquire lock for conversation_id".
tests/prod/test_stack.py sends six messages of one user at once to two replicas: with Rasa's class,
two or three of them failed that way. (Rasa fixed this only in its commercial ConcurrentRedisLockStore.)

This subclass keeps Rasa's ticket lock, its Redis key and its semantics, and runs each of those steps
under a short Redis mutex per conversation (redis-py's Lock: SET NX PX, released by a Lua script that
checks the owner). Waiting for the ticket is Rasa's own loop, polling every WAIT_SECONDS instead of 1 s.

endpoints.prod.yml:  lock_store: {type: bot.stores.lock_store.AtomicRedisLockStore, url: …, port: …}
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, AsyncGenerator, Iterator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

MUTEX_SECONDS = 5.0  # the longest a step may hold the mutex (a crashed process frees it after this)
WAIT_SECONDS = 0.1  # Rasa polls its ticket lock every second; a queued message should not wait that long


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes cannot interleave between processes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with the endpoint only (rasa.core.lock_store)
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)

    def _mutex_key(self, conversation_id: Text) -> str:
        # not under key_prefix, so that no conversation id can name another conversation's mutex
        return f"{self.key_prefix.rstrip(':')}_mutex:{conversation_id}"

    @contextlib.contextmanager
    def _atomically(self, conversation_id: Text) -> Iterator[None]:
        import redis

        mutex = self.red.lock(self._mutex_key(conversation_id), timeout=MUTEX_SECONDS,
                              blocking_timeout=MUTEX_SECONDS, sleep=0.005)
        try:
            acquired = mutex.acquire()
        except redis.RedisError as e:
            raise LockError(f"Redis did not answer while locking '{conversation_id}': {type(e).__name__}") from e
        if not acquired:
            raise LockError(f"Could not lock the ticket lock of '{conversation_id}' within {MUTEX_SECONDS} s")
        try:
            yield
        finally:
            try:
                mutex.release()
            except redis.RedisError:  # expired (held too long) or Redis gone: the TTL frees it anyway
                logger.warning("lock store: the mutex of %r was not released cleanly", conversation_id)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._atomically(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._atomically(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving, then delete the lock if nobody waits: one step, or a waiting ticket is lost
        with self._atomically(conversation_id):
            super().cleanup(conversation_id, ticket_number)

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = WAIT_SECONDS) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, min(wait_time_in_seconds, WAIT_SECONDS)) as lock:
            yield lock
