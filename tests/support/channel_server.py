"""A channel on a real Sanic server in this process, for the channel tests (no sanic-testing, no network but
127.0.0.1): `ChannelServer(channel, agent)` mounts the channel with Rasa's own `register()` under /webhooks/
on a free port, served by one background event loop (`background()`, a daemon thread) that the fake
services share too; `StubAgent` stands in for Rasa's Agent and answers deterministically.
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

from sanic import Sanic

from tests.support.http import Headers, http
from tests.support.servers import free_socket

Sanic.test_mode = True  # several apps in one process


# --- a background event loop ------------------------------------------------------------------------

class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="wechat-test-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 30.0) -> Any:  # a margin for a loaded machine, not a wait
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


_BACKGROUND: Optional[LoopThread] = None


def background() -> LoopThread:
    global _BACKGROUND
    if _BACKGROUND is None:
        _BACKGROUND = LoopThread()
    return _BACKGROUND



# --- the stub agent and the channel server --------------------------------------------------------------

class StubAgent:
    """Stands in for rasa's Agent: `register()` calls app.ctx.agent.handle_message(message)."""

    def __init__(self, slow_delay: float = 0.6) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.message_ids: List[str] = []
        self.slow_delay = slow_delay
        # a test may hold slow answers until it has done something meanwhile (hold.clear() ... hold.set()), so that
        # "still running" does not depend on how fast a loaded machine sends the next request
        self.hold = threading.Event()
        self.hold.set()

    async def handle_message(self, message: Any) -> None:
        self.calls.append({"sender_id": message.sender_id, "text": message.text,
                           "input_channel": message.input_channel, "metadata": message.metadata})
        self.message_ids.append(message.message_id)
        out, who, text = message.output_channel, message.sender_id, message.text
        if text.startswith("slow"):
            await asyncio.sleep(self.slow_delay)
            while not self.hold.is_set():
                await asyncio.sleep(0.01)
            await out.send_response(who, {"text": f"slow answer to {text}"})
        elif text == "buttons":
            await out.send_response(who, {"text": "Which one do you mean?", "buttons": [
                {"title": "CFA (US)", "payload": '/inform{"qualification":"R001"}'},
                {"title": "CPA Australia", "payload": '/inform{"qualification":"R007"}'},
            ]})
        elif text == "multi":
            await out.send_response(who, {"text": "First message."})
            await out.send_response(who, {"custom": {"kind": "recognized", "cites": ["一.4"]}})
            await out.send_response(who, {"text": "Second message."})
        elif text == "boom":
            raise RuntimeError("the assistant broke")
        elif text == "long":
            await out.send_response(who, {"text": "第一段" + "长" * 600})
            await out.send_response(who, {"text": "第二段" + "文" * 600})
        elif text == "essay":  # one paragraph of ~5,000 bytes: numbered sentences, no line breaks
            await out.send_response(who, {"text": "".join(f"第{i}句：这是一段很长的回答里的一句话。" for i in range(1, 181)),
                                          "buttons": [{"title": "CFA (US)", "payload": '/inform{"qualification":"R001"}'}]})
        elif text in ("receipted", "receipted-en", "handoff"):  # an answer with its receipt (actions/reply.py)
            lang = "en" if text == "receipted-en" else "zh"
            custom = {"kind": "human", "handoff": True} if text == "handoff" else {"kind": "recognized"}
            await out.send_response(who, {"text": "已收到。" if lang == "zh" else "Noted."})
            await out.send_response(who, {"custom": {**custom, "lang": lang, "receipt": "Q7K-3F2"}})
        elif text == "long-receipted":
            await out.send_response(who, {"text": "第一段" + "长" * 600})
            await out.send_response(who, {"text": "第二段" + "文" * 600})
            await out.send_response(who, {"custom": {"kind": "recognized", "lang": "zh", "receipt": "Q7K-3F2"}})
        elif text == "silent":
            pass
        else:
            await out.send_response(who, {"text": f"echo[{who}]: {text}"})


class ChannelServer:
    """A Sanic app on 127.0.0.1:<free port> with `channel` mounted at /webhooks/<name>/ (`url`: its webhook);
    `get` and `post` send requests as the WeChat platform does (query string, XML body)."""

    _names = itertools.count()

    def __init__(self, channel: Any, agent: Optional[StubAgent] = None) -> None:
        from rasa.core.channels.channel import register

        self.channel = channel
        self.agent = agent or StubAgent()
        self.app = Sanic(f"wechat_test_{next(self._names)}")
        self.app.ctx.agent = self.agent
        self.app.config.ACCESS_LOG = False
        register([channel], self.app, route="/webhooks/")
        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/webhooks/{channel.name()}/webhook"
        self._server: Any = None
        background().run(self._start())

    async def _start(self) -> None:
        # create_server awaits the AsyncioServer already: it is listening when this returns
        srv = await self.app.create_server(sock=self.sock, return_asyncio_server=True, access_log=False)
        await srv.startup()
        await srv.before_start()
        await srv.after_start()
        self._server = srv

    async def _stop(self) -> None:
        srv = self._server
        await srv.before_stop()
        srv.close()
        await srv.wait_closed()
        for conn in list(srv.connections):
            conn.close_if_idle()
        await srv.after_stop()

    def close(self) -> None:
        background().run(self._stop())
        self.sock.close()

    # requests as the platform sends them

    def get(self, **params: str) -> Tuple[int, Headers, bytes]:
        return http("GET", self.url + "?" + urllib.parse.urlencode(params))

    def post(self, body: bytes, params: Dict[str, str]) -> Tuple[int, Headers, bytes]:
        return http("POST", self.url + "?" + urllib.parse.urlencode(params), body,
                    {"Content-Type": "text/xml"})

