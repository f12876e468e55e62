"""Starting real servers in tests and benchmarks, one way: free ports, our action server and a Rasa server with
the credentials and environment a test gives, a wait on `/health/ready`, a stop, and the log tails when
something did not come up.

    with running_bot(tmp / "logs", credentials=creds, env={"CATALOG_DB_URL": url}) as bot:
        bot.url, bot.action_url        # http://127.0.0.1:<port>

`start_bot` returns the running `Bot` (its `stop()` ends both processes and their children: each leads its
own process group); a server that exits or is not ready in time raises `ServerFailed` with both logs' tails,
after both were stopped. Readiness is the Rasa server's own `/health/ready` (model loaded, tracker and lock
store, catalog database and action server answering: bot/channels/health.py), so the credentials must name
`bot.channels.health.HealthChannel` (credentials.yml does).

`wait_until` is the one polling loop of the tests; `free_port`, `free_ports`, `free_socket` the ports.
Only the processes started here are ever stopped.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

from tests.support.http import answers

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv" / "bin" / "rasa"
MODEL = ROOT / "models" / "qualibot.tar.gz"
ACTIONS_READY_TIMEOUT = 90
RASA_READY_TIMEOUT = 240
# credentials.yml enables the WeChat channel and the console from these variables (Rasa refuses unset ones)
CREDENTIAL_VARS = ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
                   "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT", "QUALIBOT_CONSOLE_TOKEN")


# --- ports ----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_ports(n: int) -> int:
    """The first of `n` consecutive free ports on 127.0.0.1 (the production stack numbers its replicas so)."""
    for _ in range(50):
        base = free_port()
        if all(_bindable(base + i) for i in range(1, n)):
            return base
    raise RuntimeError(f"no {n} consecutive free ports")


def distinct_free_ports(n: int) -> List[int]:
    """`n` free ports, all different."""
    ports: List[int] = []
    while len(ports) < n:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def free_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, for a server started in this process (Sanic takes it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# --- waiting, stopping, logs -------------------------------------------------------------------------------

def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, step: float = 0.02,
               abort: Optional[Callable[[], Optional[str]]] = None) -> Any:
    """Poll `predicate` until it gives a true value or `timeout` seconds have passed: that value, or False.
    A predicate that raises counts as false. `abort` (optional) is asked on every round: a reason it returns
    ends the wait at once (e.g. the server under test exited) and is raised as ServerFailed."""
    end = time.monotonic() + timeout
    while True:
        if abort is not None:
            reason = abort()
            if reason:
                raise ServerFailed(reason)
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # noqa: BLE001 - not ready yet (a refused connection, a half-started server)
            pass
        if time.monotonic() >= end:
            return False
        time.sleep(step)


def stop_process(proc: Optional[subprocess.Popen]) -> None:
    """Stop one of our processes and its children (it leads its own process group)."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def json_lines(path: Path) -> List[Dict[str, Any]]:
    """The JSON lines of a server's log (catalog/logs.py with QUALIBOT_LOG_FORMAT=json); other lines (warnings
    printed before logging is set up) are skipped. [] when the log does not exist."""
    out: List[Dict[str, Any]] = []
    for line in (path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []):
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def log_tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def spawn(cmd: List[str], log: Path, env: Mapping[str, str], cwd: Path = ROOT) -> subprocess.Popen:
    """A process of our own, leading its own process group, its output in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


# --- the assistant: action server + Rasa server ------------------------------------------------------------

class ServerFailed(RuntimeError):
    """A server exited or was not ready in time; the message carries the logs' tails."""


@dataclass
class Bot:
    """Our action server and a Rasa server, running."""

    url: str
    action_url: str
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Dict[str, Path] = field(default_factory=dict)

    def tails(self, n: int = 40) -> str:
        return "\n".join(f"--- {name} ({path}):\n{log_tail(path, n)}" for name, path in self.logs.items())

    def exited(self) -> Optional[str]:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return f"the {name} server exited with code {proc.returncode}"
        return None

    def pids(self) -> List[int]:
        return [p.pid for p in self.procs.values()]

    def stop(self) -> None:
        for proc in self.procs.values():
            stop_process(proc)


def bot_env(**overrides: str) -> Dict[str, str]:
    """The environment of a test's servers: this process's, the project on PYTHONPATH, quiet TensorFlow, no
    telemetry, and every variable credentials.yml reads set (empty unless the caller or the machine sets it)."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    for var in CREDENTIAL_VARS:
        env.setdefault(var, "")
    env.update(overrides)
    return env


def start_bot(logs_dir: Path, env: Optional[Mapping[str, str]] = None, credentials: Union[str, Path] = "credentials.yml",
              endpoints: Union[str, Path] = "endpoints.yml", model: Union[str, Path] = MODEL,
              ready_timeout: float = RASA_READY_TIMEOUT, cwd: Path = ROOT) -> Bot:
    """Our action server and a Rasa server (REST and the channels `credentials` names) on free ports of
    127.0.0.1, with `env` (see bot_env; ACTION_PORT is set here); returns once the action server's /health
    and the Rasa server's /health/ready answer 200. Raises ServerFailed (both stopped) otherwise."""
    action_port, rasa_port = distinct_free_ports(2)
    logs_dir.mkdir(parents=True, exist_ok=True)
    environ = dict(env if env is not None else bot_env())
    environ["ACTION_PORT"] = str(action_port)
    bot = Bot(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}",
              logs={name: logs_dir / f"{name}.log" for name in ("actions", "rasa")})
    commands = {
        "actions": [str(VENV_PYTHON), "-m", "actions.server", "--port", str(action_port)],
        # as scripts/run.sh starts it: `rasa run`, without TensorFlow when the model does not need it (serve/)
        "rasa": [str(VENV_PYTHON), "-m", "serve", "run", "--model", str(model), "--endpoints", str(endpoints), "--credentials",
                 str(credentials), "--port", str(rasa_port), "--interface", "127.0.0.1"],
    }
    try:
        for name, cmd in commands.items():
            bot.procs[name] = spawn(cmd, bot.logs[name], environ, cwd)
        for what, url, timeout in (("the action server's /health", bot.action_url + "/health", ACTIONS_READY_TIMEOUT),
                                   ("the Rasa server's /health/ready", bot.url + "/health/ready", ready_timeout)):
            if not wait_until(lambda: answers(url), timeout, 0.5, abort=bot.exited):
                raise ServerFailed(f"timed out after {timeout:g} s waiting for {what}")
    except ServerFailed as e:
        bot.stop()
        raise ServerFailed(f"{e}\n{bot.tails()}") from None
    except BaseException:
        bot.stop()
        raise
    return bot


@contextlib.contextmanager
def running_bot(logs_dir: Path, **kwargs: Any) -> Iterator[Bot]:
    """start_bot as a context manager: both servers are stopped at the end, whatever happened."""
    bot = start_bot(logs_dir, **kwargs)
    try:
        yield bot
    finally:
        bot.stop()
