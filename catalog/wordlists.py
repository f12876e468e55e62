"""Small data files of words (silent topics, refusals): read once per data folder, and one way to find a word
in a message (NFKC + case folding + traditional -> simplified; Latin words whole, Chinese words anywhere)."""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, Optional, Pattern, Tuple

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
