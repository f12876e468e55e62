"""What the Rasa server depends on, and whether each answers: tracker store, lock store, catalog DB,
action server. Used by the health endpoints (bot/channels/health.py) and, cached, before each turn
(bot/turn.py) so a user gets "temporarily unavailable" at once while a store is down.

Every probe runs off the event loop (or through aiohttp) with a timeout: a dead dependency costs a
probe at most PROBE_TIMEOUT seconds and never blocks the other conversations.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

PROBE_TIMEOUT = 2.0
READY_TTL_OK = 1.0  # a good result is trusted this long before the next turn probes again
# a failure is probed again by the next turn (turns arriving together share one probe), so the first
# message after PostgreSQL or Redis is back is answered, not refused from a stale result
READY_TTL_FAILED = 0.0


@dataclass
class FailureLog:
    """Counts failures of one kind and remembers the last."""

    count: int = 0
    last_error: Optional[str] = None
    last_at: Optional[float] = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, exc: Optional[BaseException]) -> None:
        with self._lock:
            self.count += 1
            self.last_error = f"{type(exc).__name__}: {str(exc)[:200]}" if exc else "unknown"
            self.last_at = time.time()

    def as_dict(self) -> Dict[str, Any]:
        return {"count": self.count, "last_error": self.last_error, "last_at": self.last_at}


ACTION_FAILURES = FailureLog()
TURN_FAILURES = FailureLog()


def inner_tracker_store(agent: Any) -> Any:
    store = getattr(agent, "tracker_store", None)
    return getattr(store, "_tracker_store", store)  # Rasa wraps it in a FailSafeTrackerStore


async def _probe(fn: Callable[[], Any]) -> Dict[str, Any]:
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.to_thread(fn), PROBE_TIMEOUT)
    except asyncio.TimeoutError:
        return {"ok": False, "error": f"no answer within {PROBE_TIMEOUT:g} s"}
    except Exception as exc:  # noqa: BLE001 - the report says what failed
        return {"ok": False, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"}
    return {"ok": True, "ms": round((time.perf_counter() - t0) * 1000, 1)}


async def tracker_store(agent: Any) -> Dict[str, Any]:
    store = inner_tracker_store(agent)
    kind = type(store).__name__
    report: Dict[str, Any]
    if hasattr(store, "ping"):
        report = await _probe(store.ping)
    else:
        report = {"ok": store is not None, "note": "not shared between processes"}
    report["kind"] = kind
    if hasattr(store, "stats"):
        report["failures"] = dict(store.stats)
    fallback = getattr(getattr(agent, "tracker_store", None), "_fallback_tracker_store", None)
    if fallback is not None and getattr(fallback, "store", None):
        # Rasa put trackers in memory after failed saves: they are not in the database
        report["held_in_memory_only"] = len(fallback.store)
    return report


async def lock_store(agent: Any) -> Dict[str, Any]:
    store = getattr(agent, "lock_store", None)
    red = getattr(store, "red", None)
    report = await _probe(red.ping) if red is not None else {"ok": store is not None,
                                                               "note": "in memory: one process only"}
    report["kind"] = type(store).__name__
    return report


async def catalog_db() -> Dict[str, Any]:
    from catalog.db import ping

    report = await _probe(ping)
    from catalog import config

    report["kind"] = config.database_url().split(":", 1)[0]
    return report


def action_health_url(agent: Any) -> Optional[str]:
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    base = url[: -len("/webhook")] if url.rstrip("/").endswith("/webhook") else url.rstrip("/")
    return base.rstrip("/") + "/health"


async def action_server(agent: Any) -> Dict[str, Any]:
    import aiohttp

    url = action_health_url(agent)
    if url is None:
        return {"ok": False, "error": "no action endpoint configured"}
    t0 = time.perf_counter()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT)) as session:
            async with session.get(url) as resp:
                ok = resp.status == 200
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__, "failed_calls": ACTION_FAILURES.as_dict()}
    return {"ok": ok, "ms": round((time.perf_counter() - t0) * 1000, 1), "failed_calls": ACTION_FAILURES.as_dict()}


async def readiness(agent: Any) -> Dict[str, Any]:
    """Every dependency, probed concurrently; `ok` only if all are."""
    if agent is None:
        return {"ok": False, "error": "model not loaded yet"}
    names = ("tracker_store", "lock_store", "catalog_db", "action_server")
    results = await asyncio.gather(tracker_store(agent), lock_store(agent), catalog_db(), action_server(agent))
    report: Dict[str, Any] = dict(zip(names, results))
    report["ok"] = all(r.get("ok") for r in results) and not report["tracker_store"].get("held_in_memory_only")
    report["model_loaded"] = bool(getattr(agent, "is_ready", lambda: False)())
    report["failed_turns"] = TURN_FAILURES.as_dict()
    return report


class StoreGate:
    """Cached answer to "can a turn be stored right now?" (tracker store and lock store answer)."""

    def __init__(self) -> None:
        self._ok: Optional[bool] = None
        self._at = 0.0
        self._inflight: Optional[asyncio.Future] = None

    async def ready(self, agent: Any) -> bool:
        now = time.monotonic()
        ttl = READY_TTL_OK if self._ok else READY_TTL_FAILED
        if self._ok is not None and now - self._at < ttl:
            return self._ok
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self._check(agent))
        return await asyncio.shield(self._inflight)

    async def _check(self, agent: Any) -> bool:
        ts, ls = await asyncio.gather(tracker_store(agent), lock_store(agent))
        self._ok = bool(ts.get("ok") and ls.get("ok"))
        self._at = time.monotonic()
        return self._ok


STORE_GATE = StoreGate()
