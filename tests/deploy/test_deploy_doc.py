"""The Kubernetes deployment, checked offline (no cluster, no Docker daemon, no network): the operator doc
(docs/deploy-kubernetes.md) against the manifests.

    .venv/bin/python -m pytest tests/deploy -q
"""
from __future__ import annotations

import re

from tests.support.deploy import DOC, HELM, SECRET_TEMPLATE, rasa_needs, secret_keys


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
