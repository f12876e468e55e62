"""catalog/slot_values.py: the one copy of the slot rules (Rasa side: bot/rasa_patches.py; actions: actions/slot_values.py)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from catalog import slot_values
from catalog.slot_values import Invalid, check, cleaned

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


@pytest.mark.parametrize("value, held", [(16, 16), (30, 30), (30.0, 30), ("30", 30), (" 66 ", 66), (100, 100)])
def test_an_age_is_a_whole_number_from_16_to_100(value, held):
    assert check("age", value) == held and isinstance(check("age", value), int)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e999, "abc", "", "3e1", -5, 0, 15, 101, 1000,
                                   30.5, True, False, [30], {"v": 30}, "NaN", "30 years"])
def test_not_an_age(value):
    with pytest.raises(Invalid):
        check("age", value)
    assert cleaned("age", value) == (False, None)


def test_categorical_values_are_domain_yml_s():
    slots = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]
    assert tuple(slots["nationality"]["values"]) == slot_values.NATIONALITIES
    assert tuple(slots["language"]["values"]) == slot_values.LANGUAGES
    assert check("nationality", "foreign") == "foreign"
    for bad in ("Foreign", "martian", "", 1, None and "x"):
        assert cleaned("nationality", bad)[0] is (bad is None)


def test_every_slot_of_the_domain_that_an_entity_fills_has_a_rule():
    slots = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]
    assert set(slots) <= set(slot_values.RULES)


def test_booleans_ids_and_intents():
    assert [check("high_end", v) for v in ("true", "yes", True, 1, "false", "no", False, 0)] == ["true"] * 4 + ["false"] * 4
    assert cleaned("high_end", "maybe") == (False, None)
    assert check("qualification", "R007") == "R007" and cleaned("qualification", "R9999") == (False, None)
    assert cleaned("qualification", "r007") == (False, None) and cleaned("confirming", 7) == (False, None)
    assert check("candidates", "R001,R007") == "R001,R007"
    assert cleaned("candidates", "R001,<b>") == (False, None) and cleaned("candidates", ",".join(["R001"] * 201))[0] is False
    assert check("pending_intent", "ask_benefits") == "ask_benefits" and cleaned("pending_intent", "Ask!")[0] is False


def test_other_entities_are_printable_scalars():
    assert check("answer_text", "第一行\n\t第二行") == "第一行\n\t第二行"
    for bad in ({"a": 1}, [1], "x\x00y", "x" * 4001, math.nan):
        assert cleaned("field", bad) == (False, None)
    assert check("anything", None) is None


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(),
                 st.lists(st.integers()), st.dictionaries(st.text(), st.integers())))
def test_the_rules_never_raise_anything_but_invalid(value):
    for name in (*slot_values.RULES, "field", "answer_text"):
        ok, held = cleaned(name, value)
        if ok and name == "age" and held is not None:
            assert isinstance(held, int) and 16 <= held <= 100


def test_years_employer_and_asked_clauses():
    assert check("experience_years", 3) == 3.0 and check("experience_years", "2.5") == 2.5
    for bad in (math.nan, -1, 61, "many", True):
        assert cleaned("experience_years", bad) == (False, None)
    assert check("beijing_employer", "false") == "false" and cleaned("beijing_employer", "maybe")[0] is False
    assert check("asked", "一.4,二.4") == "一.4,二.4" and check("asked", "") == ""
    assert cleaned("asked", "一.4, 二.4")[0] is False and cleaned("asked", ["一.4"])[0] is False
