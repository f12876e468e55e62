"""Requests the assistant refuses (catalog/data/refusals.yaml): another user's data, role-play and
instruction overrides, changing or approving what the catalog lists. `refused(text)` names the kinds found."""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, List

import yaml

from catalog import config
from catalog.text import normalize


@functools.lru_cache(maxsize=4)
def _data(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def data() -> Dict[str, Any]:
    return _data(str(config.data_dir() / "refusals.yaml"))


def refused(text: str) -> List[str]:
    norm = normalize(text or "")
    found = []
    for kind, spec in data()["kinds"].items():
        for w in spec["words"]:
            w = normalize(str(w))
            if (re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", norm) if w.isascii() else w in norm):
                found.append(kind)
                break
    return found
