"""CatalogEntityExtractor: qualifications found by catalog.matching, and the field/country a
browsing question names.

Entities: `qualification` (one id, when the mention is specific), `confirm` (one id, when the evidence is
only generic: the bot asks whether it is that row's credential), `candidates` (comma-joined ids,
when it fits several rows: the bot asks which), `unlisted` (the English name of a known credential
that is not in the catalog), `field` and `country` (catalog vocabulary keys).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot.components.text_entity_extractor import TextEntityExtractor

from catalog import matching as matcher, vocabulary

logger = logging.getLogger(__name__)
MAX_TEXT = 20000  # longer messages are matched on their first 20,000 characters


def extract(text: str) -> List[Dict[str, Any]]:
    text = text[:MAX_TEXT]
    result = matcher.match(text)
    entities: List[Dict[str, Any]] = []
    if result.status == "listed":
        c = result.candidates[0]
        entities.append(_entity("qualification", c.id, c.span))
    elif result.status == "confirm":  # generic evidence of one row: the bot asks, never a yes
        c = result.candidates[0]
        entities.append(_entity("confirm", c.id, c.span))
    elif result.status == "ambiguous":
        c = result.candidates[0]
        entities.append(_entity("candidates", ",".join(result.ids), c.span))
    elif result.status == "unlisted" and result.unlisted:
        entities.append(_entity("unlisted", result.unlisted.name_en, result.unlisted.span))
    field = vocabulary.find_field(text)
    if field:
        entities.append(_entity("field", field[0], field[1]))
    country = vocabulary.find_country(text)
    if country:
        entities.append(_entity("country", country[0], country[1]))
    return entities


def _entity(name: str, value: Any, span) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": span[0], "end": span[1], "confidence": 1.0}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CatalogEntityExtractor(TextEntityExtractor):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CatalogEntityExtractor":
        try:
            matcher.get_matcher()  # build it now, not on the first user's message
        except Exception as exc:  # no catalog DB yet (e.g. during `rasa train`): build on first use
            logger.info("catalog matcher not built at start-up: %s", exc)
        return cls()

    def entities(self, text: str) -> List[Dict[str, Any]]:
        return extract(text)
