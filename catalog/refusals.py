"""Requests the assistant refuses (catalog/data/refusals.yaml): another user's data, role-play and
instruction overrides, changing or approving what the catalog lists. `refused(text)` names the kinds found."""
from __future__ import annotations

from typing import Any, Dict, List

from catalog import wordlists
from catalog.text import normalize


def data() -> Dict[str, Any]:
    return wordlists.load("refusals.yaml")


def refused(text: str) -> List[str]:
    norm = normalize(text or "")
    return [kind for kind, spec in data()["kinds"].items() if any(wordlists.has(norm, w) for w in spec["words"])]
