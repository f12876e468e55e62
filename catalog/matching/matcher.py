"""The matcher: find mentions (catalog.matching.index), then decide (catalog.matching.verdict).

    text -> MatchResult(status, candidates, unlisted, evidence, why)

One matcher per catalog version, built once from the snapshot and cached. A matcher is a pure function of
its text (and of the candidates it is restricted to): its verdicts on the last CACHE_SIZE short texts are
remembered. The action server asks about the same message up to ~14 times in one turn (the routing, the
follow-up, the framed question, the context each match it), and about the conversation's earlier messages
again in every later turn; measured with scripts/profile_turn.py that was most of the action server's time.
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import replace
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from catalog.matching.build import MatcherData, data_from_snapshot, without_parenthetical
from catalog.matching.index import Index
from catalog.matching.nearest import Nearest
from catalog.matching.results import Candidate, MatchResult, UnlistedHit
from catalog.text import without_spans
from catalog.matching.verdict import Verdict


CACHE_SIZE = 4096  # verdicts remembered per matcher (texts of at most CACHE_MAX_TEXT characters)
CACHE_MAX_TEXT = 1000


class Matcher:
    def __init__(self, data: MatcherData):
        self.data = data
        self.index = Index(data)
        self.verdict = Verdict(data, frozenset(self.index.known_keys), frozenset(self.index.listed_keys))
        # MatchResult is frozen, so a remembered verdict can be handed out again as it is
        self._match_cached = functools.lru_cache(maxsize=CACHE_SIZE)(self._match)
        self._match_each_cached = functools.lru_cache(maxsize=CACHE_SIZE)(self._match_each)

    def match(self, text: str, restrict_to: Optional[Iterable[str]] = None) -> MatchResult:
        """The verdict on `text`.

        `restrict_to`: the candidates of an earlier question ("which one?"); a reply such as "纽约州的"
        or "the Texas one" then picks among them, and a place they don't cover is "not listed".
        """
        restrict = frozenset(restrict_to) if restrict_to else None
        if len(text or "") > CACHE_MAX_TEXT:
            return self._match(text, restrict)
        return self._match_cached(text, restrict)

    def _match(self, text: str, restrict: Optional[FrozenSet[str]]) -> MatchResult:
        text = _without_titles(text)
        found = self.index.find(text)
        result = self.verdict.decide(found, restrict) if found is not None else MatchResult("none")
        if result.status == "none" and _FILLERS.search(text or ""):
            # "他有德国那个行医的资格": a spoken filler inside a name; read without it, the spans mapped back to the text
            kept = [i for i, _ in enumerate(text)]
            for m in reversed(list(_FILLERS.finditer(text))):
                del kept[m.start():m.end()]
            spoken = self.index.find("".join(text[i] for i in kept))
            if spoken is not None:
                return _mapped(self.verdict.decide(spoken, restrict), kept, text)
        return result

    def match_each(self, text: str) -> List[MatchResult]:
        """One verdict per credential a message names ("我有PMP和ITIL Foundation" -> PMP listed, ITIL Foundation
        not listed). The text is cut at separators (和, 、, ",", "and", "plus"…) that fall between mentions, never
        inside one ("英格兰及威尔士特许会计师协会"), and each part is decided alone; a message naming one
        credential gives the whole-text verdict."""
        if len(text or "") > CACHE_MAX_TEXT:
            return list(self._match_each(text))
        return list(self._match_each_cached(text))

    def _match_each(self, text: str) -> Tuple[MatchResult, ...]:
        return tuple(self._match_each_list(text))

    def _match_each_list(self, text: str) -> List[MatchResult]:
        text = _without_titles(text)
        found = self.index.find(text)
        if found is None:
            return []
        whole = self.verdict.decide(found)
        spans = [h.span for h in found.hits]
        cuts = [m for m in _SEPARATOR.finditer(text) if not any(a < m.end() and m.start() < b for a, b in spans)]
        # "CKA CKAD CKS": a gap of spaces only between mentions of different rows separates them too
        ordered = sorted(found.hits, key=lambda h: h.span)
        for h1, h2 in zip(ordered, ordered[1:]):
            gap = text[h1.span[1]:h2.span[0]]
            one = self._rows_of(h1) & self._rows_of(h2) and "generic" in (h1.entry.strength, h2.entry.strength)
            if gap and not gap.strip() and set(_ids(h1)) != set(_ids(h2)) and not one and _ids(h1) and _ids(h2):
                cuts.append(_Cut(h1.span[1], h2.span[0]))
        cuts.sort(key=lambda m: m.start())
        if not cuts or not spans:
            return [whole]
        parts, start = [], 0
        for m in cuts:
            parts.append((start, m.start()))
            start = m.end()
        parts.append((start, len(text)))
        results: List[MatchResult] = []
        seen = set()
        shared = self._shared_words(text, found)
        family = next((text[h.span[0]:h.span[1]] for h in found.hits if h.entry.family), "")
        if not family:
            # "registered with the Victorian Institute of Teaching, also registered in New South Wales": a licence of
            # one jurisdiction named by its body; another place said beside it is the same kind of licence there
            family = next((without_parenthetical(self.data.names[ids[0]][1]) for h in found.hits
                           for ids in [_ids(h)] if ids and ids[0] in self.data.names
                           and all(i in self.data.jurisdictional and i in self.data.regional for i in ids)), "")
        for a, b in parts:
            if not text[a:b].strip():
                continue
            r = self.match(text[a:b])
            if r.status in ("ambiguous", "confirm") and shared:
                # "registered in Australia (AHPRA) as both a psychotherapist and a physiotherapist": the place
                # or issuer said once for all of them
                better = self.match(text[a:b] + " " + shared)
                if better.status == "listed" and better.ids[0] in r.ids:  # narrowed, never turned into another
                    r = better
            if r.status == "none" and shared and _GRADE_WORD.search(text[a:b]) and not _NOT_A_GRADE.search(text[a:b]):
                # "Royal Society of Chemistry: … the Fellow …, and what about the ordinary Member?": a grade of the
                # body named once for both
                better = self.match(text[a:b] + " " + shared)
                if better.status == "listed" and not any(better.ids[0] in x.ids for x in results):
                    r = better
            if r.status == "none" and family and self.index.place_spans(text[a:b]):
                # "Teaching licences: I have Ohio, California and Alberta": each place with the family named once
                with_family = self.match(family + " " + text[a:b])
                # (a listed row found so is a jurisdiction's licence, never a body's other grade: "ASA (SOA), and a
                # Fellow of the Institute of Actuaries of Japan" is no SOA Fellow)
                if with_family.status == "unlisted" or (with_family.status == "listed"
                                                         and set(with_family.ids) <= self.data.jurisdictional):
                    r = with_family
            if r.status == "none" and results and results[-1].status == "listed" and results[-1].candidates \
                    and _LEVEL_ONLY.search(text[a:b]):
                # "UEFA的A级教练证和C级教练证都算吗": the second grade is of the credential named before it
                named = _LEVEL_ONLY.sub(" ", results[-1].candidates[0].matched)  # (its own grade left out)
                again = self.match(named + " " + text[a:b])
                if again.status == "unlisted" and (not again.ids or set(again.ids) & set(results[-1].ids)):
                    r = again
            if r.status == "none" and results and _ANOTHER_ONE.search(text[a:b]) and self.index.place_spans(text[a:b]):
                # "a Korean medical licence and a Japanese one": the same kind of credential, of the place said now
                r = self._same_kind_of(results[-1], text[a:b]) or r
            if r.status == "none":
                part = text[a:b].strip()
                name = _UNKNOWN_NAME.search(part)  # "CAIA" in "CFA, FRM and CAIA": named, not in the catalog
                if name is None and _mostly_chinese(text):
                    # "ccie有嘛 思科那个 还有rhce": in a Chinese message a Latin word is a name, whatever its case
                    name = next((m for m in _LOWER_NAME.finditer(part) if m.group(0).lower() not in _NOT_NAMES), None)
                # ("CAIA. Which of these count": the name's own sentence says whether it is a credential)
                own = re.split(r"(?<=[A-Za-z0-9)])\.\s+", part)[0]
                credential_like = len(own.split()) <= (5 if re.match(r"\s*(?:a |an |the )?[A-Z]{3,}", own) else 2) \
                    or _CREDENTIAL_WORD.search(own) \
                    or (name is not None and re.search(r"(?<![A-Za-z])(?:has|have|holds?|got|earned|with|passed)\s+(?:an?\s+|the\s+)?"
                                                       + re.escape(name.group(0)) + r"\b", own) is not None
                        and name.group(0).isupper() and len(name.group(0)) >= 3)  # "my husband has CAIA"
                if _NOT_A_GRADE.search(part) or _GRADE_WORD.fullmatch(_SELF_INTRO.sub("", part)):
                    continue  # "I'm an Associate, not a Fellow yet": the grade of the credential named, no credential
                if name and credential_like and name.group(0).upper() not in self.data.not_credentials \
                        and name.group(0).upper() not in _SQL_WORDS:
                    word = name.group(0)
                    at = text.find(word, a)  # where the name is in the whole text
                    span = (at, at + len(word))
                    longer = _named_credential(text, a, b)  # "IRS Enrolled Agent" rather than "IRS"
                    if longer is not None and word in longer[0]:
                        word, span = longer
                    issuer = _cjk_issuer_before(text, span[0], a)
                    if issuer:  # "还有阿里云ACP": the credential is "阿里云ACP", not "ACP"
                        word, span = issuer + word, (span[0] - len(issuer), span[1])
                    r = MatchResult("none", (), UnlistedHit(word, word, (), "", "", span, word, "unknown"))
                else:
                    named = _named_credential(text, a, b) or _named_cjk(text, a, b) or _latin_before_cjk_word(text, a, b)
                    # ("Certified ScrumMaster", "基金从业资格证", "HashiCorp的Terraform认证")
                    if named is None:
                        continue
                    r = MatchResult("none", (), UnlistedHit(named[0], named[0], (), "", "", named[1], named[0],
                                                            "unknown"))
            if r.status in ("ambiguous", "confirm") and r.evidence == "generic" and r.candidates:
                # "I'm an FCCA and I want to practise as a certified public accountant": the occupation the person
                # means to work as (a generic word right after "as a" / "当") is no second credential
                at = text.casefold().find(r.candidates[0].matched.casefold(), a)
                if at >= 0 and _AS_ROLE.search(text[max(a, at - 14):at]):
                    continue
            # (one known unlisted entry said twice, "Any MBA degree … with my MBA", is one credential)
            key = (r.status, tuple(r.ids), (r.unlisted.name_en if r.unlisted.kind == "known" else r.unlisted.matched)
                   if r.unlisted else "")
            if key not in seen:
                seen.add(key)
                results.append(r)
        # "a football coach with a UEFA A licence": the occupation word's rows include the one named beside it, so
        # both are one credential (never two, one of them a question)
        # (and "Dutch KNSB speed skating coach, Level 3": the body's name is the unlisted grade's own body, one
        # credential, not a question about the body beside a "not listed")
        # (but "FSA, FCAS and …": an abbreviation of its own beside an unlisted sister credential is a second one)
        specific = {r.ids[0] for r in results if r.status == "listed" and r.ids}
        graded = {i for r in results if r.status == "unlisted" for i in r.ids}
        unlisted_words = " ".join(r.unlisted.matched for r in results if r.status == "unlisted" and r.unlisted)

        def own_abbreviation(r: MatchResult) -> bool:
            said = r.candidates[0].matched if r.candidates else ""
            return r.evidence == "generic" and 2 <= len(said) <= 6 and said.isupper() and said.isalpha() \
                and said not in unlisted_words \
                and not (specific & set(r.ids))

        kept = [r for r in results if not (r.status in ("ambiguous", "confirm") and (
            (r.evidence in ("generic", "issuer") and specific & set(r.ids))
            or (r.evidence in ("generic", "issuer") and r.ids and set(r.ids) <= specific | graded
                and not own_abbreviation(r))))]
        if len(kept) == 1 and len(results) >= 2:
            return kept
        return kept if len(kept) >= 2 else [whole]

    def _same_kind_of(self, earlier: MatchResult, part: str) -> Optional[MatchResult]:
        """ "a Japanese one" after "a Korean medical licence": the earlier mention without its place, with this one's."""
        said = earlier.candidates[0].matched if earlier.candidates else \
            (earlier.unlisted.matched if earlier.unlisted is not None else "")
        if not said:
            return None
        body = " ".join(without_spans(said, self.index.place_spans(said)).split())
        places = " ".join(part[x:y] for x, y in self.index.place_spans(part))
        if not body or not places:
            return None
        again = self.match(f"{places} {body}")
        return again if again.status in ("listed", "unlisted") else None

    def _rows_of(self, hit) -> set:
        """The rows a hit is about: its own, or for an unlisted credential the listed rows nearest it ("FIBA Level 1"
        is about item 82: "FIBA Level 1 basketball coaching certificate" is one credential, not two)."""
        if hit.entry.unlisted_index is not None:
            return set(self.data.unlisted[hit.entry.unlisted_index][3]) or {f"u{hit.entry.unlisted_index}"}
        return set(hit.entry.ids)

    def _shared_words(self, text: str, found) -> str:
        """The places and issuers a message names (said once for several credentials)."""
        spans = self.index.place_spans(text, issued_only=True) + [h.span for h in found.hits if h.entry.issuer]
        return " ".join(text[x:y] for x, y in sorted(set(spans)))

    def mention_spans(self, text: str) -> List[Tuple[int, int, str]]:
        return self.index.mention_spans(text)

    def name(self, qid: str) -> Tuple[str, str]:
        return self.verdict.name(qid)

    @functools.cached_property
    def nearest(self) -> Nearest:
        """The rows whose words a message shares, for a message in which no alias is found (built on first use)."""
        return Nearest(self.data)

    def nearest_result(self, text: str) -> Optional[MatchResult]:
        """For a text in which no alias is found: the row(s) whose words it shares, as a question ("confirm" for
        one row, "ambiguous" for rows tied with it; evidence "nearest"), never "listed"; None if none is near."""
        near = self.nearest.find(text or "")
        if not near:
            return None
        mention = re.sub(r"\s+", " ", (text or "").strip(" \t\n?？!！。.,，~"))
        mention = mention if len(mention) <= 40 else mention[:39] + "…"
        cands = tuple(Candidate(n.id, n.score, (0, len(text)), mention, " ".join(n.words)) for n in near)
        return MatchResult("confirm" if len(cands) == 1 else "ambiguous", cands, evidence="nearest")


# where one credential ends and another begins ("PMP和ITIL", "CFA, FRM and CAIA", "ACCA/CIMA", "CFA plus FRM",
# Cantonese "FCCA同CPA澳洲", "A同埋B", "A仲有B")
_GRADE_WORD = re.compile(r"(?<![A-Za-z])(?:members?|fellows?|fellowship|associates?|senior members?|distinguished members?)(?![A-Za-z])|"
                         r"会员|會員|会士|會士|资深会员|資深會員|高级会员|高級會員|杰出会员|傑出會員", re.I)
_NOT_A_GRADE = re.compile(r"(?<![A-Za-z])not (?:yet )?(?:an? |the )?(?:members?|fellows?|associates?)|(?:还)?不是(?:会员|会士)", re.I)
# "I'm an", "and the" before a grade word, and the punctuation after it
_SELF_INTRO = re.compile(r"^(?:i'm|i am|im|and|but)?\s*(?:an?|the)?\s*|[\s.,;!?]+$", re.I)
_AS_ROLE = re.compile(r"(?:\bas an?|\bwork as|\bpractise as|\bpractice as|\bjob as|\bhired as|当|當|担任|擔任)\s*$", re.I)
def _mapped(result: MatchResult, kept: List[int], text: str) -> MatchResult:
    """`result` on a text made of `text`'s characters at `kept`, with its spans in `text` itself."""
    def span(s: Tuple[int, int]) -> Tuple[int, int]:
        a = kept[s[0]] if s[0] < len(kept) else len(text)
        b = kept[s[1] - 1] + 1 if 0 < s[1] <= len(kept) else a
        return a, b

    def cand(c: Candidate) -> Candidate:
        a, b = span(c.span)
        return replace(c, span=(a, b), matched=text[a:b])

    unlisted = result.unlisted
    if unlisted is not None:
        a, b = span(unlisted.span)
        unlisted = replace(unlisted, span=(a, b), matched=text[a:b])
    return replace(result, candidates=tuple(cand(c) for c in result.candidates),
                   others=tuple(cand(c) for c in result.others), unlisted=unlisted)


# a professional title's level named in English ("correspond to an associate-senior title", "associate professor"):
# no grade of a body's membership (IEEE's or ACM's associates); blanked, the same length, before finding
_TITLE_LEVEL = re.compile(r"(?<![A-Za-z])associate[- ]?(?:senior|professor(?:ship)?|level title|title|research(?:er)? fellow)"
                          r"(?![A-Za-z])|(?<![A-Za-z])(?:full|deputy|vice)[- ]senior(?![A-Za-z])", re.I)


def _without_titles(text: str) -> str:
    if text and _NEGATED_GRADE.search(text):
        # "It's national level, not international": the grade said not to be theirs is no evidence of a row's level
        text = _NEGATED_GRADE.sub(lambda m: " " * len(m.group(0)), text)
    if not text or "ssociate" not in text and "enior" not in text:
        return text
    return _TITLE_LEVEL.sub(lambda m: " " * len(m.group(0)), text)


_NEGATED_GRADE = re.compile(r"(?<![A-Za-z])(?i:not|isn't|rather than|instead of)\s+(?i:an?\s+|the\s+)?(?i:international|national)"
                            r"(?:\s+(?i:level|grade))?(?![A-Za-z])|(?:不是|唔係|唔系|而不是|并非|並非)(?:国际级|國際級|国家级|國家級)")


# a grade by letter or number ("C级", "Level 2", "B licence"): a second grade of the credential named before it
_LEVEL_ONLY = re.compile(r"(?<![A-Za-z])(?:PRO|Pro|[ABC])\s*(?:级|級|(?i:licen[cs]e|level))|(?:\d{1,2}|[一二三四五六七八九十])\s*(?:级|級)|"
                         r"(?<![a-z])(?i:level|grade)\s*\d{1,2}(?!\d)")


# "and a Japanese one", "the Ontario one too": another credential of the same kind, from another place
_ANOTHER_ONE = re.compile(r"(?<![A-Za-z])(?:an?|the|my|one)\s+[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?\s+one(?![A-Za-z])|"
                          r"(?<![A-Za-z])[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?\s+one\s+(?:too|as well)(?![A-Za-z])")


# words of a spoken message (voice to text) that fall inside a credential's name: "德国那个行医的资格"
_FILLERS = re.compile(r"那个|那個|这个|這個|嗰个|嗰個|呢个|呢個|就是那个|就是那個")
_SEPARATOR = re.compile(r"[,，、;；/&+。？！?!\n]|和|与|與|以及|及|还有|還有|另外|另有|同时|同時|同埋|同|跟|加上|仲有|外加|或者|或|"
                        r"(?<![A-Za-z])(?:and|plus|as well as|also|or|along with|together with|"
                        r"(?<!registered )(?<!licensed )(?<!certified )(?<!accredited )(?<!chartered )(?<!enrolled )with)(?![A-Za-z])",
                        re.I)


class _Cut:
    """A cut between two mentions that no separator word marks (start/end like a regex match)."""

    def __init__(self, start: int, end: int) -> None:
        self._start, self._end = start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


def _ids(hit) -> Tuple[str, ...]:
    """The rows a hit names, or its unlisted credential ("u<index>")."""
    if hit.entry.unlisted_index is not None:
        return (f"u{hit.entry.unlisted_index}",)
    return tuple(sorted(hit.entry.ids))

_UNKNOWN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9-]{2,7}(?![A-Za-z])")
_CREDENTIAL_WORD = re.compile(r"证|證|资格|資格|执照|執照|cert|licen|qualif|designation|credential|charter|member|fellow|"
                              r"diploma|examiner|auditor|accountant", re.I)
# a Chinese credential's name the catalog does not hold ("国内的基金从业资格证", "证券从业资格")
_CJK_CREDENTIAL = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:从业资格证书|从业资格证|从业资格|資格證書|资格证书|資格證|资格证|执照|執照|牌照|"
                             r"社工|护士|護士)|(?:注册|註冊)[\u4e00-\u9fff]{2,4}")
_CJK_LEAD = re.compile(r"^(?:还有|還有|以及|另外|和|同埋|仲有|国内的|國內的|国内|國內|一个|一個|的)+")


def _named_cjk(text: str, a: int, b: int) -> Optional[Tuple[str, Tuple[int, int]]]:
    m = _CJK_CREDENTIAL.search(text, a, b)
    if m is None:
        return None
    found = m.group(0)
    cut = max(found.rfind("嘅"), found.rfind("的"))  # "国内的基金从业资格证", "韓國嘅護士執照": the name after it
    lead = _CJK_LEAD.match(found[cut + 1:])
    start = m.start() + cut + 1 + (lead.end() if lead else 0)
    if m.end() - start < 3:
        return None
    return text[start:m.end()], (start, m.end())

# a credential's name in capitals: "Certified ScrumMaster", "IRS Enrolled Agent", "CompTIA Security", "CIPFA"
_CAPITALISED_NAME = re.compile(r"(?<![\w])[A-Z][\w&+-]*(?:\.[\w&+-]+)*(?:\s+(?:of\s+(?:the\s+)?|for\s+(?:the\s+)?|in\s+)?[A-Z][\w&+-]*(?:\.[\w&+-]+)*)*")
_NAME_WORD = re.compile(r"certif|associate|master|agent|specialist|examiner|professional|practitioner|member|fellow|"
                        r"licen|diploma|accountant|engineer|analyst|planner|auditor|architect|administrator|belt|badge|"
                        r"referee|instructor|coach|designation|charter|nurse|therapist|pharmacist|physician|surgeon", re.I)
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOWER_NAME = re.compile(r"(?<![A-Za-z])[a-z][a-z0-9]{2,7}(?![A-Za-z])")
_NOT_NAMES = {"cert", "certs", "pro", "exam", "level", "lvl", "the", "and", "app", "web", "emoji", "hello", "thanks",
              "sorry", "please", "pls", "yes", "okay", "bro", "lol", "hhh", "haha", "wechat", "whatsapp", "email", "mail"}
_SQL_WORDS = {"SELECT", "DROP", "TABLE", "INSERT", "DELETE", "UPDATE", "FROM", "WHERE", "UNION", "INTO", "VALUES",
              "SYSTEM", "ADMIN", "PROMPT", "USER", "ASSISTANT", "OVERRIDE", "IMPORTANT", "NOTE", "URGENT"}  # and injection words
_NOT_A_START = {"I", "I'm", "Im", "My", "The", "A", "An", "Do", "Does", "Our", "Which", "What", "Is", "Are", "Can", "And",
                "Also", "Both", "Hi", "Hello", "One", "Two", "Three", "We", "He", "She", "They"}


def _mostly_chinese(text: str) -> bool:
    cjk, latin = len(_HAS_CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
    return cjk > 0 and cjk / (cjk + latin) >= 0.3


def _named_credential(text: str, a: int, b: int) -> Optional[Tuple[str, Tuple[int, int]]]:
    """A part of a message naming several credentials that the catalog does not hold: its capitalised name,
    when the name is credential-like (a credential word in it, or a mixed-case brand such as CompTIA)."""
    for m in _CAPITALISED_NAME.finditer(text, a, b):
        words = m.group(0).split()
        while words and words[0] in _NOT_A_START:
            words = words[1:]
        if not words or sum(w[:1].isupper() for w in words) > 5:  # ("of the" joins a name's words)
            continue
        name = " ".join(words).rstrip(".,;:")
        brand = any(sum(c.isupper() for c in w) >= 2 and any(c.islower() for c in w) for w in words)  # CompTIA
        if _NAME_WORD.search(name) or brand:
            start = text.index(name, m.start())
            return name, (start, start + len(name))
    return None


def named_credential(text: str) -> str:
    """The capitalised, credential-like name in a message the catalog does not hold ("CompTIA Security+",
    "Certified ScrumMaster"), or ""."""
    found = _named_credential(text or "", 0, len(text or ""))
    if found is None:
        return ""
    name, (a, b) = found
    while b < len(text) and text[b] in "+#":  # "Security+", "C#"
        b += 1
    return text[a:b]


_matchers: Dict[Tuple[str, str], Matcher] = {}
_build_lock = threading.Lock()


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


# what may stand before a Latin credential name in a Chinese message without being part of it ("还有ACP", "我有CAIA")
_CJK_LEAD = re.compile(r"^(?:还有|還有|仲有|以及|另外|同埋|和|跟|同|与|與|及|我还有|我還有|我有|我仲有|有|持有|考了|考咗|拿了|拿咗|"
                       r"手上有|手上仲有|另|还|還|仲|我|一个|一個|一张|一張|个|個|张|張)+")


def _cjk_issuer_before(text: str, at: int, start: int) -> str:
    """The Chinese name directly before a Latin credential name (an issuer: "阿里云" of "阿里云ACP", "华为" of
    "华为HCIE"), inside the part that starts at `start`; "" when there is none (a connector only, or "的" between)."""
    j = at
    while j > start and "\u4e00" <= text[j - 1] <= "\u9fff" and at - j < 8:
        j -= 1
    run = _CJK_LEAD.sub("", text[j:at])
    return run if 2 <= len(run) <= 6 and not run.endswith(("的", "嘅")) else ""


# a Latin name right before a Chinese credential word ("HashiCorp的Terraform认证", "Salesforce证书")
_LATIN_BEFORE_CJK_WORD = re.compile(r"(?<![A-Za-z])([A-Za-z][A-Za-z0-9+#-]{2,24})\s*(?:认证|認證|证书|證書|资格证|資格證|执照|執照|牌照)")


def _latin_before_cjk_word(text: str, a: int, b: int) -> Optional[Tuple[str, Tuple[int, int]]]:
    m = _LATIN_BEFORE_CJK_WORD.search(text, a, b)
    if m is None or m.group(1).lower() in _NOT_NAMES:
        return None
    return m.group(0), m.span(0)
