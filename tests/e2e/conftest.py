"""The servers for the end-to-end tests: our own action server and Rasa server on free ports.

The fixture starts the two processes itself (tests/support/servers.py, the same commands as scripts/run.sh)
instead of running `scripts/run.sh --background`: run.sh keeps its pids in var/run/*.pid and its first step
kills whatever those files name, so it would stop (and then orphan) a developer's own servers. Here
nothing under var/ is read or written; only the processes started here are stopped.

Both servers use a catalog database of their own (the `catalog_db` fixture of tests/conftest.py: a
fresh SQLite file loaded from catalog/data), so the questions the bot cannot answer (logged as
feedback) don't end up in the developer's var/catalog.sqlite3.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List

import pytest

from tests.support.http import http
from tests.support.servers import MODEL, RASA, ROOT, ServerFailed, bot_env, start_bot

HTTP_TIMEOUT = 30


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
        status, _, raw = http("POST", self.url + "/webhooks/rest/webhook", body, headers, timeout=HTTP_TIMEOUT)
        assert status == 200, f"HTTP {status}"
        data = json.loads(raw.decode("utf-8"))
        assert isinstance(data, list), f"the webhook answered {data!r}, not a list of messages"
        return data

    def ask(self, sender: str, text: str) -> List[str]:
        """The texts the user sees (messages with "text")."""
        return [m["text"] for m in self.post(sender, text) if m.get("text")]


@pytest.fixture(scope="session")
def bot(catalog_db, tmp_path_factory):
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL.relative_to(ROOT)}: run `make train` first")
    if not RASA.exists():
        pytest.skip(f"{RASA.relative_to(ROOT)} not found: run `make setup` first")
    rest_token = f"e2e-rest-{uuid.uuid4().hex}"  # a trusted integration's
    env = bot_env(CATALOG_DB_URL=catalog_db, QUALIBOT_REST_TOKEN=rest_token,
                  WECHAT_TOKEN=os.environ.get("WECHAT_TOKEN", "e2e-token"))
    env.pop("QUALIBOT_HOTLINE", None)  # the wording under test is the default one
    try:
        servers = start_bot(tmp_path_factory.mktemp("e2e-logs"), env=env)
    except ServerFailed as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield Bot(servers.url, servers.action_url, rest_token)
    finally:
        servers.stop()


@pytest.fixture
def ask(bot):
    return bot.ask
