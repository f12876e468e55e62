"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network): the Helm values: only
keys the charts document, the same settings as deploy/k8s, no secret value.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

from typing import Any, Dict, List

import kubernetes_validate  # requirements/dev.txt: offline Kubernetes schemas
import pytest
import yaml

from tests.support.deploy import (
    ACTIONS,
    ACTIONS_COMMAND,
    ACTIONS_NEEDS,
    HELM,
    K8S_VERSION,
    PUBLIC_PATHS,
    RASA,
    SECRET,
    SECRET_VARS,
    SECRETISH_NAME,
    START_SCRIPT,
    configmap_data,
    container,
    image_map,
    one,
    provided_env,
)

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
