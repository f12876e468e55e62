"""The action server's Prometheus metrics (issue 14): action latency and failures by action.

    qualibot_action_seconds{action}          histogram: one call of a custom action (POST /webhook), as served
    qualibot_action_failures_total{action, status}   calls answered with an error (4xx: rejected or unknown
                                             action; 500: the action raised)

Counted by request middleware of actions/server.py around rasa-sdk's `/webhook` (no change to the answer code).
The action name is bounded: a name the executor does not know (rasa-sdk's 404) is counted as `other`.

`GET /metrics` answers only with `Authorization: Bearer $QUALIBOT_METRICS_TOKEN` (401 otherwise; 403 with no
token configured; 404 for a request that came through a front, i.e. carries X-Forwarded-For), like the
Rasa replica's (bot/channels/metrics.py; this process never imports bot/).

Several workers (`--workers N`): each is a process of its own, and a scrape reaches one of them. So with
more than one worker prometheus_client's multiprocess mode is used: `main()` points PROMETHEUS_MULTIPROC_DIR
at a fresh directory before any metric exists, every worker writes its values there, and `/metrics` adds
them up (prometheus_client.multiprocess). Process metrics (memory, CPU) are then not reported.
"""
from __future__ import annotations

import hmac
import os
import re
from functools import lru_cache
from typing import Any, Iterable, Optional, Tuple

# prometheus_client chooses how it stores values (in this process, or in PROMETHEUS_MULTIPROC_DIR for several
# workers) when it is first imported: so it is imported only when a metric is first used, after main() chose
TOKEN_ENV = "QUALIBOT_METRICS_TOKEN"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ACTION_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


@lru_cache(maxsize=1)
def instruments() -> Tuple[Any, Any]:
    """(qualibot_action_seconds histogram, qualibot_action_failures counter), made once."""
    from prometheus_client import Counter, Histogram

    seconds = Histogram("qualibot_action_seconds", "Time to run one custom action on the action server",
                        ["action"], buckets=BUCKETS)
    failures = Counter("qualibot_action_failures", "Custom action calls answered with an error, by action "
                       "and HTTP status", ["action", "status"])
    return seconds, failures


def label(name: object) -> str:
    """An action name as a label value: rasa-sdk ran it (an unknown name is answered 404 and counted as
    `other` by the server), so only its shape is checked."""
    return name if isinstance(name, str) and ACTION_NAME.fullmatch(name) else "other"


def observe(name: object, seconds: float, status: int) -> None:
    """One answered call of action `name` (`other` for an action rasa-sdk does not have: its 404)."""
    action = label(name) if status != 404 else "other"
    histogram, failures = instruments()
    histogram.labels(action).observe(seconds)
    if status >= 400:
        failures.labels(action, str(status)).inc()


def declare(names: Iterable[str]) -> None:
    """Create every action's series at zero (a dashboard then shows 0, not "no data", before the first call)."""
    histogram, failures = instruments()
    for name in list(names) + ["other"]:
        histogram.labels(label(name))
        failures.labels(label(name), "500")
    failures.labels("other", "404")


def metrics_token() -> str:
    return (os.environ.get(TOKEN_ENV) or "").strip()


def authorized(authorization: Optional[str], token: str) -> bool:
    if not token:
        return False
    scheme, _, given = (authorization or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"),
                                                              token.encode("utf-8"))


def content_type() -> str:
    from prometheus_client import CONTENT_TYPE_LATEST

    return str(CONTENT_TYPE_LATEST)


def exposition() -> bytes:
    """The text format of every metric of this process, or of all workers in multiprocess mode."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    instruments()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return bytes(generate_latest(registry))
    return bytes(generate_latest(REGISTRY))


__all__ = ["authorized", "content_type", "declare", "exposition", "instruments", "label", "metrics_token",
           "observe"]
