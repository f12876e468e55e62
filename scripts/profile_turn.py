"""Where a turn's time goes, inside the Rasa process (development aid, not a test).

    .venv/bin/python scripts/profile_turn.py [--n 40] [--html results/profile_turn.html]

Loads the trained model in-process (Agent), starts our action server on a free port, warms up, then
runs the bench's questions through `agent.handle_message` under pyinstrument and prints per-stage
timings: NLU parse alone, and the whole turn (NLU + policies + action server call + tracker store).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/support: the servers are started as the tests start them

from tests.support.http import answers  # noqa: E402
from tests.support.servers import free_port, spawn, stop_process, wait_until  # noqa: E402
QUESTIONS = ["我有CFA证书，能认可吗", "What would I get as a foreigner?", "证书怎么查验", "how many qualifications are there",
             "我今年66岁，能办工作许可吗", "Is my PMP recognized?", "有哪些云计算证书", "谢谢"]


async def main(n: int, html: str, users: int = 1, show_all: bool = True) -> None:
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.utils.endpoints import EndpointConfig

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="profile-turn-")) / "actions.log"
    proc = spawn([sys.executable, "-m", "actions.server", "--port", str(port)], log, os.environ)
    try:
        agent = Agent.load(str(ROOT / "models" / "qualibot.tar.gz"),
                           action_endpoint=EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        if not wait_until(lambda: answers(f"http://127.0.0.1:{port}/health"), 20, 0.2):
            raise SystemExit(f"the action server did not start (log: {log})")

        async def turn(sender: str, text: str) -> float:
            t0 = time.perf_counter()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
            return time.perf_counter() - t0

        for q in QUESTIONS:
            await turn("warm", q)
        parse = []
        for i in range(n):
            t0 = time.perf_counter()
            await agent.parse_message(QUESTIONS[i % len(QUESTIONS)])
            parse.append(time.perf_counter() - t0)
        print(f"NLU parse: median {statistics.median(parse) * 1000:.1f} ms")
        from pyinstrument import Profiler

        if users > 1:  # the bench's concurrent case: each user one long conversation
            async def user(u: int) -> None:
                for i in range(n):
                    await turn(f"c{u}", QUESTIONS[(u + i) % len(QUESTIONS)])

            prof = Profiler(interval=0.001, async_mode="disabled")
            t0 = time.perf_counter()
            prof.start()
            await asyncio.gather(*(user(u) for u in range(users)))
            prof.stop()
            dt = time.perf_counter() - t0
            print(f"{users} users x {n} turns in-process: {users * n / dt:.1f} msg/s")
            print(prof.output_text(unicode=True, color=False, show_all=show_all))
            return

        prof = Profiler(interval=0.0005, async_mode="enabled")
        times = []
        prof.start()
        for i in range(n):
            times.append(await turn(f"p{i // len(QUESTIONS)}", QUESTIONS[i % len(QUESTIONS)]))
        prof.stop()
        print(f"whole turn: median {statistics.median(times) * 1000:.1f} ms")
        print(prof.output_text(unicode=True, color=False, show_all=show_all))
        if html:
            Path(html).parent.mkdir(parents=True, exist_ok=True)
            Path(html).write_text(prof.output_html())
    finally:
        stop_process(proc)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--html", default="")
    ap.add_argument("--users", type=int, default=1, help="concurrent users, each one long conversation")
    a = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    asyncio.run(main(a.n, a.html, a.users))
