"""The action server reads slots through actions/slot_values.py (issue 12): a value that reached the tracker
some other way (a conversation stored before the Rasa side checked values, a forged tracker) reads as
unset, so a NaN age can no longer make every later benefits answer fail."""
from __future__ import annotations

import math

import pytest

from actions.routing import ActionAnswerBenefits, ActionAnswerRecognition, ActionAnswerWorkPermit
from tests.actions.test_actions import run, tracker


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


@pytest.mark.parametrize("age", [math.nan, math.inf, -math.inf, "abc", -5, 1000, 30.5, True, [30], {"v": 30}])
def test_an_invalid_age_reads_as_no_age(age):
    expected, *_ = run(ActionAnswerWorkPermit(), tracker("外籍人士能办工作许可吗", "ask_work_permit",
                                                         qualification="R007", nationality="foreign", age=None))
    text, *_ = run(ActionAnswerWorkPermit(), tracker("外籍人士能办工作许可吗", "ask_work_permit",
                                                     qualification="R007", nationality="foreign", age=age))
    assert text == expected and "工作许可" in text


def test_a_valid_age_is_read_as_a_whole_number():
    text, *_ = run(ActionAnswerWorkPermit(), tracker("72岁还能办吗", "ask_work_permit", qualification="R007",
                                                     nationality="foreign", age=72.0, high_end="true"))
    same, *_ = run(ActionAnswerWorkPermit(), tracker("72岁还能办吗", "ask_work_permit", qualification="R007",
                                                     nationality="foreign", age=72, high_end="true"))
    assert text == same


def test_an_unknown_nationality_or_row_reads_as_unset():
    expected, *_ = run(ActionAnswerBenefits(), tracker("有什么便利", "ask_benefits", qualification="R007"))
    text, *_ = run(ActionAnswerBenefits(), tracker("有什么便利", "ask_benefits", qualification="R007",
                                                   nationality="martian", high_end="maybe"))
    assert text == expected
    # a payload's entity naming no row of the catalog is no qualification
    text, _, slots, _ = run(ActionAnswerRecognition(), tracker("/inform", "ask_recognized",
                                                               entities=[{"entity": "qualification", "value": "R9999"}]))
    assert slots.get("qualification") != "R9999" and "R9999" not in text
