"""What the deploy tests share: the manifests of deploy/k8s and their kustomization loaded, the objects
looked up, the variables each workload gets, and the Dockerfiles read (instructions, CMD).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]


K8S = ROOT / "deploy" / "k8s"


DOCKER = ROOT / "deploy" / "docker"


HELM = ROOT / "deploy" / "helm"


DOC = ROOT / "docs" / "deploy-kubernetes.md"


SECRET_TEMPLATE = K8S / "secret.template.yaml"


HPA_COMPONENT = K8S / "components" / "actions-hpa"


K8S_VERSION = "1.28.0"


NAMESPACE = "qualibot"


RASA = "qualibot-rasa"


ACTIONS = "qualibot-actions"


JOB = "qualibot-catalog-load"


PURGE = "qualibot-purge"


CONFIGMAP = "qualibot-config"


SECRET = "qualibot-secrets"


PRODUCTION_VARS = {
    "QUALIBOT_PG_HOST", "QUALIBOT_PG_PORT", "QUALIBOT_PG_DB", "QUALIBOT_PG_USER", "QUALIBOT_PG_PASSWORD",
    "CATALOG_DB_URL",
    "QUALIBOT_REDIS_HOST", "QUALIBOT_REDIS_PORT", "QUALIBOT_REDIS_PASSWORD", "QUALIBOT_REDIS_DB",
    "QUALIBOT_REDIS_URL", "QUALIBOT_ACTION_URL", "RASA_AUTH_TOKEN", "QUALIBOT_CORS_ORIGINS",
    "QUALIBOT_RATE_LIMIT", "QUALIBOT_CONSOLE_TOKEN",
    "QUALIBOT_REST_TOKEN", "QUALIBOT_SESSION_SECRET", "QUALIBOT_SESSION_TTL", "QUALIBOT_ADDRESS_RATE_LIMIT",
    "QUALIBOT_TRUSTED_PROXIES",
    "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY",
    "WECHAT_API_BASE", "WECHAT_TIMESTAMP_WINDOW", "WECHAT_REPLY_TIMEOUT",
    "QUALIBOT_HOTLINE", "QUALIBOT_HOTLINE_HOURS", "SANIC_WORKERS", "ACTION_SERVER_SANIC_WORKERS",
    "SANIC_BACKLOG",
}


SECRET_VARS = {
    "QUALIBOT_PG_PASSWORD", "CATALOG_DB_URL", "QUALIBOT_REDIS_PASSWORD", "QUALIBOT_REDIS_URL",
    "RASA_AUTH_TOKEN", "QUALIBOT_CONSOLE_TOKEN", "WECHAT_TOKEN", "WECHAT_APP_SECRET", "WECHAT_AES_KEY",
    "QUALIBOT_REST_TOKEN", "QUALIBOT_SESSION_SECRET", "QUALIBOT_ACTION_SECRET", "QUALIBOT_METRICS_TOKEN",
}


SECRETISH_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|AES_KEY|PRIVATE_KEY|_DB_URL$|REDIS_URL$")


ACTIONS_NEEDS = {"CATALOG_DB_URL", "ACTION_SERVER_SANIC_WORKERS", "QUALIBOT_ACTION_SECRET"}


JOB_NEEDS = {"CATALOG_DB_URL"}


RASA_COMMAND = ("rasa run --model /app/models/qualibot.tar.gz --endpoints endpoints.prod.yml "
                "--credentials credentials.prod.yml --port 5005 --enable-api "
                "--auth-token \"$RASA_AUTH_TOKEN\" --cors $QUALIBOT_CORS_ORIGINS")


ACTIONS_COMMAND = ["python", "-m", "actions.server", "--port", "5055", "--interface", "0.0.0.0", "--workers", "2"]


START_SCRIPT = "/app/deploy/docker/start-rasa.sh"


PUBLIC_PATHS = {"/webhooks/rest/", "/webhooks/webchat/", "/webhooks/wechat/", "/socket.io/", "/web/", "/health/live"}


VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def load_docs(path: Path) -> List[Dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def kustomization(path: Path = K8S) -> Dict[str, Any]:
    return yaml.safe_load((path / "kustomization.yaml").read_text(encoding="utf-8"))


def manifest_files() -> List[Path]:
    """Every Kubernetes object file under deploy/k8s (kustomization files excluded)."""
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def all_objects() -> List[Tuple[Path, Dict[str, Any]]]:
    return [(p, d) for p in manifest_files() for d in load_docs(p)]


def applied_objects() -> List[Dict[str, Any]]:
    """The objects `kubectl apply -k deploy/k8s` creates, read from the files the kustomization lists."""
    return [d for name in kustomization()["resources"] for d in load_docs(K8S / name)]


def one(kind: str, name: str, objects: Optional[Iterable[Dict[str, Any]]] = None) -> Dict[str, Any]:
    found = [o for o in (applied_objects() if objects is None else objects)
             if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(obj: Dict[str, Any]) -> Dict[str, Any]:
    return obj["spec"]["template"]["spec"]


def container(obj: Dict[str, Any]) -> Dict[str, Any]:
    containers = pod_spec(obj)["containers"]
    assert len(containers) == 1, f"{obj['metadata']['name']}: one container expected"
    return containers[0]


def selects(match_labels: Dict[str, str], labels: Dict[str, str]) -> bool:
    return bool(match_labels) and all(labels.get(k) == v for k, v in match_labels.items())


def production_file_vars() -> Set[str]:
    names: Set[str] = set()
    for name in ("endpoints.prod.yml", "credentials.prod.yml"):
        path = ROOT / name
        if path.exists():  # written by another change; the list stands in when absent
            names |= set(VAR_REF.findall(path.read_text(encoding="utf-8")))
    return names


def rasa_needs() -> Set[str]:
    """The issue's list, the ${VAR}s of the production files, and what the start script reads."""
    script = "\n".join(line for line in (DOCKER / "start-rasa.sh").read_text().splitlines()
                       if not line.lstrip().startswith("#"))
    script_vars = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script)) - set(re.findall(r"^\s*([A-Z_]+)=", script, re.M))
    return PRODUCTION_VARS | production_file_vars() | script_vars


def secret_template() -> Dict[str, Any]:
    docs = load_docs(SECRET_TEMPLATE)
    assert len(docs) == 1 and docs[0]["kind"] == "Secret"
    return docs[0]


def secret_keys() -> Set[str]:
    s = secret_template()
    return set((s.get("stringData") or {}).keys()) | set((s.get("data") or {}).keys())


def configmap_data() -> Dict[str, str]:
    return one("ConfigMap", CONFIGMAP)["data"]


def provided_env(obj: Dict[str, Any]) -> Dict[str, str]:
    """Variable -> where it comes from ("configmap", "secret", "value"), checking every reference."""
    c = container(obj)
    out: Dict[str, str] = {}
    for src in c.get("envFrom", []):
        assert "configMapRef" in src, f"{obj['metadata']['name']}: envFrom only from the ConfigMap ({src})"
        assert src["configMapRef"]["name"] == CONFIGMAP
        assert not src.get("prefix")
        for key in configmap_data():
            out[key] = "configmap"
    for env in c.get("env", []):
        name = env["name"]
        if "valueFrom" in env:
            ref = env["valueFrom"]
            if "secretKeyRef" in ref:
                r = ref["secretKeyRef"]
                assert r["name"] == SECRET, f"{name}: from Secret {r['name']}, expected {SECRET}"
                assert r["key"] in secret_keys(), f"{name}: key {r['key']} is not in {SECRET_TEMPLATE.name}"
                assert not r.get("optional"), f"{name}: a secret must not be optional"
                out[name] = "secret"
            elif "configMapKeyRef" in ref:
                assert ref["configMapKeyRef"]["key"] in configmap_data()
                out[name] = "configmap"
            else:
                out[name] = "field"
        else:
            out[name] = "value"
    return out


def image_map() -> Dict[str, str]:
    return {i["name"]: f"{i['newName']}:{i['newTag']}" for i in kustomization()["images"]}


def split_image(image: str) -> Tuple[str, str]:
    assert "@sha256:" not in image or re.search(r"@sha256:[0-9a-f]{64}$", image)
    if "@" in image:
        return image.split("@")[0], "digest"
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # registry:port/name without a tag
        return image, ""
    return name, tag


def dockerfile_instructions(path: Path) -> List[Tuple[str, str]]:
    lines, buf = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        lines.append(buf + stripped)
        buf = ""
    assert not buf, "a continuation line at the end"
    out = []
    for line in lines:
        instr, _, rest = line.partition(" ")
        out.append((instr.upper(), rest.strip()))
    return out


def dockerfile_cmd(path: Path) -> List[str]:
    cmds = [rest for instr, rest in dockerfile_instructions(path) if instr == "CMD"]
    assert len(cmds) == 1
    return json.loads(cmds[0])
