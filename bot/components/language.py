"""LanguageDetector: sets the `language` entity (zh | en) at NLU time, so the `language` slot is
filled before any response is chosen (a slot set inside an action comes too late for the
zh/en variation of that action's own response).

Rule: a message with Chinese characters and no English function words is Chinese, whatever
credential names it contains ("我有AWS solutions architect professional证书"); a message with English
function words is English unless its Chinese outweighs them. A message with neither (an emoji,
"CFA", "68") sets nothing, so the conversation keeps its language. The rule is catalog/language.py's,
the one the action server and the channels use too.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.components.text_entity_extractor import TextEntityExtractor
from catalog.language import detect


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(TextEntityExtractor):
    def entities(self, text: str) -> List[Dict[str, Any]]:
        lang = detect(text)
        return [{"entity": "language", "value": lang, "start": 0, "end": len(text), "confidence": 1.0}] if lang else []
