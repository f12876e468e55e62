"""bot/channels/rest.py as the integrations' channel (issue 12): who may call it, whose payloads count,
and the refusals that must never cost a traceback (500-level metadata)."""
from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot import rasa_patches
from bot.channels.ratelimit import RateLimiter
from bot.channels.rest import QualibotRestInput
from tests.support.rest_server import RestServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "rest-test-token-0123456789"


@pytest.fixture
def server():
    s = RestServer(channel=QualibotRestInput(RateLimiter(0, 60), token=TOKEN, open_on_loopback=True))
    yield s
    s.close()


def bearer(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_caller_with_the_token_is_trusted_with_payloads(server):
    status, _, data = server.send({"sender": "crm-42", "message": "/greet"}, headers=bearer())
    assert status == 200 and data[0]["recipient_id"] == "crm-42"
    m = server.agent.messages[-1]
    assert m.sender_id == "rest:crm-42" and rasa_patches.is_public(m) is False


def test_a_loopback_caller_without_the_token_is_served_as_public(server):
    status, _, _ = server.send({"sender": "dev", "message": "/greet"})
    assert status == 200 and rasa_patches.is_public(server.agent.messages[-1]) is True


def test_a_wrong_token_is_403_and_a_request_through_a_proxy_needs_the_token(server):
    status, _, data = server.send({"sender": "x", "message": "hi"}, headers=bearer("wrong"))
    assert status == 403 and set(data) == {"error"}
    # nginx (on loopback too) forwards the public's requests: without the token they are refused
    status, _, data = server.send({"sender": "x", "message": "hi"}, headers={"X-Forwarded-For": "203.0.113.5"})
    assert status == 401 and "Bearer" in data["error"]
    assert server.agent.messages == []


def test_only_loopback_is_open_and_only_where_configured():
    request = lambda ip, **headers: SimpleNamespace(ip=ip, headers=headers)  # noqa: E731
    open_channel = QualibotRestInput(token=TOKEN, open_on_loopback=True)
    assert open_channel.caller(request("127.0.0.1")) is False
    assert open_channel.caller(request("::1")) is False
    for refused in (request("192.0.2.10"), request("10.1.2.3"), request("127.0.0.1", **{"X-Forwarded-For": "1.2.3.4"})):
        assert open_channel.caller(refused).status == 401
    closed = QualibotRestInput(token=TOKEN, open_on_loopback=False)
    assert closed.caller(request("127.0.0.1")).status == 401
    assert closed.caller(request("192.0.2.10", Authorization=f"Bearer {TOKEN}")) is True


def test_production_credentials_refuse_to_start_without_the_token(monkeypatch):
    from rasa.core.run import create_http_input_channels

    env = {v: "" for v in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
                           "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT", "QUALIBOT_CONSOLE_TOKEN",
                           "QUALIBOT_REST_TOKEN", "QUALIBOT_SESSION_TTL")}
    for var, value in {**env, "QUALIBOT_SESSION_SECRET": "prod-secret-0123456789abcdef"}.items():
        monkeypatch.setenv(var, value)
    with pytest.raises(ValueError, match="QUALIBOT_REST_TOKEN"):
        create_http_input_channels(None, str(ROOT / "credentials.prod.yml"))
    monkeypatch.setenv("QUALIBOT_REST_TOKEN", TOKEN)
    monkeypatch.setenv("QUALIBOT_SESSION_SECRET", "")
    with pytest.raises(ValueError, match="QUALIBOT_SESSION_SECRET"):
        create_http_input_channels(None, str(ROOT / "credentials.prod.yml"))
    monkeypatch.setenv("QUALIBOT_SESSION_SECRET", "prod-secret-0123456789abcdef")
    channels = {c.name(): c for c in create_http_input_channels(None, str(ROOT / "credentials.prod.yml"))}
    assert channels["rest"].token == TOKEN and channels["rest"].open_on_loopback is False
    assert channels["webchat"].signer is channels["socketio"].signer  # one session for both


def test_the_development_credentials_open_rest_on_loopback_and_mount_the_page_s_channel(monkeypatch):
    from rasa.core.run import create_http_input_channels

    from bot.channels.web import WebChatInput

    for var in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
                "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT", "QUALIBOT_CONSOLE_TOKEN"):
        monkeypatch.setenv(var, "")
    monkeypatch.delenv("QUALIBOT_REST_TOKEN", raising=False)
    channels = {c.name(): c for c in create_http_input_channels(None, str(ROOT / "credentials.yml"))}
    assert channels["rest"].open_on_loopback is True and channels["rest"].token == ""
    assert isinstance(channels["webchat"], WebChatInput) and channels["webchat"].url_prefix() == "webchat"
    assert channels["webchat"].signer is channels["socketio"].signer


def test_500_levels_of_metadata_are_a_400_with_no_traceback_in_the_log(server, caplog):
    deep: Any = {"a": 1}
    for _ in range(500):
        deep = {"x": deep}
    caplog.set_level(logging.DEBUG)
    status, _, data = server.send({"sender": "deep", "message": "hi", "metadata": deep}, headers=bearer())
    assert status == 400 and "nested too deeply" in data["error"] and set(data) == {"error"}
    assert server.agent.messages == []
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    # a message 500 levels deep anywhere else in the body is refused the same way
    status, _, data = server.send({"sender": "deep", "message": "hi", "extra": deep}, headers=bearer())
    assert status == 400 and "nested too deeply" in data["error"]
    status, _, _ = server.send({"sender": "deep", "message": "hi", "metadata": {"a": {"b": [1, {"c": 2}]}}},
                               headers=bearer())
    assert status == 200
