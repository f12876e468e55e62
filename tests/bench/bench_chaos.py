"""Chaos run of the production stack: `make bench-chaos` (python -m tests.bench.bench_chaos). Prints figures.

The stack starts as `make run-prod` starts it (scripts/run_prod.sh: 2 Rasa replicas behind nginx, the
action server with 2 worker processes, the PostgreSQL tracker store, the Redis lock store), but against a
PostgreSQL and a Redis of its own on spare loopback ports (initdb + pg_ctl into a temporary directory,
`redis-server --save ''`), so restarting them never disturbs the machine's shared services.

Then, for each fault in turn (a Rasa replica killed and restarted, PostgreSQL restarted, Redis restarted,
an action-server worker killed): a wave of --conversations concurrent REST conversations of --turns turns
through the nginx front; once --fault-at of the wave's requests are answered the fault is injected; when
the stack is ready again (every replica's /health/ready 200) and the wave is over, every conversation
sends one more turn ("the next turn must work"). Each message carries its own `message_id`; a client that
gets the polite "temporarily unavailable" reply, an error status or a broken connection sends the same
message with the same id again (1 s later, for at most --retry-for s), as the web page does.

Printed for each fault: requests sent, 5xx or HTML responses and broken connections seen by clients
(must be 0), polite "temporarily unavailable" replies while a store was down (allowed) and at any other
time (not allowed), turns lost and turns run twice (0, counted from the user events in PostgreSQL by
message id), and p50/p95 latency before, during (fault injected → ready again) and after.

    python -m tests.bench.bench_chaos [--conversations 200] [--turns 5] [--faults rasa postgres redis action]
                                      [--outage 5] [--timeout 1500]

Loopback only; bounded: each request 60 s at most, the whole run --timeout seconds (then everything it
started is stopped and the run fails). Needs nginx, PostgreSQL's initdb/pg_ctl and redis-server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from tests.bench.bench_bot import pct
from tests.bench.load_prod import CONVERSATIONS
from tests.support.servers import free_port, free_ports, wait_until

ROOT = Path(__file__).resolve().parents[2]
REST_TOKEN = f"chaos-{uuid.uuid4().hex}"
FOLLOW_UP = {"zh": "外籍人士能享受什么", "en": "What would I get as a foreigner?"}
REQUEST_TIMEOUT = 60


def _polite() -> List[str]:
    data = yaml.safe_load((ROOT / "catalog" / "data" / "channel_messages.yaml").read_text(encoding="utf-8"))
    return list(data["unavailable"].values())


UNAVAILABLE = _polite()


def _tool(name: str) -> str:
    path = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if not path:
        raise SystemExit(f"{name} not found: the chaos run needs PostgreSQL's server binaries, redis-server and nginx")
    return str(path)


def _as_owner(cmd: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: as root, run its commands as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _wait_port(port: int, timeout: float) -> bool:
    import socket

    return bool(wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True,
                           timeout, 0.1))


class OwnPostgres:
    """A PostgreSQL cluster of this run: trust auth, loopback only, its socket in its own directory."""

    def __init__(self, base: Path) -> None:
        self.dir, self.port = base / "pg", free_port()
        self.sock = base / "pgsock"
        self.log = base / "postgres.log"
        self.ctl = _tool("pg_ctl")

    def init(self) -> None:
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir.parent, "postgres")
            shutil.chown(self.sock, "postgres")
        subprocess.run(_as_owner([_tool("initdb"), "-D", str(self.dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                  "--locale=C", "--no-sync"]), check=True, capture_output=True, timeout=120)
        self.start()
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE qualibot")
        conn.close()

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=300"
        subprocess.run(_as_owner([self.ctl, "-D", str(self.dir), "-l", str(self.log), "-w", "-t", "60",
                                  "-o", opts, "start"]), check=True, capture_output=True, timeout=90)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_as_owner([self.ctl, "-D", str(self.dir), "-m", mode, "-w", "-t", "60", "stop"]),
                       capture_output=True, timeout=90)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/qualibot"


class OwnRedis:
    def __init__(self, base: Path) -> None:
        self.port, self.log, self.proc = free_port(), base / "redis.log", None

    def start(self) -> None:
        self.proc = subprocess.Popen([_tool("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--logfile", str(self.log)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not _wait_port(self.port, 30):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Stack:
    """scripts/run_prod.sh --background with this run's stores, ports and run directory."""

    def __init__(self, base: Path, pg: OwnPostgres, redis: OwnRedis) -> None:
        self.dir = base / "prod"
        self.front, self.action_port, self.first_rasa = free_port(), free_port(), free_ports(2)
        self.rasa_ports = [self.first_rasa, self.first_rasa + 1]
        self.env = dict(os.environ, QUALIBOT_PROD_DIR=str(self.dir), QUALIBOT_FRONT_PORT=str(self.front),
                        ACTION_PORT=str(self.action_port), QUALIBOT_RASA_PORT=str(self.first_rasa),
                        QUALIBOT_REPLICAS="2", QUALIBOT_PG_HOST="127.0.0.1", QUALIBOT_PG_PORT=str(pg.port),
                        QUALIBOT_PG_DB="qualibot", QUALIBOT_PG_USER="postgres", QUALIBOT_PG_PASSWORD="",
                        QUALIBOT_REDIS_HOST="127.0.0.1", QUALIBOT_REDIS_PORT=str(redis.port), QUALIBOT_REDIS_DB="0",
                        QUALIBOT_REDIS_URL=f"redis://127.0.0.1:{redis.port}/0", CATALOG_DB_URL=pg.url,
                        QUALIBOT_ACTION_URL="", QUALIBOT_REST_TOKEN=REST_TOKEN, RASA_AUTH_TOKEN=uuid.uuid4().hex,
                        QUALIBOT_CONSOLE_TOKEN=os.environ.get("QUALIBOT_CONSOLE_TOKEN") or uuid.uuid4().hex,
                        # 200 conversations at once on 2 shared cores queue action calls past the default 8 s
                        # (a failed action): as tests/bench/load_prod.py, the faults are measured, not overload
                        QUALIBOT_ACTION_TIMEOUT=os.environ.get("QUALIBOT_ACTION_TIMEOUT", "60"),
                        QUALIBOT_RATE_LIMIT="0", QUALIBOT_ADDRESS_RATE_LIMIT="0",
                        # every simulated applicant comes from 127.0.0.1: no per-address limit in the front
                        QUALIBOT_FRONT_RATE="100000r/s", QUALIBOT_FRONT_BURST="100000")
        del self.env["QUALIBOT_ACTION_URL"]  # run_prod.sh's default: the action server it starts

    def script(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / "scripts" / "run_prod.sh"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        out = self.script("--background")
        if out.returncode != 0:
            raise RuntimeError(f"run_prod.sh failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")

    def stop(self) -> None:
        self.script("--stop", timeout=180)

    def pid(self, name: str) -> int:
        return int((self.dir / "run" / f"{name}.pid").read_text())

    def health(self) -> List[Optional[dict]]:
        """Every replica's /health/ready report (None when it does not answer)."""
        reports = []
        for port in self.rasa_ports:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as r:
                    reports.append(json.loads(r.read()))
            except urllib.error.HTTPError as e:
                try:
                    reports.append(json.loads(e.read()))
                except ValueError:
                    reports.append(None)
            except Exception:  # noqa: BLE001 - not answering
                reports.append(None)
        return reports

    def ready(self) -> bool:
        """Serving again: on every replica the tracker store, lock store, catalog and action server answer
        and the model is loaded. (Not the report's overall "ok", which also stays false while trackers
        whose save failed are held in memory: that is reported apart, see `held_in_memory`.)"""
        parts = ("tracker_store", "lock_store", "catalog_db", "action_server")
        return all(r is not None and r.get("model_loaded") and all((r.get(k) or {}).get("ok") for k in parts)
                   for r in self.health())

    def held_in_memory(self) -> List[object]:
        """Per replica: its overall readiness ("ok") and the trackers it holds in memory only."""
        return [None if r is None else (r.get("ok"), (r.get("tracker_store") or {}).get("held_in_memory_only", 0))
                for r in self.health()]

    def restart_replica(self, i: int) -> float:
        """SIGKILL replica i, start it again with the command line and environment run_prod.sh gave it
        (and its pid file, so --stop stops the new one); returns when it is ready (seconds taken)."""
        pid = self.pid(f"rasa-{i}")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        environ = dict(kv.split(b"=", 1) for kv in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in kv)
        os.kill(pid, signal.SIGKILL)
        t0 = time.perf_counter()
        log = open(self.dir / "log" / f"rasa-{i}.log", "ab")
        proc = subprocess.Popen(cmdline, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
        (self.dir / "run" / f"rasa-{i}.pid").write_text(str(proc.pid))
        return t0

    def action_workers(self) -> List[int]:
        main = self.pid("actions")
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parts = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(parts[1]) == main:
                kids.append(int(stat.parent.name))
        return sorted(kids)


@dataclass
class Req:
    t0: float
    took: float
    outcome: str  # ok | polite | http5xx | html | error | http4xx
    status: int = 0


@dataclass
class Wave:
    reqs: List[Req] = field(default_factory=list)
    ids: Dict[str, str] = field(default_factory=dict)  # message id -> sender
    answered: int = 0
    gave_up: List[str] = field(default_factory=list)


async def send_turn(session, url: str, sender: str, text: str, mid: str, wave: Wave, retry_for: float) -> None:
    import aiohttp

    wave.ids[mid] = sender
    deadline = time.perf_counter() + retry_for
    while True:
        t0 = time.perf_counter()
        status, outcome = 0, "error"
        try:
            async with session.post(url, json={"sender": sender, "message": text, "message_id": mid}) as resp:
                status, body = resp.status, await resp.read()
                ctype = resp.headers.get("Content-Type", "")
            try:
                parsed = json.loads(body) if "json" in ctype else None
            except ValueError:
                parsed = None
            if parsed is None:  # not JSON: nginx's HTML error page or the like
                outcome = "html" if status < 500 or b"<" in body[:200] else "http5xx"
            elif status >= 500:
                outcome = "http5xx"
            elif status >= 400:
                outcome = "http4xx"
            elif any(u in (m.get("text") or "") for m in parsed for u in UNAVAILABLE):
                outcome = "polite"
            elif parsed:
                outcome = "ok"
            else:
                outcome = "empty"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            outcome = "error"
        wave.reqs.append(Req(t0, time.perf_counter() - t0, outcome, status))
        if outcome == "ok":
            wave.answered += 1
            return
        if outcome == "empty":  # answered with nothing: sending it again only replays that nothing
            wave.gave_up.append(mid)
            return
        if time.perf_counter() > deadline:
            wave.gave_up.append(mid)
            return
        await asyncio.sleep(1.0)


async def conversation(session, url: str, sender: str, script: List[str], wave: Wave, retry_for: float) -> None:
    for n, text in enumerate(script):
        await send_turn(session, url, sender, text, f"{sender}.t{n}", wave, retry_for)


def lang_of(script: List[str]) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in script[0]) else "en"


@dataclass
class FaultTimes:
    injected: float = float("nan")
    down: float = float("nan")  # a store stopped accepting (PostgreSQL, Redis)
    up: float = float("nan")  # the store accepts again
    ready: float = float("nan")  # every replica's /health/ready 200 again
    note: str = ""
    health_after: List[object] = field(default_factory=list)


async def inject(fault: str, stack: Stack, pg: OwnPostgres, redis: OwnRedis, outage: float, times: FaultTimes) -> None:
    loop = asyncio.get_running_loop()
    times.injected = time.perf_counter()
    if fault == "rasa":
        await loop.run_in_executor(None, stack.restart_replica, 0)
        times.note = "replica 0 SIGKILLed and started again"
    elif fault in ("postgres", "redis"):
        store = pg if fault == "postgres" else redis
        await loop.run_in_executor(None, store.stop)
        times.down = time.perf_counter()
        await asyncio.sleep(outage)
        await loop.run_in_executor(None, store.start)
        times.up = time.perf_counter()
        times.note = (f"pg_ctl stop -m fast, {outage:g} s down, pg_ctl start" if fault == "postgres" else
                      f"redis-server stopped (its keys lost: --save ''), {outage:g} s down, started again")
    elif fault == "action":
        workers = stack.action_workers()
        if not workers:
            times.note = "no action-server worker process found"
        else:
            os.kill(workers[0], signal.SIGKILL)
            times.note = f"action-server worker {workers[0]} SIGKILLed (of {len(workers)})"
    # ready again: every replica reports its stores, the action server and its model ready
    deadline = time.perf_counter() + 180
    while time.perf_counter() < deadline:
        if await loop.run_in_executor(None, stack.ready):
            times.ready = time.perf_counter()
            break
        await asyncio.sleep(0.25)
    if fault == "action":
        left = len(stack.action_workers())
        times.note += f"; action-server workers afterwards: {left}"
    times.health_after = stack.held_in_memory()


async def run_fault(fault: str, stack: Stack, pg: OwnPostgres, redis: OwnRedis, a) -> Dict:
    import aiohttp

    url = f"http://127.0.0.1:{stack.front}/webhooks/rest/webhook"
    prefix = f"chaos-{fault}-{uuid.uuid4().hex[:6]}"
    wave, times = Wave(), FaultTimes()
    total = a.conversations * a.turns
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)
    scripts = {f"{prefix}-{c}": CONVERSATIONS[c % len(CONVERSATIONS)][:a.turns] for c in range(a.conversations)}
    async with aiohttp.ClientSession(timeout=timeout, connector=connector,
                                     headers={"Authorization": f"Bearer {REST_TOKEN}"}) as session:
        convs = asyncio.gather(*(conversation(session, url, s, sc, wave, a.retry_for) for s, sc in scripts.items()))

        async def trigger() -> None:
            while wave.answered < total * a.fault_at and len(wave.reqs) < total * 3:
                await asyncio.sleep(0.05)
            await inject(fault, stack, pg, redis, a.outage, times)

        await asyncio.gather(convs, trigger())
        # the next turn must work: one more turn of every conversation, after the stack is ready again
        await asyncio.gather(*(send_turn(session, url, s, FOLLOW_UP[lang_of(sc)], f"{s}.t{a.turns}", wave,
                                         a.retry_for) for s, sc in scripts.items()))
    return {"fault": fault, "wave": wave, "times": times, "prefix": prefix}


def stored_ids(pg: OwnPostgres, prefix: str) -> Dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(pg.url, future=True)
    counts: Dict[str, int] = {}
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT data FROM events WHERE type_name = 'user' AND sender_id LIKE :p"),
                            {"p": f"rest:{prefix}-%"})
        for (data,) in rows:
            mid = json.loads(data).get("message_id")
            counts[mid] = counts.get(mid, 0) + 1
    engine.dispose()
    return counts


def report(res: Dict, pg: OwnPostgres, a_retry: float) -> bool:
    wave, t = res["wave"], res["times"]
    counts = stored_ids(pg, res["prefix"])
    lost = [m for m in wave.ids if counts.get(m, 0) == 0]
    twice = [m for m, n in counts.items() if n > 1]
    unknown = [m for m in counts if m not in wave.ids]
    bad = sum(1 for r in wave.reqs if r.outcome in ("http5xx", "html"))
    broken = sum(1 for r in wave.reqs if r.outcome == "error")
    other = sum(1 for r in wave.reqs if r.outcome == "http4xx")
    empty = sum(1 for r in wave.reqs if r.outcome == "empty")
    store_fault = res["fault"] in ("postgres", "redis")
    end_down = t.ready if t.ready == t.ready else float("inf")

    def while_down(r: Req) -> bool:  # the request overlapped the time the store was down or not yet ready
        return store_fault and r.t0 <= end_down and r.t0 + r.took >= t.injected

    polite = [r for r in wave.reqs if r.outcome == "polite"]
    polite_down = sum(1 for r in polite if while_down(r))
    before = [r.took for r in wave.reqs if r.t0 < t.injected]
    during = [r.took for r in wave.reqs if t.injected <= r.t0 <= end_down]
    after = [r.took for r in wave.reqs if r.t0 > end_down]
    ready_in = f"{t.ready - t.injected:.1f} s" if t.ready == t.ready else "NOT SERVING AGAIN within 180 s"
    down = f", store down {t.up - t.down:.1f} s" if store_fault else ""
    print(f"\n== fault: {res['fault']} ({t.note}); ready again {ready_in} after injection{down}")
    print(f"  requests sent {len(wave.reqs)} for {len(wave.ids)} turns ({len(wave.ids) - len(wave.gave_up)} answered, "
          f"{len(wave.gave_up)} given up: an empty reply or {a_retry:g} s of retries)")
    print(f"  5xx or HTML responses seen by clients: {bad}; broken connections/timeouts: {broken}; 4xx: {other}")
    print(f"  empty replies (a turn answered with nothing, e.g. the retry of a turn that failed): {empty}")
    print(f"  polite 'temporarily unavailable' replies: {polite_down} while a store was down, "
          f"{len(polite) - polite_down} at other times")
    print(f"  PostgreSQL: turns lost {len(lost)}, turns run twice {len(twice)}"
          + (f", user events with unknown ids {len(unknown)}" if unknown else ""))
    for name, lat in (("before", before), ("during", during), ("after", after)):
        print(f"  latency {name:6s} n={len(lat):5d}  p50 {pct(lat, 0.5):7.0f} ms  p95 {pct(lat, 0.95):7.0f} ms")
    print("  replicas' /health/ready afterwards (overall ok, trackers held in memory only): "
          + ", ".join("no answer" if h is None else f"{'200' if h[0] else '503'} {h[1]}" for h in t.health_after))
    if lost[:3] or twice[:3]:
        print(f"  e.g. lost {lost[:3]} twice {twice[:3]}")
    return (bad == 0 and broken == 0 and not lost and not twice and len(polite) == polite_down
            and not wave.gave_up and t.ready == t.ready and all(h and h[0] for h in t.health_after))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--faults", nargs="+", default=["rasa", "postgres", "redis", "action"],
                    choices=["rasa", "postgres", "redis", "action"])
    ap.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL / Redis stay down")
    ap.add_argument("--fault-at", type=float, default=0.2, help="share of the wave's turns answered before the fault")
    ap.add_argument("--retry-for", type=float, default=90.0, help="seconds a client keeps re-sending one message")
    ap.add_argument("--timeout", type=float, default=1500.0, help="the whole run, seconds")
    ap.add_argument("--keep", action="store_true", help="keep the run directory (logs) afterwards")
    a = ap.parse_args()
    if shutil.which("nginx") is None:
        print("nginx is missing: `make nginx`", file=sys.stderr)
        return 2

    base = Path(tempfile.mkdtemp(prefix="qualibot-chaos-"))
    os.chmod(base, 0o755)
    pg, redis = OwnPostgres(base), OwnRedis(base)
    stack = Stack(base, pg, redis)
    started = time.perf_counter()
    cleaned = threading.Event()

    def cleanup() -> None:
        if cleaned.is_set():
            return
        cleaned.set()
        for step in (stack.stop, redis.stop, lambda: pg.stop("immediate")):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - stop the rest anyway
                print(f"cleanup: {exc}", file=sys.stderr)

    def watchdog() -> None:
        if not done.wait(a.timeout):
            print(f"\nchaos run: total timeout of {a.timeout:g} s reached: stopping everything", file=sys.stderr,
                  flush=True)
            cleanup()
            os._exit(3)

    def on_term(signum, frame):  # noqa: ARG001 - SIGTERM (timeout, kill) stops the stack too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    done = threading.Event()
    threading.Thread(target=watchdog, daemon=True).start()
    ok = True
    try:
        pg.init()
        redis.start()
        stack.start()
        print(f"chaos run: own PostgreSQL :{pg.port}, own Redis :{redis.port}, front :{stack.front}, "
              f"replicas {stack.rasa_ports}, action server :{stack.action_port}; "
              f"{a.conversations} conversations x {a.turns} turns (+1 after) per fault; "
              f"stack up in {time.perf_counter() - started:.0f} s (logs: {base})", flush=True)
        for fault in a.faults:
            res = asyncio.run(run_fault(fault, stack, pg, redis, a))
            ok = report(res, pg, a.retry_for) and ok
            sys.stdout.flush()
            if not stack.ready():  # the next fault starts from a serving stack
                deadline = time.perf_counter() + 120
                while not stack.ready() and time.perf_counter() < deadline:
                    time.sleep(0.5)
        print(f"\nchaos run {'PASSED' if ok else 'FAILED'} in {time.perf_counter() - started:.0f} s")
    finally:
        done.set()
        cleanup()
        if not a.keep and ok:
            shutil.rmtree(base, ignore_errors=True)
        elif not ok:
            print(f"logs kept in {base}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
