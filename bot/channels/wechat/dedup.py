"""De-duplication of WeChat's retries: one conversation turn per message, on whichever replica it lands.

The platform waits 5 s for an answer and otherwise sends the same message again (three tries in all),
to any replica. A message is known by its sender and id: FromUserName + MsgId (events, which carry no
MsgId: FromUserName + CreateTime + Event), as the platform's documentation recommends; MsgId alone would
let one user's forged message with another user's MsgId get that user's answer and drop its own text.

Shared state (store.py: Redis with several replicas, memory otherwise), per message key, kept for
`ttl` seconds (the timestamp window: a request older than that is refused before it gets here):

    run:<key>       "in progress": the owner's lease (LEASE_SECONDS), renewed while the turn runs
    done:<key>      the answer, written when the turn finished (before the lease is released)
    deferred:<key>  a request gave up waiting and answered "success": the answer must go out later
    via:<key>       how the answer went out: "passive" (in an HTTP response) or "api" (customer service)

The first request takes the lease and runs the turn. A retry in the same process joins the running turn
(its future); a retry on another replica reads `done`, or waits for it (polling every POLL_SECONDS) while
the owner's lease is alive. When the owner died mid-turn its lease lapses within LEASE_SECONDS and the
retry takes the turn over; Rasa never runs it twice, because the turn carries the key as its message id and
a replica that finds that id in the stored conversation only sends the stored answer again (bot/rasa_patches.py).

Each answer goes out one way: in HTTP responses (repeated to retries, since a retry means the platform did
not get the earlier response), or, when every request gave up waiting, once through the customer-service
API. `via` is set with SET NX, so two replicas never both deliver; `deferred` is written before `done`
is read and `done` before `deferred` is read, so one of the two replicas always sees the other's write.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, Optional, Tuple

from bot import metrics
from bot.channels.wechat.store import MemoryStore, Store

logger = logging.getLogger(__name__)

LEASE_SECONDS = 5.0  # a dead owner's "in progress" lapses this long after its last renewal (renewed every third)
POLL_SECONDS = 0.1  # how often a retry on another replica looks for the answer
MAX_WAIT_SECONDS = 60.0  # a turn takes at most this long (Rasa's conversation lock lifetime)


class StillInProgress(Exception):
    """Another replica's turn on this message did not finish within MAX_WAIT_SECONDS."""


def message_key(msg: Mapping[str, str]) -> str:
    """FromUserName + MsgId for messages; FromUserName + CreateTime + Event for events."""
    sender = (msg.get("FromUserName") or "").strip()
    msg_id = (msg.get("MsgId") or "").strip()
    if msg_id:
        return f"msg:{sender}:{msg_id}"
    return "evt:{}:{}:{}".format(sender, (msg.get("CreateTime") or "").strip(), (msg.get("Event") or "").strip())


@dataclass
class Entry:
    """One message in this process: the future of its answer (run here, or read from the shared record)."""
    key: str
    future: "asyncio.Future[Any]"
    created: float
    owner: bool = False  # this process ran the turn
    deferred: bool = False  # a request here gave up waiting and answered "success"
    task: Optional["asyncio.Future[Any]"] = field(default=None, repr=False)


class Deduplicator:
    """Answers by message key: run once across replicas, kept `ttl` seconds, at most `max_entries` here."""

    def __init__(self, store: Optional[Store] = None, ttl: float = 300.0, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic, *, lease: float = LEASE_SECONDS,
                 poll: float = POLL_SECONDS, max_wait: float = MAX_WAIT_SECONDS,
                 encode: Callable[[Any], str] = json.dumps, decode: Callable[[str], Any] = json.loads) -> None:
        self.store = store if store is not None else MemoryStore()
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self.lease, self.poll, self.max_wait = lease, poll, max_wait
        self.encode, self.decode = encode, decode
        self._entries: "OrderedDict[str, Entry]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Optional[Entry]:
        return self._entries.get(key)

    def get_or_start(self, key: str, start: Callable[[], Awaitable[Any]]) -> Tuple[Entry, bool]:
        """The entry of `key`, and True if this call made it (a retry in this process joins it).

        The answer comes from the shared record when another replica has it (or is making it), else
        `start()` runs here, once."""
        self._evict()
        entry = self._entries.get(key)
        if entry is not None:
            return entry, False
        entry = Entry(key, asyncio.get_running_loop().create_future(), self.clock())
        self._entries[key] = entry  # before any await: a retry arriving meanwhile joins this entry
        # the task is referenced by the entry until it expires, so it is never garbage-collected mid-run
        entry.task = asyncio.ensure_future(self._resolve(entry, start))
        return entry, True

    async def _resolve(self, entry: Entry, start: Callable[[], Awaitable[Any]]) -> None:
        try:
            result = await self._obtain(entry, start)
        except asyncio.CancelledError:
            entry.future.cancel()
            raise
        except Exception as e:  # noqa: BLE001 - handed to whoever waits for the answer
            if not entry.future.done():
                entry.future.set_exception(e)
            return
        if not entry.future.done():
            entry.future.set_result(result)

    async def _obtain(self, entry: Entry, start: Callable[[], Awaitable[Any]]) -> Any:
        done_key, run_key = "done:" + entry.key, "run:" + entry.key
        deadline = self.clock() + self.max_wait
        waited = False
        while True:
            stored = await self.store.get(done_key)
            if stored is not None:  # answered before (on another replica, or here by an entry since evicted)
                metrics.WECHAT_RETRIES.labels("shared").inc()
                return self.decode(stored)
            token = uuid.uuid4().hex
            if await self.store.add(run_key, token, self.lease):
                # the first try, or the retry that takes over from an owner that died
                stored = await self.store.get(done_key)  # finished between the two reads above
                if stored is not None:
                    await self.store.release(run_key, token)
                    return self.decode(stored)
                if waited:
                    logger.warning("wechat: %s was in progress on a replica that stopped; running it here",
                                   entry.key)
                entry.owner = True
                return await self._run(entry, start, run_key, token)
            if not waited:
                logger.info("wechat: %s is in progress on another replica; waiting for its answer", entry.key)
                waited = True
            if self.clock() > deadline:
                raise StillInProgress(f"{entry.key} still in progress after {self.max_wait:.0f} s")
            await asyncio.sleep(self.poll)

    async def _run(self, entry: Entry, start: Callable[[], Awaitable[Any]], run_key: str, token: str) -> Any:
        heartbeat = asyncio.ensure_future(self._renew(run_key, token))
        try:
            result = await start()
            await self.store.put("done:" + entry.key, self.encode(result), self.ttl)
            return result
        finally:
            heartbeat.cancel()
            with contextlib.suppress(Exception):
                await self.store.release(run_key, token)

    async def _renew(self, run_key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            if not await self.store.renew(run_key, token, self.lease):
                logger.warning("wechat: lost the lease of %s (the event loop was blocked?)", run_key)
                return

    # --- how the answer goes out -------------------------------------------------------------------

    async def mark_deferred(self, entry: Entry) -> None:
        """A request gave up waiting and answered "success": the answer goes out later, by someone."""
        entry.deferred = True
        await self.store.put("deferred:" + entry.key, "1", self.ttl)

    async def claim_passive(self, key: str) -> bool:
        """May this request put the answer in its response? (No, once it went through the API.)"""
        if await self.store.add("via:" + key, "passive", self.ttl):
            return True
        return await self.store.get("via:" + key) == "passive"

    async def claim_later(self, entry: Entry) -> bool:
        """Should this process send the answer through the API? Only when a request (here or on
        another replica) gave up waiting, the answer did not go out in a response, and nobody else
        claimed the sending."""
        if not entry.deferred and await self.store.get("deferred:" + entry.key) is None:
            return False
        return await self.store.add("via:" + entry.key, "api", self.ttl)

    def _evict(self) -> None:
        now = self.clock()
        for key in [k for k, e in self._entries.items() if e.future.done() and now - e.created > self.ttl]:
            del self._entries[key]
        while len(self._entries) > self.max_entries:
            # oldest first; a running task stays alive through its own done-callbacks
            self._entries.popitem(last=False)
