"""Routing is consistent: every answer action the action server registers is declared in domain.yml and used by
a rule or story, every action_* of the domain has its class, and every pending question can be continued."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import yaml

import actions
from actions.base import AnswerAction

ROOT = Path(__file__).resolve().parents[2]


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _registered():
    for mod in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{mod.name}")
    return {c().name(): c for c in _all_subclasses(AnswerAction) if not inspect.isabstract(c)}


def _domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _used_in_data():
    used = set()
    for path in (ROOT / "data").rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        used |= {w.strip("{}[],: ") for w in text.replace("action:", " ").split() if w.strip("{}[],: ").startswith("action_")}
    return used


def test_every_answer_action_is_declared_and_routed():
    registered = _registered()
    declared = {a for a in _domain()["actions"] if a.startswith("action_")}
    used = _used_in_data()
    assert set(registered) <= declared, set(registered) - declared
    assert declared <= set(registered) | {"action_record_feedback"}, declared - set(registered)
    unused = set(registered) - used
    assert not unused, f"actions no rule or story runs: {unused}"


def test_every_pending_question_can_be_continued():
    from actions.routing import CONTINUATIONS as ANSWERERS

    intents = set(_domain()["intents"])
    assert set(ANSWERERS) <= intents
    # the actions that remember a question to continue only remember ones the dispatcher knows
    for name in ("ask_benefits", "ask_work_permit", "ask_visa", "ask_title", "ask_residence_card", "ask_practice",
                 "ask_recognized"):
        assert name in ANSWERERS
