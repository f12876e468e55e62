"""De-duplication of WeChat's retries: one conversation turn per message, however often it arrives.

The platform waits 5 s for an answer and otherwise sends the same message again (three tries in all).
Each message gets one entry, keyed by MsgId (events: FromUserName + CreateTime): the first request starts
the work, a retry joins the same future, and a retry after it finished gets the same result.

Each finished answer is delivered exactly one way: in an HTTP response (the passive reply; repeated to
retries, since a retry means the platform did not get the earlier response) or, if no request could
wait for it, later through the customer-service API. `claim_passive` / `claim_later` decide which,
and both run on the event loop, so no lock is needed.

In memory, per process. With several Rasa replicas the front sends every request of one OpenID to one
replica (nginx `hash $arg_openid`, deploy/nginx/qualibot.conf.template; ingress-nginx `upstream-hash-by`,
deploy/k8s/ingress.yaml), so a retry meets its first try; tests/prod/test_stack.py checks it.
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Optional, Tuple


def message_key(msg: Mapping[str, str]) -> str:
    """MsgId for messages; FromUserName + CreateTime (+ Event) for events, which carry no MsgId."""
    msg_id = (msg.get("MsgId") or "").strip()
    if msg_id:
        return "msg:" + msg_id
    return "evt:{}:{}:{}".format(msg.get("FromUserName", ""), msg.get("CreateTime", ""), msg.get("Event", ""))


@dataclass
class Entry:
    key: str
    future: "asyncio.Future[Any]"
    created: float
    deferred: bool = False  # a request gave up waiting and answered "success": deliver it later
    passive: bool = False  # the answer went out in an HTTP response
    later: bool = False  # the answer goes out through the customer-service API

    def claim_passive(self) -> bool:
        """May this request put the answer in its response? (No, once it went through the API.)"""
        if self.later:
            return False
        self.passive = True
        return True

    def claim_later(self) -> bool:
        """Should the answer go through the API? Only if a request gave up and none answered since."""
        if self.passive or self.later or not self.deferred:
            return False
        self.later = True
        return True


class Deduplicator:
    """Futures by message key, kept `ttl` seconds after they finish, at most `max_entries` of them."""

    def __init__(self, ttl: float = 300.0, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: "OrderedDict[str, Entry]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Optional[Entry]:
        return self._entries.get(key)

    def get_or_start(self, key: str, start: Callable[[], Awaitable[Any]]) -> Tuple[Entry, bool]:
        """The entry of `key` and True if this call started the work (`start()` runs only then)."""
        self._evict()
        entry = self._entries.get(key)
        if entry is not None:
            return entry, False
        # the task is referenced by the entry until it expires, so it is never garbage-collected mid-run
        entry = Entry(key, asyncio.ensure_future(start()), self.clock())
        self._entries[key] = entry
        return entry, True

    def _evict(self) -> None:
        now = self.clock()
        for key in [k for k, e in self._entries.items() if e.future.done() and now - e.created > self.ttl]:
            del self._entries[key]
        while len(self._entries) > self.max_entries:
            # oldest first; a running task stays alive through its own done-callbacks
            self._entries.popitem(last=False)
