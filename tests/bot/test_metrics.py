"""bot/metrics.py's counters where they are counted, in this process: rate-limit refusals, Redis fallbacks to
memory, tracker-store failures and Rasa's fallback to memory, the lock wait and a lock not acquired, action
call failures, NLU intents by language, and the bounded label values. (The endpoint and a whole
conversation against the real servers: tests/web/test_metrics.py; WeChat's deferred deliveries, retries and
45015 drops: tests/channels/test_wechat_channel.py and test_wechat_replicas.py.)"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

import bot  # noqa: F401 - applies bot/rasa_patches.py (the lock-wait and memory-fallback patches)
from bot import metrics
from bot.channels.ratelimit import Limits, RateLimiter
from bot.channels.web.channel import feedback_limiter
from bot.stores.fallback import RedisOrMemory
from tests.support.metrics import metric

ROOT = Path(__file__).resolve().parents[2]


def run(coro):
    return asyncio.run(coro)


def test_rate_limit_refusals_are_counted_by_limit(monkeypatch):
    monkeypatch.delenv("QUALIBOT_REDIS_URL", raising=False)
    before = {k: metric("qualibot_rate_limited_total", limit=k) for k in ("conversation", "address", "feedback")}
    limits = Limits(RateLimiter(2, 60, name="conversation"), RateLimiter(3, 60, name="address"))
    results = [run(limits.check(c, a)) for c, a in
               [("web:a", "198.51.100.1"), ("web:a", "198.51.100.1"), ("web:a", "198.51.100.2"),
                ("web:b", "198.51.100.1"), ("web:c", "198.51.100.1")]]
    assert results == [None, None, "conversation", None, "address"]
    ratings = feedback_limiter({"QUALIBOT_FEEDBACK_RATE_LIMIT": "1/60"})
    assert [run(ratings.allow("feedback:198.51.100.9")) for _ in range(3)] == [True, False, False]
    assert metric("qualibot_rate_limited_total", limit="conversation") == before["conversation"] + 1
    assert metric("qualibot_rate_limited_total", limit="address") == before["address"] + 1
    assert metric("qualibot_rate_limited_total", limit="feedback") == before["feedback"] + 2
    assert RateLimiter.shared("address").name == "address"


def test_every_operation_served_from_memory_while_redis_is_down_is_counted():
    before = metric("qualibot_redis_memory_fallbacks_total", what="wechat state")
    store = RedisOrMemory("wechat state", retry_after=60)

    async def redis_down():
        raise ConnectionError("refused")

    async def memory():
        return "from memory"

    async def redis_up():
        return "from redis"

    assert run(store.call(redis_down, memory)) == "from memory"
    assert run(store.call(redis_up, memory)) == "from memory"  # still within retry_after: memory, counted
    assert metric("qualibot_redis_memory_fallbacks_total", what="wechat state") == before + 2
    assert run(RedisOrMemory("wechat state").call(redis_up, memory)) == "from redis"
    assert metric("qualibot_redis_memory_fallbacks_total", what="wechat state") == before + 2


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


def test_tracker_store_failures_and_the_fallback_to_memory_are_counted(tmp_path, domain, monkeypatch):
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.exc import OperationalError

    from bot.stores import tracker_store as ts

    monkeypatch.setattr(ts, "RETRY_DELAY", 0.0)
    store = ts.GuardedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    safe = FailSafeTrackerStore(store)
    ops = ("read", "save", "refused_save")
    before = {op: metric("qualibot_tracker_store_failures_total", operation=op) for op in ops}
    fallbacks = metric("qualibot_tracker_store_memory_fallbacks_total")

    def down(*_a, **_k):
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    tracker = DialogueStateTracker("rest:a", domain.slots)
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    monkeypatch.setattr(store, "_save_sync", down)
    run(safe.save(tracker))  # Rasa keeps it in memory
    assert safe.fallback_tracker_store.store and metric("qualibot_tracker_store_memory_fallbacks_total") == fallbacks + 1
    monkeypatch.setattr(store, "_read_sync", down)
    assert run(safe.retrieve("rest:b")) is None  # 3 tries, one failure
    with pytest.raises(ts.TrackerUnavailable):  # a tracker made up after a failed read is not saved
        run(store.save(DialogueStateTracker("rest:b", domain.slots)))
    after = {op: metric("qualibot_tracker_store_failures_total", operation=op) for op in ops}
    assert {op: after[op] - before[op] for op in ops} == {"read": 1, "save": 1, "refused_save": 1}
    store.engine.dispose()


def test_the_lock_wait_is_timed_and_a_lock_not_acquired_is_counted():
    from rasa.core.lock_store import InMemoryLockStore, LockError

    store = InMemoryLockStore()
    count, total = metric("qualibot_lock_wait_seconds_count"), metric("qualibot_lock_wait_seconds_sum")
    failed = metric("qualibot_lock_store_failures_total", operation="acquire")

    async def two_turns():
        first_in = asyncio.Event()

        async def first():
            async with store.lock("rest:x", wait_time_in_seconds=0.01):
                first_in.set()
                await asyncio.sleep(0.2)

        async def second():
            await first_in.wait()
            async with store.lock("rest:x", wait_time_in_seconds=0.01):
                pass

        await asyncio.gather(first(), second())

    run(two_turns())
    assert metric("qualibot_lock_wait_seconds_count") == count + 2
    assert metric("qualibot_lock_wait_seconds_sum") - total >= 0.15  # the second waited for the first

    async def expired():
        store.issue_ticket("rest:y", 60)  # someone holds it…
        ticket = store.issue_ticket("rest:y", 60)
        store.delete_lock("rest:y")  # …and the lock lapsed while this ticket waited
        await store._acquire_lock("rest:y", ticket, 0.01)

    with pytest.raises(LockError):
        run(expired())
    assert metric("qualibot_lock_store_failures_total", operation="acquire") == failed + 1


def test_a_failed_action_call_is_counted_by_action_name(caplog):
    from rasa.core import processor

    before = metric("qualibot_action_call_failures_total", action="action_answer_benefits")
    log = logging.getLogger(processor.__name__)
    with caplog.at_level(logging.ERROR, logger=processor.__name__):
        try:
            raise RuntimeError("action server down")
        except RuntimeError:
            log.exception("Encountered an exception while running action 'action_answer_benefits'.Bot will "
                          "continue, but the actions events are lost.")
    assert metric("qualibot_action_call_failures_total", action="action_answer_benefits") == before + 1


def test_intents_and_fallbacks_by_language_with_bounded_labels():
    known = ["ask_recognized", "greet"]
    before = {(i, lang): metric("qualibot_nlu_intents_total", intent=i, lang=lang)
              for i in ("ask_recognized", "other", "nlu_fallback") for lang in ("zh", "en", "unknown")}
    fallback_zh = metric("qualibot_nlu_fallbacks_total", lang="zh")

    def parsed(intent, lang=None):
        entities = [{"entity": "language", "value": lang}] if lang else []
        return {"intent": {"name": intent}, "entities": entities}

    metrics.count_parse(parsed("ask_recognized", "zh"), known)
    metrics.count_parse(parsed("ask_recognized", "en"), known)
    metrics.count_parse(parsed("nlu_fallback", "zh"), known)
    metrics.count_parse(parsed("made_up_by_a_caller_" + "x" * 50, "fr"), known)  # a trusted caller's "/…"
    metrics.count_parse("not a dict", known)
    got = {k: metric("qualibot_nlu_intents_total", intent=k[0], lang=k[1]) - v for k, v in before.items()}
    assert {k: v for k, v in got.items() if v} == {("ask_recognized", "zh"): 1, ("ask_recognized", "en"): 1,
                                                   ("nlu_fallback", "zh"): 1, ("other", "unknown"): 1}
    assert metric("qualibot_nlu_fallbacks_total", lang="zh") == fallback_zh + 1
    assert metrics.channel_label("rest") == "rest" and metrics.channel_label("telegram") == "other"
