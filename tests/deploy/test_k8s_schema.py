"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network): every object of
deploy/k8s against the Kubernetes schemas, `kubectl kustomize`, pinned images.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import kubernetes_validate  # requirements/dev.txt: offline Kubernetes schemas
import pytest
import yaml

from tests.support.deploy import (
    ACTIONS,
    DOCKER,
    HPA_COMPONENT,
    K8S,
    K8S_VERSION,
    NAMESPACE,
    RASA,
    SECRET_TEMPLATE,
    applied_objects,
    dockerfile_instructions,
    image_map,
    kustomization,
    load_docs,
    manifest_files,
    one,
    pod_spec,
    split_image,
)


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
