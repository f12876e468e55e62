"""Small data files of words (silent topics, refusals): read once per data folder, and one way to find a word
in a message (NFKC + case folding + traditional -> simplified; Latin words whole, Chinese words anywhere)."""
from __future__ import annotations

import functools
import re
from typing import Any, Dict

import yaml

from catalog import config
from catalog.text import normalize


@functools.lru_cache(maxsize=16)
def _read(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load(name: str) -> Dict[str, Any]:
    """catalog/data/<name> (or CATALOG_DATA_DIR's), parsed once."""
    return _read(str(config.data_dir() / name))


def has(norm: str, word: str) -> bool:
    """Whether the normalised text `norm` contains `word` (a Latin word only as a whole word)."""
    w = normalize(str(word))
    if not w:
        return False
    return bool(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", norm)) if w.isascii() else w in norm
