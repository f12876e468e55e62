"""Rasa's graph runner without dask on every run (Rasa 3.6 patched; applied by bot/rasa_patches.py).

Rasa runs its prediction graph three times a turn (NLU once, the policies once per predicted action) through
`DaskGraphRunner.run`, which each time cuts the schema down to what the targets need, builds a dask graph
of it and has `dask.get` order and run it. Our graphs are small and fixed, so the cut and an order are
computed once per target list and the nodes are called in that order, each with the outputs of the nodes
it needs, as dask calls them (a node's output is its `(name, value)` pair; an input is `(name, value)` too).
Every node is still called, with the same arguments and its errors; only the bookkeeping around them goes.
What it bought is in the commit that added it (scripts/profile_turn.py).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple


def _plan(schema: Any) -> List[Tuple[str, List[str]]]:
    """The nodes of `schema` in an order where each comes after the nodes it needs, with what it needs."""
    order: List[Tuple[str, List[str]]] = []
    done: set = set()

    def visit(name: str, path: Tuple[str, ...] = ()) -> None:
        if name in done or name not in schema.nodes:
            return
        if name in path:
            raise RuntimeError(f"the graph has a cycle through {name!r}")
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            visit(need, path + (name,))
        done.add(name)
        order.append((name, needs))

    for name in schema.nodes:
        visit(name)
    return order


def patch(runner_class: type) -> None:
    from rasa.engine.exceptions import GraphRunError

    original = runner_class.run

    def run(self: Any, inputs: Optional[Dict[str, Any]] = None,
            targets: Optional[List[str]] = None) -> Dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        plans = self.__dict__.setdefault("_qualibot_plans", {})
        key = tuple(run_targets)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _plan(self._graph_schema.minimal_graph_schema(run_targets))
        values: Dict[str, Any] = {}
        for input_name, input_value in (inputs or {}).items():
            if isinstance(input_value, str) and any(input_name == n or input_value == n for n, _ in plan):
                return original(self, inputs, targets)  # Rasa's own error for a clash
            values[input_name] = (input_name, input_value)
        try:
            for name, needs in plan:
                values[name] = self._instantiated_nodes[name](*(values.get(n, n) for n in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(values[t] for t in run_targets)

    run.__doc__ = original.__doc__
    runner_class.run = run
