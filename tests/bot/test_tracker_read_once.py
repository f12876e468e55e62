"""bot/rasa_patches.py: a turn reads its conversation from the tracker store once. The replay check reads it
(inside the conversation's lock) and Rasa's own first read of that conversation in the same turn gets that
tracker; any other read, another conversation or a later read goes to the store as before."""
from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain

import bot.channels  # noqa: F401 - applies bot/rasa_patches.py, as in the Rasa server
from bot import rasa_patches
from bot.stores.memory_store import BoundedInMemoryTrackerStore


class Counting(BoundedInMemoryTrackerStore):
    reads = 0

    async def retrieve(self, sender_id):  # type: ignore[override]
        Counting.reads += 1
        return await super().retrieve(sender_id)


def test_rasa_s_first_read_in_the_turn_is_the_replay_check_s() -> None:
    async def run() -> None:
        store = FailSafeTrackerStore(Counting(Domain.empty()))
        await store.save(await store.create_tracker("rest:a"))
        seen = await store._tracker_store.retrieve("rest:a")
        Counting.reads = 0
        token = rasa_patches._read_this_turn.set((store, "rest:a", seen))
        try:
            assert await store.retrieve("rest:b") is None  # another conversation: the store
            assert Counting.reads == 1
            assert await store.retrieve("rest:a") is seen  # the turn's own read: the one just made
            assert Counting.reads == 1
            again = await store.retrieve("rest:a")  # later reads: the store
            assert again is not seen and again.sender_id == "rest:a" and Counting.reads == 2
        finally:
            rasa_patches._read_this_turn.reset(token)
        assert await store.retrieve("rest:a") is not seen and Counting.reads == 3

    asyncio.run(run())


def test_the_hand_over_ends_with_the_turn() -> None:
    class Processor:
        def __init__(self, store):
            self.tracker_store = store

        async def handle_message(self, message):
            return rasa_patches._read_this_turn.get()

    rasa_patches._patch_replayed_messages(Processor)
    store = FailSafeTrackerStore(Counting(Domain.empty()))
    message = UserMessage("hi", CollectingOutputChannel(), "rest:c", message_id="m1")
    during = asyncio.run(Processor(store).handle_message(message))
    assert during is not None and during[0] is store and during[1] == "rest:c" and during[2] is None
    assert rasa_patches._read_this_turn.get() is None
