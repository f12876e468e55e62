"""Customer-service message API client (bot/channels/wechat/api.py) against a fake API on 127.0.0.1."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels.wechat.api import WeChatAPI
from tests.support.servers import free_socket as _free_socket
from tests.support.wechat import APP_ID, APP_SECRET, OPENID, FakeWeChatAPI


@pytest.fixture
def fake():
    api = FakeWeChatAPI()
    yield api
    api.close()


def client(fake: FakeWeChatAPI, **kw) -> WeChatAPI:
    return WeChatAPI(APP_ID, APP_SECRET, fake.base, **kw)


def test_sends_the_documented_json_and_caches_the_token(fake):
    api = client(fake)

    async def two():
        return [await api.send_text(OPENID, "您好，CFA 在目录中。"), await api.send_text(OPENID, "second")]

    assert asyncio.run(two()) == [True, True]
    assert len(fake.token_requests) == 1  # cached
    # the stable token in normal mode (never force_refresh, which would invalidate every replica's token)
    assert fake.token_requests[0] == {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET,
                                      "force_refresh": False}
    assert fake.delivered[0] == {"touser": OPENID, "msgtype": "text", "text": {"content": "您好，CFA 在目录中。"}}
    assert [t for t, _ in fake.send_attempts] == ["TOKEN1", "TOKEN1"]


@pytest.mark.parametrize("code", [40001, 42001, 40014])
def test_refused_token_is_refreshed_and_the_send_retried_once(fake, code):
    fake.expired_code = code
    api = client(fake)
    assert asyncio.run(api.send_text(OPENID, "one")) is True
    fake.expire_tokens()  # the cached TOKEN1 is no longer valid on the platform's side
    assert asyncio.run(api.send_text(OPENID, "two")) is True
    assert [t for t, _ in fake.send_attempts] == ["TOKEN1", "TOKEN1", "TOKEN2"]
    assert len(fake.token_requests) == 2
    assert [p["text"]["content"] for p in fake.delivered] == ["one", "two"]


def test_token_refused_twice_gives_up_without_raising(fake, caplog):
    fake.refuse_all_tokens = True
    with caplog.at_level(logging.INFO, logger="bot.channels.wechat.api"):
        assert asyncio.run(client(fake).send_text(OPENID, "refused")) is False
    # one more fetch (normal mode: the platform's current token, here the same one), one retry, no loop
    assert [t for t, _ in fake.send_attempts] == ["TOKEN1", "TOKEN1"] and len(fake.token_requests) == 2
    assert "refused twice" in caplog.text


def test_a_burst_of_refusals_fetches_one_new_token(fake):
    api = client(fake)
    assert asyncio.run(api.send_text(OPENID, "warm-up")) is True
    fake.expire_tokens()

    async def burst():
        return await asyncio.gather(*(api.send_text(OPENID, f"m{i}") for i in range(5)))

    assert asyncio.run(burst()) == [True] * 5
    assert len(fake.token_requests) == 2  # TOKEN1, then a single TOKEN2 for the whole burst


def test_45015_is_logged_and_given_up_without_raising(fake, caplog):
    fake.out_of_window.add(OPENID)
    with caplog.at_level(logging.WARNING, logger="bot.channels.wechat.api"):
        assert asyncio.run(client(fake).send_text(OPENID, "too late")) is False
    assert "45015" in caplog.text
    assert fake.delivered == [] and len(fake.send_attempts) == 1  # no retry: it cannot succeed


def test_wrong_secret_is_logged_not_raised(fake, caplog):
    api = WeChatAPI(APP_ID, "wrong-secret", fake.base)
    with caplog.at_level(logging.ERROR, logger="bot.channels.wechat.api"):
        assert asyncio.run(api.send_text(OPENID, "x")) is False
    assert "40013" in caplog.text and "wrong-secret" not in caplog.text
    assert fake.send_attempts == []


def test_unreachable_api_is_logged_not_raised(caplog):
    sock = _free_socket()  # bound, never listening: connection refused
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with caplog.at_level(logging.ERROR, logger="bot.channels.wechat.api"):
            assert asyncio.run(WeChatAPI(APP_ID, APP_SECRET, base, timeout=2).send_text(OPENID, "x")) is False
    finally:
        sock.close()
    assert "unreachable" in caplog.text and APP_SECRET not in caplog.text


def test_not_configured_sends_nothing():
    assert WeChatAPI("", "").configured is False
    assert asyncio.run(WeChatAPI("", "").send_text(OPENID, "x")) is False


def test_token_expiry_uses_the_margin(fake):
    now = [1000.0]
    api = client(fake, token_margin=300, clock=lambda: now[0])

    async def token():
        return await api.access_token()

    assert asyncio.run(token()) == "TOKEN1"
    now[0] += 7200 - 301
    assert asyncio.run(token()) == "TOKEN1" and len(fake.token_requests) == 1
    now[0] += 2  # inside the last 300 s (when the platform hands out the next stable token): fetch again
    asyncio.run(token())
    assert len(fake.token_requests) == 2


def test_two_replicas_never_invalidate_each_others_token(fake):
    """Each fetch of cgi-bin/token invalidates the token fetched before: with one cache per replica, each
    replica's fetch broke the other's token (errcode 40001 on its next send). The stable token is one token
    for every caller, so every send of either replica goes through on its first try."""
    a, b = client(fake), client(fake)

    async def turns():
        return [await a.send_text(OPENID, "a1"), await b.send_text(OPENID, "b1"),
                await a.send_text(OPENID, "a2"), await b.send_text(OPENID, "b2")]

    assert asyncio.run(turns()) == [True] * 4
    assert len(fake.send_attempts) == 4  # no send was refused and retried
    assert len(fake.token_requests) == 2 and {t for t, _ in fake.send_attempts} == {"TOKEN1"}
