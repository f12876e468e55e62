"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network): probes, ports,
replicas, resources, Services, NetworkPolicies, the Ingress, the Job and the CronJob.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any, Dict, List, Tuple

import pytest

from tests.support.deploy import (
    ACTIONS,
    ACTIONS_COMMAND,
    DOCKER,
    JOB,
    NAMESPACE,
    PUBLIC_PATHS,
    PURGE,
    RASA,
    ROOT,
    START_SCRIPT,
    applied_objects,
    configmap_data,
    container,
    dockerfile_cmd,
    dockerfile_instructions,
    one,
    pod_spec,
    provided_env,
    selects,
    split_image,
)


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
    governing = [p for p in network_policies() if not p["metadata"]["name"].startswith(METRICS_POLICY)
                 and (not p["spec"]["podSelector"] or selects(p["spec"]["podSelector"]["matchLabels"], actions_labels))]
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
    pols = [p for p in network_policies() if not p["metadata"]["name"].startswith(METRICS_POLICY)
            and p["spec"]["podSelector"] and selects(p["spec"]["podSelector"]["matchLabels"], rasa_labels)]
    assert pols
    for pol in pols:
        for rule in pol["spec"]["ingress"]:
            assert rule["from"] and rule["ports"] == [{"protocol": "TCP", "port": 5005}]


METRICS_POLICY = "qualibot-metrics-from-monitoring"


def test_network_policy_admits_only_the_monitoring_namespace_to_metrics_on_each_pods_port() -> None:
    pols = [p for p in network_policies() if p["metadata"]["name"].startswith(METRICS_POLICY)]
    ports = {}
    for pol in pols:
        labels = pol["spec"]["podSelector"]["matchLabels"]
        for rule in pol["spec"]["ingress"]:
            assert rule["from"] == [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "monitoring"}}}], "only the monitoring namespace, no pods or IPs"
            ports[labels["app"]] = rule["ports"]
    assert ports == {"qualibot-rasa": [{"protocol": "TCP", "port": 5005}],
                     "qualibot-actions": [{"protocol": "TCP", "port": 5055}]}


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
    copied = " ".join(r for i, r in dockerfile_instructions(DOCKER / "Dockerfile.actions") if i == "COPY")
    assert "ops/" in copied and "bot/" not in copied  # the purge is Rasa-free: the actions image has no bot/


def test_the_namespace_enforces_the_restricted_pod_security_standard() -> None:
    ns = one("Namespace", NAMESPACE)
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
