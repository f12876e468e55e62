"""Where a turn's time and the servers' memory go (development aid, not a test).

    .venv/bin/python scripts/profile_turn.py [--n 80]          # time: Rasa stages + action server
    .venv/bin/python scripts/profile_turn.py --memory          # memory: what each part costs (MB RSS)
    .venv/bin/python scripts/profile_turn.py --tree [--html results/profile_turn.html] [--users 8]

Time. Loads the trained model in-process (Agent), starts our action server on a free port, warms up, then
runs the bench's questions (tests/bench/bench_bot.py) through `agent.handle_message` and prints, per turn:
  * the whole turn and the NLU parse alone (medians, ms);
  * each graph node of NLU and of the policies (the tokenizer, each featurizer, the classifier, our
    extractors, each policy): mean ms per turn, summed over a turn's calls (the policies run once per
    predicted action, i.e. twice in most turns);
  * the action server call as Rasa sees it (HTTP round trip, JSON encoding of the tracker, the response
    check), with the size of what Rasa sends;
  * the action server's own work on the same calls, in a process of its own without Rasa (as the
    action server runs): rasa-sdk's Tracker.from_dict and the action, per action, and how many times the
    catalog matcher ran per call.
--tree prints pyinstrument's call tree of the turns instead (--users N: N concurrent conversations).

Memory. Each part is imported or built in a fresh Python process, and the VmRSS growth it causes is
printed: TensorFlow, `rasa.core.agent`, the loaded model (and in it the featurizers' vocabularies and the
classifier's weights), spaCy, the catalog snapshot and the matcher built on it, rasa-sdk + our actions; the
Rasa server both as plain `rasa run` loads it and as serve/ does (TensorFlow replaced by a stand-in).
The time profile imports Rasa as serve/ would for the model (QUALIBOT_TENSORFLOW=1: with TensorFlow).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/support: the servers are started as the tests start them

from tests.bench.bench_bot import QUESTIONS  # noqa: E402
from tests.support.http import answers  # noqa: E402
from tests.support.servers import free_port, spawn, stop_process, wait_until  # noqa: E402

MODEL = ROOT / "models" / "qualibot.tar.gz"


def _quiet_rasa() -> None:
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


class Timers:
    """Time spent per label, summed; `per_turn` divides by the number of turns measured."""

    def __init__(self) -> None:
        self.total: Dict[str, float] = collections.defaultdict(float)
        self.calls: Dict[str, int] = collections.defaultdict(int)
        self.on = False

    def add(self, label: str, dt: float) -> None:
        if self.on:
            self.total[label] += dt
            self.calls[label] += 1

    def report(self, turns: int, title: str) -> None:
        print(title)
        for label, t in sorted(self.total.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<58} {1000 * t / turns:7.2f} ms/turn  ({self.calls[label] / turns:.1f} calls/turn)")


def _instrument(timers: Timers, payloads: List[Dict[str, Any]]) -> None:
    """Time every graph node, the action server call and its parts; keep what Rasa sends to the action server."""
    import rasa.core.actions.action as rasa_action
    from rasa.engine.graph import GraphNode
    from rasa.utils.endpoints import EndpointConfig

    node_call = GraphNode.__call__

    def timed_call(self: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return node_call(self, *args)
        finally:
            timers.add(f"node {self._node_name} ({self._component_class.__name__})", time.perf_counter() - t0)

    GraphNode.__call__ = timed_call  # type: ignore[method-assign]

    request = EndpointConfig.request

    async def timed_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if isinstance(body, dict) and "next_action" in body:
            t0 = time.perf_counter()
            encoded = json.dumps(body)
            timers.add("  of which: JSON encoding of the call (Rasa side)", time.perf_counter() - t0)
            timers.add(f"  bytes sent per call (x1000): {len(encoded) // 1000} KB", 0.0)
            if timers.on:
                payloads.append(body)
        t0 = time.perf_counter()
        try:
            return await request(self, *args, **kwargs)
        finally:
            if isinstance(body, dict) and "next_action" in body:
                timers.add("action server call: HTTP round trip (incl. its work)", time.perf_counter() - t0)

    EndpointConfig.request = timed_request  # type: ignore[method-assign]

    validate = rasa_action.RemoteAction._validate_action_result

    def timed_validate(self: Any, result: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return validate(self, result)
        finally:
            timers.add("action server call: response validation (jsonschema)", time.perf_counter() - t0)

    rasa_action.RemoteAction._validate_action_result = timed_validate  # type: ignore[method-assign]

    from rasa.core.processor import MessageProcessor

    for name in ("get_tracker", "save_tracker", "parse_message", "_run_prediction_loop"):
        original = getattr(MessageProcessor, name)

        def wrap(original: Any = original, name: str = name) -> Any:
            async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return await original(self, *args, **kwargs)
                finally:
                    timers.add(f"processor.{name}", time.perf_counter() - t0)
            return timed

        setattr(MessageProcessor, name, wrap())


def _endpoint(port: int) -> Any:
    """The action endpoint as endpoints.yml configures it (selective domain: the domain is not sent)."""
    from rasa.utils.endpoints import EndpointConfig

    return EndpointConfig(f"http://127.0.0.1:{port}/webhook", enable_selective_domain=True)


def _as_served() -> None:
    """Import Rasa as serve/ does for this model (without TensorFlow when it does not need it)."""
    import serve

    if serve.needs_tensorflow(str(MODEL)) is None and os.environ.get("QUALIBOT_TENSORFLOW") != "1":
        serve.install_stand_in()


async def time_turns(n: int) -> None:
    _as_served()
    _quiet_rasa()
    timers = Timers()
    payloads: List[Dict[str, Any]] = []
    _instrument(timers, payloads)
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="profile-turn-")) / "actions.log"
    proc = spawn([sys.executable, "-m", "actions.server", "--port", str(port)], log, os.environ)
    try:
        agent = Agent.load(str(MODEL), action_endpoint=_endpoint(port))
        if not wait_until(lambda: answers(f"http://127.0.0.1:{port}/health"), 30, 0.2):
            raise SystemExit(f"the action server did not start (log: {log})")
        for q in QUESTIONS:
            await agent.handle_message(UserMessage(q, CollectingOutputChannel(), "warm"))
        parse = []
        for i in range(n):
            t0 = time.perf_counter()
            await agent.parse_message(QUESTIONS[i % len(QUESTIONS)])
            parse.append(time.perf_counter() - t0)
        times = []
        timers.on = True
        for i in range(n):  # conversations of 8 turns, as the bench's
            t0 = time.perf_counter()
            await agent.handle_message(UserMessage(QUESTIONS[i % len(QUESTIONS)], CollectingOutputChannel(),
                                                   f"p{i // len(QUESTIONS)}"))
            times.append(time.perf_counter() - t0)
        timers.on = False
    finally:
        stop_process(proc)
    print(f"whole turn (in-process, no HTTP in front): median {statistics.median(times) * 1000:.1f} ms, "
          f"mean {statistics.mean(times) * 1000:.1f} ms; NLU parse alone: median {statistics.median(parse) * 1000:.1f} ms")
    timers.report(n, "Rasa server, per turn (nodes: NLU and policy graph nodes):")
    path = ROOT / "results" / "profile_action_calls.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(payloads, ensure_ascii=False))
    out = subprocess.run([sys.executable, __file__, "--actions-from", str(path), "--turns", str(n)],
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
    print(out.stdout, end="")
    if out.returncode:
        print(out.stderr[-3000:])


def time_actions(path: str, turns: int) -> None:
    """rasa-sdk's executor on the calls Rasa made, in this process (no Rasa imported, as in the action server)."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    from rasa_sdk.executor import ActionExecutor
    from rasa_sdk.interfaces import Tracker

    from catalog.matching import matcher as matcher_module

    calls = json.loads(Path(path).read_text())
    executor = ActionExecutor()
    executor.register_package("actions")
    matcher_module.get_matcher()
    counts = {"match": 0, "match_each": 0}
    for name in counts:
        original = getattr(matcher_module.Matcher, name)

        def counted(self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            counts[_name] += 1
            return _original(self, *args, **kwargs)

        setattr(matcher_module.Matcher, name, counted)

    async def run_all() -> Dict[str, List[float]]:
        for call in calls[:16]:  # warm
            await executor.run(call)
        counts.update(match=0, match_each=0)
        per: Dict[str, List[float]] = collections.defaultdict(list)
        parse = []
        for call in calls:
            raw = json.dumps(call)
            t0 = time.perf_counter()
            decoded = json.loads(raw)
            Tracker.from_dict(decoded["tracker"])
            parse.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await executor.run(decoded)
            per[call["next_action"]].append(time.perf_counter() - t0)
        per["(JSON decode + Tracker.from_dict, also inside each run)"] = parse
        return per

    per = asyncio.run(run_all())
    total = sum(sum(v) for k, v in per.items() if not k.startswith("("))
    print(f"action server, per turn (its own work, no HTTP): {1000 * total / turns:.2f} ms; "
          f"{len(calls) / turns:.1f} calls/turn; matcher.match {counts['match'] / len(calls):.1f} and "
          f"match_each {counts['match_each'] / len(calls):.1f} times per call")
    for name, ts in sorted(per.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:<58} {1000 * sum(ts) / turns:7.2f} ms/turn  ({len(ts)} calls, median "
              f"{1000 * statistics.median(ts):.2f} ms)")


# --- memory -------------------------------------------------------------------------------------------

_MEMORY_STEPS = {
    # name -> code run in a fresh process after `import os` (each step's growth is measured after the previous)
    "rasa": [
        ("python + numpy/scipy/sklearn", "import numpy, scipy.sparse, sklearn.feature_extraction.text"),
        ("tensorflow", "import tensorflow"),
        ("rasa.core.agent (rest of Rasa)", "import rasa.core.agent"),
        ("our bot package (patches, jieba)", "import bot, jieba"),
        ("the model: Agent.load (graph, featurizers, classifier, policies, jieba dictionary, matcher)",
         "from rasa.core.agent import Agent; agent = Agent.load(MODEL)"),
        ("first parse (TF graph traced, caches)", "import asyncio; asyncio.run(agent.parse_message('我有CFA证书'))"),
    ],
    "rasa as served (serve/: TensorFlow stand-in)": [
        ("python + numpy/scipy/sklearn", "import numpy, scipy.sparse, sklearn.feature_extraction.text"),
        ("the stand-in (spaCy imported first)", "import serve; serve.install_stand_in()"),
        ("rasa.core.agent (Rasa without TensorFlow)", "import rasa.core.agent"),
        ("our bot package (patches, jieba)", "import bot, jieba"),
        ("the model: Agent.load (graph, featurizers, DIET's numpy arrays, policies, jieba dictionary, matcher)",
         "from rasa.core.agent import Agent; agent = Agent.load(MODEL)"),
        ("first parse", "import asyncio; asyncio.run(agent.parse_message('我有CFA证书'))"),
    ],
    "actions": [
        ("python + sanic + rasa-sdk", "import sanic, rasa_sdk.endpoint"),
        ("SQLAlchemy + catalog snapshot", "from catalog import queries; snap = queries.snapshot()"),
        ("spaCy (blank vocab)", "from catalog.matching.index import _import_spacy; _import_spacy().blank('zh')"),
        ("the matcher on the snapshot (phrase + fuzzy indexes)",
         "from catalog import matching; matching.get_matcher()"),
        ("our actions (registered)", "from rasa_sdk.executor import ActionExecutor; ex = ActionExecutor(); "
                                     "ex.register_package('actions')"),
    ],
}

_MEMORY_CHILD = r"""
import json, os, sys
MODEL = sys.argv[2]
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
steps = json.loads(sys.argv[1])
out = [("python itself", rss())]
for name, code in steps:
    before = rss()
    exec(code)
    out.append((name, rss() - before))
out.append(("total", rss()))
print(json.dumps(out))
"""


def model_parts() -> None:
    """Sizes inside the loaded model: featurizer vocabularies, the classifier's weights."""
    import tarfile

    with tarfile.open(MODEL) as tar:
        sizes: Dict[str, int] = collections.defaultdict(int)
        for m in tar.getmembers():
            parts = m.name.split("/")
            if len(parts) > 2 and parts[0] == "components":
                sizes[parts[1]] += m.size
    print("model archive, uncompressed bytes per component (disk; RAM is larger):")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<70} {size / 1e6:7.2f} MB")


def memory() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    for proc, steps in _MEMORY_STEPS.items():
        out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, json.dumps(steps), str(MODEL)], env=env,
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            print(out.stderr[-2000:])
            continue
        title = {"rasa": "Rasa server with TensorFlow (`rasa run`)", "actions": "action server"}.get(proc, proc)
        print(f"{title} (RSS growth per part, MB):")
        for name, mb in json.loads(out.stdout.strip().splitlines()[-1]):
            print(f"  {name:<92} {mb:7.0f}")
    model_parts()
    out = subprocess.run([sys.executable, "-c", _VOCAB_CHILD, str(MODEL)], env=env, capture_output=True, text=True,
                         cwd=ROOT)
    print(out.stdout if out.returncode == 0 else out.stderr[-2000:], end="")


_VOCAB_CHILD = r"""
import sys, logging
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
for node in agent.processor.graph_runner._instantiated_nodes.values() if hasattr(agent.processor.graph_runner, '_instantiated_nodes') else []:
    pass
seen = 0
for name, node in getattr(agent.processor.graph_runner, '_instantiated_nodes', {}).items():
    comp = getattr(node, '_component', None)
    if isinstance(comp, CountVectorsFeaturizer):
        sizes = {a: len(v.vocabulary_) for a, v in comp.vectorizers.items() if getattr(v, 'vocabulary_', None)}
        print(f"featurizer {name}: vocabulary sizes per attribute {sizes}")
        seen += 1
if not seen:
    print("(featurizer vocabularies: graph nodes not inspectable in this Rasa version)")
"""


async def tree(n: int, html: str, users: int) -> None:
    _as_served()
    _quiet_rasa()
    from pyinstrument import Profiler
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="profile-turn-")) / "actions.log"
    proc = spawn([sys.executable, "-m", "actions.server", "--port", str(port)], log, os.environ)
    try:
        agent = Agent.load(str(MODEL), action_endpoint=_endpoint(port))
        if not wait_until(lambda: answers(f"http://127.0.0.1:{port}/health"), 30, 0.2):
            raise SystemExit(f"the action server did not start (log: {log})")

        async def turn(sender: str, text: str) -> None:
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))

        for q in QUESTIONS:
            await turn("warm", q)

        async def user(u: int) -> None:
            for i in range(n):
                await turn(f"c{u}-{i // len(QUESTIONS)}", QUESTIONS[(u + i) % len(QUESTIONS)])

        prof = Profiler(interval=0.0005, async_mode="enabled" if users == 1 else "disabled")
        t0 = time.perf_counter()
        prof.start()
        await asyncio.gather(*(user(u) for u in range(users)))
        prof.stop()
        print(f"{users} user(s) x {n} turns in-process: {users * n / (time.perf_counter() - t0):.1f} msg/s")
        print(prof.output_text(unicode=True, color=False))
        if html:
            Path(html).parent.mkdir(parents=True, exist_ok=True)
            Path(html).write_text(prof.output_html())
    finally:
        stop_process(proc)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=80, help="turns measured")
    ap.add_argument("--memory", action="store_true", help="what each part of the two servers costs in RSS")
    ap.add_argument("--tree", action="store_true", help="pyinstrument's call tree instead of the stage table")
    ap.add_argument("--html", default="")
    ap.add_argument("--users", type=int, default=1, help="--tree: concurrent users, each its own conversations")
    ap.add_argument("--actions-from", default="", help=argparse.SUPPRESS)  # the action server part (a child)
    ap.add_argument("--turns", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    if a.actions_from:
        time_actions(a.actions_from, a.turns)
    elif a.memory:
        memory()
    elif a.tree:
        asyncio.run(tree(a.n, a.html, a.users))
    else:
        asyncio.run(time_turns(a.n))
