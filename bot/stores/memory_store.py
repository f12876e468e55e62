"""The development tracker store (`make run`, the tests): Rasa's InMemoryTrackerStore with a cap.

Rasa's in-memory store keeps every conversation it ever saw (about 40 kB each), so a client making up
conversation ids could grow the development server's memory without bound (issue 12). This one keeps
at most `max_conversations` (QUALIBOT_MEMORY_CONVERSATIONS, default 10,000: about 400 MB at most) and
forgets the least recently used one first, as an LRU cache: a conversation read or saved moves to the
back. A forgotten conversation starts again from nothing, as after a restart of this server. Production
uses PostgreSQL (bot/stores/tracker_store.py) and keeps everything.

endpoints.yml:
    tracker_store:
      type: bot.stores.memory_store.BoundedInMemoryTrackerStore
      # max_conversations: 10000   (else QUALIBOT_MEMORY_CONVERSATIONS, else 10,000)
"""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from typing import Any, Optional, Text

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_MAX_CONVERSATIONS = 10_000


def max_conversations_from(value: Any = None) -> int:
    raw = value if value not in (None, "") else os.environ.get("QUALIBOT_MEMORY_CONVERSATIONS", "")
    if raw in (None, ""):
        return DEFAULT_MAX_CONVERSATIONS
    try:
        n = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"QUALIBOT_MEMORY_CONVERSATIONS must be a whole number, got {raw!r}") from None
    if n < 1:
        raise ValueError("QUALIBOT_MEMORY_CONVERSATIONS must be at least 1")
    return n


class BoundedInMemoryTrackerStore(InMemoryTrackerStore):
    """InMemoryTrackerStore holding at most `max_conversations` conversations (least recently used go)."""

    def __init__(self, domain: Any, event_broker: Any = None, max_conversations: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.max_conversations = max_conversations_from(max_conversations)
        self.store: "OrderedDict[Text, Text]" = OrderedDict(self.store)
        self.evicted = 0

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self.store.move_to_end(tracker.sender_id)
        while len(self.store) > self.max_conversations:
            forgotten, _ = self.store.popitem(last=False)
            self.evicted += 1
            logger.info("in-memory tracker store full (%d): forgot the least recent conversation",
                        self.max_conversations)

    async def _retrieve(self, sender_id: Text, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if sender_id in self.store:
            self.store.move_to_end(sender_id)
        return await super()._retrieve(sender_id, fetch_all_sessions)
