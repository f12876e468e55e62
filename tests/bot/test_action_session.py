"""bot/rasa_patches.py: calls to the action server share one aiohttp session, so one kept-alive connection
serves them (Rasa 3.6 opened a session and a TCP connection per call); other endpoints' calls do not.
A raw HTTP/1.1 server on 127.0.0.1 that answers every request of a connection and counts connections."""
from __future__ import annotations

import asyncio
import json

import bot.channels  # noqa: F401 - applies bot/rasa_patches.py, as in the Rasa server


class KeepAlive:
    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")][0])
                await reader.readexactly(length)
                self.requests += 1
                body = json.dumps({"events": [], "responses": []}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def calls(body: dict, n: int):
    from rasa.utils.endpoints import EndpointConfig

    server = KeepAlive()
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    try:
        results = [await endpoint.request(json=body, method="post", timeout=10) for _ in range(n)]
        return results, server
    finally:
        srv.close()


def test_action_calls_share_one_connection():
    results, server = asyncio.run(calls({"next_action": "action_answer_recognition"}, 5))
    assert results == [{"events": [], "responses": []}] * 5
    assert server.requests == 5 and server.connections == 1


def test_other_calls_open_their_own():
    results, server = asyncio.run(calls({"something": "else"}, 3))
    assert server.requests == 3 and server.connections == 3
