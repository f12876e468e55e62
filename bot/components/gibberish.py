"""GibberishFallback: "qwpoe zxmnv lkjasd" goes to the fallback (and the unanswered log) instead of
whichever intent its character n-grams happen to resemble.

A message with no Chinese, no credential found by the catalog matcher and not one Latin word the
training data uses is treated as not understood (intent `nlu_fallback`). The training vocabulary is
stored with the model.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from catalog.text import script_counts

_WORD = re.compile(r"[A-Za-z]{2,}")
VOCAB_FILE = "vocabulary.json"
FALLBACK = "nlu_fallback"
MENTIONS = {"qualification", "candidates", "unlisted", "field", "country"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class GibberishFallback(GraphComponent):
    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: Optional[Set[str]] = None):
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary or set()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GibberishFallback":
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "GibberishFallback":
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((Path(directory) / VOCAB_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            words = []
        return cls(model_storage, resource, set(words))

    def train(self, training_data: TrainingData) -> Resource:
        words = {w.lower() for ex in training_data.training_examples for w in _WORD.findall(ex.get(TEXT) or "")}
        with self._storage.write_to(self._resource) as directory:
            (Path(directory) / VOCAB_FILE).write_text(json.dumps(sorted(words)), encoding="utf-8")
        self._vocabulary = words
        return self._resource

    def is_gibberish(self, text: str, entities: List[Dict[str, Any]]) -> bool:
        if not self._vocabulary or any(e.get("entity") in MENTIONS for e in entities):
            return False
        cjk, _latin = script_counts(text)
        words = [w.lower() for w in _WORD.findall(text)]
        return cjk == 0 and len(words) >= 2 and not any(w in self._vocabulary for w in words)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and not text.startswith("/") and \
                    self.is_gibberish(text, message.get(ENTITIES, [])):
                message.set(INTENT, {"name": FALLBACK, "confidence": 1.0}, add_to_output=True)
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT_RANKING_KEY, [{"name": FALLBACK, "confidence": 1.0}, *ranking],
                            add_to_output=True)
        return messages
