"""actions/supervisor.py: a killed worker of a multi-worker Sanic server is replaced, the port keeps answering,
and SIGTERM still stops everything. A small Sanic app in a child process, on a free port of 127.0.0.1."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import pytest

from tests.support.servers import free_socket as _free_socket
from tests.support.servers import wait_until as support_wait_until

ROOT = Path(__file__).resolve().parents[2]
APP = """
import os, sys
from sanic import Sanic, response
from actions import supervisor
app = Sanic("supervised_test")
@app.get("/pid")
async def pid(request):
    return response.text(str(os.getpid()))
supervisor.install()
app.run(host="127.0.0.1", port=int(sys.argv[1]), workers=2, access_log=False)
"""


def children(pid: int) -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


def wait_until(check, timeout: float = 30.0):
    """tests/support/servers.py's wait, failing the test when it times out."""
    value = support_wait_until(check, timeout, 0.05)
    if not value:
        raise AssertionError("timed out")
    return value


def get_pid(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/pid", timeout=5) as r:
        return int(r.read())


def _answers(port: int):
    try:
        return get_pid(port)
    except OSError:
        return None


@contextlib.contextmanager
def running(app_source: str, log_path: Path):
    """The supervised `app_source` on a free port of 127.0.0.1, up (two workers, one answering), its output in a
    file (not a pipe nobody reads: a full pipe blocks the server); afterwards nothing of it is left running,
    orphaned workers included."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", app_source, str(port)], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        proc.log_path = log_path
        workers: List[int] = []
        try:
            wait_until(lambda: len(children(proc.pid)) == 2)
            workers = children(proc.pid)
            wait_until(lambda: _answers(port))
            yield proc, port
        finally:
            left = set(workers) | (set(children(proc.pid)) if proc.poll() is None else set())
            if proc.poll() is None:
                proc.kill()
            for pid in left:
                if Path(f"/proc/{pid}").exists():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    with running(APP, tmp_path / "server.log") as up:
        yield up


def test_a_killed_worker_is_replaced_and_the_port_keeps_answering(server):
    proc, port = server
    before = children(proc.pid)
    os.kill(before[0], signal.SIGKILL)
    after = wait_until(lambda: (c := children(proc.pid)) and len(c) == 2 and c != before and c)
    assert before[0] not in after and before[1] in after
    seen = {get_pid(port) for _ in range(40)}
    assert seen <= set(after) and seen, "only live workers answer"


def test_both_workers_killed_both_replaced(server):
    proc, port = server
    before = children(proc.pid)
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    after = wait_until(lambda: (c := children(proc.pid)) and len(c) == 2 and not set(c) & set(before) and c)
    assert get_pid(port) in after


def test_sigterm_stops_the_parent_and_its_workers(server):
    proc, _ = server
    workers = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=90)  # margin for a loaded CI machine; a lost signal hangs for good
    except subprocess.TimeoutExpired:
        stuck = {pid: Path(f"/proc/{pid}/wchan").read_text() for pid in [proc.pid, *children(proc.pid)]
                 if Path(f"/proc/{pid}/wchan").exists()}
        raise AssertionError(f"not stopped: {stuck}\n{proc.log_path.read_text()[-3000:]}")
    assert code == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]


def test_workers_end_when_the_parent_is_killed(server):
    proc, _ = server
    workers = children(proc.pid)
    proc.kill()
    proc.wait(timeout=10)
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=90)  # a loaded CI machine


def test_the_action_server_runs_its_workers_supervised(monkeypatch, tmp_path):
    import sanic.app

    from actions import server as action_server
    from actions import supervisor

    seen = {}
    # main() with 2 workers puts prometheus_client in multiprocess mode through this variable: set here so that
    # monkeypatch takes it out again (left set, every later metrics test in this process read an empty directory)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    monkeypatch.setattr(sys, "argv", ["actions.server", "--workers", "2"])
    monkeypatch.setattr(sanic.app, "serve_multiple", sanic.app.serve_multiple)  # restored afterwards
    monkeypatch.setattr(action_server, "create_app", lambda: type("App", (), {
        "run": lambda self, **kw: seen.update(kw, serve=sanic.app.serve_multiple)})())
    action_server.main()
    assert seen["workers"] == 2 and seen["serve"] is supervisor.serve_supervised


STUBBORN_APP = APP.replace('supervisor.install()', '''import signal
app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 1
@app.listener("after_server_start")
async def ignore_sigterm(app, loop):
    loop.remove_signal_handler(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ignoring SIGTERM", os.getpid(), flush=True)
supervisor.install()''')


def stubborn(log_path: Path) -> None:
    """Wait until both workers of STUBBORN_APP ignore SIGTERM: a worker answers before its after_server_start
    listener has run, so a SIGTERM sent as soon as one answers can still stop it at once (seen under load)."""
    wait_until(lambda: log_path.read_text(errors="replace").count("ignoring SIGTERM") >= 2, timeout=60)


def test_a_worker_that_ignores_sigterm_is_killed_after_the_grace_time(tmp_path):
    with running(STUBBORN_APP, tmp_path / "log") as (proc, _):
        stubborn(tmp_path / "log")
        workers = children(proc.pid)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert time.monotonic() - started >= 1  # it waited the grace time first
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert "did not stop within" in (tmp_path / "log").read_text()


def test_an_orphaned_worker_that_ignores_sigterm_exits_after_the_grace_time(tmp_path):
    with running(STUBBORN_APP, tmp_path / "log") as (proc, _):
        stubborn(tmp_path / "log")
        workers = children(proc.pid)
        proc.kill()  # no supervisor left to kill them after the grace time
        proc.wait()
        wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=60)
