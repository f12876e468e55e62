"""LanguageDetector: sets the `language` entity (zh | en) at NLU time, so the `language` slot is
filled before any response is chosen (a slot set inside an action comes too late for the
zh/en variation of that action's own response).

Rule: a message with Chinese characters and no English function words is Chinese, whatever
credential names it contains ("我有AWS solutions architect professional证书"); a message with English
function words is English unless its Chinese outweighs them. A message with neither (an emoji,
"CFA", "68") sets nothing, so the conversation keeps its language.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.components.text_entity_extractor import TextEntityExtractor

from catalog.text import script_counts

ENGLISH_FUNCTION_WORDS = frozenset(
    """a an the i i'm im my me we our you your is are am was be been do does did can could will would
    should may might have has had what which who whom whose when where why how if or and but not no yes
    of in on at to for from with about as by this that these those it its there any some get got
    hi hello hey thanks thank please bye goodbye ok okay sorry""".split()
)
_WORD = re.compile(r"[A-Za-z']+")


def detect(text: str) -> Optional[str]:
    """'zh', 'en', or None when the message doesn't tell."""
    cjk, latin = script_counts(text or "")
    function_words = sum(1 for w in _WORD.findall(text or "") if w.lower() in ENGLISH_FUNCTION_WORDS)
    if cjk == 0:
        return "en" if function_words or latin >= 2 else None
    if function_words == 0:
        return "zh"
    return "zh" if cjk / 2 >= latin else "en"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(TextEntityExtractor):
    def entities(self, text: str) -> List[Dict[str, Any]]:
        lang = detect(text)
        return [{"entity": "language", "value": lang, "start": 0, "end": len(text), "confidence": 1.0}] if lang else []
