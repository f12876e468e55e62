"""bot/components/diet_numpy.py: the trained model's DIET predicts intents with numpy, and its confidences are
TensorFlow's (the same ranking; confidences to 1e-5) on held-out messages it was not checked on at export."""
from __future__ import annotations

import os
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.nlu.evaluate import ROOT, load_examples

MODEL = ROOT / "models" / "qualibot.tar.gz"


def _diet_node(agent):
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    nodes = agent.processor.graph_runner._instantiated_nodes
    names = [n for n in nodes if n.startswith("run_")]
    name = next(n for n in names if isinstance(nodes[n]._component, DIETClassifier))
    return nodes[name]._component, [nodes[n]._component for n in names[:names.index(name)]]


@pytest.fixture(scope="module")
def tf_agent(catalog_db):
    from rasa.core.agent import Agent

    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    os.environ["QUALIBOT_DIET_TF"] = "1"
    try:
        return Agent.load(str(MODEL))
    finally:
        del os.environ["QUALIBOT_DIET_TF"]


def test_the_trained_model_carries_the_numpy_export():
    with tarfile.open(MODEL) as tar:
        assert any(m.name.endswith("/DIETClassifier.numpy.npz") for m in tar.getmembers())


def test_numpy_confidences_are_tensorflows(tf_agent):
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.components import diet_numpy

    diet, before = _diet_node(tf_agent)
    assert diet.model is not None and getattr(diet, "_numpy", None) is None  # QUALIBOT_DIET_TF=1: TensorFlow
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(MODEL) as tar:
            tar.extractall(tmp)
        predictor = diet_numpy.NumpyDIET.load(Path(tmp) / "components" / diet._resource.name)
    assert predictor is not None
    texts = [e["text"] for lang in ("zh", "en") for e in load_examples(lang)][::5]
    messages = [Message(data={TEXT: t}) for t in texts + ["", "qwpoe zxmnv", "？？？"] if t]
    for component in before:
        messages = component.process(messages)
    ours = [dict(m.data) for m in diet_numpy.process(diet, predictor, [Message(data=dict(m.data), features=list(m.features))
                                                                      for m in messages])]
    theirs = [dict(m.data) for m in diet.process(messages)]
    assert len(ours) == len(theirs) >= 100
    for a, b in zip(ours, theirs):
        assert a["intent"]["name"] == b["intent"]["name"], a["text"]
        assert [r["name"] for r in a["intent_ranking"]] == [r["name"] for r in b["intent_ranking"]], a["text"]
        assert np.allclose([r["confidence"] for r in a["intent_ranking"]],
                           [r["confidence"] for r in b["intent_ranking"]], atol=1e-5), a["text"]


def test_the_server_loads_it_without_tensorflow_model(rasa_agent):
    diet, _ = _diet_node(rasa_agent)  # the session's Agent, loaded as the server loads it (no QUALIBOT_DIET_TF)
    assert diet.model is None and diet._numpy is not None
