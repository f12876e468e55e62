"""Find catalog qualifications in free text (Chinese, English, mixed, typos, long pasted text).

    text -> MatchResult(status, candidates, unlisted)

status is one of
- "listed":    one qualification is meant (candidates[0]);
- "ambiguous": a mention fits several rows (教师资格证书, 心理治疗师, Kubernetes…): ask which;
- "unlisted":  a known credential or level that is NOT in the catalog (AWS Associate, IEEE Member…),
               with the nearest listed rows;
- "none":      no credential found.

Exact hits come from a spaCy PhraseMatcher over a token stream where every CJK character is a
token and every Latin/digit run is one (so "CFA" never matches inside "NCFAX", and Chinese needs
no segmenter to agree with itself). Fuzzy hits (typos) come from rapidfuzz, only where nothing
matched exactly. Overlapping hits keep the longest, so "AWS Solutions Architect Associate"
(unlisted) beats "AWS Solutions Architect". Region and country words ("得州", "英国的") narrow an
ambiguous mention.
"""
from __future__ import annotations

import re
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from rapidfuzz import fuzz, process

from catalog.text import Token, normalize, tokens

FUZZY_MIN_SCORE = 88.0
FUZZY_MIN_CJK_SCORE = 80.0  # then at most one wrong character per alias
FUZZY_MIN_ALIAS_CHARS = 6
FUZZY_MAX_CJK_TEXT = 200
LONG_TEXT_TOKENS = 400


def _import_spacy():
    """Import spaCy without letting thinc probe TensorFlow (5 s at start-up; the matcher never needs it)."""
    if "spacy" in sys.modules or "tensorflow" in sys.modules:
        import spacy

        return spacy
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        del sys.modules["tensorflow"]
    return spacy


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float  # 100 for an exact alias, the rapidfuzz ratio for a fuzzy one
    span: Tuple[int, int]  # in the original text
    matched: str  # the text at that span
    alias: str  # the alias it matched


@dataclass(frozen=True)
class UnlistedHit:
    name_zh: str
    name_en: str
    nearest: Tuple[str, ...]
    reason_zh: str
    reason_en: str
    span: Tuple[int, int]
    matched: str


@dataclass(frozen=True)
class MatchResult:
    status: str  # listed | ambiguous | unlisted | none
    candidates: Tuple[Candidate, ...] = ()
    unlisted: Optional[UnlistedHit] = None
    others: Tuple[Candidate, ...] = ()  # further, different qualifications mentioned in the same text

    @property
    def ids(self) -> List[str]:
        return [c.id for c in self.candidates]

    @property
    def best(self) -> Optional[str]:
        return self.candidates[0].id if self.status == "listed" else None


@dataclass
class _Entry:
    """What one alias stands for: a set of listed ids, or one unlisted credential."""

    alias: str
    ids: FrozenSet[str] = frozenset()
    unlisted_index: Optional[int] = None


@dataclass
class _Hit:
    start_tok: int
    end_tok: int
    span: Tuple[int, int]
    entry: _Entry
    score: float

    @property
    def length(self) -> int:
        return self.span[1] - self.span[0]


@dataclass
class _Qualifier:
    """A region or country word that narrows an ambiguous mention."""

    ids: FrozenSet[str]


@dataclass
class MatcherData:
    """What the matcher is built from: plain values, so it can come from the DB or from files."""

    aliases: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # alias -> ids
    unlisted: List[Tuple[str, str, Tuple[str, ...], Tuple[str, ...], str, str]] = field(default_factory=list)
    qualifiers: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # word -> ids
    names: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # id -> (name_zh, name_en)


class Matcher:
    def __init__(self, data: MatcherData):
        spacy = _import_spacy()
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        self._Doc = Doc
        self._nlp = spacy.blank("zh")  # vocab only; docs are built from catalog.text.tokens
        self._vocab = self._nlp.vocab
        self._phrases = PhraseMatcher(self._vocab)
        self._qual_matcher = PhraseMatcher(self._vocab)
        self._entries: Dict[str, _Entry] = {}
        self._unlisted = data.unlisted
        self._names = data.names
        self._qualifiers: Dict[str, _Qualifier] = {}

        by_key: Dict[str, _Entry] = {}
        for alias, ids in data.aliases.items():
            key = _key(alias)
            if not key:
                continue
            entry = by_key.get(key)
            by_key[key] = _Entry(alias, frozenset(ids) | (entry.ids if entry else frozenset()))
        for idx, (_zh, _en, aliases, _nearest, _rz, _re) in enumerate(data.unlisted):
            for alias in aliases:
                key = _key(alias)
                if key:
                    by_key[key] = _Entry(alias, frozenset(), idx)  # an unlisted alias wins over a listed one
        for key, entry in by_key.items():
            label = f"A{len(self._entries)}"
            self._entries[label] = entry
            self._phrases.add(label, [self._doc(key.split(" "))])
        for word, ids in data.qualifiers.items():
            key = _key(word)
            if not key:
                continue
            label = f"Q{len(self._qualifiers)}"
            self._qualifiers[label] = _Qualifier(frozenset(ids))
            self._qual_matcher.add(label, [self._doc(key.split(" "))])

        # fuzzy choices: Latin aliases by token key, CJK aliases by their characters
        self._fuzzy_latin: Dict[str, _Entry] = {}
        self._fuzzy_cjk: Dict[str, _Entry] = {}
        for key, entry in by_key.items():
            compact = key.replace(" ", "")
            if len(compact) < FUZZY_MIN_ALIAS_CHARS:
                continue
            if _is_all_cjk(compact):
                self._fuzzy_cjk[compact] = entry
            elif compact.isascii():
                self._fuzzy_latin[key] = entry
        self._latin_choices = list(self._fuzzy_latin)
        self._latin_lengths = sorted({len(k.split(" ")) for k in self._latin_choices})
        self._cjk_choices = list(self._fuzzy_cjk)

    def _doc(self, words: Sequence[str]):
        return self._Doc(self._vocab, words=list(words), spaces=[False] * len(words))

    # --- public ---------------------------------------------------------------------------------

    def match(self, text: str, restrict_to: Optional[Iterable[str]] = None) -> MatchResult:
        """Rank the qualifications mentioned in `text`.

        `restrict_to`: the candidates of an earlier ambiguous answer; a reply such as "纽约州的" or
        "the Texas one" then picks among them.
        """
        if not text or not text.strip():
            return MatchResult("none")
        toks = tokens(text)
        if not toks:
            return MatchResult("none")
        doc = self._doc([t.text for t in toks])
        hits = self._exact_hits(doc, toks)
        if not hits:
            hits = self._fuzzy_hits(text, toks)
        qualifier_sets = [self._qualifiers[self._vocab.strings[m]].ids for m, _s, _e in self._qual_matcher(doc)]
        restrict = frozenset(restrict_to) if restrict_to else None
        if restrict and not hits:
            narrowed = _narrow(restrict, qualifier_sets)
            if narrowed != restrict:
                return _result_for_ids(narrowed, None, text, None)
            return MatchResult("none")
        if not hits:
            return MatchResult("none")
        return self._resolve(text, hits, qualifier_sets, restrict)

    def name(self, qid: str) -> Tuple[str, str]:
        return self._names.get(qid, (qid, qid))

    # --- internals ------------------------------------------------------------------------------

    def _exact_hits(self, doc, toks: List[Token]) -> List[_Hit]:
        hits = []
        for match_id, start, end in self._phrases(doc):
            entry = self._entries[self._vocab.strings[match_id]]
            hits.append(_Hit(start, end, (toks[start].start, toks[end - 1].end), entry, 100.0))
        return _longest_non_overlapping(hits)

    def _fuzzy_hits(self, text: str, toks: List[Token]) -> List[_Hit]:
        hits: List[_Hit] = []
        # Latin n-grams of the alias lengths against Latin aliases
        if self._latin_choices:
            grams: Dict[str, Tuple[int, int]] = {}
            words = [(i, t) for i, t in enumerate(toks) if t.text.isascii()]
            for n in self._latin_lengths:
                for j in range(len(words) - n + 1):
                    window = words[j : j + n]
                    if window[-1][0] - window[0][0] != n - 1:  # not contiguous (a CJK char between)
                        continue
                    gram = " ".join(t.text for _, t in window)
                    if len(gram.replace(" ", "")) >= FUZZY_MIN_ALIAS_CHARS and gram not in grams:
                        grams[gram] = (window[0][0], window[-1][0] + 1)
            if grams:
                queries = list(grams)
                scores = process.cdist(queries, self._latin_choices, scorer=fuzz.ratio,
                                       score_cutoff=FUZZY_MIN_SCORE, workers=1)
                for qi, gram in enumerate(queries):
                    row = scores[qi]
                    best = int(row.argmax())
                    if row[best] >= FUZZY_MIN_SCORE:
                        s, e = grams[gram]
                        entry = self._fuzzy_latin[self._latin_choices[best]]
                        hits.append(_Hit(s, e, (toks[s].start, toks[e - 1].end), entry, float(row[best])))
        # CJK: a short message against the Chinese aliases
        cjk = "".join(t.text for t in toks if _is_all_cjk(t.text))
        if self._cjk_choices and 0 < len(cjk) <= FUZZY_MAX_CJK_TEXT:
            found = process.extract(cjk, self._cjk_choices, scorer=fuzz.partial_ratio,
                                    score_cutoff=FUZZY_MIN_CJK_SCORE, limit=5)
            for choice, score, _ in found:
                if score < 100.0 * (1 - 1 / len(choice)) - 0.01:  # more than one character wrong
                    continue
                align = fuzz.partial_ratio_alignment(choice, cjk)
                if align is None or align.dest_end - align.dest_start < len(choice) - 1:
                    continue
                cjk_toks = [i for i, t in enumerate(toks) if _is_all_cjk(t.text)]
                s = cjk_toks[align.dest_start]
                e = cjk_toks[min(align.dest_end, len(cjk_toks)) - 1] + 1
                hits.append(_Hit(s, e, (toks[s].start, toks[e - 1].end), self._fuzzy_cjk[choice], float(score)))
        return _longest_non_overlapping(hits)

    def _resolve(self, text: str, hits: List[_Hit], qualifier_sets: List[FrozenSet[str]],
                 restrict: Optional[FrozenSet[str]]) -> MatchResult:
        # the strongest mention first: exact before fuzzy, longer before shorter, earlier first
        hits.sort(key=lambda h: (-h.score, -h.length, h.span[0]))
        listed_hits = [h for h in hits if h.entry.unlisted_index is None]
        unlisted_hits = [h for h in hits if h.entry.unlisted_index is not None]

        groups: List[Tuple[FrozenSet[str], _Hit]] = []
        for h in listed_hits:
            ids = _narrow(h.entry.ids, qualifier_sets)
            if restrict and ids & restrict:
                ids = ids & restrict
            if any(ids <= g or g <= ids for g, _ in groups):  # same mention said twice, or a refinement
                groups = [(g, gh) if not (ids < g) else (ids, h) for g, gh in groups]
                continue
            groups.append((ids, h))
        if groups:
            # a specific mention (one row) beats a generic one
            groups.sort(key=lambda g: (len(g[0]) > 1, -g[1].score, -g[1].length))
            ids, hit = groups[0]
            others = tuple(_candidate(text, h, i) for g, h in groups[1:] for i in sorted(g) if len(g) == 1)
            result = _result_for_ids(ids, hit, text, None)
            if unlisted_hits and result.status != "listed":
                pass
            return MatchResult(result.status, result.candidates, None, others)
        uh = unlisted_hits[0]
        zh, en, _aliases, nearest, rz, ren = self._unlisted[uh.entry.unlisted_index]  # type: ignore[index]
        hit = UnlistedHit(zh, en, tuple(nearest), rz, ren, uh.span, text[uh.span[0] : uh.span[1]])
        cands = tuple(Candidate(i, 0.0, uh.span, hit.matched, uh.entry.alias) for i in nearest)
        return MatchResult("unlisted", cands, hit)


def _candidate(text: str, hit: _Hit, qid: str) -> Candidate:
    return Candidate(qid, hit.score, hit.span, text[hit.span[0] : hit.span[1]], hit.entry.alias)


def _result_for_ids(ids: FrozenSet[str], hit: Optional[_Hit], text: str, _unused) -> MatchResult:
    ordered = sorted(ids, key=_id_order)
    if hit is None:
        cands = tuple(Candidate(i, 100.0, (0, len(text)), text, text) for i in ordered)
    else:
        cands = tuple(_candidate(text, hit, i) for i in ordered)
    if len(cands) == 1:
        return MatchResult("listed", cands)
    return MatchResult("ambiguous", cands)


def _id_order(qid: str) -> Tuple[int, int]:
    return (0 if qid.startswith("U") else 1, int(qid[1:]))


def _narrow(ids: FrozenSet[str], qualifier_sets: List[FrozenSet[str]]) -> FrozenSet[str]:
    if len(ids) <= 1:
        return ids
    for q in qualifier_sets:
        inter = ids & q
        if inter and inter != ids:
            ids = inter
            if len(ids) == 1:
                break
    return ids


def _longest_non_overlapping(hits: List[_Hit]) -> List[_Hit]:
    hits = sorted(hits, key=lambda h: (-(h.end_tok - h.start_tok), -h.length, -h.score, h.start_tok))
    taken: List[_Hit] = []
    used: Set[int] = set()
    for h in hits:
        toks = set(range(h.start_tok, h.end_tok))
        if toks & used:
            continue
        used |= toks
        taken.append(h)
    return taken


def _key(text: str) -> str:
    return " ".join(t.text for t in tokens(text))


def _is_all_cjk(s: str) -> bool:
    from catalog.text import is_cjk

    return bool(s) and all(is_cjk(ch) for ch in s)


# --- building from the catalog --------------------------------------------------------------------

_matchers: Dict[Tuple[str, str], Matcher] = {}
_build_lock = threading.Lock()


def data_from_snapshot(snap) -> MatcherData:
    """Aliases from the rows (plus their names and issuer abbreviations), unlisted credentials,
    and region/country qualifiers."""
    data = MatcherData()
    for q in snap.qualifications.values():
        data.names[q.id] = (q.name.zh, q.name.en)
        for alias in (*q.aliases, q.name.zh, q.name.en, _without_parenthetical(q.name.en)):
            data.aliases[alias].add(q.id)
        if q.region:
            for word in _region_words(q.region.zh, q.region.en):
                data.qualifiers[word].add(q.id)
        for c in q.countries:
            for word in _country_words(c.zh, c.en):
                data.qualifiers[word].add(q.id)
    for u in snap.unlisted:
        data.unlisted.append((u.name.zh, u.name.en, (u.name.zh, u.name.en, *u.aliases), u.nearest,
                              u.reason.zh, u.reason.en))
    return data


def _without_parenthetical(name: str) -> str:
    """"Teaching Certificate (Texas)" -> "Teaching Certificate": the family name shared by rows."""
    return re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", name)


def _region_words(zh: str, en: str) -> List[str]:
    words = [zh, en]
    for suffix in ("州", "省"):
        if zh.endswith(suffix) and len(zh) > 2:
            words.append(zh[: -len(suffix)])
    words.extend(REGION_EXTRA.get(en, ()))
    return [w for w in words if w]


def _country_words(zh: str, en: str) -> List[str]:
    words = [zh, en, *COUNTRY_EXTRA.get(zh, ())]
    return [w for w in words if w]


# Everyday names for jurisdictions, beyond the zh/en names in the data.
REGION_EXTRA: Dict[str, Tuple[str, ...]] = {
    "New York": ("NY", "纽约"),
    "Texas": ("TX", "得州", "德州", "德克萨斯", "德克萨斯州"),
    "California": ("加州", "加利福尼亚"),
    "Massachusetts": ("麻省", "麻州"),
    "Pennsylvania": ("宾州",),
    "Michigan": ("密歇根", "密西根"),
    "Virginia": ("弗吉尼亚", "弗吉尼亚州"),
    "Minnesota": ("明州",),
    "Colorado": ("科州",),
    "Connecticut": ("康州",),
    "Louisiana": ("路州",),
    "Iowa": ("爱荷华", "爱荷华州"),
    "Hawaii": ("夏威夷",),
    "Alabama": ("阿拉巴马",),
    "Delaware": ("特拉华",),
    "New Hampshire": ("新罕布什尔",),
    "South Dakota": ("南达科他",),
    "Alaska": ("阿拉斯加",),
    "Ontario": ("安省",),
    "British Columbia": ("BC", "BC省", "卑诗", "卑诗省"),
    "Saskatchewan": ("萨省",),
    "Tasmania": ("塔州",),
    "Western Australia": ("西澳", "西澳州"),
    "South Australia": ("南澳", "南澳州"),
    "Victoria": ("VIC", "维州", "维多利亚州"),
    "Queensland": ("QLD", "昆州", "昆士兰州"),
    "Northern Territory": ("北领地",),
}

COUNTRY_EXTRA: Dict[str, Tuple[str, ...]] = {
    "美国": ("US", "USA", "U.S.", "American", "America"),
    "英国": ("UK", "U.K.", "British", "Britain", "England"),
    "澳大利亚": ("Australian", "澳洲"),
    "加拿大": ("Canadian",),
    "新西兰": ("NZ", "New Zealander", "纽西兰"),
    "爱尔兰": ("Irish",),
    "新加坡": ("Singaporean", "狮城"),
    "德国": ("German",),
    "中国香港": ("Hong Kong", "HK", "香港"),
    "中国澳门": ("Macao", "Macau", "澳门"),
    "中国台湾": ("Taiwan", "台湾"),
    "韩国": ("Korean", "Korea"),
    "日本": ("Japanese",),
    "瑞士": ("Swiss",),
    "荷兰": ("Dutch",),
    "西班牙": ("Spanish",),
    "法国": ("French",),
    "希腊": ("Greek",),
}


def get_matcher(version: Optional[str] = None, url: Optional[str] = None) -> Matcher:
    """The matcher for a catalog version (default: current), built once and cached."""
    from catalog import queries

    snap = queries.snapshot(version, url)
    key = (snap.version, snap.source_hash)
    with _build_lock:
        m = _matchers.get(key)
        if m is None:
            m = Matcher(data_from_snapshot(snap))
            _matchers[key] = m
        return m


def match(text: str, restrict_to: Optional[Iterable[str]] = None, version: Optional[str] = None) -> MatchResult:
    return get_matcher(version).match(text, restrict_to)
