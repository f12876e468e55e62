"""The staff console's token in the start scripts: `make run` (scripts/run.sh) makes one for local use and
prints it; the production stack (scripts/run_prod.sh) refuses to start without one. (deploy/docker/start-rasa.sh,
which the Kubernetes and Helm pods run, is checked in test_docker_images.py.) No server is started here."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_bash = pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")


def base_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUALIBOT_", "WECHAT_", "RASA_AUTH"))}
    return {**env, **extra}


@needs_bash
def test_run_prod_refuses_to_start_without_the_console_token(tmp_path):
    prod = tmp_path / "prod"
    others = {"QUALIBOT_PROD_DIR": str(prod), "QUALIBOT_REST_TOKEN": "rest-token"}  # required too (i12-sessions)
    for env in (base_env(**others), base_env(**others, QUALIBOT_CONSOLE_TOKEN="")):
        out = subprocess.run(["bash", str(ROOT / "scripts" / "run_prod.sh"), "--background"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1
        assert "QUALIBOT_CONSOLE_TOKEN is empty" in out.stderr and "not starting" in out.stderr
        assert not list((prod / "run").glob("*.pid")), "nothing may have been started"
        assert "loading the catalog" not in out.stdout


def run_sh_copy(tmp_path: Path) -> Path:
    """scripts/run.sh in a project directory of its own (it works in its parent's parent)."""
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "run.sh"
    shutil.copy(ROOT / "scripts" / "run.sh", script)
    return script


@needs_bash
def test_make_run_makes_a_console_token_once_and_prints_it(tmp_path):
    script = run_sh_copy(tmp_path)
    first = subprocess.run(["bash", str(script), "--console-token"], env=base_env(), capture_output=True, text=True,
                           timeout=30)
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{36}", token)
    saved = tmp_path / "var" / "console-token"
    assert saved.read_text() == token and stat.S_IMODE(saved.stat().st_mode) == 0o600
    again = subprocess.run(["bash", str(script), "--console-token"], env=base_env(), capture_output=True, text=True,
                           timeout=30)
    assert again.stdout.strip() == token, "the same token until var/ is cleaned"
    own = subprocess.run(["bash", str(script), "--console-token"], env=base_env(QUALIBOT_CONSOLE_TOKEN="mine"),
                         capture_output=True, text=True, timeout=30)
    assert own.stdout.strip() == "mine"


def test_make_run_prints_the_token_with_the_urls():
    text = (ROOT / "scripts" / "run.sh").read_text()
    banner = text[text.index("Qualibot is up."):]
    assert re.search(r"console: .*/web/console/ .*console token: \$QUALIBOT_CONSOLE_TOKEN", banner)
    # the token reaches Rasa (credentials.yml reads it) whether generated or given
    assert re.search(r"^export WECHAT_TOKEN .*\n(?:.*\\\n)*\s+QUALIBOT_CONSOLE_TOKEN$", text, re.M)
    assert "console_token: ${QUALIBOT_CONSOLE_TOKEN}" in (ROOT / "credentials.yml").read_text()
    assert "console-token:" in (ROOT / "Makefile").read_text()


def test_make_run_keeps_conversations_where_the_analytics_tab_reads_them(tmp_path):
    # `make run` uses endpoints.dev.yml (a SQLite tracker store) and exports QUALIBOT_TRACKER_DB_URL for the console's
    # analytics: both must name the same file, and a tracker saved through the store is read back from that URL
    import asyncio

    import sqlalchemy as sa
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    run = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert 'ENDPOINTS=endpoints.dev.yml' in run and '--endpoints "$ENDPOINTS"' in run
    url = re.search(r'QUALIBOT_TRACKER_DB_URL:-(sqlite:///[^}"]+)', run).group(1)
    config = read_endpoint_config(str(ROOT / "endpoints.dev.yml"), "tracker_store")
    assert config.type == "bot.stores.tracker_store.GuardedSQLTrackerStore" and config.kwargs["dialect"] == "sqlite"
    assert url == "sqlite:///" + config.kwargs["db"]
    # the same relative path, from a working directory of its own
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        (tmp_path / "var").mkdir()
        store = TrackerStore.create(config, Domain.empty())
        tracker = DialogueStateTracker.from_events("web:dev-1", [UserUttered("我有CFA", {"name": "ask_recognized"})])
        asyncio.run(store.save(tracker))
        with sa.create_engine(url).connect() as conn:
            assert conn.execute(sa.text("select count(*) from events where sender_id = 'web:dev-1'")).scalar() == 1
    finally:
        os.chdir(cwd)
