"""Finding mentions: exact alias hits (a spaCy PhraseMatcher over catalog.text tokens), fuzzy hits
(rapidfuzz, for typos) and the words around them (places, distinguishers, other jurisdictions, mainland
words). Nothing here decides; catalog.matching.verdict does.

Tokens: every CJK character is one, every Latin/digit run is one, so "CFA" never matches inside "NCFAX"
and Chinese needs no segmenter to agree with itself. Overlapping hits keep the longest, so "AWS Solutions
Architect Associate" (unlisted) beats "AWS Solutions Architect", and "West Virginia" beats "Virginia".
"""
from __future__ import annotations

import functools
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from rapidfuzz import fuzz, process

from catalog.matching.build import GENERIC, ISSUER, SPECIFIC, STRENGTH, MatcherData
from catalog.matching.levels import NUMERALS
from catalog.text import Token, is_cjk, normalize, tokens

FUZZY_MIN_SCORE = 88.0
FUZZY_MIN_CJK_SCORE = 80.0  # then at most one wrong character per alias
FUZZY_MIN_ALIAS_CHARS = 6
FUZZY_MAX_CJK_TEXT = 200
FUZZY_INDEX_MAX_ALIASES = 25  # words in more aliases than this ("certified") don't start a fuzzy look
NEAR_CHARS = 40  # how far from a mention a place or "国内" still speaks about it (long texts name many places)


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


@dataclass
class Entry:
    """What one alias stands for: listed rows (each with the kind of evidence the alias is for it), or
    one unlisted credential."""

    alias: str
    kinds: Dict[str, str] = field(default_factory=dict)  # row id -> specific | generic | issuer
    unlisted_index: Optional[int] = None
    family: bool = False  # a generic name shared by rows (families.yaml): where it was issued matters
    issuer: bool = False  # names an issuing body: beside another credential it only says who issued it

    @property
    def ids(self) -> FrozenSet[str]:
        return frozenset(self.kinds)

    @property
    def strength(self) -> str:
        """The weakest kind among its rows: a word that is generic for one row is no proof for another."""
        if not self.kinds:
            return SPECIFIC
        return min(self.kinds.values(), key=STRENGTH.__getitem__)


@dataclass
class Hit:
    start_tok: int
    end_tok: int
    span: Tuple[int, int]
    entry: Entry
    score: float

    @property
    def length(self) -> int:
        return self.span[1] - self.span[0]


@dataclass
class Words:
    """Place words, distinguishers, other jurisdictions and mainland words found in a text."""

    places: List[FrozenSet[str]] = field(default_factory=list)
    place_spans: List[Tuple[int, int]] = field(default_factory=list)
    dists: List[FrozenSet[str]] = field(default_factory=list)
    other: List[Tuple[str, Tuple[int, int]]] = field(default_factory=list)
    domestic_spans: List[Tuple[int, int]] = field(default_factory=list)

    def near(self, span: Tuple[int, int]) -> "Words":
        """Only the words within NEAR_CHARS of `span`."""
        def close(s: Tuple[int, int]) -> bool:
            return s[1] >= span[0] - NEAR_CHARS and s[0] <= span[1] + NEAR_CHARS

        keep = [i for i, s in enumerate(self.place_spans) if close(s)]
        return Words([self.places[i] for i in keep], [self.place_spans[i] for i in keep], self.dists,
                     [o for o in self.other if close(o[1])], [d for d in self.domestic_spans if close(d)])


@dataclass
class Found:
    """Everything found in one text, before any decision."""

    text: str
    toks: List[Token]
    hits: List[Hit]
    words: Words


class Index:
    """The phrase and fuzzy indexes of one MatcherData."""

    def __init__(self, data: MatcherData):
        spacy = _import_spacy()
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        self._Doc = Doc
        self._vocab = spacy.blank("zh").vocab  # vocab only; docs are built from catalog.text.tokens
        self.data = data
        self._phrases = PhraseMatcher(self._vocab)
        self._word_matcher = PhraseMatcher(self._vocab)
        self._entries: Dict[str, Entry] = {}
        self._words: Dict[str, Tuple[str, object]] = {}  # label -> (kind, payload)
        self._place_words: Dict[str, str] = {}  # one-word Latin place names ("virginia") -> their label
        # the same by first letter: a typo's candidates (a typo keeps the first letter), not every place per word
        self._place_words_by_start: Dict[str, List[Tuple[str, str]]] = defaultdict(list)

        by_key: Dict[str, Entry] = {}
        for alias, kinds in data.aliases.items():
            key = token_key(alias)
            if not key:
                continue
            entry = by_key.setdefault(key, Entry(alias))
            for qid, kind in kinds.items():
                old = entry.kinds.get(qid)
                if old is None or STRENGTH[kind] < STRENGTH[old]:
                    entry.kinds[qid] = kind
            entry.family = entry.family or alias in data.family_aliases
            entry.issuer = entry.issuer or normalize(alias) in data.issuer_aliases or ISSUER in kinds.values()
        for idx, (_zh, _en, aliases, _nearest, _rz, _re) in enumerate(data.unlisted):
            for alias in aliases:
                key = token_key(alias)
                if key:
                    by_key[key] = Entry(alias, {}, idx)  # an unlisted alias wins over a listed one
        self.known_keys = set(by_key)
        self.listed_keys = {k for k, e in by_key.items() if e.unlisted_index is None}
        for key, entry in by_key.items():
            label = f"A{len(self._entries)}"
            self._entries[label] = entry
            self._phrases.add(label, [self._doc(toks) for toks in _with_particle(key.split(" "))])
        for kind, table in (("place", data.places), ("dist", data.distinguishers)):
            for word, ids in table.items():
                self._add_word(kind, word, frozenset(ids))
        for word, country in data.other_places.items():
            self._add_word("other", word, country)
        for word in data.domestic:
            self._add_word("domestic", word, None)
        self._build_fuzzy(by_key)

    def _build_fuzzy(self, by_key: Dict[str, Entry]) -> None:
        # fuzzy choices: Latin aliases by token key, CJK aliases by their characters
        self._fuzzy_latin: Dict[str, Entry] = {}
        self._fuzzy_cjk: Dict[str, Entry] = {}
        for key, entry in by_key.items():
            compact = key.replace(" ", "")
            if len(compact) < FUZZY_MIN_ALIAS_CHARS:
                continue
            if is_all_cjk(compact):
                self._fuzzy_cjk[compact] = entry
            elif compact.isascii():
                self._fuzzy_latin[key] = entry
        self._latin_choices = list(self._fuzzy_latin)
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
        key = token_key(word)
        if key:
            label = f"W{len(self._words)}"
            self._words[label] = (kind, payload)
            self._word_matcher.add(label, [self._doc(key.split(" "))])
            if kind in ("place", "other") and " " not in key and key.isascii() and key.isalpha() \
                    and len(key) >= PLACE_TYPO_MIN:
                if key not in self._place_words:
                    self._place_words[key] = label
                    self._place_words_by_start[key[0]].append((key, label))

    def _doc(self, words: Sequence[str]):
        """A spaCy Doc of tokens, English plurals as their singular ("teaching certificates", "US teaching
        licenses", "physiotherapists"): aliases and texts are read the same way, so a plural matches its alias."""
        words = [singular(w) for w in words]
        return self._Doc(self._vocab, words=words, spaces=[False] * len(words))

    # --- finding ---------------------------------------------------------------------------------

    def find(self, text: str) -> Optional[Found]:
        """Hits and words in `text` (None for a text without tokens)."""
        if not text or not text.strip():
            return None
        toks = tokens(text)
        if not toks:
            return None
        doc = self._doc([t.text for t in toks])
        hits = self._exact_hits(doc, toks, text)
        if all(h.entry.unlisted_index is None and (len(h.entry.ids) > 1 or h.entry.strength != SPECIFIC)
               for h in hits):
            # nothing, or only generic mentions: a typo may hide a specific one ("Kubernets administrator")
            exact_cjk = any(is_all_cjk(t.text) for h in hits for t in toks[h.start_tok:h.end_tok])
            fuzzy = [f for f in self._fuzzy_hits(text, toks, exact_cjk) if not _contradicts_exact(f, hits, toks)]
            hits = longest_non_overlapping(hits + fuzzy)
        return Found(text, toks, hits, self._found_words(doc, toks, text, hits))

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
        for kind, _payload, start, end in self._word_matches(doc):
            if kind in ("place", "other"):
                a, b = toks[start].start, toks[end - 1].end
                if _lowercase_short_word(text, (a, b)):
                    continue
                if not any(a < y and x < b for x, y in taken):
                    spans.append((a, b, "place"))
                    taken.append((a, b))
        return sorted(spans)

    def place_spans(self, text: str, issued_only: bool = False) -> List[Tuple[int, int]]:
        """Spans of every place word in `text`, inside credential names too ("Florida teaching certificate"):
        what a correction ("Sorry, it's from Virginia") replaces. `issued_only`: without the places that say who
        the person is ("入咗英國籍", "I'm from the Philippines"), the one test the verdict applies too."""
        return list(self._place_spans_cached(text, issued_only))

    @functools.cached_property
    def _place_spans_cached(self) -> Any:
        """place_spans' answers for the texts seen last (a turn asks several times of the same text), per index:
        a reloaded catalog builds a new index, and with it an empty cache."""
        return functools.lru_cache(maxsize=4096)(lambda text, issued_only: tuple(self._place_spans(text, issued_only)))

    def _place_spans(self, text: str, issued_only: bool) -> List[Tuple[int, int]]:
        toks = tokens(text) if text and text.strip() else []
        if not toks:
            return []
        doc = self._doc([t.text for t in toks])
        spans = [(toks[start].start, toks[end - 1].end) for kind, _p, start, end in self._word_matches(doc)
                 if kind in ("place", "other")]
        return [s for s in spans if not _lowercase_short_word(text, s) and not (issued_only and _persons_origin(text, s))]

    def _exact_hits(self, doc, toks: List[Token], text: str = "") -> List[Hit]:
        hits = []
        for match_id, start, end in self._phrases(doc):
            entry = self._entries[self._vocab.strings[match_id]]
            span = (toks[start].start, toks[end - 1].end)
            if entry.alias in self.data.case_sensitive and text and not text[span[0] : span[1]].isupper():
                continue  # "Oct 2019" is not the Ontario College of Teachers
            hits.append(Hit(start, end, span, entry, 100.0))
        return longest_non_overlapping(hits)

    def _word_matches(self, doc) -> List[Tuple[str, object, int, int]]:
        """Place and other words, the longest where they overlap ("West Virginia" is not Virginia,
        "新南威尔士" not "威尔士")."""
        found = sorted(list(self._word_matcher(doc)) + self._place_typos(doc),
                       key=lambda m: (-(m[2] - m[1]), m[1]))
        used: Set[int] = set()
        out = []
        for match_id, start, end in found:
            kind, payload = self._words[self._vocab.strings[match_id]]
            toks = set(range(start, end))
            if kind in ("place", "other", "domestic"):
                if toks & used:
                    continue
                used |= toks
            out.append((kind, payload, start, end))
        return sorted(out, key=lambda m: (m[2], -(m[3] - m[2])))

    def _place_typos(self, doc) -> List[Tuple[int, int, int]]:
        """ "texsas", "virgina", "pensylvania": a long Latin word one letter inserted, dropped or swapped away from
        one place name (never a substituted letter: "Iceland" is not Ireland), read as that place."""
        out = []
        for i, tok in enumerate(doc):
            word = tok.text
            if len(word) < PLACE_TYPO_MIN or not word.isascii() or not word.isalpha() or word in self._place_words:
                continue
            if (i > 0 and doc[i - 1].text in _PLACE_NEIGHBOURS) or (i + 1 < len(doc) and doc[i + 1].text in _PLACE_NEIGHBOURS):
                continue  # "virgina islands", "west virgina": part of another place's name
            near = [label for key, label in self._place_words_by_start.get(word[0], ())
                    if abs(len(key) - len(word)) <= 1 and _one_edit(word, key)]
            if len(near) == 1:
                out.append((self._vocab.strings[near[0]], i, i + 1))
        return out

    def _found_words(self, doc, toks: List[Token], text: str = "", hits: Sequence[Hit] = ()) -> Words:
        words = Words()
        inside = {i for h in hits if h.score >= 100 for i in range(h.start_tok, h.end_tok)}
        for kind, payload, start, end in self._word_matches(doc):
            if kind != "dist" and inside.issuperset(range(start, end)):
                continue  # part of a name ("英格兰及威尔士特许会计师协会" is no place in Wales)
            span = (toks[start].start, toks[end - 1].end)
            if kind in ("place", "other") and _lowercase_short_word(text, span):
                continue  # "help us" is not the US, "ca" not California
            if kind in ("place", "other") and _NOT_BEFORE.search(text[max(0, span[0] - 10):span[0]]):
                continue  # "new jersy teacher cert not new york", "不是纽约的": the place it is not
            if kind in ("place", "other") and _persons_origin(text, span):
                continue  # "我係加拿大籍", "I'm from the Philippines", "Canadian, 67, CELTA holder": the person's
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

    def _fuzzy_hits(self, text: str, toks: List[Token], exact_cjk: bool = False) -> List[Hit]:
        """Typos. Latin: n-grams whose every word is close to the alias's word ("Kubernets
        administrator"), so "a teaching certificate" never becomes "Iowa teaching certificate".
        CJK: one wrong character, and only where no Chinese alias matched exactly ("得州教师资格证"
        must stay the family narrowed by 得州, not become "纽约州教师资格证")."""
        hits: List[Hit] = []
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
                    hits.append(Hit(i, i + 1, (toks[i].start, toks[i].end), entry, float(scores[wi][best])))
        seen: Set[Tuple[int, int, int]] = set()
        for i in ascii_idx:
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
                    hits.append(Hit(s, e, (toks[s].start, toks[e - 1].end), self._fuzzy_latin[alias], float(score)))
        # CJK: a short message against the Chinese aliases, at most one wrong character
        cjk_toks = [i for i, t in enumerate(toks) if is_all_cjk(t.text)]
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
                if NUMERALS & (set(choice) ^ set(cjk[align.dest_start : align.dest_end])):
                    continue  # "四级" is not a typo of "二级"
                s = cjk_toks[align.dest_start]
                e = cjk_toks[min(align.dest_end, len(cjk_toks)) - 1] + 1
                hits.append(Hit(s, e, (toks[s].start, toks[e - 1].end), self._fuzzy_cjk[choice], float(score)))
        return hits


_NOT_BEFORE = re.compile(r"(?:\bnot|\bnor|\bisn't|\bwasn't|\binstead of|不是|唔係|唔系|并非|並非|而非)\s*(?:the\s+|from\s+|in\s+|from the\s+)?$",
                         re.I)
# place words that continue a longer place name: a typo before or after them is no place of its own
_PLACE_NEIGHBOURS = frozenset({"islands", "island", "jersey", "york", "mexico", "hampshire", "carolina", "dakota",
                               "zealand", "wales", "territory", "columbia", "new", "west", "north", "south", "east",
                               "british", "virgin", "rhode", "northern", "western"})
# short place words that are no English word, so lower case is still the place ("nsw teacher reg")
LOWERCASE_PLACES = frozenset({"nsw", "uk", "usa", "hk", "nz", "qld", "uae", "hkg"})
PLACE_TYPO_MIN = 5  # letters: shorter place names are too close to other words for a typo to be read as them


def _with_particle(toks: List[str]) -> List[List[str]]:
    """An alias's tokens, and the same with 的 / 嘅 where a Latin word meets Chinese ("CIMA的管理会计高级文凭",
    "ACCA嘅资深会员"): said so, it is the same name."""
    out = [toks]
    for i in range(len(toks) - 1):
        if toks[i].isascii() and toks[i][-1:].isalnum() and not toks[i + 1].isascii() and toks[i + 1] not in ("的", "嘅"):
            for particle in ("的", "嘅"):
                out.append(toks[:i + 1] + [particle] + toks[i + 1:])
            break
    return out


def _lowercase_short_word(text: str, span: Tuple[int, int]) -> bool:
    """A place written as a short Latin word must be in capitals ("US", "NY"), not "us"."""
    word = text[span[0] : span[1]] if text else ""
    return bool(word) and word.isascii() and len(word) <= 3 and not word.isupper() \
        and word.lower() not in LOWERCASE_PLACES


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` is `b` with one letter inserted, dropped, or two neighbours swapped (not substituted)."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(long_) - len(short) == 1 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _tokenwise_close(gram: str, alias: str) -> bool:
    a, b = gram.split(" "), alias.split(" ")
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        if min(len(x), len(y)) <= 3 or fuzz.ratio(x, y) < 75 or NUMERALS & (set(x) ^ set(y)):
            return False
    return True


def _contradicts_exact(fuzzy: Hit, exact: List[Hit], toks: List[Token]) -> bool:
    """A typo reading that would swallow a word matched exactly as something else: "HCPC-registered
    psychotherapist" is no typo of "HCPC registered physiotherapist"."""
    alias_words = set(token_key(fuzzy.entry.alias).split(" "))
    for h in exact:
        if fuzzy.start_tok <= h.start_tok and h.end_tok <= fuzzy.end_tok:
            if not {t.text for t in toks[h.start_tok:h.end_tok]} <= alias_words:
                return True
    return False


def longest_non_overlapping(hits: List[Hit]) -> List[Hit]:
    hits = sorted(hits, key=lambda h: (-(h.end_tok - h.start_tok), -h.length, -h.score, h.start_tok))
    taken: List[Hit] = []
    used: Set[int] = set()
    for h in hits:
        toks = set(range(h.start_tok, h.end_tok))
        if toks & used:
            continue
        used |= toks
        taken.append(h)
    return taken


_NATIONALITY = re.compile(r"\s*(?:籍|国籍|國籍|公民|护照|護照|citizen|national\b|passport)", re.I)
_ACQUIRED_BEFORE = re.compile(r"(?:citizen of|national of|nationality[: ]*|入咗|入了|加入)\s*(?:the\s+)?$", re.I)
_FROM_BEFORE = re.compile(r"(?:i'?m|i am|we are|we're|he is|she is|i come|originally|born)\s+(?:from\s+)?(?:the\s+)?$|"
                          r"(?:我|他|她|佢)(?:来自|來自|是|係|系)$", re.I)
_PERSON_FROM = re.compile(r"(?:speaker|native|national|citizen|guy|girl|person|woman|man|lady|myself|"
                          r"expat|foreigner)\s+from\s+(?:the\s+)?$", re.I)
_PERSON_AFTER = re.compile(r"\s*(?:人(?![力才事])|,\s*\d{2}\b|，\s*\d{2})")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？\n(（]\s*)$")


def _persons_origin(text: str, span: Tuple[int, int]) -> bool:
    """A place word that says who the person is, not where a credential was issued: a nationality ("加拿大籍",
    "Canadian citizen"), an origin ("I'm from the Philippines", "我来自韩国", "我係美國人"), or a demonym opening
    the message with their age ("Canadian, 67, CELTA holder")."""
    a, b = span
    before = text[max(0, a - 24):a]
    if _NATIONALITY.match(text, b) or _ACQUIRED_BEFORE.search(before):
        return True
    if re.match(r"人(?![力才事])", text[b:b + 2]) and re.search(r"[\u4e00-\u9fff]$", text[a:b]):
        return True  # "我是非英语母语的德国人", "佢係韓國人": a Chinese demonym is always the person
    if _FROM_BEFORE.search(before) and (_PERSON_AFTER.match(text, b) or re.search(r"from\s+(?:the\s+)?$|来自$|來自$",
                                                                                     before, re.I)):
        return True
    if _PERSON_FROM.search(before):
        return True  # "non native english speaker from vietnam", "an expat from Canada": who the person is
    return bool(_SENTENCE_START.search(before) and _PERSON_AFTER.match(text, b))
_PLURAL_ES = re.compile(r"(?:ch|sh|x|ss)es$")


def singular(word: str) -> str:
    """An English plural's singular, for matching only: "certificates" -> "certificate", "coaches" -> "coach",
    "actuaries" -> "actuary"; short words (abbreviations such as "cks", "cams"), "-ss", "-us", "-is" unchanged."""
    if len(word) < 5 or not word.isascii() or not word.isalpha() or not word.endswith("s") \
            or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if _PLURAL_ES.search(word):
        return word[:-2]
    return word[:-1]


def token_key(text: str) -> str:
    return " ".join(t.text for t in tokens(text))


def is_all_cjk(s: str) -> bool:
    return bool(s) and all(is_cjk(ch) for ch in s)


__all__ = ["Entry", "Found", "Hit", "Index", "Words", "GENERIC", "ISSUER", "SPECIFIC"]
