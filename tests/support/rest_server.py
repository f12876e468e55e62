"""The REST channel (bot/channels/rest.py) on a real Sanic server on 127.0.0.1, for tests.

The channel is mounted by Rasa's own `register()` (tests/channels/test_wechat_harness.py's ChannelServer);
the agent is a RecordingAgent (echoes, keeps the UserMessage objects) unless a test passes a real one.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from bot.channels.guard import RateLimiter
from bot.channels.rest import QualibotRestInput
from tests.channels.test_wechat_harness import ChannelServer, StubAgent, http

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
