"""Levels and grades: "二级及以上" in a row's condition, "level 2" / "B 级" / "UEFA C" in a message."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
NUMERALS = set("0123456789一二两三四五六七八九十")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_LETTERS = {"c": 1, "b": 2, "a": 3, "pro": 4}
_NUM_LEVEL = re.compile(r"(?:(\d{1,2})|([一二两三四五六七八九十]))\s*级|(?:level|grade|lvl|lv|stufe|niveau)\s*"
                        r"(\d{1,2}|i{1,3}|iv|v|one|two|three|four|five)\b")
_LETTER_LEVEL = re.compile(r"(?<![a-z])['‘’\"“”]?(pro|[abc])['‘’\"“”]?\s*(?:级|licen[cs]e|diploma|证|coach|certificate|cert\b|level\b)|"
                           r"(?:licen[cs]e|级别|level|grade|uefa|afc)\s*(pro|[abc])(?![a-z])")


@dataclass(frozen=True)
class Level:
    """A level limit parsed from a row's conditions: "二级及以上" -> Level(2, "num", True)."""

    value: int
    scale: str  # num | letter
    at_least: bool

    def admits(self, said: List[int]) -> bool:
        """Whether any of the levels a message names meets this limit."""
        return any((lv >= self.value) if self.at_least else (lv == self.value) for lv in said)


def levels_in(text: str, scale: str) -> List[int]:
    """The levels a normalised text names, on the given scale."""
    found: List[int] = []
    if scale == "letter":
        for m in _LETTER_LEVEL.finditer(text):
            found.append(_LETTERS[(m.group(1) or m.group(2)).lower()])
        return found
    for m in _NUM_LEVEL.finditer(text):
        if m.group(1):
            found.append(int(m.group(1)))
        elif m.group(2):
            found.append(CN_DIGITS[m.group(2)])
        else:
            v = m.group(3).lower()
            found.append(int(v) if v.isdigit() else _ROMAN.get(v) or _WORD_NUM[v])
    return found


def parse_level(zh: str) -> Optional[Level]:
    """The level limit in a row's condition text: "二级及以上", "3 级", "Level 4 四级", "B 级及以上"."""
    at_least = "及以上" in zh
    m = re.search(r"([A-C])\s*级", zh)
    if m:
        return Level(_LETTERS[m.group(1).lower()], "letter", at_least)
    m = re.search(r"(?:(\d{1,2})|([一二三四五六七八九十]))\s*级", zh) or re.search(r"level\s*(\d)", zh, re.I)
    if m:
        value = int(m.group(1)) if m.group(1) else CN_DIGITS[m.group(2)]
        return Level(value, "num", at_least)
    return None
