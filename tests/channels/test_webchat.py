"""bot/channels/web/chat.py and session.py: the chat page's channel with a server-issued, signed session
(issue 12: a sender id the page made up was a key anyone could use to read or write its conversation).
A real Sanic server on 127.0.0.1 with the channel mounted by Rasa's own register()."""
from __future__ import annotations

import json
import logging
from http.cookies import SimpleCookie
from typing import Any, Dict, Optional, Tuple

import pytest
from hypothesis import given, strategies as st

from bot import rasa_patches
from bot.channels.ratelimit import Limits, RateLimiter
from bot.channels.wording import wording
from bot.channels.session import COOKIE, SessionSigner
from bot.channels.web import WebChatInput
from tests.support.rest_server import MultiChannelServer

SECRET = "webchat-test-secret-0123456789"
SESSION = "/webhooks/webchat/session"
WEBHOOK = "/webhooks/webchat/webhook"


class Page:
    """What a browser does: keeps the cookie the server sets and sends it back."""

    def __init__(self, server: MultiChannelServer) -> None:
        self.server, self.cookie = server, ""

    def session(self, body: Any = None, **headers: str) -> Tuple[int, Any, Dict[str, str]]:
        status, got, data = self.server.post(SESSION, body if body is not None else {}, self._headers(headers))
        if "set-cookie" in got:
            jar = SimpleCookie()
            jar.load(got["set-cookie"])
            self.cookie = jar[COOKIE].value
        return status, data, got

    def say(self, message: Any, **extra: Any) -> Tuple[int, Any]:
        status, _, data = self.server.post(WEBHOOK, {"message": message, **extra}, self._headers({}))
        return status, data

    def _headers(self, headers: Dict[str, str]) -> Dict[str, str]:
        return {**({"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}), **headers}


def make_server(signer: Optional[SessionSigner] = None, limits: Optional[Limits] = None) -> MultiChannelServer:
    return MultiChannelServer([WebChatInput(signer or SessionSigner(SECRET),
                                            limits or Limits(RateLimiter(0, 60), None))])


@pytest.fixture
def server():
    s = make_server()
    yield s
    s.close()


@pytest.fixture
def page(server):
    p = Page(server)
    status, data, _ = p.session()
    assert status == 200 and data["conversation_id"].startswith("web:")
    return p


def test_the_session_is_an_httponly_strict_cookie_signed_by_the_server(server):
    status, data, headers = Page(server).session()
    assert status == 200 and set(data) == {"conversation_id", "expires_at", "renewed"} and data["renewed"] is False
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie and "Max-Age=86400" in cookie
    jar = SimpleCookie()
    jar.load(cookie)
    session = server.channel.signer.verify(jar[COOKIE].value)
    assert session is not None and session.conversation_id == data["conversation_id"]


def test_messages_go_to_the_session_s_conversation_whatever_sender_the_body_names(server, page):
    conversation = page.session()[1]["conversation_id"]
    status, data = page.say("我有CFA证书", sender="someone-else", input_channel="rest")
    assert status == 200 and data[0]["text"] == f"echo[{conversation}]: 我有CFA证书"
    [m] = server.agent.messages
    assert (m.sender_id, m.input_channel) == (conversation, "webchat")
    assert rasa_patches.is_public(m)  # a "/…" payload from the page counts only as an offered button


def test_a_reload_renews_the_same_session_and_new_chat_makes_another(server, page):
    first = page.session()[1]
    again = page.session()[1]
    assert again["conversation_id"] == first["conversation_id"] and again["renewed"] is True
    fresh = page.session({"new": True})[1]
    assert fresh["conversation_id"] != first["conversation_id"] and fresh["renewed"] is False
    page.say("hi")
    assert server.agent.messages[-1].sender_id == fresh["conversation_id"]


@pytest.mark.parametrize("cookie, why", [("", "missing"), ("web:abc", "invalid"), ("v1.x.y.z", "invalid")])
def test_without_a_valid_session_a_message_is_401(server, cookie, why):
    p = Page(server)
    p.cookie = cookie
    status, data = p.say("hi")
    assert status == 401 and data["session"] == why and "Traceback" not in json.dumps(data)
    assert server.agent.messages == []


def test_a_forged_or_foreign_token_is_refused(server, page):
    real = page.cookie
    sid = real.split(".")[1]
    for token in (real[:-1] + ("A" if real[-1] != "A" else "B"),  # the signature changed
                  SessionSigner("another-secret-0123456789abcdef").issue(sid).token,  # signed with another key
                  real.replace(sid, "A" * 22)):  # someone else's id under my signature
        page.cookie = token
        status, data = page.say("hi")
        assert status == 401 and data["session"] == "invalid"
    assert server.agent.messages == []


def test_an_expired_session_is_refused_and_a_new_one_is_a_new_conversation():
    clock = [1_000_000.0]
    s = make_server(SessionSigner(SECRET, ttl=600, clock=lambda: clock[0]))
    try:
        p = Page(s)
        old = p.session()[1]["conversation_id"]
        clock[0] += 601
        status, data = p.say("hi")
        assert status == 401 and data["session"] == "expired"
        assert p.session()[1]["conversation_id"] != old
        assert p.say("hi")[0] == 200
    finally:
        s.close()


def test_deeply_nested_metadata_is_400_without_a_traceback(server, page, caplog):
    deep: Any = {"a": 1}
    for _ in range(500):
        deep = {"x": deep}
    caplog.set_level(logging.DEBUG)
    status, data = page.say("hi", metadata=deep)
    assert status == 400 and "nested too deeply" in data["error"]
    assert server.agent.messages == []
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert page.say("hi", metadata={"a": {"b": [1, {"c": 2}]}})[0] == 200


def test_the_session_endpoint_refuses_bad_bodies(server):
    status, _, data = server.post(SESSION, b"{")
    assert status == 400 and "error" in data
    status, _, data = server.post(SESSION, b"[1]")
    assert status == 400
    status, _, data = server.post(SESSION, b"x" * 5000)
    assert status == 413


def test_new_sessions_and_messages_count_against_the_client_address():
    s = make_server(limits=Limits(RateLimiter(0, 60), RateLimiter(3, 60)))
    try:
        a, b = Page(s), Page(s)
        assert a.session()[0] == 200 and b.session()[0] == 200  # 2 of 3
        assert a.say("one")[0] == 200  # 3 of 3
        status, data = b.say("Is the CFA recognized?")
        assert status == 429 and data[0]["text"] == wording("rate_limited", "en")
        status, data, headers = Page(s).session()
        assert status == 429 and "error" in data and int(headers["retry-after"]) >= 1
    finally:
        s.close()


def test_x_forwarded_for_counts_only_through_a_trusted_front():
    # the test client is on loopback, which is trusted by default: the header names the client
    s = make_server(limits=Limits(RateLimiter(0, 60), RateLimiter(1, 60)))
    try:
        assert Page(s).session(**{"X-Forwarded-For": "203.0.113.7"})[0] == 200
        assert Page(s).session(**{"X-Forwarded-For": "203.0.113.8"})[0] == 200  # another address
        assert Page(s).session(**{"X-Forwarded-For": "203.0.113.7"})[0] == 429
        # a client cannot pick its address: nginx appends the address it saw, which is what counts
        assert Page(s).session(**{"X-Forwarded-For": "198.51.100.1, 203.0.113.8"})[0] == 429
    finally:
        s.close()


def test_one_session_is_one_conversation_and_one_counter_on_the_page_and_socket_io():
    socketio = pytest.importorskip("socketio")  # noqa: F841
    from bot.channels.socketio import QualibotSocketIOInput
    from tests.channels.test_socketio_input import Client

    signer = SessionSigner(SECRET)
    limits = Limits(RateLimiter(2, 60), None)
    page_channel = WebChatInput(signer, limits)
    sio_channel = QualibotSocketIOInput("user_uttered", "bot_uttered", None, True, limits=limits, signer=signer)
    s = MultiChannelServer([page_channel, sio_channel])
    try:
        p = Page(s)
        conversation = p.session()[1]["conversation_id"]
        assert p.say("from the page")[0] == 200
        tab = Client(s.base, headers={"Cookie": f"{COOKIE}={p.cookie}"})
        try:
            assert tab.say({"message": "from socket.io"}) == [f"echo[{conversation}]: from socket.io"]
            assert tab.say({"message": "the third question"}) == [wording("rate_limited", "en")]
        finally:
            tab.close()
        assert p.say("and the page again")[0] == 429  # the same conversation's counter
        assert [m.sender_id for m in s.agent.messages] == [conversation] * 2
    finally:
        s.close()


@given(st.one_of(st.text(max_size=300), st.none(), st.integers(), st.binary(max_size=50)))
def test_any_token_is_checked_without_an_exception(token):
    signer = SessionSigner(SECRET)
    assert signer.verify(token) is None
    assert signer.status(token) in ("missing", "invalid")


def test_a_session_round_trip_and_a_short_secret_is_refused():
    signer = SessionSigner(SECRET)
    session = signer.issue()
    assert signer.verify(session.token) == session and len(session.token) <= 128
    assert signer.issue(session.id).id == session.id
    with pytest.raises(ValueError):
        SessionSigner("short")
