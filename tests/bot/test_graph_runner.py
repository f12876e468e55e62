"""bot/graph_runner.py: the graph's nodes are run once each, after the nodes they need, with those nodes'
`(name, value)` outputs and the inputs as dask would pass them; the targets' outputs come back by name."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, List

import pytest

from bot import graph_runner


class Node:
    def __init__(self, name: str, calls: List[str]) -> None:
        self.name, self.calls = name, calls

    def __call__(self, *inputs: Any) -> Any:
        self.calls.append(self.name)
        return self.name, [self.name, *[value for _, value in inputs]]


def schema(needs: dict) -> Any:
    nodes = {n: SimpleNamespace(needs=dict(enumerate(ns))) for n, ns in needs.items()}
    return SimpleNamespace(nodes=nodes, target_names=["c"], minimal_graph_schema=lambda targets: SimpleNamespace(
        nodes={n: v for n, v in nodes.items() if n != "unused"}))


def runner(needs: dict) -> Any:
    class Runner:
        def run(self, inputs=None, targets=None):  # the original: only reached on a name clash here
            raise ValueError("clash")

    graph_runner.patch(Runner)
    r = Runner()
    calls: List[str] = []
    r._graph_schema = schema(needs)
    r._instantiated_nodes = {n: Node(n, calls) for n in needs}
    return r, calls


def test_nodes_run_once_in_dependency_order_with_the_outputs_they_need() -> None:
    r, calls = runner({"c": ["a", "b"], "b": ["a", "__message__"], "a": [], "unused": ["a"]})
    out = r.run({"__message__": "hi"})
    assert calls == ["a", "b", "c"]
    assert out == {"c": ["c", ["a"], ["b", ["a"], "hi"]]}
    assert r.run({"__message__": "again"}, ["b"]) == {"b": ["b", ["a"], "again"]}


def test_an_input_clashing_with_a_node_name_goes_to_rasa_s_own_check() -> None:
    r, _ = runner({"c": ["a"], "a": []})
    with pytest.raises(ValueError, match="clash"):
        r.run({"x": "a"})


def test_a_cycle_is_refused() -> None:
    with pytest.raises(RuntimeError, match="cycle"):
        graph_runner._plan(SimpleNamespace(nodes={"a": SimpleNamespace(needs={"x": "b"}),
                                                  "b": SimpleNamespace(needs={"x": "a"})}))
