"""The WeChat input channel over HTTP: a real Sanic server on 127.0.0.1 with the channel mounted by Rasa's
`register()` at /webhooks/wechat/webhook, a stub agent, and a fake customer-service API."""
from __future__ import annotations

import concurrent.futures
import logging
import time

import pytest

from bot.channels.wechat import crypto as wechat_crypto
from bot.channels.wording import wording
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.channel import EMPTY, TOO_LONG
from bot.channels.wechat.envelope import parse_xml
from bot.channels.wording import TEXT_ONLY, WELCOME
from bot.channels.wechat.store import MemoryStore
from tests.support.channel_server import ChannelServer, StubAgent
from tests.support.metrics import metric
from tests.support.servers import wait_until
from tests.support.wechat import ACCOUNT, AES_KEY, APP_ID, APP_SECRET, OPENID, TOKEN, FakeWeChatAPI, event_xml, media_xml, plain_params, safe_request, text_xml


@pytest.fixture
def fake():
    api = FakeWeChatAPI()
    yield api
    api.close()


def make_server(fake_api, reply_timeout=2.0, aes_key="", slow_delay=0.6, **kw):
    # a store of its own: nothing from another test (or a QUALIBOT_REDIS_URL in the environment) leaks in
    kw.setdefault("store", MemoryStore())
    channel = WeChatInput(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, aes_key=aes_key,
                          api_base=fake_api.base, reply_timeout=reply_timeout, **kw)
    return ChannelServer(channel, StubAgent(slow_delay=slow_delay))


@pytest.fixture
def server(fake):
    s = make_server(fake)
    yield s
    s.close()


@pytest.fixture
def slow_server(fake):
    s = make_server(fake, reply_timeout=0.3, slow_delay=0.6)
    yield s
    s.close()


@pytest.fixture
def safe_server(fake):
    s = make_server(fake, aes_key=AES_KEY)
    yield s
    s.close()


def ask(server, content, **kw):
    status, headers, body = server.post(text_xml(content, **kw), plain_params())
    assert status == 200, body
    return headers, body


def content_of(body: bytes) -> str:
    return parse_xml(body)["Content"]


# --- configuration -----------------------------------------------------------------------------------

def test_name_and_defaults_from_missing_or_empty_credentials():
    assert WeChatInput.name() == "wechat"
    for creds in (None, {}, {k: "" for k in ("token", "app_id", "app_secret", "aes_key", "api_base",
                                             "timestamp_window", "reply_timeout")},
                  {k: None for k in ("token", "aes_key", "timestamp_window")}):
        ch = WeChatInput.from_credentials(creds)
        assert ch.token == "" and ch.crypto is None
        assert ch.timestamp_window == 300 and ch.reply_timeout == 4.0
        assert ch.api.api_base == "https://api.weixin.qq.com" and not ch.api.configured


def test_credentials_values_are_parsed():
    ch = WeChatInput.from_credentials({"token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET,
                                       "aes_key": AES_KEY, "api_base": "http://127.0.0.1:1/",
                                       "timestamp_window": "120", "reply_timeout": "0.5"})
    assert ch.crypto is not None and ch.api.api_base == "http://127.0.0.1:1" and ch.api.configured
    assert ch.timestamp_window == 120 and ch.reply_timeout == 0.5
    assert WeChatInput.from_credentials({"reply_timeout": "9"}).reply_timeout < 5  # clamped under 5 s


@pytest.mark.parametrize("creds", [{"token": TOKEN, "app_id": APP_ID, "aes_key": "too-short"},
                                   {"token": TOKEN, "aes_key": AES_KEY},  # safe mode without AppID
                                   {"timestamp_window": "soon"}, {"reply_timeout": "-1"}])
def test_wrong_credentials_stop_start_up(creds):
    with pytest.raises(ValueError):
        WeChatInput.from_credentials(creds)


def test_credentials_yml_block_with_env_vars_loads_through_rasa(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    (tmp_path / "credentials.yml").write_text(
        "bot.channels.wechat.WeChatInput:\n"
        "  token: ${WECHAT_TOKEN}\n  app_id: ${WECHAT_APP_ID}\n  app_secret: ${WECHAT_APP_SECRET}\n"
        "  aes_key: ${WECHAT_AES_KEY}\n  api_base: ${WECHAT_API_BASE}\n"
        "  timestamp_window: ${WECHAT_TIMESTAMP_WINDOW}\n  reply_timeout: ${WECHAT_REPLY_TIMEOUT}\n")
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": "", "WECHAT_AES_KEY": "",
           "WECHAT_API_BASE": "", "WECHAT_TIMESTAMP_WINDOW": "", "WECHAT_REPLY_TIMEOUT": "3.5"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    [channel] = create_http_input_channels(None, str(tmp_path / "credentials.yml"))
    assert isinstance(channel, WeChatInput) and channel.token == TOKEN and channel.crypto is None
    assert channel.reply_timeout == 3.5 and channel.timestamp_window == 300


def test_unconfigured_channel_refuses_everything(fake):
    s = ChannelServer(WeChatInput.from_credentials({}))
    try:
        p = plain_params()
        assert s.get(signature=p["signature"], timestamp=p["timestamp"], nonce=p["nonce"], echostr="x")[0] == 503
        assert s.post(text_xml("hi"), p)[0] == 503
        assert s.agent.calls == []
    finally:
        s.close()


# --- GET: the server check ---------------------------------------------------------------------------------

def test_get_check_echoes_echostr(server):
    p = plain_params()
    status, headers, body = server.get(signature=p["signature"], timestamp=p["timestamp"], nonce=p["nonce"],
                                       echostr="5837397520170130")
    assert status == 200 and body == b"5837397520170130"
    assert headers["content-type"].startswith("text/plain")


def test_get_check_with_a_wrong_signature_is_403(server):
    p = plain_params(token="not-the-token")
    status, _, body = server.get(signature=p["signature"], timestamp=p["timestamp"], nonce=p["nonce"],
                                 echostr="5837397520170130")
    assert status == 403 and b"5837397520170130" not in body


@pytest.mark.parametrize("drop", ["signature", "timestamp", "nonce", "echostr"])
def test_get_check_with_missing_params_is_400(server, drop):
    p = plain_params()
    params = {"signature": p["signature"], "timestamp": p["timestamp"], "nonce": p["nonce"], "echostr": "e"}
    del params[drop]
    assert server.get(**params)[0] == 400


def test_health_route(server):
    from tests.support.http import http
    assert http("GET", server.base + "/webhooks/wechat/")[0] == 200


# --- POST: what is refused before Rasa sees anything ----------------------------------------------------------

def test_post_with_a_wrong_signature_is_403(server):
    status, _, _ = server.post(text_xml("你好"), plain_params(token="forged"))
    assert status == 403 and server.agent.calls == []


def test_post_with_an_old_timestamp_is_403(server):
    old = int(time.time()) - 301
    status, _, body = server.post(text_xml("你好"), plain_params(timestamp=old))
    assert status == 403 and b"timestamp" in body and server.agent.calls == []


def test_post_within_the_window_passes(server):
    status, _, _ = server.post(text_xml("你好"), plain_params(timestamp=int(time.time()) - 250))
    assert status == 200


@pytest.mark.parametrize("params", [{}, {"signature": "x", "nonce": "1"}, {"signature": "x", "timestamp": "1"}])
def test_post_with_missing_params_is_400(server, params):
    assert server.post(text_xml("你好"), params)[0] == 400


def test_post_with_a_non_numeric_timestamp_is_400(server):
    p = plain_params()
    p["timestamp"] = "yesterday"
    p["signature"] = wechat_crypto.signature(TOKEN, "yesterday", p["nonce"])
    assert server.post(text_xml("你好"), p)[0] == 400


def _short_error(status, body, expected):
    assert status == expected
    assert len(body) < 100 and b"Traceback" not in body and b"File " not in body


def test_malformed_xml_is_400_with_a_short_message(server):
    status, _, body = server.post(b"<xml><ToUserName>gh</ToUserName><Content>unclosed</xml>", plain_params())
    _short_error(status, body, 400)
    assert server.agent.calls == []


def test_xml_bomb_is_400(server):
    from tests.channels.test_wechat_xml import BILLION_LAUGHS, XXE
    for bomb in (BILLION_LAUGHS, XXE):
        status, _, body = server.post(bomb, plain_params())
        _short_error(status, body, 400)
    assert server.agent.calls == []


def test_missing_fields_is_400(server):
    status, _, body = server.post(b"<xml><Content>hi</Content></xml>", plain_params())
    _short_error(status, body, 400)


def test_oversized_body_is_413(server):
    body = text_xml("x" * (65 * 1024))
    status, _, resp = server.post(body, plain_params())
    _short_error(status, resp, 413)
    assert server.agent.calls == []


def test_oversized_chunked_body_is_413(server):
    import http.client
    import urllib.parse

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        chunks = iter([b"<xml><Content><![CDATA["] + [b"x" * 8192] * 9 + [b"]]></Content></xml>"])
        conn.request("POST", "/webhooks/wechat/webhook?" + urllib.parse.urlencode(plain_params()), body=chunks,
                     headers={"Content-Type": "text/xml", "Transfer-Encoding": "chunked"}, encode_chunked=True)
        resp = conn.getresponse()
        _short_error(resp.status, resp.read(), 413)
    finally:
        conn.close()
    assert server.agent.calls == []


def test_small_chunked_body_is_read(server):
    import http.client
    import urllib.parse

    body = text_xml("chunked CFA")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("POST", "/webhooks/wechat/webhook?" + urllib.parse.urlencode(plain_params()),
                     body=iter([body[:40], body[40:]]), headers={"Content-Type": "text/xml"}, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 200 and content_of(resp.read()).endswith("chunked CFA")
    finally:
        conn.close()


# --- text messages -----------------------------------------------------------------------------------------------

def test_text_round_trip_uses_the_openid_as_sender(server):
    before = int(time.time())
    headers, body = ask(server, "我有CFA证书，能认可吗", msg_id="6054768590064713001")
    assert headers["content-type"].startswith("application/xml")
    reply = parse_xml(body)
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT  # swapped
    assert reply["MsgType"] == "text" and before - 1 <= int(reply["CreateTime"]) <= time.time() + 1
    assert reply["Content"] == f"echo[wechat:{OPENID}]: 我有CFA证书，能认可吗"
    [call] = server.agent.calls
    assert call["sender_id"] == f"wechat:{OPENID}" and call["input_channel"] == "wechat"  # namespaced
    assert call["text"] == "我有CFA证书，能认可吗"
    assert call["metadata"]["wechat"]["MsgId"] == "6054768590064713001"
    # Rasa's message id: a retry on another replica is answered from the stored turn (bot/rasa_patches.py)
    assert server.agent.message_ids == [f"msg:{OPENID}:6054768590064713001"]


def test_each_user_is_its_own_conversation(server):
    ask(server, "hello", openid="oUserA")
    ask(server, "hello", openid="oUserB")
    assert [c["sender_id"] for c in server.agent.calls] == ["wechat:oUserA", "wechat:oUserB"]


def test_a_retry_with_the_same_msgid_runs_once_and_gets_the_same_reply(server):
    joined = metric("qualibot_wechat_retries_total", how="joined")
    _, first = ask(server, "CFA", msg_id="6054768590064713002")
    _, again = ask(server, "CFA", msg_id="6054768590064713002")
    assert len(server.agent.calls) == 1
    assert metric("qualibot_wechat_retries_total", how="joined") == joined + 1  # /metrics counts the retry
    a, b = parse_xml(first), parse_xml(again)
    a.pop("CreateTime"), b.pop("CreateTime")
    assert a == b
    ask(server, "CFA", msg_id="6054768590064713003")  # another message with the same text does run
    assert len(server.agent.calls) == 2


def test_a_retry_while_the_first_is_running_waits_for_the_same_answer(server):
    joined = metric("qualibot_wechat_retries_total", how="joined")
    body = text_xml("slow CFA", msg_id="6054768590064713004")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(server.post, body, plain_params())
        time.sleep(0.1)
        retry = pool.submit(server.post, body, plain_params(nonce="99"))
        results = [first.result(5), retry.result(5)]
    assert [r[0] for r in results] == [200, 200]
    assert {content_of(r[2]) for r in results} == {"slow answer to slow CFA"}
    assert len(server.agent.calls) == 1
    assert metric("qualibot_wechat_retries_total", how="joined") == joined + 1


def test_buttons_become_numbered_options_and_a_number_picks_one(server):
    _, body = ask(server, "buttons")
    assert content_of(body) == "Which one do you mean?\n1. CFA (US)\n2. CPA Australia"
    ask(server, "2")
    assert server.agent.calls[-1]["text"] == '/inform{"qualification":"R007"}'  # as a click on the web page
    ask(server, "2")  # the answer to the pick offered no options: the number goes to Rasa as typed
    assert server.agent.calls[-1]["text"] == "2"


def test_a_number_out_of_range_goes_to_rasa_unchanged(server):
    ask(server, "buttons")
    ask(server, "7")
    assert server.agent.calls[-1]["text"] == "7"


def test_several_messages_are_joined_and_custom_payloads_left_out(server):
    _, body = ask(server, "multi")
    assert content_of(body) == "First message.\n\nSecond message."


def test_no_bot_message_answers_success(server):
    _, body = ask(server, "silent")
    assert body == b"success"


def test_a_failing_assistant_gets_a_polite_reply_not_a_trace(server):
    _, body = ask(server, "boom")
    assert content_of(body) == wording("unavailable")  # bot/turn.py: "temporarily unavailable", both languages
    assert "Traceback" not in body.decode("utf-8", "replace")


def test_content_over_2048_bytes_is_refused_politely(server):
    _, body = ask(server, "认" * 683)  # 2049 bytes
    assert content_of(body) == TOO_LONG and server.agent.calls == []
    ask(server, "认" * 682)  # 2046 bytes: fine
    assert len(server.agent.calls) == 1


def test_empty_text_gets_a_prompt(server):
    _, body = ask(server, "   ")
    assert content_of(body) == EMPTY and server.agent.calls == []


# --- events and other message types --------------------------------------------------------------------------

def test_subscribe_gets_the_bilingual_welcome(server):
    status, _, body = server.post(event_xml("subscribe"), plain_params())
    reply = parse_xml(body)
    assert status == 200 and reply["Content"] == WELCOME and reply["ToUserName"] == OPENID
    assert reply["Content"].startswith("您好！") and "\nHello!" in reply["Content"]
    assert "北京市境外职业资格认可目录" in WELCOME and "CFA" in WELCOME
    assert server.agent.calls == []


@pytest.mark.parametrize("event", ["unsubscribe", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH"])
def test_other_events_answer_success(server, event):
    status, _, body = server.post(event_xml(event), plain_params())
    assert status == 200 and body == b"success" and server.agent.calls == []


@pytest.mark.parametrize("kind", ["image", "video", "shortvideo", "location", "link", "miniprogrampage"])
def test_non_text_messages_get_a_text_only_reply(server, kind):
    status, _, body = server.post(media_xml(kind), plain_params())
    assert status == 200 and content_of(body) == TEXT_ONLY and server.agent.calls == []
    assert TEXT_ONLY.index("文字") < TEXT_ONLY.index("text")


# --- safe mode -------------------------------------------------------------------------------------------------

def _decrypt_reply(body: bytes, params: dict) -> dict:
    env = parse_xml(body)
    assert set(env) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)  # decrypt() checks the AppID
    inner = crypto.verify_and_decrypt(env["TimeStamp"], env["Nonce"], env["Encrypt"], env["MsgSignature"])
    assert env["Nonce"] == params["nonce"]
    return parse_xml(inner.encode("utf-8"))


def test_safe_mode_round_trip(safe_server):
    crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
    body, params = safe_request(text_xml("CPA Australia"), crypto)
    assert b"CPA Australia" not in body
    status, _, resp = safe_server.post(body, params)
    assert status == 200 and b"CPA" not in resp
    reply = _decrypt_reply(resp, params)
    assert reply["Content"] == f"echo[wechat:{OPENID}]: CPA Australia" and reply["ToUserName"] == OPENID
    assert safe_server.agent.calls[0]["sender_id"] == f"wechat:{OPENID}"


def test_safe_mode_subscribe_is_encrypted_too(safe_server):
    crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
    body, params = safe_request(event_xml("subscribe"), crypto)
    status, _, resp = safe_server.post(body, params)
    assert status == 200 and _decrypt_reply(resp, params)["Content"] == WELCOME


def test_safe_mode_refuses_another_appid(safe_server):
    other = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, "wx0000000000000000")
    body, params = safe_request(text_xml("CFA"), other)
    status, _, resp = safe_server.post(body, params)
    _short_error(status, resp, 403)
    assert safe_server.agent.calls == []


def test_safe_mode_refuses_a_wrong_msg_signature(safe_server):
    crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
    body, params = safe_request(text_xml("CFA"), crypto)
    params["msg_signature"] = wechat_crypto.signature(TOKEN, params["timestamp"], params["nonce"])  # no Encrypt
    assert safe_server.post(body, params)[0] == 403
    body2, _ = safe_request(text_xml("other text"), crypto)
    _, params2 = safe_request(text_xml("CFA"), crypto)
    assert safe_server.post(body2, params2)[0] == 403  # a signature of another ciphertext
    assert safe_server.agent.calls == []


def test_safe_mode_refuses_plain_messages_and_garbage(safe_server):
    assert safe_server.post(text_xml("CFA"), plain_params())[0] == 403  # a plain signature covers no body
    crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
    _, params = safe_request(text_xml("CFA"), crypto)
    assert safe_server.post(b"<xml><ToUserName>gh</ToUserName></xml>", params)[0] == 400  # no Encrypt
    garbage = "bm90IGEgY2lwaGVydGV4dA=="
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    params["msg_signature"] = wechat_crypto.signature(TOKEN, params["timestamp"], params["nonce"], garbage)
    status, _, resp = safe_server.post(body, params)
    _short_error(status, resp, 400)
    assert safe_server.agent.calls == []


def test_plain_server_refuses_encrypted_messages(server):
    crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
    body, params = safe_request(text_xml("CFA"), crypto)
    assert server.post(body, params)[0] == 400 and server.agent.calls == []


# --- the 5-second rule: slow answers through the customer-service API ---------------------------------------

def test_slow_answer_says_success_then_arrives_through_the_api(slow_server, fake):
    sent = metric("qualibot_wechat_deferred_total", result="sent")
    _, body = ask(slow_server, "slow question", msg_id="6054768590064713100")
    assert body == b"success"  # the answer was not ready: the platform is told not to retry
    assert wait_until(lambda: fake.delivered, timeout=15)
    assert fake.delivered == [{"touser": OPENID, "msgtype": "text",
                               "text": {"content": "slow answer to slow question"}}]
    # a late retry of the same message neither runs it again nor sends it twice
    _, again = ask(slow_server, "slow question", msg_id="6054768590064713100")
    assert again == b"success"
    time.sleep(0.2)
    assert len(slow_server.agent.calls) == 1 and len(fake.delivered) == 1
    assert metric("qualibot_wechat_deferred_total", result="sent") == sent + 1  # one deferred delivery


def test_slow_answer_with_a_retry_in_between_is_delivered_once(slow_server, fake):
    slow_server.agent.hold.clear()  # the answer is still running when the retry comes, however slow the machine
    _, first = ask(slow_server, "slow again", msg_id="6054768590064713101")
    _, retry = ask(slow_server, "slow again", msg_id="6054768590064713101")  # still running: success again
    slow_server.agent.hold.set()
    assert first == retry == b"success"
    assert wait_until(lambda: fake.delivered, timeout=15)
    time.sleep(0.2)
    assert len(fake.delivered) == 1 and len(slow_server.agent.calls) == 1


def test_slow_answer_after_the_token_expired_refreshes_it(slow_server, fake):
    ask(slow_server, "slow one", msg_id="6054768590064713102")
    assert wait_until(lambda: len(fake.delivered) == 1, timeout=15)
    fake.expire_tokens()  # the cached TOKEN1 is now refused with 40001
    ask(slow_server, "slow two", msg_id="6054768590064713103")
    assert wait_until(lambda: len(fake.delivered) == 2, timeout=15)
    assert [t for t, _ in fake.send_attempts] == ["TOKEN1", "TOKEN1", "TOKEN2"]
    assert fake.delivered[1]["text"]["content"] == "slow answer to slow two"


def test_slow_answer_outside_the_48_hours_is_logged_not_raised(slow_server, fake, caplog):
    dropped, failed = metric("qualibot_wechat_out_of_window_total"), metric("qualibot_wechat_deferred_total",
                                                                              result="failed")
    fake.out_of_window.add(OPENID)
    with caplog.at_level(logging.WARNING, logger="bot.channels.wechat.api"):
        _, body = ask(slow_server, "slow and late", msg_id="6054768590064713104")
        assert body == b"success"
        assert wait_until(lambda: fake.send_attempts, timeout=15)
        assert wait_until(lambda: "45015" in caplog.text, timeout=15)
    assert fake.delivered == []
    # the delivery task finished (no exception left hanging); its done-callback runs just after the log line
    assert wait_until(lambda: not slow_server.channel._background, timeout=15)
    assert metric("qualibot_wechat_out_of_window_total") == dropped + 1  # /metrics: the 45015 drop
    assert metric("qualibot_wechat_deferred_total", result="failed") == failed + 1
    _, body = ask(slow_server, "still alive")  # and the channel keeps working
    assert content_of(body) == f"echo[wechat:{OPENID}]: still alive"


def test_a_reply_too_long_for_one_message_goes_out_in_order_through_the_api(server, fake):
    _, body = ask(server, "long")
    assert body == b"success"
    assert wait_until(lambda: len(fake.delivered) == 2, timeout=15)
    parts = [d["text"]["content"] for d in fake.delivered]
    assert parts[0].startswith("第一段") and parts[1].startswith("第二段")
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts)


def test_fast_answers_never_touch_the_api(server, fake):
    ask(server, "CFA")
    time.sleep(0.1)
    assert fake.send_attempts == [] and fake.token_requests == []


def test_platform_hanging_up_before_the_answer_gets_it_through_the_api(server, fake):
    import http.client
    import socket
    import urllib.parse

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=0.2)
    try:
        conn.request("POST", "/webhooks/wechat/webhook?" + urllib.parse.urlencode(plain_params()),
                     body=text_xml("slow hang-up", msg_id="6054768590064713105"), headers={"Content-Type": "text/xml"})
        with pytest.raises(socket.timeout):
            conn.getresponse()
    finally:
        conn.close()  # the platform gives up on this request
    assert wait_until(lambda: fake.delivered, timeout=15)
    assert fake.delivered[0]["text"]["content"] == "slow answer to slow hang-up"
    assert len(server.agent.calls) == 1
