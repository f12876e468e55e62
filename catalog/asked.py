"""Which clause of the notice a question asks about ("工作许可年龄能放宽吗" → 一.4, "can my wife come" → 二.4),
from the words of data/asked.yaml. Finding only: the reasoner decides what the clause gives this person.

Where one clause's word lies inside another's found word (签证 inside 人才签证), only the longer counts.
"""
from __future__ import annotations

import re
from typing import List, Tuple

from catalog import wordlists
from catalog.text import normalize


def _hits(norm: str) -> List[Tuple[int, int, str]]:
    out = []
    for cid, words in (wordlists.load("asked.yaml").get("clauses") or {}).items():
        for w in words:
            wn = normalize(str(w))
            if not wn:
                continue
            pattern = rf"(?<![a-z]){re.escape(wn)}(?![a-z])" if wn.isascii() else re.escape(wn)
            for m in re.finditer(pattern, norm):
                out.append((m.start(), m.end(), str(cid)))
    return out


def asked_clauses(text: str) -> List[str]:
    """The clause ids the question names, in the order first named; a word inside a longer found word
    of another clause does not count."""
    norm = normalize(text or "")
    hits = _hits(norm)
    kept = [h for h in hits if not any(o[2] != h[2] and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0])
                                       for o in hits)]
    order: List[str] = []
    for start, _, cid in sorted(kept):
        if cid not in order:
            order.append(cid)
    return order
