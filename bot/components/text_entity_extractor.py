"""TextEntityExtractor: the shared shape of our rule-based extractors (language, catalog, profile).

Each subclass implements `entities(text)`; this class adds them to the message, skips button
payloads ("/intent{...}") and never lets an extractor's error cost the user their turn.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)


class TextEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextEntityExtractor":
        return cls()

    def entities(self, text: str) -> List[Dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            try:
                found = self.add_extractor_name(self.entities(text))
            except Exception:  # e.g. the catalog DB is down: answer without these entities
                logger.exception("%s failed", type(self).__name__)
                found = []
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
