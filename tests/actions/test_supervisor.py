"""actions/supervisor.py: a killed worker of a multi-worker Sanic server is replaced, the port keeps answering,
and SIGTERM still stops everything. A small Sanic app in a child process, on a free port of 127.0.0.1."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import pytest

from tests.channels.test_wechat_harness import _free_socket

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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def get_pid(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/pid", timeout=5) as r:
        return int(r.read())


@pytest.fixture
def server(tmp_path):
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    log = (tmp_path / "server.log").open("wb")  # a file, not a pipe nobody reads (a full pipe blocks the server)
    proc = subprocess.Popen([sys.executable, "-c", APP, str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.log_path = tmp_path / "server.log"
    try:
        wait_until(lambda: len(children(proc.pid)) == 2)

        def answers():
            try:
                return get_pid(port)
            except OSError:
                return None

        wait_until(answers)
        yield proc, port
    finally:
        if proc.poll() is None:
            left = children(proc.pid)
            proc.kill()
            for child in left:
                try:
                    os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.wait(timeout=10)
        log.close()


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


def test_the_action_server_runs_its_workers_supervised(monkeypatch):
    import sanic.app

    from actions import server as action_server
    from actions import supervisor

    seen = {}
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
supervisor.install()''')


def test_a_worker_that_ignores_sigterm_is_killed_after_the_grace_time(tmp_path):
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    with (tmp_path / "log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", STUBBORN_APP, str(port)], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            wait_until(lambda: len(children(proc.pid)) == 2)
            wait_until(lambda: _answers(port))
            workers = children(proc.pid)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
            assert time.monotonic() - started >= 1  # it waited the grace time first
            assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
        finally:
            if proc.poll() is None:
                for pid in children(proc.pid):
                    os.kill(pid, signal.SIGKILL)
                proc.kill()
                proc.wait()
    assert "did not stop within" in (tmp_path / "log").read_text()


def _answers(port: int):
    try:
        return get_pid(port)
    except OSError:
        return None


def test_an_orphaned_worker_that_ignores_sigterm_exits_after_the_grace_time(tmp_path):
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    with (tmp_path / "log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", STUBBORN_APP, str(port)], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wait_until(lambda: len(children(proc.pid)) == 2)
        wait_until(lambda: _answers(port))
        workers = children(proc.pid)
        proc.kill()  # no supervisor left to kill them after the grace time
        proc.wait()
        try:
            wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=60)
        finally:
            for pid in workers:
                if Path(f"/proc/{pid}").exists():
                    os.kill(pid, signal.SIGKILL)
