"""Pinyin as WeChat users type it ("gzjzz", "waiji gjc lingyu nianling zuiduo fang kuan dao ji sui"): read as the
Chinese it stands for (catalog/data/pinyin.yaml), before a message is answered. Only this notice's words are known;
everything else is left as it is."""
from __future__ import annotations

import functools
import re
from typing import Callable, Dict, Iterable, Match, Pattern, Tuple

from catalog import wordlists
from catalog.language import CJK_CLASS

_CJK = re.compile(f"[{CJK_CLASS}]")


@functools.lru_cache(maxsize=1)
def _tables() -> Tuple[Pattern[str], Dict[str, str], Pattern[str], Dict[str, str]]:
    data = wordlists.load("pinyin.yaml")
    anywhere: Dict[str, str] = {**{k.lower(): v for k, v in (data.get("pairs") or {}).items()},
                                **{k.lower(): v for k, v in (data.get("anywhere") or {}).items()}}
    with_chinese = {k.lower(): v for k, v in (data.get("with_chinese") or {}).items()}

    def pattern(words: Iterable[str]) -> Pattern[str]:
        alts = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
        return re.compile(rf"(?<![A-Za-z])(?:{alts})(?![A-Za-z])", re.I)

    return pattern(anywhere), anywhere, pattern(with_chinese), with_chinese


def expand(text: str) -> Tuple[str, bool]:
    """The text with known pinyin read as Chinese, and whether the message was written in pinyin (then the reply is
    Chinese): no Chinese characters, and at least two of its words are known pinyin."""
    out, pinyin_only, _ = read(text)
    return out, pinyin_only


def chinese_among_pinyin(text: str) -> bool:
    """ "pmp zaibuzai mulu li a 急 明天面试": Chinese characters among Latin words that are mostly known pinyin (a
    Chinese message, answered in Chinese, though most of its letters are Latin)."""
    return read(text)[2]


@functools.lru_cache(maxsize=1024)
def read(text: str) -> Tuple[str, bool, bool]:
    """One reading of a message: (`expand`'s text, written in pinyin only, Chinese characters among pinyin)."""
    if not text or text.startswith("/"):
        return text, False, False
    any_re, anywhere, cjk_re, with_chinese = _tables()
    has_cjk = bool(_CJK.search(text))
    found = 0

    def sub(table: Dict[str, str]) -> Callable[[Match[str]], str]:
        def one(m: Match[str]) -> str:
            nonlocal found
            found += 1
            return table[re.sub(r"\s+", " ", m.group(0).lower())]
        return one

    out = any_re.sub(sub(anywhere), text)
    if has_cjk:
        out = cjk_re.sub(sub(with_chinese), out)
    latin_words = re.findall(r"[A-Za-z]+", text)
    # pinyin's small words ("zai", "ma", "neng"): never read as Chinese (some are English too), but they count
    # towards the message being pinyin ("cfa zai mulu li ma zhongji zhicheng neng duiying ma")
    small = sum(1 for w in latin_words if w.lower() in _particles())
    mostly = (found + small) * 2 >= len(latin_words) - found - small
    if not has_cjk:
        pinyin_only = found >= 2 and mostly
        return (out if pinyin_only else text), pinyin_only, False  # an English message with "beijing" stays English
    return out, False, found >= 1 and mostly


@functools.lru_cache(maxsize=1)
def _particles() -> "frozenset[str]":
    return frozenset(str(w).lower() for w in (wordlists.load("pinyin.yaml").get("particles") or ()))
