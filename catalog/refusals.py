"""Requests the assistant refuses (catalog/data/refusals.yaml): another user's data, role-play and
instruction overrides, changing or approving what the catalog lists. `refused(text)` names the kinds found."""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Pattern

from catalog import wordlists
from catalog.text import normalize, to_simplified


def data() -> Dict[str, Any]:
    return wordlists.load("refusals.yaml")


@functools.lru_cache(maxsize=64)
def _pattern(expr: str) -> Pattern[str]:
    return re.compile(expr)


def refused(text: str) -> List[str]:
    norm = normalize(text or "")
    simple = to_simplified(norm)
    return [kind for kind, spec in data()["kinds"].items()
            if wordlists.has_any(norm, spec["words"])
            or any(_pattern(p).search(simple) for p in spec.get("patterns") or ())]
