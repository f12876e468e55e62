"""bot/rasa_patches.py: a call to the action server whose connection broke is sent once more (the worker that
took it died; another one shares the socket), other calls and other failures are not retried.
A raw TCP server on 127.0.0.1 that drops the first N connections after reading the request."""
from __future__ import annotations

import asyncio
import json

import pytest

import bot.channels  # noqa: F401 - applies bot/rasa_patches.py, as in the Rasa server


class Dropping:
    def __init__(self, drops: int) -> None:
        self.drops, self.connections = drops, 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")][0])
        await reader.readexactly(length)
        if self.connections <= self.drops:
            writer.transport.abort()  # the worker died with the request read: a reset, no response
            return
        body = json.dumps({"events": [], "responses": []}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()


async def call(drops: int, body: dict):
    from rasa.utils.endpoints import EndpointConfig

    server = Dropping(drops)
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        result = await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json=body, method="post",
                                                                                   timeout=10)
        return result, server.connections
    finally:
        srv.close()
        await srv.wait_closed()


def test_an_action_call_whose_connection_broke_is_sent_once_more():
    result, connections = asyncio.run(call(1, {"next_action": "action_answer_recognition"}))
    assert result == {"events": [], "responses": []} and connections == 2


def test_only_once():
    import aiohttp

    with pytest.raises(aiohttp.ClientError):
        asyncio.run(call(2, {"next_action": "action_answer_recognition"}))


def test_other_calls_are_not_retried():
    import aiohttp

    with pytest.raises(aiohttp.ClientError):
        asyncio.run(call(1, {"something": "else"}))
