"""Retry de-duplication (bot/channels/wechat_dedup.py)."""
from __future__ import annotations

import asyncio

from bot.channels.wechat_dedup import Deduplicator, message_key


def test_keys_msgid_for_messages_sender_and_time_for_events():
    assert message_key({"MsgId": "123", "FromUserName": "o1", "CreateTime": "1"}) == "msg:123"
    assert message_key({"FromUserName": "o1", "CreateTime": "1700000000", "Event": "subscribe"}) == \
        "evt:o1:1700000000:subscribe"
    assert message_key({"FromUserName": "o1", "CreateTime": "1700000000", "Event": "subscribe"}) != \
        message_key({"FromUserName": "o2", "CreateTime": "1700000000", "Event": "subscribe"})


def test_second_call_joins_the_first_and_starts_nothing():
    runs = []

    async def work():
        runs.append(1)
        await asyncio.sleep(0.01)
        return "answer"

    async def scenario():
        d = Deduplicator()
        a, first_a = d.get_or_start("msg:1", work)
        b, first_b = d.get_or_start("msg:1", work)
        assert first_a and not first_b and a is b
        assert await a.future == "answer"
        c, first_c = d.get_or_start("msg:1", work)  # after it finished: the same result
        assert not first_c and c.future.result() == "answer"

    asyncio.run(scenario())
    assert runs == [1]


def test_an_answer_goes_out_one_way_only():
    async def scenario():
        d = Deduplicator()
        e, _ = d.get_or_start("k", lambda: asyncio.sleep(0))
        assert not e.claim_later()  # nobody gave up waiting: no API delivery
        e.deferred = True
        assert e.claim_later() and not e.claim_passive()  # the API has it: retries answer "success"
        f, _ = d.get_or_start("k2", lambda: asyncio.sleep(0))
        assert f.claim_passive() and f.claim_passive()  # passive replies repeat to retries
        f.deferred = True
        assert not f.claim_later()  # … and then the API stays silent
        await asyncio.gather(e.future, f.future)

    asyncio.run(scenario())


def test_finished_entries_expire_and_the_store_is_bounded():
    now = [0.0]

    async def scenario():
        d = Deduplicator(ttl=10, max_entries=3, clock=lambda: now[0])

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
        await asyncio.sleep(0)

    asyncio.run(scenario())
