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
FUZZY_INDEX_MAX_ALIASES = 25  # words in more aliases than this ("certified") don't start a fuzzy look


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
    kind: str = "known"  # known (unlisted.yaml) | below_level | other_jurisdiction | domestic


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
    family: bool = False  # a generic name (families.yaml): where it was issued matters
    issuer: bool = False  # the name of an issuer: beside another credential it only says who issued it


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


@dataclass(frozen=True)
class Level:
    """A level limit parsed from a row's conditions: "二级及以上" -> Level(2, "num", True)."""

    value: int
    scale: str  # num | letter
    at_least: bool


@dataclass
class MatcherData:
    """What the matcher is built from: plain values, so it can come from the DB or from files."""

    aliases: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # alias -> ids
    unlisted: List[Tuple[str, str, Tuple[str, ...], Tuple[str, ...], str, str]] = field(default_factory=list)
    places: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # country/region word -> ids
    distinguishers: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # word -> ids
    other_places: Dict[str, str] = field(default_factory=dict)  # unlisted jurisdiction -> country key
    country_ids: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # country key -> ids
    domestic: List[str] = field(default_factory=list)
    family_aliases: Set[str] = field(default_factory=set)
    case_sensitive: Set[str] = field(default_factory=set)
    issuer_aliases: Set[str] = field(default_factory=set)
    grade_words: List[str] = field(default_factory=list)
    jurisdictional: Set[str] = field(default_factory=set)  # ids of rows that are licences of a jurisdiction
    not_credentials: Set[str] = field(default_factory=set)
    row_words: Dict[str, str] = field(default_factory=dict)  # id -> its names and aliases, normalised
    levels: Dict[str, Level] = field(default_factory=dict)  # id -> level limit
    level_text: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # id -> (zh, en) of the limit
    names: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # id -> (name_zh, name_en)
    reasons: Dict[str, Dict[str, str]] = field(default_factory=dict)  # kind -> {zh, en} templates


class Matcher:
    def __init__(self, data: MatcherData):
        spacy = _import_spacy()
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        self._Doc = Doc
        self._nlp = spacy.blank("zh")  # vocab only; docs are built from catalog.text.tokens
        self._vocab = self._nlp.vocab
        self._data = data
        self._phrases = PhraseMatcher(self._vocab)
        self._word_matcher = PhraseMatcher(self._vocab)
        self._entries: Dict[str, _Entry] = {}
        self._words: Dict[str, Tuple[str, object]] = {}  # label -> (kind, payload)

        by_key: Dict[str, _Entry] = {}
        for alias, ids in data.aliases.items():
            key = _key(alias)
            if not key:
                continue
            entry = by_key.get(key)
            by_key[key] = _Entry(alias, frozenset(ids) | (entry.ids if entry else frozenset()),
                                 family=alias in data.family_aliases or bool(entry and entry.family),
                                 issuer=normalize(alias) in data.issuer_aliases or bool(entry and entry.issuer))
        for idx, (_zh, _en, aliases, _nearest, _rz, _re) in enumerate(data.unlisted):
            for alias in aliases:
                key = _key(alias)
                if key:
                    by_key[key] = _Entry(alias, frozenset(), idx)  # an unlisted alias wins over a listed one
        self._known_keys = set(by_key)
        for key, entry in by_key.items():
            label = f"A{len(self._entries)}"
            self._entries[label] = entry
            self._phrases.add(label, [self._doc(key.split(" "))])
        for kind, table in (("place", data.places), ("dist", data.distinguishers)):
            for word, ids in table.items():
                self._add_word(kind, word, frozenset(ids))
        for word, country in data.other_places.items():
            self._add_word("other", word, country)
        for word in data.domestic:
            self._add_word("domestic", word, None)

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
        self._latin_single = [k for k in self._latin_choices if " " not in k]
        self._latin_ntoks = [len(k.split(" ")) for k in self._latin_choices]
        word_freq: Dict[str, int] = defaultdict(int)
        for k in self._latin_choices:
            for w in set(k.split(" ")):
                word_freq[w] += 1
        self._latin_index: Dict[str, List[int]] = defaultdict(list)  # rarer alias word -> multi-word aliases
        for ai, k in enumerate(self._latin_choices):
            if " " in k:
                for w in set(k.split(" ")):
                    if len(w) > 2 and word_freq[w] <= FUZZY_INDEX_MAX_ALIASES:
                        self._latin_index[w].append(ai)
        self._cjk_choices = list(self._fuzzy_cjk)

    def _add_word(self, kind: str, word: str, payload) -> None:
        key = _key(word)
        if key:
            label = f"W{len(self._words)}"
            self._words[label] = (kind, payload)
            self._word_matcher.add(label, [self._doc(key.split(" "))])

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
        hits = self._exact_hits(doc, toks, text)
        if all(h.entry.unlisted_index is None and len(h.entry.ids) > 1 for h in hits):
            # nothing, or only generic mentions: a typo may hide a specific one ("Kubernets administrator")
            exact_cjk = any(_is_all_cjk(t.text) for h in hits for t in toks[h.start_tok:h.end_tok])
            hits = _longest_non_overlapping(hits + self._fuzzy_hits(text, toks, exact_cjk))
        words = self._found_words(doc, toks, text)
        restrict = frozenset(restrict_to) if restrict_to else None
        if restrict and not [h for h in hits if h.entry.unlisted_index is not None or h.entry.ids & restrict]:
            narrowed = _narrow(restrict, words.places + words.dists)
            if narrowed != restrict:
                return _result_for_ids(narrowed, None, text)
            return MatchResult("none") if not hits else self._resolve(text, toks, hits, words, None)
        if not hits:
            return MatchResult("none")
        return self._resolve(text, toks, hits, words, restrict)

    def mention_spans(self, text: str) -> List[Tuple[int, int, str]]:
        """Spans of credential mentions ("qualification") and of places ("place") in `text`, exact
        hits only: the NLU tokenizer masks them so intents are learnt from the words around them."""
        if not text or not text.strip():
            return []
        toks = tokens(text)
        if not toks:
            return []
        doc = self._doc([t.text for t in toks])
        spans = [(h.span[0], h.span[1], "qualification") for h in self._exact_hits(doc, toks, text)]
        taken = [(a, b) for a, b, _ in spans]
        for match_id, start, end in self._word_matcher(doc):
            kind, _payload = self._words[self._vocab.strings[match_id]]
            if kind in ("place", "other"):
                a, b = toks[start].start, toks[end - 1].end
                if _lowercase_short_word(text, (a, b)):
                    continue
                if not any(a < y and x < b for x, y in taken):
                    spans.append((a, b, "place"))
                    taken.append((a, b))
        return sorted(spans)

    def name(self, qid: str) -> Tuple[str, str]:
        return self._data.names.get(qid, (qid, qid))

    # --- internals ------------------------------------------------------------------------------

    def _exact_hits(self, doc, toks: List[Token], text: str = "") -> List[_Hit]:
        hits = []
        for match_id, start, end in self._phrases(doc):
            entry = self._entries[self._vocab.strings[match_id]]
            span = (toks[start].start, toks[end - 1].end)
            if entry.alias in self._data.case_sensitive and text and not text[span[0] : span[1]].isupper():
                continue  # "Oct 2019" is not the Ontario College of Teachers
            hits.append(_Hit(start, end, span, entry, 100.0))
        return _longest_non_overlapping(hits)

    def _found_words(self, doc, toks: List[Token], text: str = "") -> "_Words":
        words = _Words()
        found = sorted(self._word_matcher(doc), key=lambda m: (m[1], -(m[2] - m[1])))
        for match_id, start, end in found:
            kind, payload = self._words[self._vocab.strings[match_id]]
            span = (toks[start].start, toks[end - 1].end)
            if kind in ("place", "other") and _lowercase_short_word(text, span):
                continue  # "help us" is not the US, "ca" not California
            if kind == "place":
                words.places.append(payload)  # type: ignore[arg-type]
                words.place_spans.append(span)
            elif kind == "dist":
                words.dists.append(payload)  # type: ignore[arg-type]
            elif kind == "other":
                words.other.append((payload, span))  # type: ignore[arg-type]
            else:
                words.domestic_spans.append(span)
        return words

    def _fuzzy_hits(self, text: str, toks: List[Token], exact_cjk: bool = False) -> List[_Hit]:
        """Typos. Latin: n-grams whose every word is close to the alias's word ("Kubernets
        administrator"), so "a teaching certificate" never becomes "Iowa teaching certificate".
        CJK: one wrong character, and only where no Chinese alias matched exactly ("得州教师资格证"
        must stay the family narrowed by 得州, not become "纽约州教师资格证")."""
        hits: List[_Hit] = []
        # Latin: single words against one-word aliases; longer n-grams only against the aliases that
        # share one of their rarer words (an index), so a long résumé costs milliseconds
        ascii_idx = [i for i, t in enumerate(toks) if t.text.isascii()]
        singles = {toks[i].text: i for i in ascii_idx if len(toks[i].text) >= FUZZY_MIN_ALIAS_CHARS}
        if singles and self._latin_single:
            words = list(singles)
            scores = process.cdist(words, self._latin_single, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_MIN_SCORE, workers=1)
            for wi, word in enumerate(words):
                best = int(scores[wi].argmax())
                if FUZZY_MIN_SCORE <= scores[wi][best] < 100:
                    i = singles[word]
                    entry = self._fuzzy_latin[self._latin_single[best]]
                    hits.append(_Hit(i, i + 1, (toks[i].start, toks[i].end), entry, float(scores[wi][best])))
        seen: Set[Tuple[int, int, int]] = set()
        for pos, i in enumerate(ascii_idx):
            for alias_i in self._latin_index.get(toks[i].text, ()):
                alias = self._latin_choices[alias_i]
                n = self._latin_ntoks[alias_i]
                words_at = alias.split(" ")
                k = words_at.index(toks[i].text)
                s, e = i - k, i - k + n
                if s < 0 or e > len(toks) or (s, e, alias_i) in seen:
                    continue
                seen.add((s, e, alias_i))
                if not all(toks[j].text.isascii() for j in range(s, e)):
                    continue
                gram = " ".join(toks[j].text for j in range(s, e))
                score = fuzz.ratio(gram, alias, score_cutoff=FUZZY_MIN_SCORE)
                if FUZZY_MIN_SCORE <= score < 100 and _tokenwise_close(gram, alias):
                    hits.append(_Hit(s, e, (toks[s].start, toks[e - 1].end), self._fuzzy_latin[alias], float(score)))
        # CJK: a short message against the Chinese aliases, at most one wrong character
        cjk_toks = [i for i, t in enumerate(toks) if _is_all_cjk(t.text)]
        cjk = "".join(toks[i].text for i in cjk_toks)
        if self._cjk_choices and 0 < len(cjk) <= FUZZY_MAX_CJK_TEXT and not exact_cjk:
            found = process.extract(cjk, self._cjk_choices, scorer=fuzz.partial_ratio,
                                    score_cutoff=FUZZY_MIN_CJK_SCORE, limit=5)
            for choice, score, _ in found:
                if score >= 100 or score < 100.0 * (1 - 1 / len(choice)) - 0.01:
                    continue
                align = fuzz.partial_ratio_alignment(choice, cjk)
                if align is None or align.dest_end - align.dest_start < len(choice) - 1:
                    continue
                if _NUMERALS & (set(choice) ^ set(cjk[align.dest_start : align.dest_end])):
                    continue  # "四级" is not a typo of "二级"
                s = cjk_toks[align.dest_start]
                e = cjk_toks[min(align.dest_end, len(cjk_toks)) - 1] + 1
                hits.append(_Hit(s, e, (toks[s].start, toks[e - 1].end), self._fuzzy_cjk[choice], float(score)))
        return hits

    def _resolve(self, text: str, toks: List[Token], hits: List[_Hit], words: "_Words",
                 restrict: Optional[FrozenSet[str]]) -> MatchResult:
        # the strongest mention first: exact before fuzzy, longer before shorter, earlier first
        hits.sort(key=lambda h: (-h.score, -h.length, h.span[0]))
        listed_hits = [h for h in hits if h.entry.unlisted_index is None]
        unlisted_hits = [h for h in hits if h.entry.unlisted_index is not None]

        groups: List[Tuple[FrozenSet[str], _Hit]] = []
        for h in listed_hits:
            ids = h.entry.ids
            if restrict and ids & restrict:
                ids = ids & restrict
            merged = False
            for gi, (g, gh) in enumerate(groups):
                inter = ids & g
                if inter:  # two mentions of the same thing ("国际篮联" + "篮球教练员证书"): keep what both say
                    best_hit = gh if len(g) <= len(ids) else h
                    groups[gi] = (inter, best_hit)
                    merged = True
                    break
            if not merged:
                groups.append((ids, h))
        if unlisted_hits:
            u = unlisted_hits[0]
            nearest = set(self._data.unlisted[u.entry.unlisted_index][3])  # type: ignore[index]
            # "CAPM from PMI", "Azure Administrator Associate (Microsoft)": the unlisted level is what is
            # meant; a listed credential unrelated to it ("FCCA … CICPA") is still a listed mention
            groups = [(g, h) for g, h in groups if not (g & nearest) and not _overlaps(h, u)]
            if not groups:
                return self._unlisted_result(text, u)
        if not groups:
            return MatchResult("none")
        issuer_only = [(g, h) for g, h in groups if h.entry.issuer]
        named = [(g, h) for g, h in groups if not h.entry.issuer]
        if issuer_only and named:
            # "UK HCPC registered physiotherapist": the credential is the physiotherapist; the issuer only narrows
            g_named, h_named = named[0]
            inter = g_named & frozenset().union(*(g for g, _ in issuer_only))
            if not inter:
                return self._synthetic_unlisted("other_issuer", text, h_named, tuple(g_named))
            groups = [(inter, h_named)] + named[1:]
        elif issuer_only and len(groups) == 1:
            unknown = self._unknown_credential_near(text, toks, groups[0][1])
            if unknown:  # "ISACA的CISM": another credential of a listed issuer
                return self._synthetic_unlisted("other_credential", text, groups[0][1], tuple(groups[0][0]),
                                                credential=unknown)
        # a specific mention (one row) beats a generic one
        groups = [(_narrow(g, words.near(h.span).places + words.dists), h) for g, h in groups]
        # a specific mention first; among those, one that fits the places named ("英国GPhC注册药剂师"),
        # then exact before fuzzy, then the earlier mention ("CKA and CKAD" is first about CKA)
        groups.sort(key=lambda g: (len(g[0]) > 1, bool(words.places) and not any(g[0] & p for p in words.places),
                                   -g[1].score, g[1].span[0]))
        ids, hit = groups[0]
        others = tuple(_candidate(text, h, i) for g, h in groups[1:] for i in sorted(g) if len(g) == 1)
        if len(ids) > 1 or hit.entry.family or ids <= self._data.jurisdictional:
            special = self._not_listed_for_place(text, hit, ids, words)
            if special is not None:
                return special
        grade = self._grade_word_near(toks, hit, ids)
        if grade:
            return self._synthetic_unlisted("below_grade", text, hit, tuple(ids), grade=grade)
        if len(ids) == 1:
            below = self._below_level(text, toks, hit, next(iter(ids)))
            if below is not None:
                return below
        result = _result_for_ids(ids, hit, text)
        return MatchResult(result.status, result.candidates, None, others)

    def _unlisted_result(self, text: str, u: _Hit) -> MatchResult:
        zh, en, _aliases, nearest, rz, ren = self._data.unlisted[u.entry.unlisted_index]  # type: ignore[index]
        hit = UnlistedHit(zh, en, tuple(nearest), rz, ren, u.span, text[u.span[0] : u.span[1]])
        cands = tuple(Candidate(i, 0.0, u.span, hit.matched, u.entry.alias) for i in nearest)
        return MatchResult("unlisted", cands, hit)

    def _synthetic_unlisted(self, kind: str, text: str, hit: _Hit, nearest: Sequence[str],
                            **values: str) -> MatchResult:
        matched = text[hit.span[0] : hit.span[1]]
        tmpl = self._data.reasons.get(kind, {"zh": "", "en": ""})
        near = sorted(set(nearest), key=_id_order)
        names_zh = "、".join(self.name(i)[0] for i in near)
        names_en = "; ".join(self.name(i)[1] for i in near)
        reason_zh = tmpl["zh"].format(names=names_zh, **values)
        reason_en = tmpl["en"].format(names=names_en, **values)
        uh = UnlistedHit(matched, matched, tuple(near), reason_zh, reason_en, hit.span, matched, kind)
        return MatchResult("unlisted", tuple(Candidate(i, 0.0, hit.span, matched, hit.entry.alias) for i in near), uh)

    def _not_listed_for_place(self, text: str, hit: _Hit, ids: FrozenSet[str], words: "_Words"):
        """A generic mention narrowed to a place the catalog doesn't cover, or a mainland credential."""
        words = words.near(hit.span)
        if words.domestic_spans:
            return self._synthetic_unlisted("domestic", text, hit, ())
        for country, _span in words.other:
            near = ids & frozenset(self._data.country_ids.get(country, ()))
            return self._synthetic_unlisted("other_jurisdiction", text, hit, tuple(near) or tuple(ids))
        if words.places and not any(ids & place_ids for place_ids in words.places):
            return self._synthetic_unlisted("other_jurisdiction", text, hit, tuple(ids))
        return None

    def _grade_word_near(self, toks: List[Token], hit: _Hit, ids: FrozenSet[str]) -> Optional[str]:
        window = " ".join(t.text for t in toks[max(0, hit.start_tok - 4) : hit.end_tok + 4])
        compact = window.replace(" ", "")
        for w in self._data.grade_words:
            found = (re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", window) if w.isascii() else w in compact)
            if found and not any(w in self._data.row_words.get(i, "") for i in ids):
                return w
        return None

    def _unknown_credential_near(self, text: str, toks: List[Token], hit: _Hit) -> Optional[str]:
        """An acronym in capitals next to an issuer's name that is no alias we know ("ISACA的CISM")."""
        for t in toks[max(0, hit.start_tok - 3) : hit.end_tok + 4]:
            original = text[t.start : t.end]
            if (t.start >= hit.span[1] or t.end <= hit.span[0]) and 2 <= len(original) <= 7 and \
                    original.isascii() and original.isalpha() and original.isupper() and \
                    original not in self._data.not_credentials and normalize(original) not in self._known_keys:
                return original
        return None

    def _below_level(self, text: str, toks: List[Token], hit: _Hit, qid: str) -> Optional[MatchResult]:
        limit = self._data.levels.get(qid)
        if limit is None:
            return None
        norm_window = " ".join(t.text for t in toks[max(0, hit.start_tok - 4) : hit.end_tok + 6])
        said = _levels_in(norm_window, limit.scale)
        if not said:
            return None
        ok = any((lv >= limit.value) if limit.at_least else (lv == limit.value) for lv in said)
        if ok:
            return None
        zh, en = self._data.level_text.get(qid, ("", ""))
        return self._synthetic_unlisted("below_level", text, hit, (qid,), level_zh=zh, level_en=en,
                                        name_zh=self.name(qid)[0], name_en=self.name(qid)[1])


NEAR_CHARS = 40  # how far from a mention a place or "国内" still speaks about it (long texts name many places)


@dataclass
class _Words:
    places: List[FrozenSet[str]] = field(default_factory=list)
    place_spans: List[Tuple[int, int]] = field(default_factory=list)
    dists: List[FrozenSet[str]] = field(default_factory=list)
    other: List[Tuple[str, Tuple[int, int]]] = field(default_factory=list)
    domestic_spans: List[Tuple[int, int]] = field(default_factory=list)

    def near(self, span: Tuple[int, int]) -> "_Words":
        """Only the words within NEAR_CHARS of `span`."""
        def close(s: Tuple[int, int]) -> bool:
            return s[1] >= span[0] - NEAR_CHARS and s[0] <= span[1] + NEAR_CHARS

        keep = [i for i, s in enumerate(self.place_spans) if close(s)]
        return _Words([self.places[i] for i in keep], [self.place_spans[i] for i in keep], self.dists,
                      [o for o in self.other if close(o[1])], [d for d in self.domestic_spans if close(d)])


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_LETTERS = {"c": 1, "b": 2, "a": 3, "pro": 4}
_NUM_LEVEL = re.compile(r"(?:(\d{1,2})|([一二两三四五六七八九十]))\s*级|(?:level|grade|lv|stufe|niveau)\s*"
                        r"(\d{1,2}|i{1,3}|iv|v|one|two|three|four|five)\b")
_LETTER_LEVEL = re.compile(r"(?<![a-z])(pro|[abc])\s*(?:级|licen[cs]e|diploma|证)|(?:licen[cs]e|级别)\s*(pro|[abc])\b")


def _levels_in(text: str, scale: str) -> List[int]:
    found: List[int] = []
    if scale == "letter":
        for m in _LETTER_LEVEL.finditer(text):
            found.append(_LETTERS[(m.group(1) or m.group(2)).lower()])
        return found
    for m in _NUM_LEVEL.finditer(text):
        if m.group(1):
            found.append(int(m.group(1)))
        elif m.group(2):
            found.append(_CN_DIGITS[m.group(2)])
        else:
            v = m.group(3).lower()
            found.append(int(v) if v.isdigit() else _ROMAN.get(v) or _WORD_NUM[v])
    return found


def parse_level(zh: str) -> Optional[Level]:
    """The level limit in a row's condition text: "二级及以上", "3 级", "Level 4 四级", "B 级及以上"."""
    at_least = "及以上" in zh
    m = re.search(r"([A-C])\s*级", zh)
    if m:
        return Level(_LETTERS[m.group(1).lower()], "letter", at_least)
    m = re.search(r"(?:(\d{1,2})|([一二三四五六七八九十]))\s*级", zh) or re.search(r"level\s*(\d)", zh, re.I)
    if m:
        value = int(m.group(1)) if m.group(1) else _CN_DIGITS[m.group(2)]
        return Level(value, "num", at_least)
    return None


_NUMERALS = set("0123456789一二两三四五六七八九十")


def _lowercase_short_word(text: str, span: Tuple[int, int]) -> bool:
    """A place written as a short Latin word must be in capitals ("US", "NY"), not "us"."""
    word = text[span[0] : span[1]] if text else ""
    return bool(word) and word.isascii() and len(word) <= 3 and not word.isupper()


def _tokenwise_close(gram: str, alias: str) -> bool:
    a, b = gram.split(" "), alias.split(" ")
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        if min(len(x), len(y)) <= 3 or fuzz.ratio(x, y) < 75 or _NUMERALS & (set(x) ^ set(y)):
            return False
    return True


def _overlaps(a: _Hit, b: _Hit) -> bool:
    return a.span[0] < b.span[1] and b.span[0] < a.span[1]


def _candidate(text: str, hit: _Hit, qid: str) -> Candidate:
    return Candidate(qid, hit.score, hit.span, text[hit.span[0] : hit.span[1]], hit.entry.alias)


def _result_for_ids(ids: FrozenSet[str], hit: Optional[_Hit], text: str) -> MatchResult:
    ordered = sorted(ids, key=_id_order)
    if hit is None:
        cands = tuple(Candidate(i, 100.0, (0, len(text)), text, text) for i in ordered)
    else:
        cands = tuple(_candidate(text, hit, i) for i in ordered)
    if len(cands) == 1:
        return MatchResult("listed", cands)
    if not cands:
        return MatchResult("none")
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


def _families() -> Dict[str, object]:
    import yaml

    from catalog import config

    with (config.data_dir() / "families.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def data_from_snapshot(snap) -> MatcherData:
    """Aliases from the rows (plus their names, issuers and families), unlisted credentials,
    places, distinguishers and level limits."""
    data = MatcherData()
    fam = _families()
    issuers: Dict[str, Set[str]] = defaultdict(set)
    for q in snap.qualifications.values():
        data.names[q.id] = (q.name.zh, q.name.en)
        for alias in (*q.aliases, q.name.zh, q.name.en, _without_parenthetical(q.name.en)):
            for variant in _zheng_variants(alias):
                data.aliases[variant].add(q.id)
        for issuer in re.split(r"\s*[;；]\s*", q.issuer.en) + re.split(r"[、\s]+", q.issuer.zh):
            if len(issuer) >= 6 or (len(issuer) >= 4 and _is_all_cjk(issuer)):
                issuers[issuer].add(q.id)
        if q.region:
            for word in _region_words(q.region.zh, q.region.en):
                data.places[word].add(q.id)
        for c in q.countries:
            data.country_ids[c.zh].add(q.id)
            if c.zh == "国际":  # "international" is no place a user is in ("国际学校", "国际计算机协会")
                continue
            for word in _country_words(c.zh, c.en):
                data.places[word].add(q.id)
        for c in q.conditions:
            if c.kind == "level_limit":
                level = parse_level(c.zh)
                if level is not None:
                    data.levels[q.id] = level
                    data.level_text[q.id] = (c.zh, c.en)
    for issuer, ids in issuers.items():
        data.aliases[issuer] |= ids
    for family in fam.get("families", []):  # type: ignore[union-attr]
        for alias in family["aliases"]:
            for variant in _zheng_variants(str(alias)):
                data.aliases[variant] |= set(family["ids"])
                data.family_aliases.add(variant)
    for word, ids in (fam.get("distinguishers") or {}).items():  # type: ignore[union-attr]
        data.distinguishers[str(word)] |= set(ids)
    data.other_places = {str(k): v for k, v in (fam.get("other_jurisdictions") or {}).items()}  # type: ignore
    data.domestic = [str(w) for w in fam.get("domestic") or []]  # type: ignore[union-attr]
    data.case_sensitive = {str(w) for w in fam.get("case_sensitive") or []}  # type: ignore[union-attr]
    data.issuer_aliases = {normalize(str(w)) for w in fam.get("issuer_aliases") or []} | {normalize(i) for i in issuers}
    data.grade_words = [normalize(str(w)) for w in fam.get("grade_words") or []]  # type: ignore[union-attr]
    data.not_credentials = {str(w).upper() for w in fam.get("not_credentials") or []}  # type: ignore[union-attr]
    jur_fields = set(fam.get("jurisdictional_fields") or [])  # type: ignore[arg-type]
    for q in snap.qualifications.values():
        if jur_fields & set(q.field_keys):
            data.jurisdictional.add(q.id)
        data.row_words[q.id] = normalize(" ".join((q.name.zh, q.name.en, *q.aliases)))
    data.reasons = fam.get("reasons") or {}  # type: ignore[assignment]
    for u in snap.unlisted:
        data.unlisted.append((u.name.zh, u.name.en, (u.name.zh, u.name.en, *u.aliases), u.nearest,
                              u.reason.zh, u.reason.en))
    return data


def _zheng_variants(alias: str) -> Tuple[str, ...]:
    """证书 and 证 are said interchangeably: "教师资格证书" also as "教师资格证", and back."""
    if alias.endswith("证书") and len(alias) > 4:
        return (alias, alias[:-1])
    if alias.endswith("证") and len(alias) > 3 and _is_all_cjk(alias[-4:]):
        return (alias, alias + "书")
    return (alias,)


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
