"""The guarded tracker store on the real PostgreSQL, with the database cut by a proxy."""
from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from tests.prod.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture()
def proxy(pg_addr):
    p = TcpProxy(*pg_addr).start()
    yield p
    p.stop()


@pytest.fixture()
def store(proxy, domain):
    from bot.stores.tracker_store import GuardedSQLTrackerStore

    s = GuardedSQLTrackerStore(domain=domain, dialect="postgresql", host="127.0.0.1", port=proxy.port, db="test",
                               username="postgres", password="")
    yield s
    s.engine.dispose()


def run(coro):
    return asyncio.run(coro)


def tracker_with(sender, domain, texts):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    t = DialogueStateTracker(sender, domain.slots)
    t.update(ActionExecuted("action_listen"))
    for text in texts:
        t.update(UserUttered(text, {"name": "ask_recognition", "confidence": 1.0}))
        t.update(ActionExecuted("action_listen"))
    return t


def user_texts(tracker):
    return [e.text for e in tracker.events if e.type_name == "user"]


def test_round_trip_and_appending_only_new_events(store, domain):
    sender = f"ts-{uuid.uuid4().hex[:10]}"
    run(store.save(tracker_with(sender, domain, ["我有CFA"])))
    t = run(store.retrieve(sender))
    assert user_texts(t) == ["我有CFA"]
    run(store.save(tracker_with(sender, domain, ["我有CFA", "外籍能享受什么"])))
    assert user_texts(run(store.retrieve(sender))) == ["我有CFA", "外籍能享受什么"]
    assert store.ping() is None


def test_a_failed_read_is_recorded_and_the_made_up_tracker_is_not_saved(store, proxy, domain):
    from bot.stores.tracker_store import TrackerUnavailable

    sender = f"ts-{uuid.uuid4().hex[:10]}"
    run(store.save(tracker_with(sender, domain, ["I have a PMP", "what do I get"])))
    before = time.time()
    proxy.mode = "refuse"
    store.engine.dispose()  # drop pooled connections as a database restart would
    with pytest.raises(Exception):
        run(store.retrieve(sender))
    assert store.turn_failed(sender, before)
    assert store.stats["read_failures"] == 1
    assert "last_error" in store.stats and store.stats["last_error"]
    proxy.mode = "forward"
    # what Rasa's FailSafeTrackerStore would do next: save a new, empty conversation under the same id
    with pytest.raises(TrackerUnavailable):
        run(store.save(tracker_with(sender, domain, ["hello"])))
    # the stored history is untouched, and a good read lifts the refusal
    assert user_texts(run(store.retrieve(sender))) == ["I have a PMP", "what do I get"]
    run(store.save(tracker_with(sender, domain, ["I have a PMP", "what do I get", "thanks"])))
    assert user_texts(run(store.retrieve(sender))) == ["I have a PMP", "what do I get", "thanks"]
    # other conversations were never affected
    assert not store.turn_failed(f"other-{sender}", before)


def test_a_failed_save_is_recorded_and_raised(store, proxy, domain):
    sender = f"ts-{uuid.uuid4().hex[:10]}"
    before = time.time()
    proxy.mode = "refuse"
    store.engine.dispose()
    with pytest.raises(Exception):
        run(store.save(tracker_with(sender, domain, ["hi"])))
    assert store.turn_failed(sender, before) and store.stats["save_failures"] == 1
    proxy.mode = "forward"
    run(store.save(tracker_with(sender, domain, ["hi"])))
    assert user_texts(run(store.retrieve(sender))) == ["hi"]


def test_a_brief_outage_is_bridged_by_the_read_retry(store, proxy, domain):
    import threading

    sender = f"ts-{uuid.uuid4().hex[:10]}"
    run(store.save(tracker_with(sender, domain, ["CFA"])))
    proxy.mode = "refuse"
    store.engine.dispose()
    threading.Timer(0.3, lambda: setattr(proxy, "mode", "forward")).start()
    t = run(store.retrieve(sender))  # retries over ~0.75 s
    assert user_texts(t) == ["CFA"] and store.stats["read_failures"] == 0


def test_a_hanging_database_does_not_block_the_event_loop(store, proxy, domain):
    """While one read waits on a database that accepts but never answers, other coroutines run."""
    sender = f"ts-{uuid.uuid4().hex[:10]}"
    proxy.mode = "blackhole"
    store.engine.dispose()

    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            for _ in range(10):
                await asyncio.sleep(0.05)
                ticks += 1

        read = asyncio.ensure_future(store.retrieve(sender))
        await ticker()
        read.cancel()
        return ticks

    assert run(scenario()) == 10
    proxy.mode = "forward"
