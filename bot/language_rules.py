"""Which language a message is in: zh, en, or None when it doesn't tell. No Rasa imports, so the
action server can use it without loading Rasa (bot/components/language.py wraps it for the NLU).

Rule: a message with Chinese characters and no English function words is Chinese, whatever
credential names it contains ("我有AWS solutions architect professional证书"); a message with English
function words is English unless its Chinese outweighs them. A message with neither (an emoji,
"CFA", "68") sets nothing, so the conversation keeps its language.
"""
from __future__ import annotations

import re
from typing import Optional

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
