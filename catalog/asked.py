"""Which clause of the notice a question asks about ("工作许可年龄能放宽吗" → 一.4, "can my wife come" → 二.4),
from the words of data/asked.yaml. Finding only: the reasoner decides what the clause gives this person.

Where one clause's word lies inside another's found word (签证 inside 人才签证), only the longer counts.
"""
from __future__ import annotations

import functools
import re
from typing import List, Tuple

from catalog import wordlists
from catalog.text import normalize


@functools.lru_cache(maxsize=8)
def _patterns(_data: int) -> List[Tuple["re.Pattern[str]", str]]:
    out = []
    for cid, words in (wordlists.load("asked.yaml").get("clauses") or {}).items():
        for w in words:
            wn = normalize(str(w))
            if wn:
                # English words in the plural too ("work permits", "visas", "residence permits")
                out.append((re.compile(rf"(?<![a-z]){re.escape(wn)}(?:s|es)?(?![a-z])" if wn.isascii() else re.escape(wn)),
                            str(cid)))
    # questions a word list cannot name ("will my London years count", "新加坡嘅經歷算唔算"): regular expressions
    # on the same normalised text
    for cid, expressions in (wordlists.load("asked.yaml").get("patterns") or {}).items():
        for expression in expressions:
            out.append((re.compile(str(expression)), str(cid)))
    return out


def _hits(norm: str) -> List[Tuple[int, int, str]]:
    return list(_hits_of(norm, id(wordlists.load("asked.yaml"))))


@functools.lru_cache(maxsize=1024)
def _hits_of(norm: str, data: int) -> Tuple[Tuple[int, int, str], ...]:
    # some 500 patterns over one message, asked ~4 times per action call with the same text: remembered
    out = []
    for pattern, cid in _patterns(data):
        for m in pattern.finditer(norm):
            out.append((m.start(), m.end(), cid))
    return tuple(out)


def asked_clauses(text: str) -> List[str]:
    """The clause ids the question names, in the order first named; a word inside a longer found word
    of another clause does not count."""
    norm = normalize(text or "")
    hits = _hits(norm)
    kept = [h for h in hits if not any(o[2] != h[2] and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0])
                                       for o in hits)]
    order: List[str] = []
    for _start, _, cid in sorted(kept):
        if cid not in order:
            order.append(cid)
    return order


_REMARK = re.compile(r"备注|備註|要求|条件|條件|免考|免试|免試|可免|经验|經驗|年限|几年|幾年|注册|註冊|备案|備案|母语|母語|哪些工作|什么工作|咩工作|覆盖|限制|"
                     r"要先做|要满足|要滿足|有啥要求|有什么要求|有冇要求|remark|require|requirement|condition|experience|years? of|"
                     r"regist|native|what work|covers?|restrict|extra step|what do i need|what does it say|what does the row say|exempt|waive", re.I)


def asks_about_remark(text: str) -> bool:
    """Whether a question asks what a row's remark says or requires."""
    return bool(_REMARK.search(normalize(text or "")))
