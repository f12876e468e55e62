"""Load test of the production stack: `make bench-load` (python -m tests.bench.load_prod). Prints figures.

For 2 replicas and then 1 replica behind nginx (scripts/run_prod.sh, own ports and run directory):
200 concurrent simulated applicants, each holding conversations of 5 turns (a new sender id for each
conversation) for 60 s through the front address; a conversation under way at the end is finished.
Afterwards every conversation's tracker is read from PostgreSQL and its user turns counted: each must
hold exactly its 5 messages in order. Reports failed requests, p50/p95 latency, messages/s, and the
scale-out ratio. Loopback only; bounded in time (each request 120 s at most).

    python -m tests.bench.load_prod [--users 200] [--seconds 60] [--replicas 2 1] [--turns 5]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List

from tests.bench.bench_bot import pct
from tests.support.servers import free_port, free_ports

ROOT = Path(__file__).resolve().parents[2]
REST_TOKEN = f"load-{uuid.uuid4().hex}"  # the REST channel wants an integration's token in production
CONVERSATIONS = [
    ["我有CFA证书", "外籍人士能享受什么", "怎么查验", "最大年龄放宽到多少", "谢谢"],
    ["Is my PMP recognized?", "What would I get as a foreigner?", "how is it verified", "how many are listed", "bye"],
    ["教师资格证书", "加州的", "能在北京执业吗", "有哪些体育类证书", "thanks"],
    ["I have an AWS Solutions Architect Associate", "and the Professional?", "what benefits for Chinese nationals",
     "who applies for verification", "ok"],
]


class ProdStack:
    def __init__(self, replicas: int) -> None:
        self.replicas = replicas
        self.front = free_port()
        self.dir = ROOT / "var" / f"load-{replicas}"
        self.env = dict(os.environ, QUALIBOT_REPLICAS=str(replicas), QUALIBOT_FRONT_PORT=str(self.front),
                        ACTION_PORT=str(free_port()), QUALIBOT_RASA_PORT=str(free_ports(replicas)),
                        QUALIBOT_PROD_DIR=str(self.dir), QUALIBOT_RATE_LIMIT="0", QUALIBOT_REST_TOKEN=REST_TOKEN,
                        # every simulated applicant comes from 127.0.0.1: no per-address limit in the front
                        QUALIBOT_FRONT_RATE="100000r/s", QUALIBOT_FRONT_BURST="100000",
                        QUALIBOT_ACTION_TIMEOUT="60",
                        QUALIBOT_CONSOLE_TOKEN=os.environ.get("QUALIBOT_CONSOLE_TOKEN") or uuid.uuid4().hex)

    def start(self) -> float:
        t0 = time.perf_counter()
        out = subprocess.run([str(ROOT / "scripts" / "run_prod.sh"), "--background"], cwd=ROOT, env=self.env,
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"stack did not start:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        return time.perf_counter() - t0

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "run_prod.sh"), "--stop"], cwd=ROOT, env=self.env,
                       capture_output=True, timeout=120)


async def applicant(url: str, uid: int, prefix: str, turns: int, until: float, lat: List[float],
                    errors: List[str], sent: Dict[str, List[str]]) -> None:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, headers={"Authorization": f"Bearer {REST_TOKEN}"}) as session:
        n = 0
        while time.perf_counter() < until:
            sender = f"{prefix}-{uid}-{n}"
            script = CONVERSATIONS[(uid + n) % len(CONVERSATIONS)][:turns]
            sent[sender] = []
            for text in script:
                t0 = time.perf_counter()
                try:
                    async with session.post(url, json={"sender": sender, "message": text}) as resp:
                        body = await resp.read()
                        if resp.status != 200 or not json.loads(body):
                            errors.append(f"{resp.status} {body[:80]!r}")
                        else:
                            sent[sender].append(text)
                except Exception as exc:  # noqa: BLE001 - counted, reported
                    errors.append(type(exc).__name__)
                lat.append(time.perf_counter() - t0)
            n += 1


def stored_turns(senders: List[str]) -> Dict[str, List[str]]:
    import sqlalchemy as sa

    url = os.environ.get("CATALOG_DB_URL") or "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
    engine = sa.create_engine(url, future=True)
    found: Dict[str, List[str]] = {s: [] for s in senders}
    with engine.connect() as conn:
        for i in range(0, len(senders), 500):
            chunk = [f"rest:{s}" for s in senders[i:i + 500]]
            rows = conn.execute(sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' "
                                        "AND sender_id IN :s ORDER BY id").bindparams(sa.bindparam("s", expanding=True)),
                                {"s": chunk})
            for sender, data in rows:
                found[sender.split(":", 1)[1]].append(json.loads(data).get("text"))  # "rest:<sender>"
    engine.dispose()
    return found


def run_load(replicas: int, users: int, seconds: float, turns: int) -> Dict[str, float]:
    stack = ProdStack(replicas)
    startup = stack.start()
    prefix = f"load{replicas}-{uuid.uuid4().hex[:6]}"
    lat: List[float] = []
    errors: List[str] = []
    sent: Dict[str, List[str]] = {}
    try:
        url = f"http://127.0.0.1:{stack.front}/webhooks/rest/webhook"
        t0 = time.perf_counter()

        async def main() -> None:
            until = time.perf_counter() + seconds
            await asyncio.gather(*(applicant(url, u, prefix, turns, until, lat, errors, sent) for u in range(users)))

        asyncio.run(main())
        elapsed = time.perf_counter() - t0
    finally:
        stack.stop()
    stored = stored_turns(list(sent))
    complete = sum(1 for s, texts in sent.items() if stored[s] == texts and len(texts) == turns)
    res = {"replicas": replicas, "startup_s": startup, "messages": len(lat), "elapsed_s": elapsed,
           "rate": len(lat) / elapsed, "p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95), "errors": len(errors),
           "conversations": len(sent), "complete": complete}
    print(f"{replicas} replica(s): {res['messages']} messages in {elapsed:.0f} s = {res['rate']:.1f} msg/s | "
          f"p50 {res['p50_ms']:.0f} ms, p95 {res['p95_ms']:.0f} ms | failed requests {len(errors)} | "
          f"conversations {len(sent)}, trackers complete in PostgreSQL {complete}/{len(sent)} | "
          f"stack start {startup:.0f} s", flush=True)
    if errors:
        print("  first errors:", errors[:5])
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--replicas", type=int, nargs="+", default=[2, 1])
    a = ap.parse_args()
    results = [run_load(r, a.users, a.seconds, a.turns) for r in a.replicas]
    if len(results) == 2:
        two, one = results
        print(f"scale-out {two['replicas']} vs {one['replicas']} replica(s): throughput {two['rate'] / one['rate']:.2f}x, "
              f"p50 {one['p50_ms'] / two['p50_ms']:.2f}x lower")
    ok = all(r["errors"] == 0 and r["complete"] == r["conversations"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
