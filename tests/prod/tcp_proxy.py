"""A TCP proxy for fault injection: put it between a server and what it talks to, then cut it.

    proxy = TcpProxy("127.0.0.1", 5432).start()   # listens on proxy.port
    proxy.mode = "refuse"     # drop every open connection, refuse new ones (the service is down)
    proxy.mode = "blackhole"  # accept and hold connections, forward nothing (the service hangs)
    proxy.mode = "forward"    # normal again
    with proxy.down("refuse"): ...                # the same, forwarding again when the block ends
    proxy.stop()
Runs its own event loop in a daemon thread; bounded by the sockets it holds.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Iterator, Optional, Set


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._mode = "forward"
        self.port = 0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._writers: Set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        assert value in ("forward", "refuse", "blackhole")
        self._mode = value
        if value != "forward" and self._loop is not None:
            self._loop.call_soon_threadsafe(self._drop_all)

    @contextlib.contextmanager
    def down(self, mode: str = "refuse") -> Iterator["TcpProxy"]:
        """The service is down (refuse) or hangs (blackhole) inside the block, and forwarded again after."""
        self.mode = mode
        try:
            yield self
        finally:
            self.mode = "forward"

    def start(self) -> "TcpProxy":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()
        assert self._ready.wait(10), "proxy did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    def _drop_all(self) -> None:
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._mode == "refuse":
            writer.transport.abort()
            return
        self._writers.add(writer)
        if self._mode == "blackhole":
            while self._mode == "blackhole" and not writer.is_closing():
                await asyncio.sleep(0.1)
            writer.transport.abort()
            self._writers.discard(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while True:
                    data = await src.read(65536)
                    if not data or self._mode != "forward":
                        break
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)
