"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network): every variable the
servers need is provided by the ConfigMap or the Secret; no Secret holds a value.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

import re
from typing import Any, Dict

from tests.support.deploy import (
    ACTIONS,
    ACTIONS_NEEDS,
    JOB,
    JOB_NEEDS,
    NAMESPACE,
    RASA,
    ROOT,
    SECRET,
    SECRET_TEMPLATE,
    SECRET_VARS,
    SECRETISH_NAME,
    all_objects,
    configmap_data,
    load_docs,
    one,
    provided_env,
    rasa_needs,
    secret_keys,
)


def test_every_variable_the_rasa_server_needs_is_provided() -> None:
    env = provided_env(one("Deployment", RASA))
    missing = rasa_needs() - env.keys()
    assert not missing, f"qualibot-rasa lacks {sorted(missing)}"
    assert configmap_data()["SANIC_WORKERS"] == "1"
    assert int(configmap_data()["SANIC_BACKLOG"]) >= 1024  # Sanic's 100 overflowed in the chaos run


def test_the_action_server_and_the_job_get_their_variables() -> None:
    env = provided_env(one("Deployment", ACTIONS))
    assert ACTIONS_NEEDS <= env.keys(), sorted(ACTIONS_NEEDS - env.keys())
    assert configmap_data()["ACTION_SERVER_SANIC_WORKERS"] == "2"
    job_env = provided_env(one("Job", JOB))
    assert JOB_NEEDS <= job_env.keys()


def test_secrets_come_only_from_the_secret_and_the_configmap_holds_none() -> None:
    data = configmap_data()
    assert not (SECRET_VARS & data.keys()), f"secrets in the ConfigMap: {sorted(SECRET_VARS & data.keys())}"
    assert all(not SECRETISH_NAME.search(k) for k in data), [k for k in data if SECRETISH_NAME.search(k)]
    for key, value in data.items():
        assert isinstance(value, str)
        assert not re.search(r"://[^/\s]*:[^/\s]*@", value), f"{key} holds credentials in a URL"
    assert secret_keys() == SECRET_VARS
    for name in (RASA, ACTIONS):
        env = provided_env(one("Deployment", name))
        for var in SECRET_VARS & env.keys():
            assert env[var] == "secret", f"{name}: {var} must come from the Secret, not {env[var]}"
    job_env = provided_env(one("Job", JOB))
    assert job_env["CATALOG_DB_URL"] == "secret"


def secret_values(obj: Dict[str, Any]) -> Dict[str, str]:
    return {**(obj.get("data") or {}), **(obj.get("stringData") or {})}


def test_no_secret_object_in_the_repository_has_a_value() -> None:
    secrets = [(p, o) for p, o in all_objects() if o["kind"] == "Secret"]
    assert [p for p, _ in secrets] == [SECRET_TEMPLATE], "the only Secret object is the template"
    for path, obj in secrets:
        values = secret_values(obj)
        assert values, "the template must list the keys"
        assert all(v in ("", None) for v in values.values()), f"{path.name} holds values"
        assert obj["metadata"]["name"] == SECRET and obj["metadata"]["namespace"] == NAMESPACE
    # also anywhere under deploy/ (Helm values, future files): no Secret with a value
    for path in (ROOT / "deploy").rglob("*.y*ml"):
        for doc in load_docs(path):
            if isinstance(doc, dict) and doc.get("kind") == "Secret":
                assert all(v in ("", None) for v in secret_values(doc).values()), path


def test_the_action_url_points_at_the_private_service() -> None:
    url = configmap_data()["QUALIBOT_ACTION_URL"]
    m = re.fullmatch(r"http://([a-z0-9-]+)(?:\.qualibot(?:\.svc(?:\.cluster\.local)?)?)?:(\d+)/webhook", url)
    assert m, url
    svc = one("Service", m.group(1))
    assert m.group(1) == ACTIONS
    assert int(m.group(2)) in {p["port"] for p in svc["spec"]["ports"]}
