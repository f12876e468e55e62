"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network): the Dockerfiles
(non-root, no secret, the production commands, each image only its own requirements and code), .dockerignore,
the Rasa start script.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import yaml

from tests.support.deploy import (
    ACTIONS,
    ACTIONS_COMMAND,
    DOCKER,
    RASA,
    RASA_COMMAND,
    ROOT,
    SECRET_VARS,
    SECRETISH_NAME,
    START_SCRIPT,
    dockerfile_cmd,
    dockerfile_instructions,
    one,
    pod_spec,
)


def env_assignments(rest: str) -> Dict[str, str]:
    tokens = shlex.split(rest)
    if tokens and "=" not in tokens[0]:  # legacy `ENV NAME value`
        return {tokens[0]: " ".join(tokens[1:])}
    return dict(t.split("=", 1) if "=" in t else (t, "") for t in tokens)


@pytest.mark.parametrize("name", ["Dockerfile.rasa", "Dockerfile.actions"])
def test_dockerfiles_run_unprivileged_without_secrets(name: str) -> None:
    path = DOCKER / name
    instr = dockerfile_instructions(path)
    kinds = [i for i, _ in instr]
    assert kinds[0] == "FROM" and dict(instr)["FROM"] == "python:3.10-slim"
    wanted = "bot.txt" if name.endswith("rasa") else "actions.txt"
    assert any(i == "RUN" and f"pip install -r requirements/{wanted} -c requirements.lock" in r for i, r in instr)
    users = [r for i, r in instr if i == "USER"]
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and (not user.isdigit() or int(user) >= 1000)
    assert kinds.index("USER") > max(i for i, k in enumerate(kinds) if k in ("RUN", "COPY"))
    # the securityContext's numbers match the image's user
    dep = one("Deployment", RASA if name.endswith("rasa") else ACTIONS)
    assert str(pod_spec(dep)["securityContext"]["runAsUser"]) == user
    for i, rest in instr:
        if i in ("ENV", "ARG"):
            for var, value in env_assignments(rest).items():
                if var in SECRET_VARS or SECRETISH_NAME.search(var):
                    assert not value, f"{name}: {i} {var} has a value: secrets come from the environment"
        if i in ("COPY", "ADD"):
            srcs = shlex.split(rest)[:-1]
            assert "." not in srcs and "./" not in srcs, f"{name}: copy named paths, not the whole context"
            assert not any(s.startswith(("var", ".env", ".git", ".venv")) for s in srcs)
    health = [r for i, r in instr if i == "HEALTHCHECK"]
    assert len(health) == 1 and "CMD" in health[0]
    port = "5005" if name.endswith("rasa") else "5055"
    assert f"127.0.0.1:{port}/health" in health[0]
    assert [r for i, r in instr if i == "EXPOSE"] == [port]


def test_the_rasa_image_bakes_the_checked_model_and_runs_the_production_command() -> None:
    instr = dockerfile_instructions(DOCKER / "Dockerfile.rasa")
    copies = [shlex.split(r) for i, r in instr if i == "COPY"]
    assert ["models/qualibot.tar.gz", "models/qualibot.tar.gz.sha256", "models/"] in copies
    assert any(i == "RUN" and "sha256sum -c qualibot.tar.gz.sha256" in r for i, r in instr), "checked at build"
    for needed in ("endpoints.prod.yml", "credentials.prod.yml", "deploy/docker/start-rasa.sh"):
        assert any(needed in c for c in copies), needed
    assert dockerfile_cmd(DOCKER / "Dockerfile.rasa") == [START_SCRIPT]
    script = (DOCKER / "start-rasa.sh").read_text()
    exec_lines = [line.strip() for line in script.splitlines() if line.strip().startswith("exec ")]
    assert exec_lines == ["exec " + RASA_COMMAND]
    assert "sha256sum -c" in script
    endpoints = ROOT / "endpoints.prod.yml"
    if endpoints.exists():
        assert "models" not in yaml.safe_load(endpoints.read_text()), "no model server in the production endpoints"


def test_each_image_copies_every_package_its_code_imports() -> None:
    """bot/ imports ops/ (the analytics tab reads the tracker store with ops.purge's helpers): a package left out
    of an image fails only when that page is opened."""
    for name, own in (("Dockerfile.rasa", "bot"), ("Dockerfile.actions", "actions")):
        copied = {src.rstrip("/") for i, r in dockerfile_instructions(DOCKER / name) if i == "COPY"
                  for src in shlex.split(r)[:-1]}
        imported = {m.group(1) for path in (ROOT / own).rglob("*.py")
                    for m in re.finditer(r"^\s*(?:from|import) (catalog|ops|bot|actions)\b", path.read_text(), re.M)}
        assert imported <= copied, f"{name}: imports {sorted(imported - copied)} but does not copy them"


def test_the_actions_image_runs_the_action_server_command() -> None:
    assert dockerfile_cmd(DOCKER / "Dockerfile.actions") == ACTIONS_COMMAND


def requirement_names(path: Path) -> Set[str]:
    """The distributions a requirements file names, through its `-r` includes (lower case, - for _)."""
    names: Set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(path.parent / line[3:].strip())
        elif line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_each_image_installs_only_its_own_process_requirements() -> None:
    """The action server's image carries no Rasa, TensorFlow or test tools and none of bot/; the Rasa image
    none of actions/; `make setup` (requirements/dev.txt) still installs everything, all under one lock."""
    reqs = ROOT / "requirements"
    actions, bot, dev = (requirement_names(reqs / f"{n}.txt") for n in ("actions", "bot", "dev"))
    assert "rasa-sdk" in actions and not actions & {"rasa", "tensorflow", "tensorflow-cpu", "pytest", "playwright",
                                                      "hypothesis", "kubernetes-validate", "jieba"}
    assert "rasa" in bot and not bot & {"pytest", "playwright", "hypothesis", "kubernetes-validate"}
    assert dev >= actions | bot | {"pytest", "playwright", "ruff", "mypy", "import-linter"}
    lock = {line.split("==")[0].lower().replace("_", "-") for line in (ROOT / "requirements.lock").read_text().split()}
    assert dev <= lock, f"not pinned in requirements.lock: {sorted(dev - lock)}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q -r requirements/dev.txt -c requirements.lock" in makefile
    for name, own, foreign in (("Dockerfile.actions", "actions.txt", "bot/"), ("Dockerfile.rasa", "bot.txt", "actions/")):
        instr = dockerfile_instructions(DOCKER / name)
        runs = " ".join(r for i, r in instr if i == "RUN")
        copied = [src for i, r in instr if i == "COPY" for src in shlex.split(r)[:-1]]
        assert f"-r requirements/{own}" in runs and runs.count("pip install") == 1, name
        assert foreign not in copied and not any(src.startswith(foreign) for src in copied), f"{name} copies {foreign}"


needs_sh = pytest.mark.skipif(not (shutil.which("sh") and shutil.which("sha256sum")), reason="needs sh and sha256sum")


def start_script_sandbox(tmp_path: Path) -> Tuple[Path, Path, Path]:
    """The start script with /app moved under tmp_path, a model and its checksum, and a fake `rasa`."""
    app = tmp_path / "app"
    (app / "models").mkdir(parents=True)
    model = app / "models" / "qualibot.tar.gz"
    model.write_bytes(os.urandom(256))
    (app / "models" / "qualibot.tar.gz.sha256").write_text(
        f"{hashlib.sha256(model.read_bytes()).hexdigest()}  qualibot.tar.gz\n")
    (app / "endpoints.prod.yml").write_text("")  # a file in the working directory for '*' to glob
    script = tmp_path / "start-rasa.sh"
    script.write_text((DOCKER / "start-rasa.sh").read_text().replace("/app", str(app)))
    script.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "rasa"
    fake.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "{tmp_path}/rasa-args"\n')
    fake.chmod(0o755)
    return app, script, bin_dir


START_SECRETS = {"QUALIBOT_REST_TOKEN": "rest-token", "QUALIBOT_SESSION_SECRET": "a-session-secret-of-32-chars....",
                 "QUALIBOT_CONSOLE_TOKEN": "console-token"}


def run_start(script: Path, bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    full = {"PATH": f"{bin_dir}:/usr/bin:/bin", **START_SECRETS, **env}
    return subprocess.run(["sh", str(script)], env=full, capture_output=True, text=True, timeout=30)


@needs_sh
def test_start_script_checks_the_model_then_runs_rasa_with_the_production_flags(tmp_path: Path) -> None:
    app, script, bin_dir = start_script_sandbox(tmp_path)
    out = run_start(script, bin_dir, RASA_AUTH_TOKEN="tok en", QUALIBOT_CORS_ORIGINS="https://a.example *")
    assert out.returncode == 0, out.stderr
    args = (tmp_path / "rasa-args").read_text().splitlines()
    assert args == ["run", "--model", f"{app}/models/qualibot.tar.gz", "--endpoints", "endpoints.prod.yml",
                    "--credentials", "credentials.prod.yml", "--port", "5005", "--enable-api",
                    "--auth-token", "tok en", "--cors", "https://a.example", "*"]


@needs_sh
def test_rasa_accepts_the_command_line_of_the_start_script(tmp_path: Path) -> None:
    """Rasa 3.6.21's own argument parser reads what the start script passes, as meant."""
    from rasa.__main__ import create_argument_parser

    _, script, bin_dir = start_script_sandbox(tmp_path)
    out = run_start(script, bin_dir, RASA_AUTH_TOKEN="tok", QUALIBOT_CORS_ORIGINS="https://a.example https://b.example")
    assert out.returncode == 0, out.stderr
    args = create_argument_parser().parse_args((tmp_path / "rasa-args").read_text().splitlines())
    assert (args.endpoints, args.credentials, args.port) == ("endpoints.prod.yml", "credentials.prod.yml", 5005)
    assert args.enable_api is True and args.auth_token == "tok"
    assert args.cors == ["https://a.example", "https://b.example"]
    assert args.model.endswith("/app/models/qualibot.tar.gz")
    assert args.remote_storage is None, "never a model from remote storage"


def test_the_action_server_accepts_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "actions.server", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    for flag in ACTIONS_COMMAND[3::2]:
        assert flag in out.stdout, flag


@needs_sh
def test_start_script_refuses_a_changed_model_or_a_missing_token(tmp_path: Path) -> None:
    app, script, bin_dir = start_script_sandbox(tmp_path)
    out = run_start(script, bin_dir, RASA_AUTH_TOKEN="", QUALIBOT_CORS_ORIGINS="https://a.example")
    assert out.returncode != 0 and "RASA_AUTH_TOKEN" in out.stderr
    out = run_start(script, bin_dir, RASA_AUTH_TOKEN="t")
    assert out.returncode != 0 and "QUALIBOT_CORS_ORIGINS" in out.stderr
    for var in START_SECRETS:  # issue 12: the REST channel's token, the web sessions' secret, the console token
        out = run_start(script, bin_dir, RASA_AUTH_TOKEN="t", QUALIBOT_CORS_ORIGINS="https://a.example", **{var: ""})
        assert out.returncode != 0 and var in out.stderr
    with (app / "models" / "qualibot.tar.gz").open("ab") as fh:
        fh.write(b"x")
    out = run_start(script, bin_dir, RASA_AUTH_TOKEN="t", QUALIBOT_CORS_ORIGINS="https://a.example")
    assert out.returncode != 0 and "does not match" in out.stderr
    assert not (tmp_path / "rasa-args").exists(), "rasa must not start"


def dockerignore_patterns() -> List[Tuple[bool, re.Pattern]]:
    out = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pat = line[1:] if negate else line
        pat = pat.strip("/")
        rx = ""
        i = 0
        while i < len(pat):
            if pat.startswith("**/", i):
                rx += "(?:.*/)?"
                i += 3
            elif pat.startswith("**", i):
                rx += ".*"
                i += 2
            elif pat[i] == "*":
                rx += "[^/]*"
                i += 1
            elif pat[i] == "?":
                rx += "[^/]"
                i += 1
            else:
                rx += re.escape(pat[i])
                i += 1
        out.append((negate, re.compile(rx)))
    return out


def ignored(rel: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories wins."""
    parts = rel.split("/")
    state = False
    for negate, rx in dockerignore_patterns():
        if any(rx.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            state = not negate
    return state


def test_dockerignore_keeps_secrets_out_and_what_the_images_copy_in() -> None:
    for rel in (".venv/bin/python", ".git/config", "var/prod/auth-token", "var/catalog.sqlite3", ".env",
                "models/other.tar.gz", "results/nlu_report.json", "bot/__pycache__/x.pyc", "tests/conftest.py"):
        assert ignored(rel), f"{rel} would be sent to the Docker build"
    for rel in ("models/qualibot.tar.gz", "models/qualibot.tar.gz.sha256", "requirements.lock", "requirements/base.txt",
                "requirements/actions.txt", "requirements/bot.txt"):
        assert not ignored(rel), f"{rel} is needed by the build"
    for name in ("Dockerfile.rasa", "Dockerfile.actions"):
        for instr, rest in dockerfile_instructions(DOCKER / name):
            if instr != "COPY":
                continue
            for src in shlex.split(rest)[:-1]:
                src = src.rstrip("/")
                path = ROOT / src
                files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()
                                                       and "__pycache__" not in p.parts]
                if src.startswith("models/") and not path.exists():
                    continue  # the model exists only after training; checked by the patterns above
                assert files, f"{name}: COPY {src}: nothing there"
                kept = [f for f in files if not ignored(f.relative_to(ROOT).as_posix())]
                assert kept, f"{name}: COPY {src} is excluded by .dockerignore"
                if path.is_file():
                    assert kept == files
