"""Memory benchmark: `make bench-memory` (python -m tests.bench.bench_memory [--turns 20000] [--kept 1000]).
Prints figures; not a test.

Starts our Rasa server and action server as `make bench` does (tests/bench/bench_bot.py's Stack: serve/, the
in-memory tracker store of endpoints.yml), sends `--turns` REST turns from `--users` concurrent users (each a
run of conversations of `--conversation-turns` turns, the bench's eight questions) and prints the resident
memory (VmRSS) of the Rasa server + action server (and their children) after the first answer and every
`--every` turns, then the growth between half the turns and all of them (10,000 -> 20,000 by default).

The development tracker store keeps at most QUALIBOT_MEMORY_CONVERSATIONS conversations (default 10,000,
~40 kB each: bot/stores/memory_store.py). So that the second half measures what a turn leaves behind and not
conversations the store is meant to keep, it is bounded to `--kept` (default 1,000: full after 8,000 turns of
8-turn conversations); `--kept 10000` measures the development default (the store then grows all the way).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Dict, List

from tests.bench.bench_bot import QUESTIONS, ROOT, Stack


async def drive(port: int, turns: int, users: int, conversation_turns: int, every: int,
                on_checkpoint) -> List[str]:
    import aiohttp

    sent = 0
    errors: List[str] = []
    next_mark = every

    async def user(uid: int) -> None:
        nonlocal sent, next_mark
        async with aiohttp.ClientSession() as session:
            i = 0
            while sent < turns:
                sent += 1
                q = QUESTIONS[(uid + i) % len(QUESTIONS)]
                body = {"sender": f"mem-u{uid}-c{i // conversation_turns}", "message": q}
                try:
                    async with session.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json=body,
                                            timeout=aiohttp.ClientTimeout(total=30)) as resp:
                        await resp.read()
                        if resp.status != 200:
                            errors.append(str(resp.status))
                except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                    errors.append(type(exc).__name__)
                i += 1
                if sent >= next_mark:
                    next_mark += every
                    on_checkpoint(sent)

    await asyncio.gather(*(user(u) for u in range(users)))
    return errors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=20_000)
    ap.add_argument("--every", type=int, default=2_500, help="print the memory every this many turns")
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--conversation-turns", type=int, default=8)
    ap.add_argument("--kept", type=int, default=1_000, help="QUALIBOT_MEMORY_CONVERSATIONS for the run")
    args = ap.parse_args()
    os.environ["QUALIBOT_MEMORY_CONVERSATIONS"] = str(args.kept)
    stack = Stack(ROOT, ROOT / "models" / "qualibot.tar.gz", "actions", ROOT / "endpoints.yml")
    rss: Dict[int, float] = {}
    t0 = time.perf_counter()

    def checkpoint(turns: int) -> None:
        rss[turns] = stack.rss()
        print(f"  after {turns:>6} turns ({time.perf_counter() - t0:5.0f} s): RSS rasa+actions {rss[turns]:6.0f} MB",
              flush=True)

    try:
        startup = stack.start()
        print(f"ours: {args.users} users, conversations of {args.conversation_turns} turns, tracker store bound "
              f"{args.kept} conversations; start-up {startup:.1f} s", flush=True)
        checkpoint(0)
        t0 = time.perf_counter()
        errors = asyncio.run(drive(stack.rport, args.turns, args.users, args.conversation_turns, args.every,
                                   checkpoint))
        elapsed = time.perf_counter() - t0
    finally:
        stack.stop()
    half = max((k for k in rss if k <= args.turns // 2), default=0)
    last = max(rss)
    print(f"{last} turns in {elapsed:.0f} s ({last / elapsed:.0f} msg/s), {len(errors)} errors; RSS after {half}: "
          f"{rss[half]:.0f} MB, after {last}: {rss[last]:.0f} MB, growth {rss[last] - rss[half]:+.1f} MB "
          f"({(rss[last] - rss[half]) / max(1, last - half) * 1000:+.1f} kB per turn)")


if __name__ == "__main__":
    sys.exit(main())
