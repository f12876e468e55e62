"""The REST channel (bot/channels/rest.py) on a real Sanic server on 127.0.0.1, for tests.

The channel is mounted by Rasa's own `register()` (tests/support/channel_server.py's ChannelServer);
the agent is a RecordingAgent (echoes, keeps the UserMessage objects) unless a test passes a real one.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from bot.channels.ratelimit import RateLimiter
from bot.channels.rest import QualibotRestInput
from tests.support.channel_server import ChannelServer, StubAgent
from tests.support.http import http

JSON = "application/json"


class RecordingAgent(StubAgent):
    """StubAgent (echo[sender]: text; "boom" raises), also keeping the UserMessage objects."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: List[Any] = []

    async def handle_message(self, message: Any) -> None:
        self.messages.append(message)
        await super().handle_message(message)


class RestServer(ChannelServer):
    def __init__(self, limiter: Optional[RateLimiter] = None, agent: Any = None, channel: Any = None) -> None:
        channel = channel or QualibotRestInput(limiter or RateLimiter(0, 60))
        super().__init__(channel, agent or RecordingAgent())
        self.url = f"{self.base}/webhooks/{channel.name()}/webhook"

    def send(self, body: Any, content_type: Optional[str] = JSON, query: str = "",
             headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent = {"Content-Type": content_type} if content_type else {}
        status, got, data = http("POST", self.url + query, raw, {**sent, **(headers or {})})
        got = {k.lower(): v for k, v in got.items()}
        text = data.decode("utf-8", "replace")
        try:
            return status, got, json.loads(text)
        except ValueError:
            return status, got, text

    def ask(self, sender: Any, message: Any, **extra: Any) -> Tuple[int, Any]:
        status, _, data = self.send({"sender": sender, "message": message, **extra})
        return status, data


class MultiChannelServer(ChannelServer):
    """Several channels mounted on one real Sanic server (as Rasa mounts credentials.yml's channels)."""

    def __init__(self, channels: List[Any], agent: Any = None) -> None:  # noqa: D107 - ChannelServer's, for a list
        from rasa.core.channels.channel import register
        from sanic import Sanic

        from tests.support.servers import free_socket as _free_socket

        self.channel = channels[0]
        self.channels = channels
        self.agent = agent or RecordingAgent()
        self.app = Sanic(f"multi_channel_test_{next(self._names)}")
        self.app.ctx.agent = self.agent
        self.app.config.ACCESS_LOG = False
        register(channels, self.app, route="/webhooks/")
        self.sock = _free_socket()
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base
        self._server: Any = None
        from tests.support.channel_server import background

        background().run(self._start())

    def post(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        status, got, data = http("POST", self.base + path, raw, {"Content-Type": JSON, **(headers or {})})
        got = {k.lower(): v for k, v in got.items()}
        try:
            return status, got, json.loads(data.decode("utf-8"))
        except ValueError:
            return status, got, data.decode("utf-8", "replace")
