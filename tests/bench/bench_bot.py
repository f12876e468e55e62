"""Bot benchmark: `make bench` (python -m tests.bench.bench_bot [--skip-default] [--train]). Prints figures.

For our assistant and, in the same run, a default `rasa init` bot (built once under var/bench/):
start-up time (process start -> first REST answer), p50/p95 latency for one user, messages/s and
p50 at 8 concurrent users, resident memory of the Rasa server + action server (VmRSS), and with
--train the full training time of our model. Loopback only; every loop is bounded.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tests.support.servers import distinct_free_ports, spawn, stop_process, wait_until

ROOT = Path(__file__).resolve().parents[2]
RASA = str(ROOT / ".venv" / "bin" / "rasa")
DEFAULT_DIR = ROOT / "var" / "bench" / "default_bot"
QUESTIONS = ["我有CFA证书，能认可吗", "What would I get as a foreigner?", "证书怎么查验", "how many qualifications are there",
             "我今年66岁，能办工作许可吗", "Is my PMP recognized?", "有哪些云计算证书", "谢谢"]
DEFAULT_QUESTIONS = ["hello", "I am sad", "yes", "great", "bye", "are you a bot?", "no", "hi there"]


def rss_mb(pid: int) -> float:
    total = 0.0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
                    .stdout.split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except FileNotFoundError:
            pass
    return total


def post(port: int, sender: str, text: str, timeout: float = 30) -> Tuple[float, list]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        out = json.loads(r.read())
    return time.perf_counter() - t0, out


class Stack:
    """An action server and a Rasa server for one bot directory."""

    def __init__(self, cwd: Path, model: Path, actions_module: str, endpoints: Optional[Path]):
        self.cwd, self.model, self.actions_module, self.endpoints = cwd, model, actions_module, endpoints
        self.aport, self.rport = distinct_free_ports(2)
        self.procs: List[subprocess.Popen] = []

    def start(self) -> float:
        env = dict(os.environ, PYTHONPATH=str(self.cwd), ACTION_PORT=str(self.aport), TF_CPP_MIN_LOG_LEVEL="3",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", RASA_TELEMETRY_ENABLED="false",
                   QUALIBOT_RATE_LIMIT="0")  # 8 users x hundreds of messages each: measure speed, not the limiter
        for var in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
                    "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT", "QUALIBOT_CONSOLE_TOKEN"):  # credentials.yml
            env.setdefault(var, "bench" if var == "WECHAT_TOKEN" else "")
        t0 = time.perf_counter()
        python = str(Path(RASA).parent / "python")  # the SDK alone: `rasa run actions` would load all of Rasa
        if self.actions_module == "actions" and self.cwd == ROOT:  # ours, as `make run` starts it
            cmd = [python, "-m", "actions.server", "--port", str(self.aport)]
        else:
            cmd = [python, "-m", "rasa_sdk", "--actions", self.actions_module, "--port", str(self.aport)]
        self.procs.append(spawn(cmd, self.cwd / "bench-actions.log", env, self.cwd))
        endpoints = self.endpoints
        if endpoints is None:
            endpoints = self.cwd / "bench-endpoints.yml"
            endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{self.aport}/webhook\n")
        # ours as scripts/run.sh starts it (serve/: `rasa run` without TensorFlow when the model does not need it)
        rasa = [python, "-m", "serve", "run"] if self.cwd == ROOT else [RASA, "run"]
        self.procs.append(spawn([*rasa, "--model", str(self.model), "--endpoints", str(endpoints),
                                 "--port", str(self.rport), "--interface", "127.0.0.1"],
                                self.cwd / "bench-rasa.log", env, self.cwd))
        # start-up time is process start -> first REST answer (the default bot has no /health/ready)
        if wait_until(lambda: post(self.rport, "warmup", "hello", timeout=5)[1], 300, 0.2):
            return time.perf_counter() - t0
        raise RuntimeError("stack did not start within 300 s")

    def rss(self) -> float:
        return sum(rss_mb(p.pid) for p in self.procs)

    def stop(self) -> None:
        for p in self.procs:
            stop_process(p)


def one_user(port: int, questions: List[str], rounds: int) -> List[float]:
    for q in questions:  # warm every path once
        post(port, "bench-warm", q)
    times = []
    for r in range(rounds):
        for i, q in enumerate(questions):
            dt, _ = post(port, f"bench-single-{r}", q)
            times.append(dt)
    return times


CONVERSATION_TURNS = 8  # a user's conversation: the 8 questions, then a new conversation (0: one endless one)


async def _user(port: int, uid: int, questions: List[str], until: float, lat: List[float], errors: List[str]):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        i = 0
        while time.perf_counter() < until:
            q = questions[(uid + i) % len(questions)]
            t0 = time.perf_counter()
            try:
                async with session.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                        json={"sender": f"bench-c{uid}-{i // CONVERSATION_TURNS if CONVERSATION_TURNS else 0}",
                                              "message": q},
                                        timeout=aiohttp.ClientTimeout(total=30)) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors.append(str(resp.status))
            except Exception as exc:  # noqa: BLE001
                errors.append(type(exc).__name__)
            lat.append(time.perf_counter() - t0)
            i += 1


def concurrent(port: int, questions: List[str], users: int = 8, seconds: float = 20.0):
    lat: List[float] = []
    errors: List[str] = []
    t0 = time.perf_counter()

    async def main():
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_user(port, u, questions, until, lat, errors) for u in range(users)))

    asyncio.run(main())
    elapsed = time.perf_counter() - t0
    return len(lat) / elapsed, lat, errors


def pct(values: List[float], p: float) -> float:
    """The p-quantile of `values` (seconds) in ms; NaN when there are none."""
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


def measure(name: str, stack: Stack, questions: List[str]) -> Dict[str, float]:
    try:
        startup = stack.start()
        single = one_user(stack.rport, questions, rounds=10)
        rate, lat, errors = concurrent(stack.rport, questions)
        rss = stack.rss()
    finally:
        stack.stop()
    res = {"startup_s": startup, "p50_ms": statistics.median(single) * 1000, "p95_ms": pct(single, 0.95),
           "conc_rate": rate, "conc_p50_ms": pct(lat, 0.5), "conc_p95_ms": pct(lat, 0.95),
           "errors": len(errors), "rss_mb": rss}
    print(f"{name:>8}: start-up {startup:.1f} s | 1 user p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms | "
          f"8 users {rate:.1f} msg/s, p50 {res['conc_p50_ms']:.0f} ms, p95 {res['conc_p95_ms']:.0f} ms, "
          f"{len(errors)} errors | RSS rasa+actions {rss:.0f} MB", flush=True)
    return res


def ensure_default_bot() -> Path:
    model_dir = DEFAULT_DIR / "models"
    if not (model_dir.exists() and list(model_dir.glob("*.tar.gz"))):
        shutil.rmtree(DEFAULT_DIR, ignore_errors=True)
        DEFAULT_DIR.mkdir(parents=True)
        print("building the default `rasa init` bot (once)…", flush=True)
        subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(DEFAULT_DIR)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3"))
    return sorted((DEFAULT_DIR / "models").glob("*.tar.gz"))[-1]


def main() -> None:
    global CONVERSATION_TURNS
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-default", action="store_true")
    ap.add_argument("--train", action="store_true", help="also time a full training of our model")
    ap.add_argument("--conversation-turns", type=int, default=CONVERSATION_TURNS,
                    help="turns per conversation of each concurrent user (0: one conversation for the whole run)")
    args = ap.parse_args()
    CONVERSATION_TURNS = args.conversation_turns
    print(f"concurrent users: conversations of {CONVERSATION_TURNS or 'unbounded'} turns", flush=True)
    if args.train:
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / "scripts" / "train.sh")], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        print(f"full training of our model: {time.perf_counter() - t0:.0f} s")
    ours = measure("qualibot", Stack(ROOT, ROOT / "models" / "qualibot.tar.gz", "actions", ROOT / "endpoints.yml"),
                   QUESTIONS)
    if args.skip_default:
        return
    model = ensure_default_bot()
    default = measure("default", Stack(DEFAULT_DIR, model, "actions", None), DEFAULT_QUESTIONS)
    print(f"ratio default/ours: p50 {default['p50_ms'] / ours['p50_ms']:.1f}x, "
          f"throughput {ours['conc_rate'] / default['conc_rate']:.1f}x, "
          f"start-up {default['startup_s'] / ours['startup_s']:.1f}x, RSS {default['rss_mb'] / ours['rss_mb']:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
