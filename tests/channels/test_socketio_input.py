"""bot/channels/socketio.py: Rasa's socket.io channel with the user's messages checked, on a real Sanic server
(127.0.0.1) and python-socketio's own client (long-polling: the installed aiohttp is too old for its
websocket transport). Every bad payload gets one polite `bot_uttered` on that socket, never silence."""
from __future__ import annotations

import time
from typing import Any, List, Optional

import pytest

socketio = pytest.importorskip("socketio")

from bot.channels.guard import RateLimiter, wording  # noqa: E402
from bot.channels.socketio import QualibotSocketIOInput  # noqa: E402
from tests.channels.test_wechat_harness import ChannelServer, StubAgent, background, wait_until  # noqa: E402

REPLY_WAIT = 5.0


class Client:
    """One browser tab: a socket.io connection that records what the bot sends it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.sio = socketio.AsyncClient(reconnection=False)
        self.got: List[Any] = []
        self.sessions: List[Any] = []
        self.sio.on("bot_uttered", self._bot)
        self.sio.on("session_confirm", self._session)
        background().run(self.sio.connect(base, socketio_path="/socket.io", transports=["polling"]))

    async def _bot(self, data: Any) -> None:
        self.got.append(data)

    async def _session(self, data: Any) -> None:
        self.sessions.append(data)

    @property
    def sid(self) -> str:
        return self.sio.get_sid()

    def emit(self, event: str, *args: Any) -> None:
        data = None if not args else (args[0] if len(args) == 1 else tuple(args))
        background().run(self.sio.emit(event, data))

    def session(self, data: Any = None) -> Any:
        n = len(self.sessions)
        self.emit("session_request", data) if data is not None else self.emit("session_request")
        assert wait_until(lambda: len(self.sessions) > n, REPLY_WAIT), "no session_confirm"
        return self.sessions[-1]

    def say(self, *args: Any) -> List[str]:
        """Send user_uttered with these arguments; the texts of the replies it got."""
        n = len(self.got)
        self.emit("user_uttered", *args)
        assert wait_until(lambda: len(self.got) > n, REPLY_WAIT), f"no reply to {args!r}"
        time.sleep(0.1)  # and nothing more than what came
        return [m.get("text") for m in self.got[n:]]

    def close(self) -> None:
        background().run(self._close(), timeout=5)

    async def _close(self) -> None:
        # a polite goodbye without waiting for the long-poll in flight (it ends when the server closes)
        if self.sio.connected:
            await self.sio._send_packet(self.sio.packet_class(socketio.packet.DISCONNECT, namespace="/"))
        await self.sio.eio.disconnect(abort=True)


class SocketServer(ChannelServer):
    def __init__(self, persistence: bool = True, limiter: Optional[RateLimiter] = None) -> None:
        channel = QualibotSocketIOInput("user_uttered", "bot_uttered", None, persistence,
                                        limiter=limiter or RateLimiter(0, 60))
        super().__init__(channel, StubAgent())
        self.clients: List[Client] = []

    def client(self) -> Client:
        c = Client(self.base)
        self.clients.append(c)
        return c

    def close(self) -> None:
        for c in self.clients:
            c.close()
        super().close()


@pytest.fixture
def server():
    s = SocketServer()
    yield s
    s.close()


@pytest.fixture
def tab(server):
    c = server.client()
    assert c.session({"session_id": "tab-1"}) == "tab-1"
    return c


BAD_REQUEST = wording("bad_request")


# --- normal messages -------------------------------------------------------------------------------------------

def test_a_message_reaches_the_bot_and_the_answer_reaches_the_tab(server, tab):
    # with session_persistence the answer goes to the session's room: the tab must have joined it
    assert tab.say({"message": "我有CFA证书", "session_id": "tab-1"}) == ["echo[tab-1]: 我有CFA证书"]
    [call] = server.agent.calls
    assert call == {"sender_id": "tab-1", "text": "我有CFA证书", "input_channel": "socketio", "metadata": {}}


def test_a_custom_payload_reaches_the_tab_as_custom(server, tab):
    # every answer of ours carries a custom payload; Rasa 3.6's own output raised TypeError on it
    n = len(tab.got)
    tab.emit("user_uttered", {"message": "multi", "session_id": "tab-1"})
    assert wait_until(lambda: len(tab.got) >= n + 3, REPLY_WAIT), tab.got[n:]
    assert tab.got[n:n + 3] == [{"text": "First message."}, {"custom": {"kind": "recognized", "cites": ["一.4"]}},
                                {"text": "Second message."}]


def test_metadata_as_an_object_or_a_json_string(server, tab):
    tab.say({"message": "a", "session_id": "tab-1", "metadata": {"page": "x"}})
    tab.say({"message": "b", "session_id": "tab-1", "metadata": '{"page": "y"}'})
    assert [c["metadata"] for c in server.agent.calls] == [{"page": "x"}, {"page": "y"}]


def test_extra_arguments_are_ignored(server, tab):
    assert tab.say({"message": "hi", "session_id": "tab-1"}, "extra", 3) == ["echo[tab-1]: hi"]


def test_injection_strings_reach_the_bot_verbatim_and_controls_are_stripped(server, tab):
    for attack in ["'; DROP TABLE events; --", "<script>alert(1)</script>"]:
        assert tab.say({"message": attack, "session_id": "tab-1"}) == [f"echo[tab-1]: {attack}"]
    tab.say({"message": "\x00CFA\x1b\u2028证书 ", "session_id": "tab-1"})
    assert server.agent.calls[-1]["text"] == "CFA 证书"


def test_without_session_persistence_the_socket_is_the_conversation():
    s = SocketServer(persistence=False)
    try:
        c = s.client()
        assert c.say({"message": "hi"}) == [f"echo[{c.sid}]: hi"]
    finally:
        s.close()


# --- bad payloads: one polite message, and the socket carries on -------------------------------------------------

@pytest.mark.parametrize("args", [(), ("junk",), (42,), (["hi"],), ({"message": 3, "session_id": "tab-1"},),
                                  ({"message": None, "session_id": "tab-1"},), ({"session_id": "tab-1"},),
                                  ({"message": "CFA"},), ({"message": "CFA", "session_id": ["tab-1"]},),
                                  ({"message": "CFA", "session_id": ""},), ({"message": "CFA", "session_id": "a\nb"},),
                                  ({"message": "CFA", "session_id": "tab-1", "metadata": "{"},),
                                  ({"message": "CFA", "session_id": "tab-1", "metadata": [1, 2]},),
                                  ({"message": "CFA \ud800", "session_id": "tab-1"},)])
def test_a_bad_payload_gets_a_polite_reply(server, tab, args):
    assert tab.say(*args) == [BAD_REQUEST]
    assert server.agent.calls == []
    assert tab.say({"message": "still there?", "session_id": "tab-1"}) == ["echo[tab-1]: still there?"]


def test_a_bad_session_request_gets_a_fresh_session_id(server):
    c = server.client()
    for data in ("junk", {"session_id": ["x"]}, {"session_id": ""}, {"session_id": "x" * 200}, {"session_id": "a\nb"},
                 {}):
        session = c.session(data)
        assert isinstance(session, str) and len(session) == 32 and session.isalnum()
    assert c.say({"message": "hi", "session_id": c.sessions[-1]}) == [f"echo[{c.sessions[-1]}]: hi"]


@pytest.mark.parametrize("message", ["", "   ", "\n\t\u3000"])
def test_empty_gets_please_type_your_question(server, tab, message):
    assert tab.say({"message": message, "session_id": "tab-1"}) == [wording("empty")]
    assert server.agent.calls == []


def test_too_long_gets_a_polite_reply_in_the_user_s_language(server, tab):
    assert tab.say({"message": "我有CFA证书，" * 900, "session_id": "tab-1"}) == [wording("too_long", "zh")]
    assert tab.say({"message": "I have the CFA. " * 400, "session_id": "tab-1"}) == [wording("too_long", "en")]
    assert server.agent.calls == []


def test_a_failing_assistant_gets_unavailable_not_silence(server, tab):
    assert tab.say({"message": "boom", "session_id": "tab-1"}) == [wording("unavailable")]
    assert tab.say({"message": "ok", "session_id": "tab-1"}) == ["echo[tab-1]: ok"]


def test_polite_replies_go_to_that_socket_only(server, tab):
    other = server.client()
    assert other.session({"session_id": "tab-2"}) == "tab-2"
    assert tab.say("junk") == [BAD_REQUEST]
    assert other.got == []


# --- rate limit ------------------------------------------------------------------------------------------------

def test_rate_limit_for_that_conversation_only():
    s = SocketServer(limiter=RateLimiter(2, 60))
    try:
        noisy, quiet = s.client(), s.client()
        noisy.session({"session_id": "noisy"})
        quiet.session({"session_id": "quiet"})
        for i in range(2):
            assert noisy.say({"message": f"问题{i}", "session_id": "noisy"}) == [f"echo[noisy]: 问题{i}"]
        assert noisy.say({"message": "第三个问题", "session_id": "noisy"}) == [wording("rate_limited", "zh")]
        assert noisy.say({"message": "Is the CFA recognized?", "session_id": "noisy"}) == \
            [wording("rate_limited", "en")]
        assert quiet.say({"message": "我有CFA", "session_id": "quiet"}) == ["echo[quiet]: 我有CFA"]
        assert [c["sender_id"] for c in s.agent.calls] == ["noisy", "noisy", "quiet"]
    finally:
        s.close()
