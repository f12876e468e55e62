"""The WeChat channel on two replicas that share one store (memory standing in for Redis, and the real
Redis): the platform's retry, the next message, a pick by number or a "更多" may land on either replica,
and nothing is run twice, lost, or delivered twice. (Before issue 12 this state was per process and the
front had to send every OpenID to one replica.)"""
from __future__ import annotations

import concurrent.futures
import time

import pytest

from bot.channels.wechat import WeChatInput
from bot.channels.wechat.envelope import parse_xml
from bot.channels.wording import MORE_HINT
from bot.channels.wechat.dedup import message_key
from tests.support.channel_server import ChannelServer, StubAgent
from tests.support.metrics import metric
from tests.support.servers import wait_until
from tests.support.wechat import APP_ID, APP_SECRET, OPENID, TOKEN, FakeWeChatAPI, plain_params, text_xml
from tests.support.wechat_stores import new_store  # noqa: F401 - the fixture


@pytest.fixture
def fake():
    api = FakeWeChatAPI()
    yield api
    api.close()


class Pair:
    """Replicas a and b: one channel each, the same store."""

    def __init__(self, new_store, fake_api=None, reply_timeout=2.0, slow_delay=0.6):
        api = {"app_id": APP_ID, "app_secret": APP_SECRET, "api_base": fake_api.base} if fake_api else {}
        self.a, self.b = (ChannelServer(WeChatInput(token=TOKEN, reply_timeout=reply_timeout, store=new_store(), **api),
                                        StubAgent(slow_delay=slow_delay)) for _ in range(2))

    def calls(self):
        return self.a.agent.calls + self.b.agent.calls

    def close(self):
        self.a.close()
        self.b.close()


@pytest.fixture
def pair(new_store, fake):
    p = Pair(new_store, fake)
    yield p
    p.close()


@pytest.fixture
def no_api_pair(new_store):
    p = Pair(new_store)
    yield p
    p.close()


def content(server, body: bytes) -> str:
    status, _, data = server.post(body, plain_params())
    assert status == 200, data
    return parse_xml(data)["Content"] if data != b"success" else "success"


def test_a_retry_on_the_other_replica_waits_for_the_first_and_gets_its_answer(pair):
    body = text_xml("slow CFA", msg_id="6054768590064719201")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(content, pair.a, body)
        assert wait_until(lambda: pair.a.agent.calls, timeout=15)  # a runs the turn
        retry = pool.submit(content, pair.b, body)
        answers = [first.result(5), retry.result(5)]
    assert answers == ["slow answer to slow CFA"] * 2
    assert len(pair.calls()) == 1


def test_a_retry_after_the_answer_gets_it_from_the_store(pair):
    shared = metric("qualibot_wechat_retries_total", how="shared")
    body = text_xml("CFA", msg_id="6054768590064719202")
    assert content(pair.a, body) == content(pair.b, body) == f"echo[wechat:{OPENID}]: CFA"
    assert len(pair.calls()) == 1
    assert metric("qualibot_wechat_retries_total", how="shared") == shared + 1  # b answered from a's record


def test_the_same_msgid_from_another_user_is_another_message(pair):
    assert content(pair.a, text_xml("mine", msg_id="6054768590064719203")) == f"echo[wechat:{OPENID}]: mine"
    other = "oOtherUser0000000000000000000"
    assert content(pair.b, text_xml("theirs", openid=other, msg_id="6054768590064719203")) == \
        f"echo[wechat:{other}]: theirs"
    assert [c["text"] for c in pair.calls()] == ["mine", "theirs"]


def test_options_offered_on_one_replica_are_picked_on_the_other(pair):
    content(pair.a, text_xml("buttons"))
    content(pair.b, text_xml("2"))
    assert pair.b.agent.calls[-1]["text"] == '/inform{"qualification":"R007"}'


def test_the_next_page_comes_from_either_replica(no_api_pair):
    first = content(no_api_pair.a, text_xml("essay"))
    second = content(no_api_pair.b, text_xml("更多"))
    assert first.endswith(MORE_HINT) and second != first and second.startswith("第")
    assert [c["text"] for c in no_api_pair.calls()] == ["essay"]


def test_a_slow_answer_is_delivered_once_whichever_replica_gave_up(new_store, fake):
    p = Pair(new_store, fake, reply_timeout=0.3, slow_delay=0.8)
    try:
        body = text_xml("slow one", msg_id="6054768590064719204")
        for s in (p.a, p.b):  # the answer is still running when the retry comes, however slow the machine
            s.agent.hold.clear()
        assert content(p.a, body) == "success"  # a gave up waiting (its turn goes on)
        assert content(p.b, body) == "success"  # the retry on b gave up too
        for s in (p.a, p.b):
            s.agent.hold.set()
        assert wait_until(lambda: fake.delivered, timeout=15)
        key = message_key(parse_xml(body))
        # both replicas know the answer and have finished deciding whether to send it
        assert wait_until(lambda: all(s.channel.dedup.get(key).future.done() and not s.channel._background
                                      for s in (p.a, p.b)), timeout=3)
        assert [d["text"]["content"] for d in fake.delivered] == ["slow answer to slow one"]
        assert len(p.calls()) == 1
    finally:
        p.close()


def test_a_replica_that_died_mid_turn_is_replaced_by_the_one_that_gets_the_retry(pair):
    from tests.support.channel_server import background

    body = text_xml("CFA after a crash", msg_id="6054768590064719205")
    key = message_key(parse_xml(body))
    # replica a took the message and was killed: its "in progress" lease stays until it lapses
    background().run(pair.a.channel.store.add("run:" + key, "replica-a", 0.5))
    pair.b.channel.dedup.lease = 0.5
    t0 = time.monotonic()
    assert content(pair.b, body) == f"echo[wechat:{OPENID}]: CFA after a crash"
    assert time.monotonic() - t0 >= 0.4  # not before the dead replica's lease lapsed
    assert len(pair.calls()) == 1 and pair.a.agent.calls == []
