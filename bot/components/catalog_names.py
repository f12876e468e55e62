"""The catalog's Chinese names and aliases, read from catalog/data (no database needed to train)."""
from __future__ import annotations

import functools
import re
from typing import List

from catalog import config
from catalog.language import CJK_CLASS
from catalog.schema import read_dataset

_CJK_WORD = re.compile(rf"[{CJK_CLASS}]{{2,}}")


@functools.lru_cache(maxsize=1)
def chinese_names() -> List[str]:
    """Every run of 2+ Chinese characters in the names and aliases (for jieba's user dictionary)."""
    data = read_dataset(config.data_dir())
    words = set()
    for q in data["qualifications"]:
        for text in [q["name_zh"], *q.get("aliases", [])]:
            words.update(_CJK_WORD.findall(str(text)))
    for u in data["unlisted"]:
        for text in [u["name_zh"], *u.get("aliases", [])]:
            words.update(_CJK_WORD.findall(str(text)))
    return sorted(words)
