"""Small data files of words (silent topics, refusals): read once per data folder, and one way to find a word
in a message (NFKC + case folding + traditional -> simplified; Latin words whole, Chinese words anywhere)."""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, Iterable, Optional, Pattern, Set, Tuple

import yaml

from catalog import config
from catalog.text import normalize


@functools.lru_cache(maxsize=16)
def _read(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: Dict[str, Any] = yaml.safe_load(fh)
    return data


def load(name: str) -> Dict[str, Any]:
    """catalog/data/<name> (or CATALOG_DATA_DIR's), parsed once."""
    return _read(str(config.data_dir() / name))


@functools.lru_cache(maxsize=20000)
def _word(word: str) -> Tuple[str, Optional[Pattern[str]]]:
    """A word of a list, normalised once: (text, compiled whole-word pattern for Latin words or None)."""
    w = normalize(str(word))
    return w, (re.compile(rf"(?<![a-z]){re.escape(w)}(?![a-z])") if w and w.isascii() else None)


def has(norm: str, word: str) -> bool:
    """Whether the normalised text `norm` contains `word` (a Latin word only as a whole word)."""
    w, pattern = _word(str(word))
    if not w:
        return False
    return bool(pattern.search(norm)) if pattern is not None else w in norm


@functools.lru_cache(maxsize=512)
def _any_pattern(words: Tuple[str, ...]) -> Optional[Pattern[str]]:
    """One pattern that finds any of `words` as `has` does: Latin words whole, others anywhere; None for no word.
    (The alternatives of one pattern are tried at every position, so it matches exactly where some word would.)"""
    latin: Set[str] = set()
    other: Set[str] = set()
    for word in words:
        w, pattern = _word(word)
        if w:
            (latin if pattern is not None else other).add(re.escape(w))
    # longest first: an alternation takes the first alternative that matches; any match is enough here
    parts = [rf"(?<![a-z])(?:{'|'.join(sorted(latin, key=len, reverse=True))})(?![a-z])"] if latin else []
    if other:
        parts.append("|".join(sorted(other, key=len, reverse=True)))
    return re.compile("|".join(parts)) if parts else None


def has_any(norm: str, words: Iterable[Any]) -> bool:
    """Whether the normalised text `norm` contains one of `words` (each as `has` finds it), in one regex search
    instead of one per word (the silent topics and refusals test some 1,600 words on every action call)."""
    held = _for_list.get(id(words))
    if held is not None and held[0] is words:  # the lists of the data files: the same objects every call
        pattern = held[1]
    else:
        pattern = _any_pattern(tuple(str(w) for w in words))
        if isinstance(words, list) and len(_for_list) < 512:
            _for_list[id(words)] = (words, pattern)
    return bool(pattern is not None and pattern.search(norm))


# id of a word list -> (the list, kept so that its id is not reused; its pattern). Lists are only ever read.
_for_list: Dict[int, Tuple[Any, Optional[Pattern[str]]]] = {}
