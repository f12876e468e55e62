"""ProfileExtractor: the applicant's nationality, age and whether the employer is in a 高精尖
(high-end) industry, as entities `nationality` (chinese|foreign), `age` (a number) and `high_end`
(true|false). The finding itself is catalog/facts.py (the actions read the same facts from the text)."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.components.text_entity_extractor import TextEntityExtractor
from catalog.facts import MAX_AGE, MIN_AGE, extract  # noqa: F401  (re-exported for the tests)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ProfileExtractor(TextEntityExtractor):
    def entities(self, text: str) -> List[Dict[str, Any]]:
        return extract(text)
