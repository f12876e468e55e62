"""The servers for the end-to-end tests: our own action server and Rasa server on free ports.

The fixture starts the two processes itself, with the same commands as scripts/run.sh, instead of
running `scripts/run.sh --background`: run.sh keeps its pids in var/run/*.pid and its first step
kills whatever those files name, so it would stop (and then orphan) a developer's own servers. Here
nothing under var/ is read or written; the Popen objects are kept and only those are stopped.

Both servers use a catalog database of their own (the `catalog_db` fixture of tests/conftest.py: a
fresh SQLite file loaded from catalog/data), so the questions the bot cannot answer (logged as
feedback) don't end up in the developer's var/catalog.sqlite3.
"""
from __future__ import annotations

import json
import os
import subprocess
import uuid
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.servers import free_port, log_tail, stop_process

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "qualibot.tar.gz"
RASA = ROOT / ".venv" / "bin" / "rasa"
HTTP_TIMEOUT = 30
ACTIONS_READY_TIMEOUT = 90
RASA_READY_TIMEOUT = 240



@dataclass
class Bot:
    """The running assistant: `ask` posts to the REST channel and returns the bot's messages."""

    url: str
    action_url: str

    rest_token: str = ""

    def post(self, sender: str, text: str, trusted: bool = False) -> List[Dict[str, Any]]:
        """Post as a public caller (loopback, no token), or as a trusted integration (the REST token)."""
        body = json.dumps({"sender": sender, "message": text}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if trusted:
            headers["Authorization"] = f"Bearer {self.rest_token}"
        req = urllib.request.Request(self.url + "/webhooks/rest/webhook", data=body, method="POST", headers=headers)
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            assert resp.status == 200, f"HTTP {resp.status}"
            data = json.loads(resp.read().decode("utf-8"))
        assert isinstance(data, list), f"the webhook answered {data!r}, not a list of messages"
        return data

    def ask(self, sender: str, text: str) -> List[str]:
        """The texts the user sees (messages with "text")."""
        return [m["text"] for m in self.post(sender, text) if m.get("text")]




def _get_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _webhook_answers(bot: Bot) -> bool:
    try:
        bot.post("e2e-readiness-probe", "/greet")
        return True
    except (urllib.error.URLError, OSError, ValueError, AssertionError):
        return False




@pytest.fixture(scope="session")
def bot(catalog_db, tmp_path_factory):
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL.relative_to(ROOT)}: run `make train` first")
    if not RASA.exists():
        pytest.skip(f"{RASA.relative_to(ROOT)} not found: run `make setup` first")

    action_port, rasa_port = free_port(), free_port()
    while rasa_port == action_port:
        rasa_port = free_port()
    logs = tmp_path_factory.mktemp("e2e-logs")
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "ACTION_PORT": str(action_port),
        "RASA_PORT": str(rasa_port),
        "CATALOG_DB_URL": catalog_db,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    env.pop("QUALIBOT_HOTLINE", None)  # the wording under test is the default one
    # credentials.yml enables the WeChat channel from these variables (Rasa refuses unset ones)
    for var in ("WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
                "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT"):
        env.setdefault(var, "")
    env.setdefault("WECHAT_TOKEN", "e2e-token")
    env.setdefault("QUALIBOT_CONSOLE_TOKEN", "")
    env["QUALIBOT_REST_TOKEN"] = rest_token = f"e2e-rest-{uuid.uuid4().hex}"  # a trusted integration's

    procs: Dict[str, subprocess.Popen] = {}
    log_files = {name: logs / f"{name}.log" for name in ("actions", "rasa")}
    commands = {
        "actions": [str(ROOT / ".venv" / "bin" / "python"), "-m", "actions.server", "--port", str(action_port)],
        "rasa": [str(RASA), "run", "--model", "models/qualibot.tar.gz", "--endpoints", "endpoints.yml",
                 "--credentials", "credentials.yml", "--port", str(rasa_port), "--interface", "127.0.0.1"],
    }
    bot = Bot(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", rest_token)

    def fail(what: str) -> None:
        details = "\n".join(f"--- {n} ({log_files[n]}):\n{log_tail(log_files[n])}" for n in procs)
        for p in procs.values():
            stop_process(p)
        pytest.fail(f"{what}\n{details}", pytrace=False)

    def wait_until(check, seconds: int, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, p in procs.items():
                if p.poll() is not None:
                    fail(f"the {name} server exited with code {p.returncode} while {what}")
            if check():
                return
            time.sleep(0.5)
        fail(f"timed out after {seconds} s {what}")

    try:
        for name, cmd in commands.items():
            with log_files[name].open("wb") as log:
                procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, start_new_session=True)
        wait_until(lambda: _get_ok(bot.action_url + "/health"), ACTIONS_READY_TIMEOUT,
                   f"waiting for {bot.action_url}/health")
        wait_until(lambda: _webhook_answers(bot), RASA_READY_TIMEOUT,
                   f"waiting for POST {bot.url}/webhooks/rest/webhook")
        yield bot
    finally:
        for p in procs.values():
            stop_process(p)


@pytest.fixture
def ask(bot):
    return bot.ask
