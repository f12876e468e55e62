"""Reading this process's Prometheus counters (bot/metrics.py) in tests of components that run in-process."""
from __future__ import annotations


def metric(name: str, **labels: str) -> float:
    """The current value of one sample of the default registry (0 when it was never set)."""
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0
