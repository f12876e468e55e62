"""GibberishFallback: "qwpoe zxmnv lkjasd" or "窗帘地毯台灯" goes to the fallback (and the unanswered log) instead
of whichever intent its character n-grams happen to resemble (an "affirm" a little above the fallback threshold
answered "好的" to a list of furniture).

A message with no credential found by the catalog matcher is treated as not understood (intent `nlu_fallback`)
when it has no Chinese and not one Latin word the training data uses, or when it has no Latin word and not one
pair of adjacent Chinese characters the training data uses (simplified). The training vocabulary is stored with
the model.
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

from catalog.text import script_counts, to_simplified

_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")


def _bigrams(text: str) -> Set[str]:
    """Every pair of adjacent Chinese characters of `text`, in simplified characters."""
    return {run[i:i + 2] for run in _CJK_RUN.findall(to_simplified(text or "")) for i in range(len(run) - 1)}
VOCAB_FILE = "vocabulary.json"
FALLBACK = "nlu_fallback"
MENTIONS = {"qualification", "candidates", "unlisted", "field", "country"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class GibberishFallback(GraphComponent):
    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: Optional[Set[str]] = None,
                 bigrams: Optional[Set[str]] = None):
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary or set()
        self._bigrams = bigrams or set()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GibberishFallback":
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "GibberishFallback":
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((Path(directory) / VOCAB_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            stored = []
        if isinstance(stored, list):  # a model trained before the Chinese pairs were kept
            stored = {"words": stored, "bigrams": []}
        return cls(model_storage, resource, set(stored.get("words") or ()), set(stored.get("bigrams") or ()))

    def train(self, training_data: TrainingData) -> Resource:
        texts = [ex.get(TEXT) or "" for ex in training_data.training_examples]
        words = {w.lower() for t in texts for w in _WORD.findall(t)}
        pairs = set().union(*(_bigrams(t) for t in texts)) if texts else set()
        with self._storage.write_to(self._resource) as directory:
            (Path(directory) / VOCAB_FILE).write_text(json.dumps({"words": sorted(words), "bigrams": sorted(pairs)},
                                                                 ensure_ascii=False), encoding="utf-8")
        self._vocabulary, self._bigrams = words, pairs
        return self._resource

    def is_gibberish(self, text: str, entities: List[Dict[str, Any]]) -> bool:
        if not self._vocabulary or any(e.get("entity") in MENTIONS for e in entities):
            return False
        cjk, _latin = script_counts(text)
        words = [w.lower() for w in _WORD.findall(text)]
        if cjk == 0:
            return len(words) >= 2 and not any(w in self._vocabulary for w in words)
        pairs = _bigrams(text)
        # ("窗帘地毯台灯": five pairs, none said in any training example; a real question shares some: 证书, 可以, 目录…)
        return not words and len(pairs) >= 3 and bool(self._bigrams) and not pairs & self._bigrams

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
