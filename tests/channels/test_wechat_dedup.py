"""Retry de-duplication (bot/channels/wechat/dedup.py) over the shared store (bot/channels/wechat/store.py).

Two Deduplicators on one store stand for two replicas; every scenario runs on the in-memory store and on
the machine's Redis (its own key prefix; skipped when Redis is not running)."""
from __future__ import annotations

import asyncio

from bot.channels.wechat.dedup import Deduplicator, message_key
from bot.channels.wechat.store import MemoryStore, RedisStore
from tests.support.wechat_stores import new_store  # noqa: F401 - the fixture


def test_keys_are_sender_and_msgid_for_messages_sender_time_and_event_for_events():
    assert message_key({"MsgId": "123", "FromUserName": "o1", "CreateTime": "1"}) == "msg:o1:123"
    # the same MsgId from another user is another message (it must not get o1's answer)
    assert message_key({"MsgId": "123", "FromUserName": "o2"}) != message_key({"MsgId": "123", "FromUserName": "o1"})
    assert message_key({"FromUserName": "o1", "CreateTime": "1700000000", "Event": "subscribe"}) == \
        "evt:o1:1700000000:subscribe"
    assert message_key({"FromUserName": "o1", "CreateTime": "1700000000", "Event": "subscribe"}) != \
        message_key({"FromUserName": "o2", "CreateTime": "1700000000", "Event": "subscribe"})


def test_second_call_joins_the_first_and_starts_nothing(new_store):
    runs = []

    async def work():
        runs.append(1)
        await asyncio.sleep(0.01)
        return "answer"

    async def scenario():
        d = Deduplicator(new_store())
        a, first_a = d.get_or_start("msg:o:1", work)
        b, first_b = d.get_or_start("msg:o:1", work)
        assert first_a and not first_b and a is b
        assert await a.future == "answer"
        c, first_c = d.get_or_start("msg:o:1", work)  # after it finished: the same result
        assert not first_c and c.future.result() == "answer"

    asyncio.run(scenario())
    assert runs == [1]


def test_another_replica_gets_the_stored_answer_without_running_it(new_store):
    runs = []

    async def work():
        runs.append(1)
        return {"text": "answer"}

    async def scenario():
        a, b = Deduplicator(new_store()), Deduplicator(new_store())
        first, _ = a.get_or_start("msg:o:2", work)
        assert await first.future == {"text": "answer"}
        retry, _ = b.get_or_start("msg:o:2", work)
        assert await retry.future == {"text": "answer"} and not retry.owner

    asyncio.run(scenario())
    assert runs == [1]


def test_a_retry_on_another_replica_waits_for_the_turn_in_progress(new_store):
    runs = []
    release = None

    async def slow():
        runs.append(1)
        await release.wait()
        return "late answer"

    async def scenario():
        nonlocal release
        release = asyncio.Event()
        a, b = Deduplicator(new_store(), poll=0.02), Deduplicator(new_store(), poll=0.02)
        first, _ = a.get_or_start("msg:o:3", slow)
        while not runs:  # the first replica has the lease and runs the turn
            await asyncio.sleep(0.01)
        retry, _ = b.get_or_start("msg:o:3", slow)
        await asyncio.sleep(0.1)
        assert not retry.future.done()  # still waiting: it neither ran the turn nor gave up
        release.set()
        assert await retry.future == "late answer" == await first.future

    asyncio.run(scenario())
    assert runs == [1]


def test_a_replica_that_died_mid_turn_is_taken_over_once_its_lease_lapses(new_store):
    runs = []

    async def work():
        runs.append(1)
        return "answer from the survivor"

    async def scenario():
        store = new_store()
        # what a replica killed mid-turn leaves behind: its lease, never renewed, never released
        assert await store.add("run:msg:o:4", "dead-replica", 0.5)
        b = Deduplicator(new_store(), lease=0.5, poll=0.02)
        retry, _ = b.get_or_start("msg:o:4", work)
        await asyncio.sleep(0.2)
        assert runs == [] and not retry.future.done()  # the lease is alive: the owner may still answer
        assert await asyncio.wait_for(retry.future, 5) == "answer from the survivor"
        assert retry.owner
        again, _ = Deduplicator(new_store()).get_or_start("msg:o:4", work)  # a third try: the stored answer
        assert await again.future == "answer from the survivor"

    asyncio.run(scenario())
    assert runs == [1]


def test_a_long_turn_keeps_its_lease(new_store):
    runs = []

    async def long_turn():
        runs.append(1)
        await asyncio.sleep(0.8)  # longer than the lease: renewed meanwhile
        return "done"

    async def scenario():
        a, b = Deduplicator(new_store(), lease=0.3, poll=0.02), Deduplicator(new_store(), lease=0.3, poll=0.02)
        first, _ = a.get_or_start("msg:o:5", long_turn)
        while not runs:
            await asyncio.sleep(0.01)
        retry, _ = b.get_or_start("msg:o:5", long_turn)
        assert await retry.future == "done" == await first.future

    asyncio.run(scenario())
    assert runs == [1]


def test_an_answer_goes_out_one_way_only(new_store):
    async def scenario():
        a, b = Deduplicator(new_store()), Deduplicator(new_store())
        e, _ = a.get_or_start("k1", lambda: asyncio.sleep(0))
        await e.future
        assert not await a.claim_later(e)  # nobody gave up waiting: no API delivery
        await a.mark_deferred(e)
        assert await a.claim_later(e) and not await a.claim_passive("k1")  # the API has it: retries get "success"
        assert not await a.claim_later(e)  # … once
        f, _ = a.get_or_start("k2", lambda: asyncio.sleep(0))
        await f.future
        assert await a.claim_passive("k2") and await b.claim_passive("k2")  # passive replies repeat to retries
        await a.mark_deferred(f)
        assert not await a.claim_later(f)  # … and then the API stays silent

    asyncio.run(scenario())


def test_a_request_that_gave_up_on_another_replica_gets_the_answer_sent_once(new_store):
    async def scenario():
        a, b = Deduplicator(new_store()), Deduplicator(new_store())
        owner, _ = a.get_or_start("k3", lambda: asyncio.sleep(0, "answer"))
        await owner.future
        retry, _ = b.get_or_start("k3", lambda: asyncio.sleep(0, "never run"))
        assert await retry.future == "answer"
        await b.mark_deferred(retry)  # the retry's request answered "success" on replica b
        # both replicas see the answer and the deferral: exactly one of them sends it
        assert [await a.claim_later(owner), await b.claim_later(retry)].count(True) == 1

    asyncio.run(scenario())


def test_finished_entries_expire_and_the_local_table_is_bounded():
    now = [0.0]

    async def scenario():
        d = Deduplicator(MemoryStore(), ttl=10, max_entries=3, clock=lambda: now[0])

        async def done():
            return 1

        for i in range(3):
            e, _ = d.get_or_start(f"k{i}", done)
            await e.future
        now[0] = 11
        d.get_or_start("new", done)
        assert len(d) == 1 and d.get("k0") is None
        for i in range(5):
            d.get_or_start(f"m{i}", done)
        assert len(d) <= 4
        await asyncio.sleep(0.05)

    asyncio.run(scenario())


def test_memory_store_values_expire_and_only_the_owner_renews_or_releases():
    now = [0.0]

    async def scenario():
        s = MemoryStore(clock=lambda: now[0], max_entries=2)
        assert await s.add("a", "1", 5) and not await s.add("a", "2", 5)
        assert not await s.renew("a", "2", 5) and not await s.release("a", "2")
        assert await s.renew("a", "1", 10)
        now[0] = 9
        assert await s.get("a") == "1"
        now[0] = 10
        assert await s.get("a") is None and await s.add("a", "3", 5)
        await s.put("b", "x", 5)
        await s.put("c", "y", 5)
        assert len(s) == 2 and await s.get("a") is None  # bounded: the oldest went
        assert await s.release("c", "y") and await s.get("c") is None

    asyncio.run(scenario())


def test_a_redis_that_does_not_answer_falls_back_to_memory(caplog):
    async def scenario():
        s = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)  # nothing listens on port 1
        assert await s.add("k", "v", 5) and await s.get("k") == "v"
        assert not await s.add("k", "w", 5)

    with caplog.at_level("WARNING", logger="bot.channels.wechat.store"):
        asyncio.run(scenario())
    assert "Redis unreachable" in caplog.text
