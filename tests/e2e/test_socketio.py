"""The socket.io channel of `make run` (credentials.yml) with the real bot: answers, custom payloads, context."""
from __future__ import annotations

import uuid

import pytest

pytest.importorskip("socketio")

from tests.channels.test_socketio_input import Client  # noqa: E402
from tests.support.servers import wait_until  # noqa: E402


def test_a_socketio_conversation_with_the_real_bot(bot):
    client = Client(bot.url)
    try:
        session = client.session()  # a signed session the server issued (bot/channels/session.py)
        assert session.startswith("v1.") and session != f"sio-{uuid.uuid4().hex[:10]}"
        client.emit("user_uttered", {"message": "我有CFA证书", "session_id": session})
        # the answer, then its custom payload (clause, version), as the REST channel gives them
        assert wait_until(lambda: any("custom" in m for m in client.got), 30), client.got
        texts = " ".join(m.get("text", "") for m in client.got)
        assert "CFA" in texts and "附件1（二）第7项" in texts
        custom = next(m["custom"] for m in client.got if "custom" in m)
        assert custom["qualification"] == "R007" and custom["version"] == "3.0"
        n = len(client.got)
        client.emit("user_uttered", {"message": "What would I get as a foreigner?", "session_id": session})
        assert wait_until(lambda: any("custom" in m for m in client.got[n:]), 30), client.got[n:]
        reply = " ".join(m.get("text", "") for m in client.got[n:])
        assert "work permit" in reply.lower() and "CFA" in reply  # the CFA of the turn before
    finally:
        client.close()
