"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network).

- every object of deploy/k8s (and its optional component) against the Kubernetes OpenAPI schemas,
  strict (unknown fields are errors), with kubernetes-validate's bundled schemas: Kubernetes 1.28, the
  newest that kubernetes-validate 1.28.3 ships (later releases need jsonschema>=4.18; rasa 3.6 pins <4.18);
- `kubectl kustomize` of deploy/k8s, when kubectl is installed;
- the files against each other: every variable the servers need is provided by the ConfigMap or the
  Secret, Secret keys exist, probes and ports match, the action server is private, no Secret holds a
  value, no image is :latest, the kustomization lists every file;
- the Dockerfiles (non-root user, no secret in ENV/ARG, the commands of the production configuration,
  HEALTHCHECK), .dockerignore, the Rasa start script (run against a fake `rasa`);
- the Helm values (only keys the charts document, the same settings as deploy/k8s) and the operator doc.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import kubernetes_validate  # requirements.txt: offline Kubernetes schemas
import pytest
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

# The production configuration's variables (issue 5). endpoints.prod.yml / credentials.prod.yml add theirs.
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
# these hold a password, a token or a key: only ever from the Secret
SECRET_VARS = {
    "QUALIBOT_PG_PASSWORD", "CATALOG_DB_URL", "QUALIBOT_REDIS_PASSWORD", "QUALIBOT_REDIS_URL",
    "RASA_AUTH_TOKEN", "QUALIBOT_CONSOLE_TOKEN", "WECHAT_TOKEN", "WECHAT_APP_SECRET", "WECHAT_AES_KEY",
    "QUALIBOT_REST_TOKEN", "QUALIBOT_SESSION_SECRET", "QUALIBOT_ACTION_SECRET",
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


# ---------------------------------------------------------------- loading


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
        if path.exists():  # written by another change; the issue's list stands in when absent
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


# ---------------------------------------------------------------- schema


@pytest.mark.parametrize("path,index", [(p, i) for p in manifest_files() for i, _ in enumerate(load_docs(p))],
                         ids=lambda v: v.relative_to(K8S).as_posix() if isinstance(v, Path) else str(v))
def test_every_object_is_valid_against_the_kubernetes_schema(path: Path, index: int) -> None:
    obj = load_docs(path)[index]
    assert {"apiVersion", "kind", "metadata"} <= obj.keys()
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", obj["metadata"]["name"])
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_the_schema_validation_does_catch_mistakes() -> None:
    """Strict validation rejects a misspelled field deep in a pod template and a wrong type."""
    dep = copy.deepcopy(one("Deployment", RASA))
    kubernetes_validate.validate(dep, K8S_VERSION, strict=True)
    typo = copy.deepcopy(dep)
    typo["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = typo["spec"]["template"]["spec"][
        "containers"][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)
    wrong = copy.deepcopy(dep)
    wrong["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, K8S_VERSION, strict=True)


def test_objects_have_unique_names_and_no_namespace_of_their_own() -> None:
    seen = set()
    for obj in applied_objects():
        key = (obj["kind"], obj["metadata"]["name"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
        # the kustomization sets the namespace; a hard-coded one elsewhere would be overridden silently
        assert "namespace" not in obj["metadata"] or obj["metadata"]["namespace"] == NAMESPACE


# ---------------------------------------------------------------- kustomize


def test_kustomization_lists_every_file_and_not_the_secret_template() -> None:
    k = kustomization()
    assert k["namespace"] == NAMESPACE
    listed = k["resources"]
    assert len(listed) == len(set(listed))
    for name in listed:
        assert (K8S / name).is_file(), f"kustomization lists {name}, which does not exist"
    top_level = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    # the Secret template must never be applied: an apply would overwrite the real Secret with empty values
    assert SECRET_TEMPLATE.name in top_level and SECRET_TEMPLATE.name not in listed
    assert set(listed) == top_level - {SECRET_TEMPLATE.name}, \
        f"not listed in kustomization.yaml: {sorted(top_level - set(listed) - {SECRET_TEMPLATE.name})}"
    kinds = {o["kind"] for o in applied_objects()}
    assert "Secret" not in kinds
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "Ingress", "PodDisruptionBudget",
            "NetworkPolicy", "Job"} <= kinds
    # one file per kind
    for name in listed:
        assert len({o["kind"] for o in load_docs(K8S / name)}) == 1, f"{name} mixes kinds"
    # the optional component lists its files too, and the base mentions it
    comp = yaml.safe_load((HPA_COMPONENT / "kustomization.yaml").read_text())
    assert comp["kind"] == "Component"
    assert set(comp["resources"]) == {p.name for p in HPA_COMPONENT.glob("*.yaml")} - {"kustomization.yaml"}
    assert "components/actions-hpa" in (K8S / "kustomization.yaml").read_text()


def kubectl_kustomize(path: Path) -> List[Dict[str, Any]]:
    out = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d is not None]


def image_map() -> Dict[str, str]:
    return {i["name"]: f"{i['newName']}:{i['newTag']}" for i in kustomization()["images"]}


needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


@needs_kubectl
def test_kustomize_build_renders_every_object_in_the_namespace_with_release_images() -> None:
    rendered = kubectl_kustomize(K8S)
    assert {(o["kind"], o["metadata"]["name"]) for o in rendered} == \
        {(o["kind"], o["metadata"]["name"]) for o in applied_objects()}
    images = set(image_map().values())
    for obj in rendered:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "qualibot"
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]["name"]
        if obj["kind"] in ("Deployment", "Job"):
            for c in pod_spec(obj)["containers"]:
                assert c["image"] in images, f"{c['image']} was not rewritten by kustomization images"


@needs_kubectl
def test_the_autoscaler_component_builds_and_frees_the_replica_count(tmp_path: Path) -> None:
    copy_dir = tmp_path / "k8s"
    shutil.copytree(K8S, copy_dir)
    text = (copy_dir / "kustomization.yaml").read_text()
    enabled = text.replace("# components:\n#   - components/actions-hpa", "components:\n  - components/actions-hpa")
    assert enabled != text, "kustomization.yaml no longer has the commented component to enable"
    (copy_dir / "kustomization.yaml").write_text(enabled)
    rendered = kubectl_kustomize(copy_dir)
    hpa = one("HorizontalPodAutoscaler", ACTIONS, rendered)
    kubernetes_validate.validate(hpa, K8S_VERSION, strict=True)
    assert hpa["metadata"]["namespace"] == NAMESPACE
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": ACTIONS}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert "replicas" not in one("Deployment", ACTIONS, rendered)["spec"]
    assert one("Deployment", RASA, rendered)["spec"]["replicas"] == 2


# ---------------------------------------------------------------- images


def split_image(image: str) -> Tuple[str, str]:
    assert "@sha256:" not in image or re.search(r"@sha256:[0-9a-f]{64}$", image)
    if "@" in image:
        return image.split("@")[0], "digest"
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # registry:port/name without a tag
        return image, ""
    return name, tag


def test_images_are_pinned_never_latest() -> None:
    used = set()
    for obj in applied_objects():
        if obj["kind"] in ("Deployment", "Job"):
            for c in pod_spec(obj).get("containers", []) + pod_spec(obj).get("initContainers", []):
                name, tag = split_image(c["image"])
                assert tag and tag != "latest", f"{obj['metadata']['name']}: image {c['image']} has no fixed tag"
                assert c.get("imagePullPolicy") in ("IfNotPresent", None)
                used.add(name)
    images = kustomization()["images"]
    assert {i["name"] for i in images} == used, "every image must be set by kustomization.yaml images"
    for i in images:
        assert str(i["newTag"]) not in ("", "latest") and ":" not in i["newName"].split("/")[-1]
    for dockerfile in ("Dockerfile.rasa", "Dockerfile.actions"):
        base = dict(dockerfile_instructions(DOCKER / dockerfile))["FROM"]
        assert base.split()[0] == "python:3.10-slim"


# ---------------------------------------------------------------- settings


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


# ---------------------------------------------------------------- workloads


def port_of(obj: Dict[str, Any], ref: Any) -> int:
    ports = container(obj)["ports"]
    if isinstance(ref, int):
        assert ref in {p["containerPort"] for p in ports}
        return ref
    matches = [p["containerPort"] for p in ports if p.get("name") == ref]
    assert matches, f"{obj['metadata']['name']}: no container port named {ref}"
    return matches[0]


def probe(obj: Dict[str, Any], kind: str) -> Tuple[str, int, Dict[str, Any]]:
    p = container(obj)[kind]
    return p["httpGet"]["path"], port_of(obj, p["httpGet"]["port"]), p


def test_rasa_probes_ports_and_model_load_time() -> None:
    dep = one("Deployment", RASA)
    assert port_of(dep, "http") == 5005
    path, port, start = probe(dep, "startupProbe")
    assert (path, port) == ("/health/live", 5005)
    budget = start.get("initialDelaySeconds", 0) + start["periodSeconds"] * start["failureThreshold"]
    assert 120 <= budget <= 300, f"startup allows {budget} s for the model load"
    assert probe(dep, "livenessProbe")[:2] == ("/health/live", 5005)
    path, port, ready = probe(dep, "readinessProbe")
    assert (path, port) == ("/health/ready", 5005)
    assert ready["timeoutSeconds"] >= 3  # each dependency is probed with a 2 s timeout


def test_action_server_probes_and_command() -> None:
    dep = one("Deployment", ACTIONS)
    c = container(dep)
    assert c["command"] == ACTIONS_COMMAND
    assert port_of(dep, "http") == int(ACTIONS_COMMAND[ACTIONS_COMMAND.index("--port") + 1])
    assert probe(dep, "livenessProbe")[:2] == ("/health", 5055)
    assert probe(dep, "readinessProbe")[:2] == ("/health/ready", 5055)
    assert probe(dep, "startupProbe")[:2] == ("/health", 5055)


@pytest.mark.parametrize("name,replicas", [(RASA, 2), (ACTIONS, 2)])
def test_deployments_are_replicated_sized_and_locked_down(name: str, replicas: int) -> None:
    dep = one("Deployment", name)
    spec = dep["spec"]
    assert spec["replicas"] == replicas
    labels = spec["template"]["metadata"]["labels"]
    assert labels["app"] == name and selects(spec["selector"]["matchLabels"], labels)
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = pod_spec(dep)
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] >= 1000
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    c = container(dep)
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert "/tmp" in mounts, "a read-only root needs a writable /tmp"
    volumes = {v["name"] for v in pod["volumes"]}
    assert {m["name"] for m in c["volumeMounts"]} <= volumes
    # terminationGracePeriod covers the preStop pause and leaves time to stop
    pause = int(c["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] >= pause + 15
    res = c["resources"]
    for key in ("cpu", "memory"):
        assert key in res["requests"] and key in res["limits"]


def quantity_mib(q: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)?", str(q))
    assert m, q
    return float(m.group(1)) * (units[m.group(2)] if m.group(2) else 1 / 2**20)


def test_rasa_memory_is_sized_for_one_gigabyte_per_process() -> None:
    res = container(one("Deployment", RASA))["resources"]
    request, limit = quantity_mib(res["requests"]["memory"]), quantity_mib(res["limits"]["memory"])
    assert 1024 <= request <= limit, (request, limit)
    assert limit >= 1.5 * 1024, "the model load and tracker bursts need headroom over ~1 GB"
    tmp = [v for v in pod_spec(one("Deployment", RASA))["volumes"] if v["name"] == "tmp"]
    assert quantity_mib(tmp[0]["emptyDir"]["sizeLimit"]) >= 512, "/tmp holds the unpacked model"


def test_the_rasa_pod_runs_the_start_script_of_the_image() -> None:
    c = container(one("Deployment", RASA))
    assert c["command"] == [START_SCRIPT]
    assert dockerfile_cmd(DOCKER / "Dockerfile.rasa") == [START_SCRIPT]


def test_services_select_their_pods_and_the_action_server_is_private() -> None:
    for name in (RASA, ACTIONS):
        svc = one("Service", name)
        dep = one("Deployment", name)
        assert svc["spec"]["type"] == "ClusterIP"
        assert selects(svc["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"])
        for p in svc["spec"]["ports"]:
            assert port_of(dep, p["targetPort"]) == p["port"]
    actions_svc = one("Service", ACTIONS)
    rasa_labels = one("Deployment", RASA)["spec"]["template"]["metadata"]["labels"]
    assert not selects(actions_svc["spec"]["selector"], rasa_labels)
    assert "externalIPs" not in actions_svc["spec"] and "loadBalancerIP" not in actions_svc["spec"]
    for ing in (o for o in applied_objects() if o["kind"] == "Ingress"):
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] != ACTIONS, "the action server must not be public"


def network_policies() -> List[Dict[str, Any]]:
    return [o for o in applied_objects() if o["kind"] == "NetworkPolicy"]


def test_network_policy_admits_only_rasa_pods_to_the_action_server() -> None:
    actions_labels = one("Deployment", ACTIONS)["spec"]["template"]["metadata"]["labels"]
    rasa_labels = one("Deployment", RASA)["spec"]["template"]["metadata"]["labels"]
    svc_selector = one("Service", ACTIONS)["spec"]["selector"]
    governing = [p for p in network_policies()
                 if not p["spec"]["podSelector"] or selects(p["spec"]["podSelector"]["matchLabels"], actions_labels)]
    assert any(not p["spec"]["podSelector"] and "Ingress" in p["spec"]["policyTypes"] and not p["spec"].get("ingress")
               for p in governing), "a default-deny ingress policy for the namespace"
    specific = [p for p in governing if p["spec"]["podSelector"]]
    assert specific, "no NetworkPolicy selects the action server pods"
    for pol in specific:
        sel = pol["spec"]["podSelector"]["matchLabels"]
        assert sel.items() <= svc_selector.items() or svc_selector.items() <= sel.items(), \
            "the policy selects the pods behind the qualibot-actions Service"
        assert "Ingress" in pol["spec"]["policyTypes"]
        rules = pol["spec"]["ingress"]
        assert rules
        for rule in rules:
            assert rule["from"], "an empty 'from' admits everybody"
            for peer in rule["from"]:
                assert set(peer) == {"podSelector"}, f"only pods of this namespace may call actions: {peer}"
                assert selects(peer["podSelector"]["matchLabels"], rasa_labels)
                assert not selects(peer["podSelector"]["matchLabels"], actions_labels)
            assert rule["ports"] == [{"protocol": "TCP", "port": 5055}]


def test_network_policy_admits_the_ingress_controller_to_rasa_on_its_port() -> None:
    rasa_labels = one("Deployment", RASA)["spec"]["template"]["metadata"]["labels"]
    pols = [p for p in network_policies()
            if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"]["matchLabels"], rasa_labels)]
    assert pols
    for pol in pols:
        for rule in pol["spec"]["ingress"]:
            assert rule["from"] and rule["ports"] == [{"protocol": "TCP", "port": 5005}]


def test_pod_disruption_budgets_keep_a_pod_of_each() -> None:
    for name in (RASA, ACTIONS):
        pdb = one("PodDisruptionBudget", name)
        dep = one("Deployment", name)
        assert selects(pdb["spec"]["selector"]["matchLabels"], dep["spec"]["template"]["metadata"]["labels"])
        assert 1 <= pdb["spec"]["minAvailable"] < dep["spec"]["replicas"], "a drain must still be possible"


def test_ingress_routes_only_the_public_paths_to_rasa() -> None:
    ingresses = [o for o in applied_objects() if o["kind"] == "Ingress"]
    routed = set()
    rasa_svc = one("Service", RASA)
    svc_port_names = {p["name"] for p in rasa_svc["spec"]["ports"]}
    for ing in ingresses:
        assert ing["spec"]["ingressClassName"] == "nginx"
        assert ing["spec"]["tls"], f"{ing['metadata']['name']}: TLS"
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] == RASA and backend["port"]["name"] in svc_port_names
                routed.add(path["path"])
    assert routed == PUBLIC_PATHS, f"routed {sorted(routed)}"
    main = one("Ingress", "qualibot")
    wechat = one("Ingress", "qualibot-wechat")
    assert "nginx.ingress.kubernetes.io/limit-rps" in main["metadata"]["annotations"]
    # WeChat's servers post for every user from a few addresses: no per-address limit there
    assert not any("limit-" in a for a in wechat["metadata"].get("annotations", {}))
    assert {p["path"] for r in wechat["spec"]["rules"] for p in r["http"]["paths"]} == {"/webhooks/wechat/"}
    assert main["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"


def test_catalog_job_loads_the_catalog_with_the_actions_image() -> None:
    job = one("Job", JOB)
    c = container(job)
    assert c["command"] == ["python", "-m", "catalog", "load"]
    assert split_image(c["image"])[0] == split_image(container(one("Deployment", ACTIONS))["image"])[0]
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["activeDeadlineSeconds"] > 0
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "catalog-load"
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod_spec(job)["securityContext"]["runAsNonRoot"] is True


def test_purge_cronjob_runs_the_purge_daily_with_the_actions_image() -> None:
    """deploy/k8s/cronjob.yaml: `python -m ops.purge` once a day, never two at once, in the actions
    image, with the tracker store's and the catalog's settings; the age is the ConfigMap's retention."""
    cron = one("CronJob", PURGE)
    spec = cron["spec"]
    assert len(spec["schedule"].split()) == 5 and spec["schedule"].split()[2:] == ["*", "*", "*"]  # daily
    assert spec["concurrencyPolicy"] == "Forbid"
    job = {"spec": spec["jobTemplate"]["spec"]}
    c = container(job)
    assert c["command"] == ["python", "-m", "ops.purge"]
    assert split_image(c["image"])[0] == split_image(container(one("Deployment", ACTIONS))["image"])[0]
    assert pod_spec(job)["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 1
    assert pod_spec(job)["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["readOnlyRootFilesystem"] is True and c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    env = provided_env(job)
    for var in ("QUALIBOT_PG_HOST", "QUALIBOT_PG_PORT", "QUALIBOT_PG_DB", "QUALIBOT_PG_USER", "QUALIBOT_RETENTION_DAYS"):
        assert env[var] == "configmap", var
    for var in ("QUALIBOT_PG_PASSWORD", "CATALOG_DB_URL"):
        assert env[var] == "secret", var
    assert 1 <= int(configmap_data()["QUALIBOT_RETENTION_DAYS"]) <= 3650
    # the command exists and takes no required argument
    out = subprocess.run([sys.executable, "-m", "ops.purge", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and "--older-than" in out.stdout, out.stderr
    assert "bot/" in " ".join(r for i, r in dockerfile_instructions(DOCKER / "Dockerfile.actions") if i == "COPY")


def test_the_namespace_enforces_the_restricted_pod_security_standard() -> None:
    ns = one("Namespace", NAMESPACE)
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


# ---------------------------------------------------------------- Docker


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
    assert any(i == "RUN" and "pip install -r requirements.txt -c requirements.lock" in r for i, r in instr)
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


def test_the_actions_image_runs_the_action_server_command() -> None:
    assert dockerfile_cmd(DOCKER / "Dockerfile.actions") == ACTIONS_COMMAND


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
    for rel in ("models/qualibot.tar.gz", "models/qualibot.tar.gz.sha256", "requirements.txt"):
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


# ---------------------------------------------------------------- Helm values

RASA_CHART_KEYS = """
affinity* applicationSettings.cors applicationSettings.credentials.additionalChannelCredentials*
applicationSettings.credentials.enabled applicationSettings.debugMode applicationSettings.enableAPI
applicationSettings.endpoints.action.endpointURL applicationSettings.endpoints.additionalEndpoints*
applicationSettings.endpoints.eventBroker.enabled applicationSettings.endpoints.eventBroker.password
applicationSettings.endpoints.eventBroker.port applicationSettings.endpoints.eventBroker.queues*
applicationSettings.endpoints.eventBroker.type applicationSettings.endpoints.eventBroker.url
applicationSettings.endpoints.eventBroker.username applicationSettings.endpoints.lockStore.db
applicationSettings.endpoints.lockStore.enabled applicationSettings.endpoints.lockStore.password
applicationSettings.endpoints.lockStore.port applicationSettings.endpoints.lockStore.type
applicationSettings.endpoints.lockStore.url applicationSettings.endpoints.models.enabled
applicationSettings.endpoints.models.token applicationSettings.endpoints.models.url
applicationSettings.endpoints.models.useRasaXasModelServer.enabled
applicationSettings.endpoints.models.useRasaXasModelServer.tag applicationSettings.endpoints.models.waitTimeBetweenPulls
applicationSettings.endpoints.trackerStore.db applicationSettings.endpoints.trackerStore.dialect
applicationSettings.endpoints.trackerStore.enabled applicationSettings.endpoints.trackerStore.login_db
applicationSettings.endpoints.trackerStore.password applicationSettings.endpoints.trackerStore.port
applicationSettings.endpoints.trackerStore.type applicationSettings.endpoints.trackerStore.url
applicationSettings.endpoints.trackerStore.username applicationSettings.initialModel applicationSettings.port
applicationSettings.rasaX.enabled applicationSettings.rasaX.token applicationSettings.rasaX.url
applicationSettings.rasaX.useConfigEndpoint applicationSettings.scheme applicationSettings.telemetry.enabled
applicationSettings.token applicationSettings.trainInitialModel args* autoscaling.enabled autoscaling.maxReplicas
autoscaling.minReplicas autoscaling.targetCPUUtilizationPercentage command* deploymentAnnotations* deploymentLabels*
duckling.external.enabled duckling.external.url duckling.install extraArgs* extraContainers* extraEnv*
fullnameOverride global.postgresql.existingSecret global.postgresql.postgresqlDatabase
global.postgresql.postgresqlPassword global.postgresql.postgresqlUsername global.postgresql.servicePort
global.redis* image.name image.pullPolicy image.pullSecrets* image.repository image.tag ingress.annotations*
ingress.enabled ingress.extraPaths* ingress.hostname ingress.labels* ingress.path ingress.pathType ingress.tls*
initContainers* livenessProbe* nameOverride networkPolicy.denyAll networkPolicy.enabled nginx.customConfiguration*
nginx.enabled nginx.image.name nginx.image.tag nginx.livenessProbe* nginx.port nginx.readinessProbe* nginx.resources*
nginx.securityContext* nginx.tls.certificateSecret nginx.tls.enabled nginx.tls.generateSelfSignedCert nginx.tls.port
nodeSelector* podAnnotations* podLabels* podSecurityContext* postgresql.external.enabled postgresql.external.host
postgresql.install rabbitmq.auth.erlangCookie rabbitmq.auth.existingPasswordSecret rabbitmq.auth.password
rabbitmq.auth.username rabbitmq.external.enabled rabbitmq.external.host rabbitmq.install
rasa-action-server.external.enabled rasa-action-server.external.url rasa-action-server.install readinessProbe*
redis.auth.password redis.external.enabled redis.external.host redis.install redis.replica.replicaCount registry
replicaCount resources* securityContext* service.annotations* service.externalTrafficPolicy service.loadBalancerIP
service.nodePort service.port service.type serviceAccount.annotations* serviceAccount.create serviceAccount.name
strategy* tolerations* volumeMounts* volumes*
"""  # the Values table of charts/rasa/README.md, chart 1.17.3 (RasaHQ/helm-charts); * = free-form object/list

ACTIONS_CHART_KEYS = """
affinity* applicationSettings.port applicationSettings.scheme args* autoscaling.enabled autoscaling.maxReplicas
autoscaling.minReplicas autoscaling.targetCPUUtilizationPercentage command* deploymentAnnotations* deploymentLabels*
extraEnv* fullnameOverride image.name image.pullPolicy image.pullSecrets* image.repository image.tag
ingress.annotations* ingress.enabled ingress.extraPaths* ingress.hostname ingress.labels* ingress.path
ingress.pathType ingress.tls* initContainers* livenessProbe* nameOverride nodeSelector* podAnnotations* podLabels*
podSecurityContext* readinessProbe* registry replicaCount resources* securityContext* service.annotations*
service.externalTrafficPolicy service.loadBalancerIP service.nodePort service.port service.type
serviceAccount.annotations* serviceAccount.create serviceAccount.name strategy* tolerations* volumeMounts* volumes*
"""  # charts/rasa-action-server/README.md, chart 1.0.3


def undocumented_keys(values: Dict[str, Any], documented: str) -> List[str]:
    keys = documented.split()
    free = {k[:-1] for k in keys if k.endswith("*")}
    leaves = {k for k in keys if not k.endswith("*")}
    bad: List[str] = []

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if path in free or path in leaves:
                continue
            if isinstance(value, dict) and any(k.startswith(path + ".") for k in free | leaves):
                walk(value, path + ".")
            else:
                bad.append(path)

    walk(values, "")
    return bad


def helm_values(name: str) -> Dict[str, Any]:
    return yaml.safe_load((HELM / name).read_text(encoding="utf-8"))


def helm_env(values: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    env = {e["name"]: e for e in values["extraEnv"]}
    assert len(env) == len(values["extraEnv"]), "duplicate extraEnv names"
    return env


def test_the_self_check_of_documented_keys_works() -> None:
    assert undocumented_keys({"image": {"tag": "1"}, "podLabels": {"a": "b"}}, RASA_CHART_KEYS) == []
    assert undocumented_keys({"image": {"tagg": "1"}, "startupProbe": {}}, RASA_CHART_KEYS) == \
        ["image.tagg", "startupProbe"]


@pytest.mark.parametrize("name,documented", [("values-rasa.yaml", RASA_CHART_KEYS),
                                             ("values-actions.yaml", ACTIONS_CHART_KEYS)], ids=["rasa", "actions"])
def test_helm_values_use_only_documented_chart_keys(name: str, documented: str) -> None:
    assert undocumented_keys(helm_values(name), documented) == []


def helm_pod(values: Dict[str, Any], container_extra: Dict[str, Any]) -> Dict[str, Any]:
    """A Deployment as the chart would render it from these values (the parts Kubernetes validates)."""
    c = {"name": "c", "image": f"{values['image']['repository']}:{values['image']['tag']}",
         "env": values["extraEnv"], "resources": values["resources"],
         "securityContext": values["securityContext"], "volumeMounts": values["volumeMounts"],
         "livenessProbe": values["livenessProbe"], "readinessProbe": values["readinessProbe"],
         "ports": [{"name": "http", "containerPort": values["applicationSettings"]["port"]}], **container_extra}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
            "spec": {"replicas": values["replicaCount"], "strategy": values["strategy"],
                     "selector": {"matchLabels": values["podLabels"]},
                     "template": {"metadata": {"labels": values["podLabels"]},
                                  "spec": {"securityContext": values["podSecurityContext"],
                                           "affinity": values.get("affinity", {}),
                                           "volumes": values["volumes"], "containers": [c]}}}}


def test_helm_values_for_rasa_match_the_manifests() -> None:
    v = helm_values("values-rasa.yaml")
    kubernetes_validate.validate(helm_pod(v, {"args": v["args"]}), K8S_VERSION, strict=True)
    dep = one("Deployment", RASA)
    env = helm_env(v)
    assert set(env) == set(provided_env(dep)), set(env) ^ set(provided_env(dep))
    for var, entry in env.items():
        if var in SECRET_VARS:
            assert entry["valueFrom"]["secretKeyRef"] == {"name": SECRET, "key": var}
        else:
            assert entry["value"] == configmap_data()[var], var
    assert v["args"] == [START_SCRIPT]
    # no model download, no model server, no training at start, no bundled databases
    s = v["applicationSettings"]
    assert s["initialModel"] == "" and s["trainInitialModel"] is False
    assert s["endpoints"]["models"]["enabled"] is False
    assert all(v[k]["install"] is False for k in ("postgresql", "redis", "rabbitmq", "duckling", "rasa-action-server"))
    assert v["nginx"]["enabled"] is False
    assert v["replicaCount"] == one("Deployment", RASA)["spec"]["replicas"]
    assert f"{v['image']['repository']}:{v['image']['tag']}" == image_map()["qualibot/rasa"]
    assert v["podLabels"]["app"] == RASA
    assert v["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    live = v["livenessProbe"]
    assert live["httpGet"]["path"] == "/health/live"
    assert live["initialDelaySeconds"] + live["periodSeconds"] * live["failureThreshold"] >= 120
    assert v["resources"] == container(dep)["resources"]
    assert v["service"] == {"type": "ClusterIP", "port": 5005}
    paths = {v["ingress"]["path"]} | {p["path"] for p in v["ingress"]["extraPaths"]}
    assert paths == PUBLIC_PATHS - {"/webhooks/wechat/"}


def test_helm_values_for_actions_match_the_manifests() -> None:
    v = helm_values("values-actions.yaml")
    kubernetes_validate.validate(helm_pod(v, {"command": v["command"]}), K8S_VERSION, strict=True)
    assert v["command"] == ACTIONS_COMMAND
    env = helm_env(v)
    assert ACTIONS_NEEDS <= set(env)
    assert env["CATALOG_DB_URL"]["valueFrom"]["secretKeyRef"] == {"name": SECRET, "key": "CATALOG_DB_URL"}
    assert v["service"] == {"type": "ClusterIP", "port": 5055}
    assert v["ingress"]["enabled"] is False
    assert v["podLabels"]["app"] == ACTIONS
    assert f"{v['image']['repository']}:{v['image']['tag']}" == image_map()["qualibot/actions"]
    assert v["livenessProbe"]["httpGet"]["path"] == "/health"
    assert v["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert v["resources"] == container(one("Deployment", ACTIONS))["resources"]


def test_helm_values_hold_no_secret_value() -> None:
    for name in ("values-rasa.yaml", "values-actions.yaml"):
        for var, entry in helm_env(helm_values(name)).items():
            if var in SECRET_VARS or SECRETISH_NAME.search(var):
                assert "value" not in entry, f"{name}: {var} has a literal value"


# ---------------------------------------------------------------- documentation


def test_the_operator_doc_covers_settings_order_and_versions() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for var in rasa_needs():
        assert f"`{var}`" in doc, f"docs/deploy-kubernetes.md does not name {var}"
    created = re.findall(r"--from-literal=([A-Z_]+)=", doc)
    assert set(created) == secret_keys() and len(created) == len(set(created)), \
        "the documented `kubectl create secret` must create exactly the Secret's keys"
    template_cmd = re.findall(r"--from-literal=([A-Z_]+)=", SECRET_TEMPLATE.read_text())
    assert set(template_cmd) == secret_keys()
    steps = ("create secret generic", "wait --for=condition=complete", "kubectl apply -k deploy/k8s\n")
    order = [doc.index(s) for s in steps]
    assert order == sorted(order), "order: Secret, catalog Job, apply"
    for needed in ("rasa/rasa", "rasa/rasa-action-server", "1.17.3", "1.0.3", "CVE-2024-49375", "/health/ready",
                   "/health/live", "limit-rps", "NetworkPolicy", "ClusterIP", "--cors", "new image tag"):
        assert needed in doc, needed
    assert "1.17.3" in (HELM / "values-rasa.yaml").read_text()
    assert "1.0.3" in (HELM / "values-actions.yaml").read_text()
