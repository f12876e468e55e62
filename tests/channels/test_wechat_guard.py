"""The WeChat channel through bot/channels/checks.py: cleaned text, and the rate limit per OpenID (a retry
of the same message by the platform is not counted twice)."""
from __future__ import annotations

import pytest

from bot.channels.ratelimit import RateLimiter
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.channel import BAD_TEXT, EMPTY, RATE_LIMITED
from bot.channels.wechat.envelope import parse_xml
from bot.channels.wechat.store import MemoryStore
from tests.support.channel_server import ChannelServer, StubAgent
from tests.support.wechat import APP_ID, APP_SECRET, OPENID, TOKEN, FakeWeChatAPI, plain_params, text_xml


@pytest.fixture
def server():
    fake = FakeWeChatAPI()
    channel = WeChatInput(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base=fake.base,
                          reply_timeout=2.0, limiter=RateLimiter(2, 60), store=MemoryStore())
    s = ChannelServer(channel, StubAgent())
    yield s
    s.close()
    fake.close()


def reply(server, body: bytes) -> str:
    status, _, data = server.post(body, plain_params())
    assert status == 200, data
    return parse_xml(data)["Content"]


def test_control_characters_are_stripped_before_rasa(server):
    assert reply(server, text_xml("\u2028CFA\x85证书\ufeff ")) == f"echo[wechat:{OPENID}]: CFA 证书"
    assert server.agent.calls[-1]["text"] == "CFA 证书"


def test_text_that_is_only_invisible_characters_gets_the_prompt(server):
    assert reply(server, text_xml("\ufeff\u2028\u2029")) == EMPTY
    assert server.agent.calls == []


def test_rate_limit_per_openid_with_a_polite_reply(server):
    assert reply(server, text_xml("one")) == f"echo[wechat:{OPENID}]: one"
    first = text_xml("two", msg_id="7000000000000000001")
    assert reply(server, first) == f"echo[wechat:{OPENID}]: two"
    assert reply(server, first) == f"echo[wechat:{OPENID}]: two"  # the platform's retry: same answer, not counted
    assert reply(server, text_xml("three")) == RATE_LIMITED
    assert "太快" in RATE_LIMITED and "too quickly" in RATE_LIMITED
    assert reply(server, text_xml("hello", openid="oOtherUser0000000000000000")) == \
        "echo[wechat:oOtherUser0000000000000000]: hello"
    assert [c["text"] for c in server.agent.calls] == ["one", "two", "hello"]


def test_the_wordings_are_bilingual():
    for text in (EMPTY, RATE_LIMITED, BAD_TEXT):
        zh, en = text.split("\n")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii()
