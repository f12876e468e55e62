"""Every sentence of the notice answerable on its own: the clauses (and section lead-ins, Annex 2's steps, the
notice's purpose and annexes) cut into sentences in zh and en, and found by the words of a question.

- `referenced(text)`: the clause a question names by number ("第二條第3項", "2.3 says", "item 1 in section 1",
  "section 5", "附件2第一步");
- `best(text, within)`: the sentence that shares the most words with the question (CJK bigrams and Latin
  words, weighted by rarity), with its clause, so the answer can lead with that sentence and cite it.
Finding only, pure Python over the catalog's clauses; the wording of the answer is catalog.answers'.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from catalog import queries
from catalog.text import normalize

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}
_SECTION = "一二三四五"
_ZH_REF = re.compile(r"第\s*([一二三四五1-5])\s*(?:[条條]|部分|部份|大点|大點)(?:\s*(?:的|嘅)?\s*第?\s*([一二三四五六1-6])\s*(?:[项項款点點]|小点|小點|[条條](?![一-龥]{0,2}(?:原文|规定|規定))))?")
_ZH_ANNEX = re.compile(r"附件\s*([12一二])(?:\s*(?:的)?\s*第\s*([一二三四1-4])\s*步)?")
_EN_REF = [
    # (the section by the notice's own numeral too: "item 4 of section 二")
    re.compile(r"\bsection\s*([1-5一二三四五])\s*[,(]?\s*(?:item|point|para(?:graph)?|no\.?|number|#)\s*([1-6])\b", re.I),
    re.compile(r"\b(?:item|point|para(?:graph)?)\s*([1-6])\s*(?:of|in|under)\s*section\s*([1-5一二三四五])(?![0-9a-z])", re.I),
    re.compile(r"\bsection\s*([1-5一二三四五])(?![0-9a-z])", re.I),
    re.compile(r"(?<![\d.])([12])\.([1-6])(?![\d.])(?!\s*(?:版|version|edition))", re.I),
    # "item 一.6", "part 一 item 6", "part 1, item 6" (the notice's own numerals in an English question)
    re.compile(r"(?:\b(?:part|section)\s*)?([一二三四五1-5])\s*(?:[.．]|,?\s*(?:item|point)\s*)([1-6])(?![\d.])", re.I),
]
_STEP = re.compile(r"(?<![a-z])step\s*([1-4])(?![0-9])|第\s*([一二三四1-4])\s*步", re.I)
_EN_ANNEX = re.compile(r"\bannex\s*([12])\b(?:[^.?]{0,20}?\bstep\s*([1-4])\b)?", re.I)
_SPLIT_ZH = re.compile(r"(?<=[。；;])")
_SPLIT_EN = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")


# "Section V", "section iv": the notice's sections by Roman numeral
_ROMAN = re.compile(r"\b(section|clause|part|article)\s+(iv|v|i{1,3})\b")
_ROMAN_VALUE = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


def referenced(text: str) -> List[str]:
    """The clause ids the text names by number, in order."""
    norm = _ROMAN.sub(lambda m: f"{m.group(1)} {_ROMAN_VALUE[m.group(2)]}", normalize(text or ""))
    out: List[str] = []

    def add(cid: str) -> None:
        if cid not in out:
            out.append(cid)

    for m in _ZH_REF.finditer(norm):
        sec = _SECTION[_CN[m.group(1)] - 1]
        add(f"{sec}.{_CN[m.group(2)]}" if m.group(2) else sec)
    for m in _ZH_ANNEX.finditer(norm):
        if _CN[m.group(1)] == 2:
            add(f"附件2.{_CN[m.group(2)]}" if m.group(2) else "附件2")
    for i, rx in enumerate(_EN_REF):
        for m in rx.finditer(norm):
            if i == 0:
                add(f"{_SECTION[_CN[m.group(1)] - 1]}.{m.group(2)}")
            elif i == 1:
                add(f"{_SECTION[_CN[m.group(2)] - 1]}.{m.group(1)}")
            elif i == 2:
                if not any(c.startswith(_SECTION[_CN[m.group(1)] - 1]) for c in out):
                    add(_SECTION[_CN[m.group(1)] - 1])
            else:
                add(f"{_SECTION[_CN[m.group(1)] - 1]}.{m.group(2)}")
    for m in _EN_ANNEX.finditer(norm):
        if m.group(1) == "2":
            add(f"附件2.{m.group(2)}" if m.group(2) else "附件2")
    if not any(c.startswith("附件2") for c in out):
        step = _STEP.search(norm)  # "what does the employer submit at step 1": Annex 2's steps are the only ones
        if step:
            add(f"附件2.{_CN[step.group(1) or step.group(2)]}")
    known = {c.id for c in queries.clauses()} | {s for s in queries.sections()}
    return [c for c in out if c in known]


@dataclass(frozen=True)
class Sentence:
    clause: str  # clause or section id
    cite_zh: str
    cite_en: str
    zh: str
    en: str


def _split(text: str, rx: "re.Pattern[str]") -> List[str]:
    return [p.strip() for p in rx.split(text or "") if p.strip()]


@functools.lru_cache(maxsize=4)
def _index(version: str) -> Tuple[Sentence, ...]:
    out: List[Sentence] = []
    secs = queries.sections(version or None)
    for sid, s in secs.items():
        if s.intro:
            out.append(Sentence(sid, s.cite.zh, s.cite.en, s.intro.zh, s.intro.en))
    for c in queries.clauses(version=version or None):
        zh, en = _split(c.text.zh, _SPLIT_ZH), _split(c.text.en, _SPLIT_EN)
        if len(zh) != len(en):  # sentences not aligned one to one: the clause is one sentence
            zh, en = [c.text.zh], [c.text.en]
        for a, b in zip(zh, en):
            out.append(Sentence(c.id, c.cite.zh, c.cite.en, a, b))
    n = queries.notice(version or None)
    if n.get("purpose_zh"):
        out.append(Sentence("notice", "通知正文", "the notice", n["purpose_zh"], n.get("purpose_en", "")))
    return tuple(out)


def _terms(text: str) -> List[str]:
    norm = normalize(text)
    # a crude stem: the first 5 letters ("notarised" / "notarization", "verified" / "verification")
    words = [w[:5] for w in re.findall(r"[a-z][a-z0-9-]{2,}", norm) if w not in _EN_STOP]
    cjk = re.findall(r"[\u4e00-\u9fff]+", norm)
    grams = [run[i:i + 2] for run in cjk for i in range(len(run) - 1)]
    return words + [g for g in grams if g not in _ZH_STOP]


_EN_STOP = set("""the and for with that this what which who does did are was were how can may will from into about
have has had any all there their they them its it's section item items notice catalog catalogue say says said
mean means tell please exactly also only other under""".split())
_ZH_STOP = {"什么", "哪些", "这个", "那个", "一下", "请问", "可以", "是否", "是不", "不是", "目录", "通知", "第一", "第二",
            "第三", "第四", "第五", "一条", "二条", "三条", "四条", "五条", "讲的", "说的", "具体", "怎么", "的是"}


@functools.lru_cache(maxsize=4)
def _weights(version: str) -> Dict[str, float]:
    docs = _index(version)
    df: Counter[str] = Counter()
    for s in docs:
        df.update(set(_terms(s.zh) + _terms(s.en)))
    return {t: math.log(1 + len(docs) / c) for t, c in df.items()}


def best(text: str, within: Sequence[str] = (), version: Optional[str] = None,
         minimum: float = 0.0) -> Optional[Tuple[Sentence, float]]:
    """The sentence (of the clauses `within`, or of all) sharing the most weighted words with `text`."""
    ver = version or ""
    weights = _weights(ver)
    asked = set(_terms(text))
    if not asked:
        return None
    scored = []
    for s in _index(ver):
        if within and s.clause not in within and not any(s.clause.startswith(w + ".") for w in within):
            continue
        have = set(_terms(s.zh) + _terms(s.en))
        # summed in a fixed order and rounded: a set's order changes with PYTHONHASHSEED, and so did the last
        # bits of a float sum, and with them which of two equal sentences won (seen on E2-0098)
        score = round(sum(sorted(weights.get(t, 0.0) for t in asked & have)), 9)
        scored.append((score, s))
    if not scored:
        return None
    score, s = max(scored, key=lambda p: p[0])  # the first of equals, in the notice's order
    return (s, score) if score > minimum else None
