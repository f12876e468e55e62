"""bot/channels/socketio.py: Rasa's socket.io channel with the user's messages checked, on a real Sanic server
(127.0.0.1) and python-socketio's own client (long-polling: the installed aiohttp is too old for its
websocket transport). Every bad payload gets one polite `bot_uttered` on that socket, never silence."""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

import pytest

socketio = pytest.importorskip("socketio")

from bot.channels.ratelimit import Limits, RateLimiter
from bot.channels.wording import wording  # noqa: E402
from bot.channels.session import SessionSigner  # noqa: E402
from bot.channels.socketio import QualibotSocketIOInput  # noqa: E402
from tests.support.channel_server import ChannelServer, StubAgent, background
from tests.support.servers import wait_until  # noqa: E402

REPLY_WAIT = 5.0


class Client:
    """One browser tab: a socket.io connection that records what the bot sends it."""

    def __init__(self, base: str, headers: Optional[Dict[str, str]] = None) -> None:
        self.base = base
        self.sio = socketio.AsyncClient(reconnection=False)
        self.got: List[Any] = []
        self.sessions: List[Any] = []
        self.sio.on("bot_uttered", self._bot)
        self.sio.on("session_confirm", self._session)
        background().run(self.sio.connect(base, socketio_path="/socket.io", transports=["polling"],
                                          headers=headers or {}))

    async def _bot(self, data: Any) -> None:
        self.got.append(data)

    async def _session(self, data: Any) -> None:
        self.sessions.append(data)

    @property
    def sid(self) -> str:
        return self.sio.get_sid()

    @property
    def token(self) -> str:
        """The session token of the last session_confirm."""
        return self.sessions[-1]

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


def conversation_of(token: str) -> str:
    """The conversation id a session token stands for ("web:<id>")."""
    return "web:" + token.split(".")[1]


class SocketServer(ChannelServer):
    def __init__(self, persistence: bool = True, limiter: Optional[RateLimiter] = None,
                 signer: Optional[SessionSigner] = None, limits: Optional[Limits] = None) -> None:
        channel = QualibotSocketIOInput("user_uttered", "bot_uttered", None, persistence,
                                        limits=limits or Limits(limiter or RateLimiter(0, 60), None),
                                        signer=signer or SessionSigner("socketio-test-secret-0123456789"))
        super().__init__(channel, StubAgent())
        self.clients: List[Client] = []

    def client(self, headers: Optional[Dict[str, str]] = None) -> Client:
        c = Client(self.base, headers)
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
    token = c.session()
    assert server.channel.signer.verify(token) is not None  # a session the server issued and signed
    return c


def echo(tab: Client, text: str) -> str:
    return f"echo[{conversation_of(tab.token)}]: {text}"


BAD_REQUEST = wording("bad_request")


# --- normal messages -------------------------------------------------------------------------------------------

def test_a_message_reaches_the_bot_and_the_answer_reaches_the_tab(server, tab):
    # the answer goes to the room of the session's conversation: the tab must have joined it
    assert tab.say({"message": "我有CFA证书", "session_id": tab.token}) == [echo(tab, "我有CFA证书")]
    [call] = server.agent.calls
    assert call == {"sender_id": conversation_of(tab.token), "text": "我有CFA证书", "input_channel": "socketio",
                    "metadata": {}}
    assert call["sender_id"].startswith("web:")


def test_a_custom_payload_reaches_the_tab_as_custom(server, tab):
    # every answer of ours carries a custom payload; Rasa 3.6's own output raised TypeError on it
    n = len(tab.got)
    tab.emit("user_uttered", {"message": "multi", "session_id": tab.token})
    assert wait_until(lambda: len(tab.got) >= n + 3, REPLY_WAIT), tab.got[n:]
    assert tab.got[n:n + 3] == [{"text": "First message."}, {"custom": {"kind": "recognized", "cites": ["一.4"]}},
                                {"text": "Second message."}]


def test_metadata_as_an_object_or_a_json_string(server, tab):
    tab.say({"message": "a", "session_id": tab.token, "metadata": {"page": "x"}})
    tab.say({"message": "b", "session_id": tab.token, "metadata": '{"page": "y"}'})
    assert [c["metadata"] for c in server.agent.calls] == [{"page": "x"}, {"page": "y"}]


def test_extra_arguments_are_ignored(server, tab):
    assert tab.say({"message": "hi", "session_id": tab.token}, "extra", 3) == [echo(tab, "hi")]


def test_a_bound_socket_may_leave_the_session_id_out(server, tab):
    assert tab.say({"message": "hi"}) == [echo(tab, "hi")]


def test_injection_strings_reach_the_bot_verbatim_and_controls_are_stripped(server, tab):
    for attack in ["'; DROP TABLE events; --", "<script>alert(1)</script>"]:
        assert tab.say({"message": attack, "session_id": tab.token}) == [echo(tab, attack)]
    tab.say({"message": "\x00CFA\x1b\u2028证书 ", "session_id": tab.token})
    assert server.agent.calls[-1]["text"] == "CFA 证书"


def test_without_session_persistence_the_conversation_is_still_the_session_s():
    s = SocketServer(persistence=False)
    try:
        c = s.client()
        c.session()
        assert c.say({"message": "hi"}) == [f"echo[{conversation_of(c.token)}]: hi"]
    finally:
        s.close()


# --- sessions: issued by the server, one per socket (issue 12) ---------------------------------------------------

def test_naming_someone_else_s_conversation_gets_a_session_of_its_own(server, tab):
    # before: session_request {"session_id": "<their id>"} joined their room and got their answers live
    intruder = server.client()
    for named in (conversation_of(tab.token), tab.token.split(".")[1], "tab-1"):
        intruder2 = server.client()
        mine = intruder2.session({"session_id": named})
        assert mine != tab.token and conversation_of(mine) != conversation_of(tab.token)
    intruder.session()
    tab.say({"message": "my certificate is CFA", "session_id": tab.token})
    assert intruder.got == [] and all(c.got == [] for c in server.clients if c not in (tab,))


def test_a_socket_cannot_switch_to_another_session(server, tab):
    other = server.client()
    theirs = other.session()
    n = len(tab.sessions)
    tab.emit("session_request", {"session_id": theirs})
    assert wait_until(lambda: len(tab.got) > 0, REPLY_WAIT)
    assert tab.got == [{"text": BAD_REQUEST}] and len(tab.sessions) == n  # refused, no confirm
    other.say({"message": "only for me", "session_id": theirs})
    assert not any("only for me" in (m.get("text") or "") for m in tab.got)


def test_user_uttered_with_another_session_is_refused_and_written_nowhere(server, tab):
    victim = server.client()
    theirs = victim.session()
    assert tab.say({"message": "I am 99 and Chinese", "session_id": theirs}) == [wording("bad_request", "en")]
    assert tab.say({"message": "我是外籍", "session_id": conversation_of(theirs)}) == [wording("bad_request", "zh")]
    assert server.agent.calls == [] and victim.got == []


def test_a_message_before_any_session_is_refused():
    s = SocketServer()
    try:
        c = s.client()
        assert c.say({"message": "hi", "session_id": "anything"}) == [wording("bad_request", "en")]
        assert s.agent.calls == []
    finally:
        s.close()


def test_a_reconnect_with_its_token_carries_on_the_same_conversation(server, tab):
    tab.say({"message": "first", "session_id": tab.token})
    again = server.client()
    assert again.session({"session_id": tab.token}) == tab.token
    assert again.say({"message": "second", "session_id": tab.token}) == [echo(tab, "second")]
    assert {c["sender_id"] for c in server.agent.calls} == {conversation_of(tab.token)}


def test_a_forged_or_expired_token_gets_a_new_session():
    clock = [1_000_000.0]
    signer = SessionSigner("socketio-test-secret-0123456789", ttl=60, clock=lambda: clock[0])
    s = SocketServer(signer=signer)
    try:
        c = s.client()
        real = c.session()
        forged = real[:-2] + ("AA" if not real.endswith("AA") else "BB")
        other = SessionSigner("another-secret-0123456789abcdef").issue(real.split(".")[1]).token
        for token in (forged, other):
            assert s.client().session({"session_id": token}) not in (token, real)
        clock[0] += 61
        late = s.client()
        assert late.session({"session_id": real}) != real
        assert c.say({"message": "hi", "session_id": real}) == [wording("bad_request", "en")]  # expired meanwhile
    finally:
        s.close()


def test_the_web_page_s_cookie_binds_the_socket():
    signer = SessionSigner("socketio-test-secret-0123456789")
    s = SocketServer(signer=signer)
    try:
        session = signer.issue()
        c = s.client(headers={"Cookie": f"qualibot_session={session.token}"})
        assert c.say({"message": "hi"}) == [f"echo[{session.conversation_id}]: hi"]
        assert c.session() == session.token
    finally:
        s.close()


# --- bad payloads: one polite message, and the socket carries on -------------------------------------------------

DEEP = {"a": 1}
for _ in range(60):  # over guard.MAX_JSON_DEPTH (python-socketio's own client cannot send 500 levels)
    DEEP = {"x": DEEP}


@pytest.mark.parametrize("args", [(), ("junk",), (42,), (["hi"],), ({"message": 3},), ({"message": None},),
                                  ({"session_id": "TOKEN"},), ({"message": "CFA", "session_id": ["x"]},),
                                  ({"message": "CFA", "session_id": ""},), ({"message": "CFA", "session_id": "a\nb"},),
                                  ({"message": "CFA", "session_id": "TOKEN", "metadata": "{"},),
                                  ({"message": "CFA", "session_id": "TOKEN", "metadata": [1, 2]},),
                                  ({"message": "CFA", "session_id": "TOKEN", "metadata": DEEP},),
                                  ({"message": "CFA \ud800", "session_id": "TOKEN"},)])
def test_a_bad_payload_gets_a_polite_reply(server, tab, args):
    args = tuple({k: (tab.token if v == "TOKEN" else v) for k, v in a.items()} if isinstance(a, dict) else a
                 for a in args)
    assert tab.say(*args) == [BAD_REQUEST]
    assert server.agent.calls == []
    assert tab.say({"message": "still there?", "session_id": tab.token}) == [echo(tab, "still there?")]


def test_a_bad_session_request_gets_a_fresh_session(server):
    c = server.client()
    for data in ("junk", {"session_id": ["x"]}, {"session_id": ""}, {"session_id": "x" * 200}, {"session_id": "a\nb"},
                 {}):
        fresh = server.client()
        session = fresh.session(data)
        assert server.channel.signer.verify(session) is not None
    c.session()
    assert c.say({"message": "hi", "session_id": c.token}) == [f"echo[{conversation_of(c.token)}]: hi"]


@pytest.mark.parametrize("message", ["", "   ", "\n\t\u3000"])
def test_empty_gets_please_type_your_question(server, tab, message):
    assert tab.say({"message": message, "session_id": tab.token}) == [wording("empty")]
    assert server.agent.calls == []


def test_too_long_gets_a_polite_reply_in_the_user_s_language(server, tab):
    assert tab.say({"message": "我有CFA证书，" * 900, "session_id": tab.token}) == [wording("too_long", "zh")]
    assert tab.say({"message": "I have the CFA. " * 400, "session_id": tab.token}) == [wording("too_long", "en")]
    assert server.agent.calls == []


def test_a_failing_assistant_gets_unavailable_not_silence(server, tab):
    assert tab.say({"message": "boom", "session_id": tab.token}) == [wording("unavailable")]
    assert tab.say({"message": "ok", "session_id": tab.token}) == [echo(tab, "ok")]


def test_polite_replies_go_to_that_socket_only(server, tab):
    other = server.client()
    other.session()
    assert tab.say("junk") == [BAD_REQUEST]
    assert other.got == []


# --- rate limit ------------------------------------------------------------------------------------------------

def test_rate_limit_for_that_conversation_only():
    s = SocketServer(limiter=RateLimiter(2, 60))
    try:
        noisy, quiet = s.client(), s.client()
        noisy.session()
        quiet.session()
        for i in range(2):
            assert noisy.say({"message": f"问题{i}"}) == [echo(noisy, f"问题{i}")]
        assert noisy.say({"message": "第三个问题"}) == [wording("rate_limited", "zh")]
        assert noisy.say({"message": "Is the CFA recognized?"}) == [wording("rate_limited", "en")]
        assert quiet.say({"message": "我有CFA"}) == [echo(quiet, "我有CFA")]
        assert [c["sender_id"] for c in s.agent.calls] == [conversation_of(noisy.token)] * 2 + \
            [conversation_of(quiet.token)]
    finally:
        s.close()


def test_rate_limit_per_address_counts_every_socket_of_that_address():
    # 100 sessions from one address used to pass: now the address has its limit too (new sessions count)
    s = SocketServer(limits=Limits(RateLimiter(0, 60), RateLimiter(3, 60)))
    try:
        a, b = s.client(), s.client()
        a.session()
        b.session()  # 2 of 3: two new sessions
        assert a.say({"message": "one"}) == [echo(a, "one")]  # 3 of 3
        assert b.say({"message": "the second question"}) == [wording("rate_limited", "en")]
        c = s.client()
        c.emit("session_request")
        assert wait_until(lambda: c.got, REPLY_WAIT) and c.got == [{"text": wording("rate_limited")}]
        assert c.sessions == []
    finally:
        s.close()
