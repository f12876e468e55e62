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

A replica killed mid-turn never cleans up its ticket. Rasa issues tickets for 60 s (TICKET_LOCK_LIFETIME),
so that conversation stayed locked for up to a minute and the user's next message waited into a 504.
Here a ticket lives TICKET_SECONDS (10 s) and a task renews it every RENEW_SECONDS (3 s) from the moment it
is issued (waiting in the queue too) until the turn ends: a live turn keeps its place, a dead replica's
ticket lapses within TICKET_SECONDS. The renewal stops after Rasa's own lifetime, so a turn that hangs
still loses the lock as it did. (Tickets carry wall-clock expiry times: the replicas' clocks must agree
within a few seconds, as NTP keeps them.)

endpoints.prod.yml:  lock_store: {type: bot.stores.lock_store.AtomicRedisLockStore, url: …, port: …}
  optional: ticket_lifetime (seconds, default 10), renew_interval (seconds, default 3)
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, AsyncGenerator, Iterator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot import metrics

logger = logging.getLogger(__name__)

MUTEX_SECONDS = 5.0  # the longest a step may hold the mutex (a crashed process frees it after this)
WAIT_SECONDS = 0.1  # Rasa polls its ticket lock every second; a queued message should not wait that long
TICKET_SECONDS = 10.0  # a ticket's lifetime: how long a killed replica's ticket blocks the conversation
RENEW_SECONDS = 3.0  # how often a live turn renews its ticket (well inside TICKET_SECONDS)


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes cannot interleave between processes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with the endpoint only (rasa.core.lock_store)
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        self.ticket_lifetime = float(kwargs.pop("ticket_lifetime", None) or TICKET_SECONDS)
        self.renew_interval = float(kwargs.pop("renew_interval", None) or RENEW_SECONDS)
        if not 0 < self.renew_interval < self.ticket_lifetime:
            raise ValueError("lock store: renew_interval must be positive and shorter than ticket_lifetime")
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
            metrics.LOCK_STORE_FAILURES.labels("mutex").inc()
            raise LockError(f"Redis did not answer while locking '{conversation_id}': {type(e).__name__}") from e
        if not acquired:
            metrics.LOCK_STORE_FAILURES.labels("mutex").inc()
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

    def renew_ticket(self, conversation_id: Text, ticket_number: int, expires: float) -> bool:
        """Move the expiry of a ticket still held to `expires`; False when it is gone (it lapsed)."""
        with self._atomically(conversation_id):
            lock = self.get_lock(conversation_id)
            ticket = next((t for t in lock.tickets if t.number == ticket_number), None) if lock else None
            if ticket is None or ticket.has_expired():
                return False
            ticket.expires = max(ticket.expires, expires)
            self.save_lock(lock)
            return True

    async def _keep_alive(self, conversation_id: Text, ticket_number: int, until: float) -> None:
        """Renew the ticket every renew_interval, until `until` (Rasa's lifetime) or cancelled."""
        while True:
            await asyncio.sleep(self.renew_interval)
            now = time.time()
            if now >= until:
                return
            try:
                if not self.renew_ticket(conversation_id, ticket_number, min(now + self.ticket_lifetime, until)):
                    metrics.LOCK_STORE_FAILURES.labels("renew").inc()
                    logger.warning("lock store: the ticket of %r lapsed before it was renewed", conversation_id)
                    return
            except LockError as e:  # Redis did not answer: try again at the next interval (counted as "mutex")
                logger.warning("lock store: could not renew the ticket of %r: %s", conversation_id, e)

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = WAIT_SECONDS) -> AsyncGenerator[TicketLock, None]:
        """Rasa's LockStore.lock with a short ticket, kept alive by a task while the turn (or its wait) lasts."""
        until = time.time() + lock_lifetime
        ticket = self.issue_ticket(conversation_id, min(self.ticket_lifetime, lock_lifetime))
        keep_alive = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, until))
        try:
            yield await self._acquire_lock(conversation_id, ticket, min(wait_time_in_seconds, WAIT_SECONDS))
        finally:
            keep_alive.cancel()  # it renews synchronously, so it cannot be halfway through a renewal here
            self.cleanup(conversation_id, ticket)
