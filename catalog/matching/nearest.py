"""The rows whose words a message shares, when no alias of any row is in it ("dga diamond grading uk",
"瑞士雪联单板三级", "Higher Nitec（緊急護理）", "registered engineer in Macau").

Finding only: the rows ranked by the rarity of the words they share with the message (inverse document
frequency over the rows' names, aliases, issuers and places); a row's own place words count less than its
credential words, and a message that shares only places or only common words ("certificate", "证书") with a
row finds nothing. What the bot says of a nearest row is never "listed": it asks whether the person's credential
is that row (actions/recognition.py).

Latin text is cut into words (singular), Chinese into overlapping character pairs; Traditional characters are read
as Simplified.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, List, Set, Tuple

from catalog.matching.build import MatcherData
from catalog.matching.index import singular
from catalog.text import is_cjk, normalize, to_simplified

# words of the question, not of a credential
_STOP = {
    "a", "an", "the", "my", "mine", "i", "im", "i'm", "me", "is", "it", "its", "are", "am", "was", "do", "does", "did",
    "have", "has", "had", "got", "get", "hold", "in", "on", "of", "for", "from", "to", "at", "by", "with", "and", "or",
    "this", "that", "one", "ok", "okay", "listed", "list", "recognised", "recognized", "recognition", "count",
    "counts", "catalog", "catalogue", "beijing", "china", "yes", "no", "thx", "thanks", "pls", "please", "hi",
    "hello", "can", "could", "will", "would", "use", "valid", "work", "job", "what", "which", "how", "about",
    "legit", "there", "any", "also", "just", "year", "years", "yr", "yrs", "ago", "last", "registered",
    "registration", "certificate", "certification", "certified", "qualification", "licence", "license", "lol",
}
_STOP_PAIRS = {"证书", "资格", "目录", "认可", "可以", "有用", "我有", "请问", "一个", "这个", "那个", "是否", "是不",
               "不是", "北京", "认吗", "算吗", "有没", "没有", "什么", "哪个", "吗吗", "我的", "一下", "中国", "执照",
               "考了", "拿了", "持有", "资格证", "格证", "国家", "注册", "登记"}
_LATIN = re.compile(r"[a-z][a-z0-9'&.-]*[a-z0-9]|[a-z]")
MIN_SCORE = 3.0
RARE = 3.4  # ln(122 / 4): a word of at most 4 rows
PLACE_WEIGHT = 0.3  # "uk", "瑞士": help to choose among rows, never find one alone


@dataclass(frozen=True)
class Near:
    id: str
    score: float
    words: Tuple[str, ...]  # the shared words that are not places


def _terms(text: str) -> List[str]:
    text = to_simplified(normalize(text))
    out: List[str] = []
    for run in re.findall(r"[^\W\d_]+|\d+", text):
        if all(is_cjk(ch) for ch in run):
            out += [run[i:i + 2] for i in range(len(run) - 1)] if len(run) > 1 else []
        else:
            out += [singular(w) for w in _LATIN.findall(run.lower()) if len(w) > 1]
    return out


class Nearest:
    def __init__(self, data: MatcherData):
        self.docs: Dict[str, Set[str]] = {}
        self.place_terms: Dict[str, Set[str]] = defaultdict(set)  # id -> its place words' terms
        for qid, words in data.row_words.items():
            zh, en = data.issuers.get(qid, ("", ""))
            self.docs[qid] = set(_terms(f"{words} {zh} {en}"))
        self.any_place: Set[str] = set()  # every place's words: never a credential's own words
        for word, ids in data.places.items():
            self.any_place.update(_terms(word))
            for qid in ids:
                self.place_terms[qid].update(_terms(word))
                self.docs.setdefault(qid, set()).update(_terms(word))
        for word in data.other_places:
            self.any_place.update(_terms(word))
        df: Counter = Counter(t for doc in self.docs.values() for t in doc)
        n = max(1, len(self.docs))
        self.idf = {t: math.log(n / c) for t, c in df.items()}

    def rank(self, text: str, limit: int = 3) -> List[Near]:
        terms = [t for t in dict.fromkeys(_terms(text)) if t not in _STOP and t not in _STOP_PAIRS]
        scored: List[Near] = []
        for qid, doc in self.docs.items():
            shared = [t for t in terms if t in doc]
            own = tuple(t for t in shared if t not in self.any_place)
            placed = any(t in self.place_terms[qid] for t in shared)
            # two words of its own, one of them rare ("early childhood"), or a word of its own said with its place
            # ("registered engineer in Macau"); one word alone ("建筑" in "一級建築士") is too little
            if not own or not (placed or (len(own) >= 2 and max(self.idf[t] for t in own) >= RARE)):
                continue
            score = sum(self.idf[t] * (PLACE_WEIGHT if t in self.any_place else 1.0) for t in shared)
            scored.append(Near(qid, round(score, 3), own))
        scored.sort(key=lambda x: (-x.score, x.id))
        return scored[:limit]

    def find(self, text: str) -> List[Near]:
        """The nearest row, or the rows tied with it (within 10 %), when the best shares rare words."""
        ranked = self.rank(text, limit=6)
        if not ranked or ranked[0].score < MIN_SCORE:
            return []
        top = ranked[0].score
        return [r for r in ranked if r.score >= 0.9 * top][:3]
