"""ProfileExtractor: the applicant's nationality, age and whether the employer is in a 高精尖
(high-end) industry, as entities `nationality` (chinese|foreign), `age` (a number) and `high_end`
(true|false). Word lists in profile_lexicon.yml."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.components.text_entity_extractor import TextEntityExtractor

from catalog.text import normalize

MIN_AGE, MAX_AGE = 16, 100
_AGE_PATTERNS = [
    re.compile(r"(\d{2,3})\s*(?:周岁|岁)"),
    re.compile(r"(?:今年|年龄|年纪)\s*(?:是|有|已经|已)?\s*(\d{2,3})"),
    re.compile(r"\b(\d{2,3})\s*(?:years?|yrs?)[\s-]*old\b", re.I),
    re.compile(r"\b(?:i'?m|i am|aged?|age is|age of|at)\s+(\d{2,3})\b(?!\s*(?:years? of|%|percent|hours?))", re.I),
]


@functools.lru_cache(maxsize=1)
def lexicon() -> Dict[str, Any]:
    with (Path(__file__).parent / "profile_lexicon.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@functools.lru_cache(maxsize=64)
def _prepared(words: Tuple[str, ...]) -> List[Tuple[str, Optional["re.Pattern[str]"]]]:
    """The words normalised, longest first; Latin ones as a pattern that respects word edges."""
    out = []
    for w in sorted((normalize(w) for w in words), key=len, reverse=True):
        out.append((w, re.compile(rf"(?<![a-z]){re.escape(w)}(?![a-z])") if w.isascii() else None))
    return out


def _find(text: str, words: List[str]) -> Optional[Tuple[int, int]]:
    for w, pattern in _prepared(tuple(words)):
        if pattern is not None:
            m = pattern.search(text)
            if m:
                return m.span()
        else:
            i = text.find(w)
            if i >= 0:
                return i, i + len(w)
    return None


def extract(text: str) -> List[Dict[str, Any]]:
    """Entities for nationality, age and high_end found in `text` (spans in the normalised text)."""
    norm = normalize(text)
    found: List[Dict[str, Any]] = []
    lex = lexicon()
    for value in ("foreign", "chinese"):  # "非中国籍" is foreign: test foreign first
        span = _find(norm, lex["nationality"][value])
        if span:
            found.append(_entity("nationality", value, span))
            break
    no = _find(norm, lex["high_end"]["not_high_end_words"])
    yes = None if no else _find(norm, lex["high_end"]["high_end_words"])
    if no or yes:
        found.append(_entity("high_end", "false" if no else "true", no or yes))
    for pattern in _AGE_PATTERNS:
        m = pattern.search(norm)
        if m and MIN_AGE <= int(m.group(1)) <= MAX_AGE:
            found.append(_entity("age", int(m.group(1)), m.span(1)))
            break
    return found


def _entity(name: str, value: Any, span: Tuple[int, int]) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": span[0], "end": span[1], "confidence": 1.0}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ProfileExtractor(TextEntityExtractor):
    def entities(self, text: str) -> List[Dict[str, Any]]:
        return extract(text)
