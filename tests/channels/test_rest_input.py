"""bot/channels/rest.py: Rasa's REST channel with its input checked, on a real Sanic server (127.0.0.1).

The channel is mounted by Rasa's own `register()` (tests/support/rest_server.py); a recording agent
stands in for Rasa and answers through the message's output channel.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, List

import pytest

from bot.channels.checks import MAX_TEXT_CHARS
from bot.channels.ratelimit import RateLimiter
from bot.channels.wording import wording
from bot.channels.http import MAX_BODY_BYTES
from bot.channels.rest import Parsed, QualibotRestInput, Refusal, parse_body
from tests.support.http import http
from tests.support.rest_server import RestServer

INTERNALS = ("Traceback", "File \"", "Error:", "line ", "/work/", "site-packages")


@pytest.fixture
def server():
    s = RestServer()
    yield s
    s.close()


def texts(data: Any) -> List[str]:
    assert isinstance(data, list), data
    return [m["text"] for m in data]


def assert_error(status: int, data: Any, expected: int) -> None:
    assert status == expected, data
    assert isinstance(data, dict) and set(data) == {"error"} and isinstance(data["error"], str), data
    assert not any(marker in data["error"] for marker in INTERNALS), data


# --- normal messages: Rasa's behaviour ---------------------------------------------------------------------

def test_a_message_reaches_the_bot_and_the_reply_comes_back(server):
    status, data = server.ask("alice", "我有CFA证书，能认可吗", metadata={"page": "chat"})
    assert status == 200 and data == [{"recipient_id": "alice", "text": "echo[rest:alice]: 我有CFA证书，能认可吗"}]
    [m] = server.agent.messages
    # the conversation is namespaced by channel; the reply is addressed to the sender the caller wrote
    assert (m.sender_id, m.text, m.input_channel, m.metadata) == ("rest:alice", "我有CFA证书，能认可吗", "rest",
                                                                   {"page": "chat"})
    assert type(m.output_channel).__name__ == "CollectingOutputChannel"


def test_a_missing_sender_is_refused_not_the_shared_default_conversation(server):
    # Rasa puts every message without a sender into one conversation, "default": anyone read everyone's
    status, _, data = server.send({"message": "hi"})
    assert_error(status, data, 400)
    assert "sender" in data["error"] and server.agent.messages == []


def test_rasa_defaults_and_input_channel_are_kept(server):
    server.ask(42, "hello", input_channel="kiosk")
    m = server.agent.messages[-1]
    assert m.sender_id == "rest:42" and m.input_channel == "kiosk"
    server.send({"sender": "x", "message": "charset"}, content_type="application/json; charset=utf-8")
    assert server.agent.messages[-1].text == "charset"


def test_streaming_is_rasa_s(server):
    status, headers, data = server.send({"sender": "s", "message": "multi"}, query="?stream=true")
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    lines = [json.loads(line) for line in data.splitlines()] if isinstance(data, str) else [data]
    assert [m.get("text") for m in lines] == ["First message.", None, "Second message."]
    assert type(server.agent.messages[-1].output_channel).__name__ == "QueueOutputChannel"


def test_a_failing_assistant_gives_the_unavailable_wording_not_a_trace(server):
    status, data = server.ask("bob", "boom")
    assert status == 200
    assert texts(data) == [wording("unavailable")]  # "boom" tells no language: both
    assert "Traceback" not in json.dumps(data) and "the assistant broke" not in json.dumps(data)


def test_injection_strings_reach_the_bot_verbatim(server):
    for attack in ["'; DROP TABLE events; --", "1' OR '1'='1", "<script>alert(1)</script>",
                   "<img src=x onerror=alert(1)>CFA", "{{7*7}} ${7*7} %s %n", "../../etc/passwd"]:
        status, data = server.ask("mallory", attack)
        assert status == 200 and texts(data) == [f"echo[rest:mallory]: {attack}"]
        assert server.agent.messages[-1].text == attack


def test_control_characters_are_stripped_before_the_bot(server):
    status, data = server.ask("carol", "\ufeff CFA\x00\x1b[2J证书\u2028能认可吗\x7f\n")
    assert status == 200
    assert server.agent.messages[-1].text == "CFA[2J证书 能认可吗"
    assert texts(data) == ["echo[rest:carol]: CFA[2J证书 能认可吗"]


def test_a_pasted_resume_goes_through_unchanged(server):
    resume = ("Name: Wang Fang\nQualifications:\n\tCFA charterholder, 2018\n\tFRM, 2020\n"
              "工作经历：某资产管理公司投资经理，负责固定收益组合。\n") * 60
    resume = resume[:3000].rstrip() + "。"
    status, _ = server.ask("dan", resume)
    assert status == 200 and server.agent.messages[-1].text == resume
    status, _ = server.ask("dan", "x" * MAX_TEXT_CHARS)
    assert status == 200 and server.agent.messages[-1].text == "x" * MAX_TEXT_CHARS


# --- the message id (bot/rasa_patches.py does not run a message twice) ---------------------------------------------------

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_the_message_id_comes_from_the_body_else_the_front_s_request_id_else_rasa(server):
    server.send({"sender": "m", "message": "one", "message_id": "web-1f3a.2:x_Y"},
                headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"})
    server.send({"sender": "m", "message": "two"}, headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"})
    server.send({"sender": "m", "message": "three"})
    server.send({"sender": "m", "message": "four"})
    server.send({"sender": "m", "message": "five", "message_id": None}, headers={"X-Request-Id": "not an id!"})
    ids = [m.message_id for m in server.agent.messages]
    assert ids[:2] == ["web-1f3a.2:x_Y", "0123456789abcdef0123456789abcdef"]
    assert all(HEX32.fullmatch(i) for i in ids[2:]) and len(set(ids)) == 5, ids  # Rasa's uuid4().hex each time
    status, _, data = server.send({"sender": "m", "message": "six", "message_id": "s-6"}, query="?stream=true")
    assert status == 200 and server.agent.messages[-1].message_id == "s-6"


def test_the_reply_json_has_the_same_shape_with_a_message_id(server):
    status, data = server.ask("n", "hi", message_id="n-1")
    assert status == 200 and data == [{"recipient_id": "n", "text": "echo[rest:n]: hi"}]


@pytest.mark.parametrize("message_id", ["", "x" * 129, "a b", "a/b", "a\nb", "\u00fc", "\uff11", "id\u200b",
                                        42, 1.5, True, ["a"], {"id": "a"}])
def test_a_bad_message_id_is_400(server, message_id):
    status, _, data = server.send({"sender": "o", "message": "hi", "message_id": message_id})
    assert_error(status, data, 400)
    assert "message_id" in data["error"]
    assert server.agent.messages == []


def test_the_longest_message_id_is_accepted(server):
    longest = "A-z0._:9" * 16
    assert len(longest) == 128
    status, _ = server.ask("p", "hi", message_id=longest)
    assert status == 200 and server.agent.messages[-1].message_id == longest


# --- empty and too long: a polite answer, Rasa never sees it -------------------------------------------------

@pytest.mark.parametrize("message", ["", "   ", " \n\t\u3000 ", "\x00\x01\u2028"])
def test_empty_or_whitespace_gets_please_type_your_question(server, message):
    status, data = server.ask("erin", message)
    assert status == 200 and data == [{"recipient_id": "erin", "text": wording("empty")}]
    assert "请输入您的问题" in data[0]["text"] and "Please type your question" in data[0]["text"]
    assert server.agent.messages == []


def test_too_long_gets_a_polite_answer_in_the_user_s_language(server):
    status, data = server.ask("frank", "我有CFA证书，" * 900)  # 6,300 characters, ~19 KB
    assert status == 200 and texts(data) == [wording("too_long", "zh")]
    status, data = server.ask("frank", "Is my certificate recognized? " * 200)
    assert status == 200 and texts(data) == [wording("too_long", "en")]
    assert "just the name of your certificate" in data[0]["text"]
    assert server.agent.messages == []


def test_a_100_kb_message_is_413_with_a_polite_message(server):
    status, headers, data = server.send({"sender": "gina", "message": "认" * 100_000})
    assert status == 413 and texts(data) == [wording("too_long")]
    assert headers["content-type"].startswith("application/json")
    assert server.agent.messages == []


# --- malformed requests: 4xx with a short JSON error ----------------------------------------------------------

@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp"])
def test_wrong_content_type_is_415(server, content_type):
    status, _, data = server.send({"sender": "h", "message": "hi"}, content_type=content_type)
    assert_error(status, data, 415)
    assert server.agent.messages == []


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b'{"message": "\xe4\xb8"}', b'{"message": "\xed\xa0\x80"}',
                                  "{\"message\": \"caf\u00e9\"}".encode("latin-1")])
def test_invalid_utf8_is_400(server, body):
    status, _, data = server.send(body)
    assert_error(status, data, 400)
    assert "UTF-8" in data["error"]


@pytest.mark.parametrize("body", [b"", b"{", b"{'message': 'hi'}", b'{"message": "hi",}', b"\xef\xbb\xbf{}",
                                  b"NaN]", b'{"message": 1' + b"0" * 5000 + b"}"])
def test_invalid_json_is_400(server, body):
    status, _, data = server.send(body)
    assert_error(status, data, 400)


@pytest.mark.parametrize("body", [[], ["hi"], [{"message": "hi"}], "hi", 42, None, True])
def test_a_json_value_that_is_not_an_object_is_400(server, body):
    status, _, data = server.send(body)
    assert_error(status, data, 400)
    assert "object" in data["error"]


@pytest.mark.parametrize("message", [None, 42, 1.5, True, ["hi"], {"text": "hi"}])
def test_a_message_that_is_not_a_string_is_400(server, message):
    status, data = server.ask("ivan", message)
    assert_error(status, data, 400)
    status, _, data = server.send({"sender": "ivan"})
    assert_error(status, data, 400)
    assert server.agent.messages == []


@pytest.mark.parametrize("extra", [{"sender": ""}, {"sender": "x" * 129}, {"sender": ["a"]}, {"sender": "a\nb"},
                                   {"sender": True}, {"metadata": "x"}, {"metadata": [1]},
                                   {"input_channel": ["x"]}, {"input_channel": ""}])
def test_bad_sender_metadata_or_input_channel_is_400(server, extra):
    status, _, data = server.send({"sender": "judy", "message": "hi", **extra})
    assert_error(status, data, 400)
    assert server.agent.messages == []


def test_a_lone_surrogate_is_400(server):
    status, _, data = server.send(b'{"sender": "k", "message": "CFA \\ud800"}')
    assert_error(status, data, 400)


def test_deeply_nested_json_is_refused_and_the_server_lives_on(server):
    deep = b'{"sender": "l", "message": "hi", "metadata": {"x": ' + b"[" * 30_000 + b"]" * 30_000 + b"}}"
    assert len(deep) < MAX_BODY_BYTES
    status, _, data = server.send(deep)
    assert_error(status, data, 400)
    status, _, data = server.send(b"[" * 100_000)  # 100,000 levels: over the size limit first
    assert status == 413 and texts(data) == [wording("too_long")]
    status, _, data = server.send(b"[" * 60_000)
    assert_error(status, data, 400)
    status, data = server.ask("l", "still there?")
    assert status == 200 and texts(data) == ["echo[rest:l]: still there?"]
    assert [m.text for m in server.agent.messages] == ["still there?"]


def test_health_route_still_answers(server):
    status, _, body = http("GET", server.base + "/webhooks/rest/")
    assert status == 200 and json.loads(body) == {"status": "ok"}


# --- rate limit ---------------------------------------------------------------------------------------------------

def test_rate_limit_is_429_for_that_sender_only():
    s = RestServer(RateLimiter(3, 60))
    try:
        assert [s.ask("noisy", f"第{i}个问题")[0] for i in range(3)] == [200, 200, 200]
        status, headers, data = s.send({"sender": "noisy", "message": "第4个问题：CFA能认可吗？"})
        assert status == 429 and data == [{"recipient_id": "noisy", "text": wording("rate_limited", "zh")}]
        assert 1 <= int(headers["retry-after"]) <= 60
        status, data = s.ask("noisy", "Is the CFA recognized?")
        assert status == 429 and texts(data) == [wording("rate_limited", "en")]
        status, data = s.ask("quiet", "我有CFA证书")  # another conversation is served
        assert status == 200 and texts(data) == ["echo[rest:quiet]: 我有CFA证书"]
        assert [m.sender_id for m in s.agent.messages] == ["rest:noisy"] * 3 + ["rest:quiet"]
    finally:
        s.close()


# --- the parse function, without a server ---------------------------------------------------------------------------

def test_parse_body_returns_the_checked_payload():
    parsed = parse_body(b'{"sender": 7, "message": " hi\\u0000 ", "metadata": {"a": 1}}', "application/json")
    assert isinstance(parsed, Parsed) and (parsed.sender, parsed.text, parsed.message_id) == ("rest:7", "hi", None)
    assert parsed.payload == {"sender": "rest:7", "message": "hi", "metadata": {"a": 1}} and parsed.raw_sender == "7"
    parsed = parse_body(b'{"sender": "s", "message": "hi", "message_id": "m-1"}', "application/json")
    assert isinstance(parsed, Parsed) and parsed.message_id == "m-1" and parsed.payload["message_id"] == "m-1"
    refused = parse_body(b"{}", "text/plain")
    assert isinstance(refused, Refusal) and refused.status == 415


# --- the project's configuration --------------------------------------------------------------------------------------

def test_credentials_yml_mounts_the_checked_channels(monkeypatch):
    from rasa.core.run import create_http_input_channels

    from bot.channels.socketio import QualibotSocketIOInput

    for var in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
                "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT", "QUALIBOT_CONSOLE_TOKEN"):
        monkeypatch.setenv(var, "")
    credentials = Path(__file__).resolve().parents[2] / "credentials.yml"
    channels = {c.name(): c for c in create_http_input_channels(None, str(credentials))}
    assert isinstance(channels["rest"], QualibotRestInput) and channels["rest"].url_prefix() == "rest"
    sio = channels["socketio"]
    assert isinstance(sio, QualibotSocketIOInput) and sio.session_persistence is True
    assert (sio.user_message_evt, sio.bot_message_evt, sio.socketio_path) == ("user_uttered", "bot_uttered",
                                                                              "/socket.io")
