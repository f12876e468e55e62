"""`/metrics` of the Rasa server (bot/channels/metrics.py, bot/metrics.py) and of its action server
(actions/metrics.py), against the real servers of tests/web/conftest.py: the exposition parses with
prometheus_client's own parser, the counters move by exactly what a scripted conversation did, and the
endpoint refuses a caller without the token or one that came through a front. (The front itself does not
route /metrics: tests/deploy/test_nginx_front.py.) deploy/grafana's dashboard is checked against these
expositions too: every metric and label its panels use is in them."""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Dict, Tuple

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import METRICS_TOKEN, http

Samples = Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]


def scrape(base: str, token: str = METRICS_TOKEN) -> Samples:
    status, headers, body = http("GET", base + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("text/plain; version=")  # the text format
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode("utf-8")) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every label set that has `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


@pytest.mark.parametrize("which", ["rasa", "actions"])
def test_metrics_are_refused_without_the_token_or_through_a_front(web_server, which):
    base = web_server.base if which == "rasa" else web_server.action_url
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": METRICS_TOKEN},
                    {"X-Console-Token": "web-tests-console-token"}):
        status, _, body = http("GET", base + "/metrics", headers=headers)
        assert status == 401 and b"qualibot_" not in body, (headers, status)
    # what a front (nginx, the Ingress) adds: refused even with the token
    status, _, body = http("GET", base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}",
                                                               "X-Forwarded-For": "203.0.113.7"})
    assert status == 404 and b"qualibot_" not in body
    assert scrape(base)


def test_the_exposition_parses_and_names_every_metric(web_server):
    rasa = {name for name, _ in scrape(web_server.base)}
    for name in ("qualibot_turn_seconds_bucket", "qualibot_turns_total", "qualibot_nlu_fallbacks_total",
                 "qualibot_tracker_store_failures_total", "qualibot_tracker_store_memory_fallbacks_total",
                 "qualibot_trackers_held_in_memory", "qualibot_lock_wait_seconds_count",
                 "qualibot_lock_store_failures_total", "qualibot_redis_memory_fallbacks_total",
                 "qualibot_rate_limited_total", "qualibot_wechat_deferred_total", "qualibot_wechat_retries_total",
                 "qualibot_wechat_out_of_window_total", "process_resident_memory_bytes"):
        assert name in rasa, name
    actions = {name for name, _ in scrape(web_server.action_url)}
    assert {"qualibot_action_seconds_bucket", "qualibot_action_failures_total"} <= actions


def test_counters_move_as_a_conversation_runs(web_server):
    sender = f"metrics-{uuid.uuid4().hex[:8]}"
    conversation = [("我有CFA证书，能认可吗", "zh"), ("Is FCCA recognized?", "en"), ("外籍人员有哪些便利？", "zh"),
                    ("asdkjh qwpoeiru zxmcnv", None)]
    before, before_actions = scrape(web_server.base), scrape(web_server.action_url)
    for text, _ in conversation:
        assert web_server.ask(sender, text)
    after, after_actions = scrape(web_server.base), scrape(web_server.action_url)

    def delta(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    n = len(conversation)
    # every turn went through the REST channel, was timed and was sound
    assert delta("qualibot_turn_seconds_count", channel="rest") == n
    assert delta("qualibot_turns_total", channel="rest", outcome="ok") == n
    assert delta("qualibot_turn_seconds_sum", channel="rest") > 0
    assert delta("qualibot_turns_total", outcome="unavailable") == 0
    # each message parsed once, counted under its language
    assert delta("qualibot_nlu_intents_total") == n
    assert delta("qualibot_nlu_intents_total", lang="zh") >= 2
    assert delta("qualibot_nlu_intents_total", lang="en") >= 1
    assert delta("qualibot_nlu_intents_total", intent="ask_recognized") >= 2
    # the gibberish is NLU's fallback, counted as an intent and as a fallback under the same language
    fallbacks = delta("qualibot_nlu_fallbacks_total")
    assert fallbacks >= 1
    assert fallbacks == delta("qualibot_nlu_intents_total", intent="nlu_fallback")
    # one lock wait per turn (the in-memory lock store of development)
    assert delta("qualibot_lock_wait_seconds_count") == n
    # nothing failed
    for name in ("qualibot_tracker_store_failures_total", "qualibot_lock_store_failures_total",
                 "qualibot_action_call_failures_total", "qualibot_tracker_store_memory_fallbacks_total"):
        assert delta(name) == 0, name
    # the action server timed the custom actions those turns ran (at least one per answer), none failed
    calls = total(after_actions, "qualibot_action_seconds_count") - total(before_actions, "qualibot_action_seconds_count")
    assert calls >= n
    assert total(after_actions, "qualibot_action_failures_total") == total(before_actions,
                                                                           "qualibot_action_failures_total")
    assert value(after_actions, "qualibot_action_seconds_count", action="action_answer_recognition") > value(
        before_actions, "qualibot_action_seconds_count", action="action_answer_recognition")


# --- the Grafana dashboard (deploy/grafana/qualibot-dashboard.json) ----------------------------------------

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "qualibot-dashboard.json"
METRIC = re.compile(r"\b((?:qualibot|process)_[a-z0-9_]+)\b(\{[^}]*\})?")
BY = re.compile(r"\bby \(([^)]*)\)\s*\(\s*(?:rate|increase)?\(?((?:qualibot|process)_[a-z0-9_]+)")
SELECTOR_LABEL = re.compile(r"([a-z_]+)\s*=~?")
BUILTIN_LABELS = {"le", "job", "instance"}  # the histogram's bucket bound; the scraper's own target labels


def test_every_metric_and_label_of_the_dashboard_is_in_the_exposition(web_server):
    samples = {**scrape(web_server.base), **scrape(web_server.action_url)}
    labels_of: Dict[str, set] = {}
    for name, labels in samples:
        labels_of.setdefault(name, set()).update(k for k, _ in labels)
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    assert len(dashboard["panels"]) >= 12 and all(p["datasource"]["uid"] == "${datasource}" for p in dashboard["panels"])
    used = set()
    for title, expr in exprs:
        found = METRIC.findall(expr)
        assert found, (title, expr)
        for name, selector in found:
            assert name in labels_of, f"panel {title!r}: {name} is not in the exposition"
            used.add(name)
            for label in SELECTOR_LABEL.findall(selector or ""):
                assert label in labels_of[name] | BUILTIN_LABELS, f"panel {title!r}: {name} has no label {label}"
        for by, name in BY.findall(expr):
            for label in (x.strip() for x in by.split(",")):
                assert label in labels_of[name] | BUILTIN_LABELS, f"panel {title!r}: {name} has no label {label}"
    # and every metric of ours is on the dashboard (the histograms through their buckets)
    ours = {n for n in labels_of if n.startswith("qualibot_") and not n.endswith(("_count", "_sum", "_created"))}
    assert ours <= used, sorted(ours - used)
