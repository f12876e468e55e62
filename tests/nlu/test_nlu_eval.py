"""The held-out NLU test set (tests/nlu/zh.yml, en.yml, written apart from the training data):
intent accuracy >= 95% per language and qualification resolution >= 97%. Report in results/."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.nlu.evaluate import ROOT, evaluate

MODEL = ROOT / "models" / "qualibot.tar.gz"


@pytest.fixture(scope="module")
def report(rasa_agent):
    return evaluate(str(MODEL), agent=rasa_agent)  # the session's Agent of that model (tests/conftest.py)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_intent_accuracy(report, lang):
    r = report["languages"][lang]
    assert r["messages"] >= 200
    errors = "\n".join(f"{e['intent']} -> {e['predicted']}: {e['text']}" for e in r["intent_errors"])
    assert r["intent_accuracy"] >= 0.95, errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_qualification_resolution(report, lang):
    r = report["languages"][lang]
    assert r["qualification_messages"] >= 100
    errors = "\n".join(f"{e['qualification']} -> {e['predicted_qualification']}: {e['text']}"
                       for e in r["qualification_errors"])
    assert r["qualification_resolution"] >= 0.97, errors


def test_report_written(report):
    assert (Path(ROOT) / "results" / "nlu_report.json").exists()
