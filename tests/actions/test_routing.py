"""Routing is consistent and written once (issue 11): every action actions/routing.py routes is declared in domain.yml
and used by a rule or story, every custom action of the domain is routed, the action server registers exactly those
(not the abstract base, which it once registered as an action named ""), every pending question can be continued,
and the import contract holds: the topic modules are answer functions that import no other topic, only routing
imports them all, and actions/ has no import cycle."""
from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor

import actions
from actions import context, routing
from actions.base import AnswerAction

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_DIR = ROOT / "actions"
# the answer-function modules: one topic each, a Context in, (answers, events) out
TOPICS = {"benefits", "practice", "verification", "recognition", "support", "catalog_info", "framed"}
# what a topic may import of actions/: the conversation's context and the rasa-sdk-free helpers they share
TOPIC_HELPERS = {"context", "answering", "slot_values"}


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _registered():
    """The answer actions routing makes, by name (the classes the executor finds)."""
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{mod.name}")
    return {c().name(): c for c in _all_subclasses(AnswerAction) if not inspect.isabstract(c)}


def _domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _custom_actions() -> Set[str]:
    return {a for a in _domain()["actions"] if not a.startswith("utter_")}


def _steps_actions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and isinstance(value, str):
                yield value
            else:
                yield from _steps_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _steps_actions(item)


def _used_in_data() -> Set[str]:
    """The actions a rule or story under data/ runs."""
    used: Set[str] = set()
    for path in (ROOT / "data").rglob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section in ("rules", "stories"):
            used |= set(_steps_actions(doc.get(section) or []))
    return used


def test_every_answer_action_is_declared_and_routed():
    registered = _registered()
    declared = {a for a in _domain()["actions"] if a.startswith("action_")}
    used = _used_in_data()
    assert set(registered) <= declared, set(registered) - declared
    assert declared <= set(registered) | {"action_record_feedback"}, declared - set(registered)
    unused = set(registered) - used
    assert not unused, f"actions no rule or story runs: {unused}"


def test_every_routed_action_is_in_the_domain_and_run_by_a_rule_or_story():
    routed = set(routing.ROUTES)
    assert routed <= _custom_actions(), routed - _custom_actions()
    unused = routed - _used_in_data()
    assert not unused, f"routed actions no rule or story runs: {unused}"


def test_every_custom_action_of_the_domain_is_routed():
    missing = _custom_actions() - set(routing.ROUTES)
    assert not missing, f"domain actions with no route: {missing}"


def test_the_action_classes_are_made_from_the_routes():
    assert inspect.isabstract(AnswerAction)
    assert set(routing.ACTIONS) == set(routing.ROUTES)
    for name, cls in routing.ACTIONS.items():
        assert issubclass(cls, AnswerAction) and not inspect.isabstract(cls)
        assert cls().name() == name
        assert getattr(routing, cls.__name__) is cls  # from actions.routing import ActionAnswerBenefits
    assert routing.ActionAnswerBenefits().name() == "action_answer_benefits"
    assert routing.ActionAnswerOutOfScope().name() == "action_answer_out_of_scope"


def test_the_action_server_registers_exactly_the_domains_actions():
    # what `rasa run actions --actions actions` and actions/server.py (rasa_sdk.endpoint.create_app) do
    executor = ActionExecutor()
    executor.register_package("actions")
    assert "" not in executor.actions
    assert set(executor.actions) == _custom_actions()


def test_every_pending_question_can_be_continued():
    intents = set(_domain()["intents"])
    assert set(routing.CONTINUATIONS) <= intents
    # the actions that remember a question to continue only remember ones the continuation table knows
    for name in ("ask_benefits", "ask_work_permit", "ask_visa", "ask_title", "ask_residence_card", "ask_practice",
                 "ask_recognized"):
        assert name in routing.CONTINUATIONS


def test_routes_and_continuations_are_answer_functions_of_the_topics_or_of_routing():
    for answerer in [*routing.ROUTES.values(), *routing.CONTINUATIONS.values()]:
        module = answerer.__module__.rsplit(".", 1)[-1]
        assert inspect.isfunction(answerer) and (module in TOPICS or module == "routing"), answerer


def test_slot_events_are_rasa_sdks_slot_set():
    # the tests compare events as dicts: SlotSet is one, the same as the hand-built dict it replaced
    assert context.slot("age", 30) == SlotSet("age", 30) == {"event": "slot", "name": "age", "value": 30,
                                                               "timestamp": None}


# --- the import contract, read from the source (ast): what each module of actions/ imports -------------------

def _imports(path: Path) -> List[Tuple[str, bool]]:
    """(imported module, at module level) for every import statement of a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found: List[Tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x / from .x import y
                base = "actions" + ("." + base if base else "")
            if base == "actions":  # from actions import context, routing
                found += [(f"actions.{alias.name}", id(node) in top) for alias in node.names]
            else:
                found.append((base, id(node) in top))
    return found


def _graph() -> Dict[str, Dict[str, bool]]:
    """module -> {actions module it imports: whether only inside a function}."""
    graph: Dict[str, Dict[str, bool]] = {}
    for path in sorted(ACTIONS_DIR.glob("*.py")):
        edges = graph.setdefault(path.stem, {})
        for name, at_top in _imports(path):
            if name.startswith("actions."):
                target = name.split(".")[1]
                edges[target] = edges.get(target, True) and not at_top
    return graph


def test_a_topic_imports_only_the_context_its_helpers_the_catalog_and_the_standard_library():
    allowed_roots = set(sys.stdlib_module_names) | {"__future__", "catalog"}
    for topic in sorted(TOPICS):
        for name, _ in _imports(ACTIONS_DIR / f"{topic}.py"):
            if name.startswith("actions."):
                assert name.split(".")[1] in TOPIC_HELPERS, f"actions/{topic}.py imports {name}"
            else:
                assert name.split(".")[0] in allowed_roots, f"actions/{topic}.py imports {name}"


def test_only_routing_imports_the_topics_and_it_imports_them_all():
    graph = _graph()
    assert set(graph) >= TOPICS | {"routing", "base", "context", "answering"}
    assert TOPICS <= set(graph["routing"]), TOPICS - set(graph["routing"])
    for module, edges in graph.items():
        if module != "routing":
            assert not TOPICS & set(edges), f"actions/{module}.py imports the topic(s) {TOPICS & set(edges)}"
            assert "routing" not in edges, f"actions/{module}.py imports actions.routing"
    for helper in TOPIC_HELPERS | {"base"}:
        # reply (sending) and receipt (the answer's receipt, issue 14) are the action's plumbing, not topics
        assert set(graph[helper]) <= TOPIC_HELPERS | {"reply", "receipt"}, \
            f"actions/{helper}.py imports {set(graph[helper])}"


def test_no_module_of_actions_imports_another_inside_a_function():
    hidden = {(module, target) for module, edges in _graph().items() for target, local in edges.items() if local}
    assert not hidden, f"function-local imports within actions/ (they hid import cycles): {hidden}"


def test_actions_has_no_import_cycle():
    graph = {module: set(edges) for module, edges in _graph().items()}
    done: Set[str] = set()

    def visit(module: str, path: List[str]) -> None:
        assert module not in path, "import cycle: " + " -> ".join(path[path.index(module):] + [module])
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
