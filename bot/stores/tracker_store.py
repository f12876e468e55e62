"""The production tracker store: Rasa's SQLTrackerStore on PostgreSQL, made loud about failures.

Rasa 3.6 wraps every tracker store in a FailSafeTrackerStore: when a *save* fails it keeps the
tracker in memory (lost at the next restart, invisible to the other replicas); when a *read* fails it
returns None and the processor silently starts a new conversation, whose save could then mix a fresh
history into the stored one. This store keeps Rasa's table and queries and adds:

- database work off the event loop (a slow or unreachable database does not freeze the other
  conversations of the replica), with a connect timeout and pre-ping so a restarted PostgreSQL is
  picked up again without restarting Rasa;
- a short retry of a failed read, then a record of it: `turn_failed(sender)` tells the channel that
  this turn ran on an empty tracker or was not saved, so it answers "temporarily unavailable"
  instead of a context-free reply (bot/turn.py);
- a refusal to save a tracker that was created because its read failed (no corrupted history);
- counters for the health endpoint (bot/health.py): reads/saves failed, last error and when.

endpoints.prod.yml:
    tracker_store:
      type: bot.stores.tracker_store.GuardedSQLTrackerStore
      dialect: postgresql
      url: ${QUALIBOT_PG_HOST}
      ...
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any, Dict, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

from bot import metrics

logger = logging.getLogger(__name__)

READ_RETRIES = 2  # after the first try
RETRY_DELAY = 0.25  # seconds, doubled each retry
CONNECT_TIMEOUT = 3  # seconds (libpq connect_timeout)
FAILED_TURN_TTL = 300.0  # seconds a failed read/save is remembered for the channel
OPERATIONS = {"read_failures": "read", "save_failures": "save", "refused_saves": "refused_save"}  # /metrics labels


class TrackerUnavailable(RuntimeError):
    """The tracker store cannot be trusted for this conversation right now."""


class GuardedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose failures are retried, recorded and never silently turned into a restart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine_kwargs: Dict[str, Any] = create_engine_kwargs(self.engine.url)
        if self.engine.url.get_backend_name() == "postgresql":
            engine_kwargs.setdefault("connect_args", {})["connect_timeout"] = CONNECT_TIMEOUT
        self.engine.dispose()
        self.engine = sa.create_engine(self.engine.url, pool_pre_ping=True, **engine_kwargs)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._lock = threading.Lock()
        self._failed_turns: Dict[str, float] = {}  # sender -> when its read or save last failed
        self._read_failed: Dict[str, float] = {}  # sender -> when its read failed (until a read succeeds)
        self.stats: Dict[str, Any] = {"read_failures": 0, "save_failures": 0, "refused_saves": 0,
                                      "last_error": None, "last_error_at": None, "last_ok_at": None}

    # ---- what the channel and the health endpoint ask ----
    def turn_failed(self, sender_id: Text, since: float) -> bool:
        """Did a read or save for `sender_id` fail at or after `since` (time.time())?"""
        with self._lock:
            when = self._failed_turns.get(sender_id)
        return when is not None and when >= since

    def ping(self) -> None:
        """Raise if the database does not answer (run it in a thread)."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    # ---- Rasa's interface ----
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._guarded_read(sender_id, False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._guarded_read(conversation_id, True)

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender = tracker.sender_id
        with self._lock:
            unread = sender in self._read_failed
        if unread:  # this tracker was made up because the stored one could not be read
            exc = TrackerUnavailable(f"not saving conversation {sender!r}: its stored history could not be read")
            self._record_failure(sender, "refused_saves", exc)
            raise exc
        await self.stream_events(tracker)
        try:
            await asyncio.to_thread(self._save_sync, tracker)
        except Exception as exc:
            self._record_failure(sender, "save_failures", exc)
            raise
        self.stats["last_ok_at"] = time.time()

    # ---- internals ----
    async def _guarded_read(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        delay = RETRY_DELAY
        for attempt in range(READ_RETRIES + 1):
            try:
                tracker = await asyncio.to_thread(self._read_sync, sender_id, all_sessions)
            except Exception as exc:  # noqa: BLE001 - any driver error
                if attempt < READ_RETRIES:
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                with self._lock:
                    self._read_failed[sender_id] = time.time()
                self._record_failure(sender_id, "read_failures", exc)
                raise
            with self._lock:
                self._read_failed.pop(sender_id, None)
            self.stats["last_ok_at"] = time.time()
            return tracker
        return None  # not reached

    def _read_sync(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _save_sync(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()

    def _record_failure(self, sender: Optional[str], counter: str, exc: BaseException) -> None:
        now = time.time()
        metrics.TRACKER_STORE_FAILURES.labels(OPERATIONS[counter]).inc()
        with self._lock:
            self.stats[counter] += 1
            self.stats["last_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            self.stats["last_error_at"] = now
            if sender is not None:
                self._failed_turns[sender] = now
                self._expire(now)
        logger.error("tracker store %s failed for conversation %r: %s", counter.split("_")[0], sender,
                     self.stats["last_error"])

    def _expire(self, now: float) -> None:
        if len(self._failed_turns) > 10_000:
            for table in (self._failed_turns, self._read_failed):
                for key, when in list(table.items()):
                    if now - when > FAILED_TURN_TTL:
                        del table[key]
