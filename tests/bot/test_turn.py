"""bot/turn.py: a turn whose save failed leaves nothing behind in this process."""
from __future__ import annotations

import asyncio
import time

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import health
from bot import turn


class DownStore(TrackerStore):
    """A tracker store whose saves fail (PostgreSQL down) and which says so, as GuardedSQLTrackerStore does."""

    def __init__(self) -> None:
        super().__init__(Domain.empty())
        self.failed_at: dict = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        self.failed_at[tracker.sender_id] = time.time()
        raise ConnectionError("database down")

    async def retrieve(self, sender_id):
        return None

    async def keys(self):
        return []

    def turn_failed(self, sender_id: str, since: float) -> bool:
        return self.failed_at.get(sender_id, 0) >= since


class Agent:
    def __init__(self) -> None:
        self.tracker_store = FailSafeTrackerStore(DownStore(), fallback_tracker_store=InMemoryTrackerStore(Domain.empty()))


def test_a_turn_whose_save_failed_is_not_kept_in_the_in_memory_fallback(monkeypatch):
    # Rasa's FailSafeTrackerStore keeps a tracker it could not save in an in-memory store that it never
    # reads again; the user was told the turn did not happen, and /health/ready stayed 503 for good
    # (held_in_memory_only) after every PostgreSQL outage (make bench-chaos found it)
    agent = Agent()

    async def gate_open(_agent):
        return True

    monkeypatch.setattr(health.STORE_GATE, "ready", gate_open)

    async def on_new_message(message: UserMessage) -> None:
        await agent.tracker_store.save(DialogueStateTracker(message.sender_id, []))

    message = UserMessage("我有CFA证书", CollectingOutputChannel(), sender_id="rest:t-1")
    assert asyncio.run(turn.run_turn(on_new_message, message, agent)) == turn.UNAVAILABLE
    assert agent.tracker_store.fallback_tracker_store.store == {}
