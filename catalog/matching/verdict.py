"""Deciding: from what catalog.matching.index found to a verdict (listed / confirm / ambiguous /
unlisted / none), as spaCy's entity ruler separates `match()` from `set_annotations()`.

The rule: "listed" needs specific evidence of THAT credential (its distinguishing name, designation or
exam code, or its issuer together with the credential, or a jurisdiction's licence named with its
jurisdiction) and nothing near it that contradicts it (another issuer, country, state or grade, a
mainland body, a student/candidate/exam-pass word, a level under the row's limit). Evidence that is only
generic (an occupation word, a bare issuer, a designation several bodies use) gives "confirm" (one row)
or "ambiguous" (several): a question, never a yes. The order of the checks below is the policy.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Sequence, Set, Tuple

from rapidfuzz import fuzz

from catalog.matching.build import GENERIC, ISSUER, SPECIFIC, STRENGTH, MatcherData, level_tokens
from catalog.matching.index import Found, Hit, Words
from catalog.matching.levels import levels_in
from catalog.matching.results import Candidate, MatchResult, UnlistedHit
from catalog.text import Token, normalize, to_simplified


REGISTRATION_WORDS = ("registered", "registration", "licensed", "licence", "license", "certificate", "certified",
                      "certification", "credential", "member", "注册", "执照", "证书", "资格", "认证", "登记", "牌照")


@dataclass
class Group:
    """Rows that one or more mentions agree on, with how strong the evidence for them is."""

    ids: FrozenSet[str]
    hit: Hit
    strength: str
    upgraded: bool = False  # made specific by a place, issuer or grade word beside a generic mention


class Verdict:
    def __init__(self, data: MatcherData, known_keys: FrozenSet[str], listed_keys: FrozenSet[str] = frozenset()):
        self.data = data
        self.known_keys = known_keys
        self.listed_keys = listed_keys

    @functools.cached_property
    def _place_words(self) -> FrozenSet[str]:
        """Single-word place names, lower-cased ("ontario", "texas")."""
        words = list(self.data.places) + list(self.data.other_places)
        return frozenset(str(w).lower() for w in words if " " not in str(w) and str(w).isascii())

    def name(self, qid: str) -> Tuple[str, str]:
        return self.data.names.get(qid, (qid, qid))

    # --- entry points ----------------------------------------------------------------------------

    def decide(self, found: Found, restrict: Optional[FrozenSet[str]] = None) -> MatchResult:
        hits, words, text = found.hits, found.words, found.text
        if restrict and not [h for h in hits if h.entry.unlisted_index is not None or h.entry.ids & restrict]:
            return self._answer_to_options(found, restrict)
        if not hits:
            return MatchResult("none")
        return self._resolve(text, found.toks, hits, words, restrict)

    def _answer_to_options(self, found: Found, restrict: FrozenSet[str]) -> MatchResult:
        """A reply to "which one?" that names no credential: a place or distinguisher picks among the
        options; a place the options don't cover is "not listed" (never a substring of a listed place)."""
        words = found.words
        if words.domestic_spans:
            return self._synthetic("domestic", found.text, None, (), span=words.domestic_spans[0])
        narrowed = _narrow(restrict, words.places + words.dists)
        if narrowed != restrict:
            return _result_for_ids(narrowed, None, found.text, "place")
        if words.other or words.places:
            span = words.other[0][1] if words.other else words.place_spans[0]
            country = words.other[0][0] if words.other else None
            near = restrict & frozenset(self.data.country_ids.get(country, ())) if country else frozenset()
            return self._synthetic("other_jurisdiction", found.text, None, tuple(near or restrict), span=span,
                                   template="other_jurisdiction_place",
                                   place=found.text[span[0]:span[1]].strip())
        if not found.hits:
            return MatchResult("none")
        return self._resolve(found.text, found.toks, found.hits, words, None)

    # --- the policy ------------------------------------------------------------------------------

    def _resolve(self, text: str, toks: List[Token], hits: List[Hit], words: Words,
                 restrict: Optional[FrozenSet[str]]) -> MatchResult:
        # the strongest mention first: exact before fuzzy, longer before shorter, earlier first
        hits.sort(key=lambda h: (-h.score, -h.length, h.span[0]))
        listed_hits = [h for h in hits if h.entry.unlisted_index is None]
        unlisted_hits = [h for h in hits if h.entry.unlisted_index is not None]
        compared = [h for h in listed_hits if self._compared(toks, h) or self._negated(toks, h)]
        if compared:
            # a generic word about the same rows goes with the compared mention ("LEED Platinum … count as
            # LEED fellow status?")
            gone = frozenset().union(*(h.entry.ids for h in compared))
            compared += [h for h in listed_hits if h not in compared and h.entry.strength != SPECIFIC
                         and h.entry.ids & gone]
            # "中国教师资格证…和香港检定教员一样吧", "CMC … basically the same as the 中小企业诊断士": the listed
            # mention is what the user's own credential is compared with, not what they hold
            listed_hits = [h for h in listed_hits if h not in compared]
            if not listed_hits and not unlisted_hits:
                target = compared[0]
                return self._synthetic("comparison", text, target, tuple(sorted(target.entry.ids, key=id_order)))
        spelled = [(h, self._other_body_acronym(text, h)) for h in listed_hits]
        other_body = [h for h, span in spelled if span]
        if other_body:
            # "AMS certified consulting meteorologist (American Meteorological Society)": the same letters,
            # spelled out as a body or credential that is not the row's; what stands inside that name goes too
            spans = [span for _h, span in spelled if span]
            listed_hits = [h for h in listed_hits if h not in other_body
                           and not any(a <= h.span[0] and h.span[1] <= b for a, b in spans)]
            if not listed_hits:
                h = other_body[0]
                return self._synthetic("other_issuer", text, h, tuple(sorted(h.entry.ids, key=id_order)))

        groups: List[Group] = []
        for h in listed_hits:
            ids = h.entry.ids
            if restrict and ids & restrict:
                ids = ids & restrict
            strength = _strength(h, ids)
            suffix = _ORG_SUFFIX.match(text, h.span[1])
            if suffix:
                body = normalize(text[h.span[0] : suffix.end()])
                if not any(body in normalize(" ".join(self.data.issuers.get(i, ("", "")))) or body in self.data.issuer_aliases
                           for i in ids) and len(listed_hits) == 1 and not unlisted_hits:
                    # "澳洲物理治疗协会APA的会员", "台灣諮商心理學會 會員": a body named after the profession
                    return self._synthetic("other_issuer", text, h, tuple(sorted(ids, key=id_order)))
                if strength == SPECIFIC:
                    strength = ISSUER  # "CFA协会的…": the name used for the body
            for g in groups:
                inter = ids & g.ids
                if inter:  # two mentions of the same thing ("国际篮联" + "篮球教练员证书"): keep what both say
                    best = g.hit if len(g.ids) <= len(ids) else h
                    both = max(g.strength, strength, key=STRENGTH.__getitem__)
                    upgraded = g.upgraded
                    if g.hit.entry.issuer != h.entry.issuer and both != SPECIFIC:  # the issuer with the credential
                        both, upgraded = SPECIFIC, True
                    g.ids, g.hit, g.strength, g.upgraded = inter, best, both, upgraded
                    break
            else:
                groups.append(Group(ids, h, strength))
        if unlisted_hits:
            u = unlisted_hits[0]
            nearest = set(self.data.unlisted[u.entry.unlisted_index][3])  # type: ignore[index]
            # "CAPM from PMI", "Azure Administrator Associate (Microsoft)": the unlisted level is what is
            # meant; a listed credential unrelated to it ("FCCA … CICPA") is still a listed mention
            # unless the two are listed side by side as two credentials ("ITIL Expert (v3), plus ITIL 4 Foundation")
            groups = [g for g in groups if not _overlaps(g.hit, u) and
                      (not (g.ids & nearest) or (g.strength == SPECIFIC and not g.hit.entry.issuer
                                                 and _BOTH.search(_between(text, g.hit.span, u.span))))]
            # "AIA member - American Institute of Architects": beside a known unlisted credential or body, a
            # generic word or bare issuer is about that one
            groups = [g for g in groups if g.strength == SPECIFIC]
            if not groups:
                return self._unlisted_result(text, u)
        if not groups:
            return MatchResult("none")
        issuer_only = [g for g in groups if g.hit.entry.issuer]
        named = [g for g in groups if not g.hit.entry.issuer]
        if issuer_only and named:
            # "UK HCPC registered physiotherapist": the credential is the physiotherapist; the issuer narrows
            # ("Fellow of ACCA (FCCA)": the named mention the issuer's rows hold, not the first, "Fellow")
            issued = frozenset().union(*(g.ids for g in issuer_only))
            # (the issuer's other rows too: "ACCA" names item 5, and the FCCA of list (1) is the same body's)
            bodies = {self.data.issuers.get(i) for i in issued} - {None}
            issued |= frozenset(i for g in named for i in g.ids if self.data.issuers.get(i) in bodies)
            first = next((g for g in named if g.ids & issued), named[0])
            named = [first] + [g for g in named if g is not first]
            inter = first.ids & issued
            if not inter:
                return self._synthetic("other_issuer", text, first.hit, tuple(first.ids))
            groups = [Group(inter, first.hit, SPECIFIC, first.strength != SPECIFIC)] + named[1:]
        elif (issuer_only or groups[0].strength == ISSUER) and len(groups) == 1:
            unknown = self._unknown_credential_near(text, toks, groups[0].hit)
            if unknown:  # "ISACA的CISM": another credential of a listed issuer
                return self._synthetic("other_credential", text, groups[0].hit, tuple(groups[0].ids),
                                       credential=unknown)
        # places and distinguishers near a mention narrow it; a jurisdiction's licence named with its
        # jurisdiction, or a member grade named with its body, is specific
        for g in groups:
            near = words.near(g.hit.span)
            narrowed = _narrow(g.ids, near.places + words.dists)
            if g.strength != SPECIFIC and len(narrowed) == 1:
                # a generic word is generic because other places use it too: a jurisdiction's licence named
                # with its jurisdiction is that row's ("Texas teaching certificate"), unless the reviewed data
                # says place + word is still generic for that row ("UK psychotherapist"); a grade word that
                # picks one row inside a body's rows is specific too ("SOA 正会员")
                by_place = any(narrowed <= p and not any(p in self.data.place_insufficient.get(r, ()) for r in narrowed)
                               for i, p in enumerate(near.places) if not _in_org(text, near.place_spans[i])) \
                    and narrowed <= self.data.jurisdictional \
                    and not self._attached_org(text, g.hit, narrowed, hits, any_mention=True)
                if by_place or (narrowed != g.ids and not any(narrowed & p for p in near.places)):
                    g.strength, g.upgraded = SPECIFIC, True
            g.ids = narrowed
            if g.strength != SPECIFIC and g.hit.entry.issuer and len(g.ids) == 1 and g.ids <= self.data.registers_only \
                    and self._registration_word(toks):
                g.strength, g.upgraded = SPECIFIC, True  # "registered with the Queensland College of Teachers"
            if g.strength != SPECIFIC and g.hit.entry.issuer and any(g.ids <= d for d in words.dists):
                g.strength, g.upgraded = SPECIFIC, True  # the body with the grade it awards ("HKICPA member", "RSC 会士")
            if g.strength != SPECIFIC and len(g.ids) == 1 and self._level_admitted(toks, g.hit, next(iter(g.ids))):
                g.strength = SPECIFIC  # a levelled credential named with a level it admits ("RAD Grade 8")
        # a specific mention first; among those, one that fits the places named ("英国GPhC注册药剂师"),
        # then exact before fuzzy, then the earlier mention ("CKA and CKAD" is first about CKA)
        groups.sort(key=lambda g: (g.strength != SPECIFIC, len(g.ids) > 1,
                                   bool(words.places) and not any(g.ids & p for p in words.places),
                                   -g.hit.score, g.hit.span[0]))
        top = groups[0]
        ids, hit = top.ids, top.hit
        others = tuple(_candidate(text, g.hit, i) for g in groups[1:] for i in sorted(g.ids)
                       if len(g.ids) == 1 and g.strength == SPECIFIC)
        if len(ids) > 1 or hit.entry.family or ids <= self.data.jurisdictional or top.strength != SPECIFIC:
            special = self._not_listed_for_place(text, hit, ids, words)
            if special is not None:
                return special
        word, kind = self._word_near(toks, hit, ids)
        if word:
            return self._synthetic(kind, text, hit, tuple(ids), grade=word)
        if len(ids) == 1 and self._exam_part(text, hit, next(iter(ids))):
            return self._synthetic("not_yet", text, hit, tuple(ids))
        org = self._attached_org(text, hit, ids, hits) if top.strength != SPECIFIC else None
        if org:  # "ACA of ICAI (India)", "美国统计学会ASA会员": the designation of another body
            return self._synthetic("other_issuer", text, hit, tuple(ids))
        if top.strength != SPECIFIC or top.upgraded:
            other = self._other_credential_noun(text, hit, hits, ids)
            if other:  # "台灣會計師證書（考選部）", "CTC issued me a Child Development Assistant Permit"
                return self._synthetic("other_credential", text, hit, tuple(ids), credential=other)
        if len(ids) == 1:
            below = self._below_level(text, toks, hit, next(iter(ids)))
            if below is not None:
                return below
            qid = next(iter(ids))
            if top.upgraded and (qid in self.data.levels or qid in self.data.level_words) \
                    and not self._level_admitted(toks, hit, qid):
                top.strength = GENERIC  # "FIBA教练证", "Swiss ski instructor": the listed level is not said
        if top.strength != SPECIFIC:
            why = self.data.why.get(normalize(hit.entry.alias), "")
            if len(ids) == 1:
                return MatchResult("confirm", (_candidate(text, hit, next(iter(ids))),), None, others,
                                   top.strength, why)
            result = _result_for_ids(ids, hit, text, top.strength)
            return MatchResult(result.status, result.candidates, None, others, top.strength, why)
        result = _result_for_ids(ids, hit, text, SPECIFIC)
        return MatchResult(result.status, result.candidates, None, others, SPECIFIC)

    # --- contradictions --------------------------------------------------------------------------

    def _not_listed_for_place(self, text: str, hit: Hit, ids: FrozenSet[str], words: Words):
        """A mention narrowed to a place the catalog doesn't cover, or a mainland credential."""
        words = words.near(hit.span)
        if words.domestic_spans:
            return self._synthetic("domestic", text, hit, ())
        national = self._national(ids, words.places) | self._national_of(ids, [c for c, _s in words.other])
        if len(national) == 1 and all(national <= place_ids for place_ids in words.places if ids & place_ids):
            # (the country named too, "an American doctor … state license in Ohio": still that country's row)
            # "an internist licensed in Massachusetts", "Ohio medical license", "新南威尔士州的医生执照": a state of a
            # country whose row covers the whole country (the physicians' R096, R098): which body issued it is
            # asked, never "not listed" for a place inside that country
            return MatchResult("confirm", (_candidate(text, hit, next(iter(national))),), None, (), GENERIC, "")
        attached = _attached_place(words, hit.span)
        if attached is not None:  # "澳門物理治療師執照，係咪同香港嗰個一樣": the place it was issued in
            kind, payload = attached
            if kind == "other" or not (ids & payload):
                near = ids & frozenset(self.data.country_ids.get(payload, ())) if kind == "other" else frozenset()
                return self._other_place(text, hit, tuple(near) or tuple(ids), words, attached)
        for country, _span in words.other:
            near = ids & frozenset(self.data.country_ids.get(country, ()))
            return self._other_place(text, hit, tuple(near) or tuple(ids), words)
        states = [p for p in words.places if self._sub_national(p)]
        if states and ids <= self.data.regional and not any(ids & p for p in states):
            # "美国的呢？我是纽约州的执照" after psychotherapists: the state named is not the row's (Michigan), whatever
            # the country said beside it
            return self._other_place(text, hit, tuple(ids), words)
        if words.places and not any(ids & place_ids for place_ids in words.places):
            return self._other_place(text, hit, tuple(ids), words)
        return None

    def _sub_national(self, place_ids: FrozenSet[str]) -> bool:
        """Whether a place's rows are those of a state or province inside a country (not a whole country's)."""
        return any(country != "国际" and place_ids & frozenset(cids) and place_ids < frozenset(cids)
                   for country, cids in self.data.country_ids.items())

    def _national_of(self, ids: FrozenSet[str], countries: Sequence[str]) -> FrozenSet[str]:
        """The rows among `ids` that cover the whole of one of `countries` (an unlisted state's country)."""
        return frozenset(i for c in countries if c != "国际" for i in self.data.country_ids.get(c, ())
                         if i in ids and i not in self.data.regional)

    def _national(self, ids: FrozenSet[str], places: Sequence[FrozenSet[str]]) -> FrozenSet[str]:
        """The rows among `ids` that cover a whole country one of `places` (a state or province's rows) lies in."""
        out: Set[str] = set()
        for place_ids in places:
            for country, cids in self.data.country_ids.items():
                # (a place inside the country, a state: never another country sharing a row with it, "美国" is no
                # part of the UK because one row names both)
                if country != "国际" and place_ids & frozenset(cids) and place_ids < frozenset(cids):
                    out |= {i for i in ids if i in cids and i not in self.data.regional}
        return frozenset(out)

    def _other_place(self, text: str, hit: Hit, near: Sequence[str], words: Words, attached=None) -> MatchResult:
        """ "Alberta", "新澤西州", "Florida": the credential of a place the catalog does not cover, named in the
        reason ("“新澤西州”颁发的此类证书未列入…") so the person sees which place was read."""
        spans = [s for _c, s in words.other] + [s for s, ids in zip(words.place_spans, words.places)
                                                 if not (frozenset(near) & ids)]
        if not spans:
            return self._synthetic("other_jurisdiction", text, hit, near)
        a, b = min(spans)
        return self._synthetic("other_jurisdiction", text, hit, near, template="other_jurisdiction_place",
                               place=text[a:b].strip())

    def _word_near(self, toks: List[Token], hit: Hit, ids: FrozenSet[str]) -> Tuple[Optional[str], str]:
        """A lower grade ("associate", "技术员") beside the mention, or a not-yet word ("candidate", "备考",
        "IG2 still pending") in the sentence around it, that the row's own names don't contain."""
        for kind, words, reach in (("below_grade", self.data.grade_words, 4), ("not_yet", self.data.not_yet_words, 12)):
            spaced, compact = _window(toks, hit.start_tok - reach, hit.end_tok + reach)
            after = " ".join(t.text for t in toks[hit.end_tok:hit.end_tok + 2])
            for w in words:
                surface = w if w.isascii() else w.replace(" ", "")
                if w == "graduate" and re.match(r"graduates?(?!\s+(?:member|student))", after):
                    continue  # "a Le Cordon Bleu Grand Diplôme graduate": one who holds it, no lower grade
                if _has(spaced, compact, w) and not any(surface in self.data.row_words.get(i, "") for i in ids):
                    return surface, kind
        return None, ""

    def _exam_part(self, text: str, hit: Hit, qid: str) -> bool:
        """A level, part, step or number of papers beside a credential that has no levels in the catalog
        ("CFA Level III passed", "FRM part1", "澳洲CPA考了4门"): exams on the way, not the credential."""
        if qid in self.data.levels:
            return False
        after = text[hit.span[1] : hit.span[1] + 24]
        cut = _NEXT_MENTION.search(after)  # "…Grand Diplome plus a WSET Level 3": the level of the next credential
        window = normalize(text[max(0, hit.span[0] - 12) : hit.span[0]] + text[hit.span[0] : hit.span[1]]
                           + (after[: cut.start()] if cut else after))
        if _HOLDER.search(window):
            return False
        return bool(_EXAM_PART.search(window))

    def _attached_org(self, text: str, hit: Hit, ids: FrozenSet[str], hits: List[Hit],
                      any_mention: bool = False) -> Optional[str]:
        """A body that is no hit, attached to the mention ("X from/of/by <Org>", "<Org>的X", "X（<Org>）")."""
        word = text[hit.span[0] : hit.span[1]]
        if len(word) > 8 and not word.isupper() and not any_mention:
            return None  # a full name ("Certified Internal Auditor") is no shared designation
        taken = [h.span for h in hits]
        own = " ".join(" ".join(self.data.issuers.get(i, ("", ""))) for i in ids).lower()
        after = text[hit.span[1] : hit.span[1] + 70]
        before = text[max(0, hit.span[0] - 24) : hit.span[0]]
        cands = []
        m = _ATTACH_AFTER.match(after)
        if m:
            cands.append((hit.span[1] + m.start("org"), hit.span[1] + m.end("org"), m.group("org")))
        m = _ACRONYM_BEFORE.search(before)
        if m and m.group("org").upper() not in self.data.not_credentials and \
                normalize(m.group("org")) not in self.listed_keys:
            cands.append((hit.span[0] - len(before) + m.start("org"), hit.span[0] - len(before) + m.end("org"), m.group("org")))
        m = _ORG_ZH_BEFORE.search(before)
        if m:
            cands.append((hit.span[0] - len(before) + m.start("org"), hit.span[0] - len(before) + m.end("org"), m.group("org")))
        for a, b, org in cands:
            if any(x < b and a < y for x, y in taken):
                continue  # a body we know (ISACA, GARP): the combination was decided above
            if org.lower() in own or any(t and t in org.lower() for t in own.split(" | ")):
                continue
            return org
        return None

    def _other_credential_noun(self, text: str, hit: Hit, hits: List[Hit], ids: FrozenSet[str]) -> Optional[str]:
        """A credential named beside an issuer that is no alias and is not like the row's own names
        ("會計師證書" beside 考選部, "Child Development Assistant Permit" beside the CTC)."""
        taken = [h.span for h in hits]
        lo, hi = max(0, hit.span[0] - 40), min(len(text), hit.span[1] + 40)
        own = [self.data.row_words.get(i, "") for i in ids]
        simple = to_simplified(text)
        for m in _ACRONYM_CRED.finditer(text, lo, hi):
            word = m.group(1)
            if not any(x < m.end(1) and m.start(1) < y for x, y in taken) and word not in self.data.not_credentials \
                    and normalize(word) not in self.known_keys:
                return m.group(0)  # "OCELT certified" beside "an Ontario teacher certification"
        for rx in (_CRED_ZH, _CRED_EN):
            for m in rx.finditer(simple, lo, hi):
                if any(x < m.end() and m.start() < y for x, y in taken):
                    continue
                words = m.group(0).split()
                generic_noun = words[-1].lower() in ("certificate", "certification", "licence", "license")
                if rx is _CRED_EN and all(len(w) == 1 or w.lower() in _NOUN_STOP
                                          or (generic_noun and w.lower() in self._place_words) for w in words[:-1]):
                    continue  # "a B licence", "my teaching licence", "my Ontario certificate": no other credential
                noun = normalize(m.group(0))
                if re.search(r"(work|residence|study|entry) permit$", noun):
                    continue  # what the user asks about, not a credential they hold
                words = noun.split(" ")
                while len(words) > 1 and words[0] in _LEADING_STOP:
                    words = words[1:]  # "i have the performance diploma" -> "performance diploma"
                noun = " ".join(words)
                # ("在澳门土地工务局注册了工程师": 注册了工程师 is its 注册工程师, the aspect word read past)
                noun = re.sub(r"(?<=[\u4e00-\u9fff])[了过咗過](?=[\u4e00-\u9fff])", "", noun)
                core = re.sub(r"(证书|证|执照|资格|licen[cs]e|certificate|certification|diploma|permit)$", "", noun).strip()
                if len(core) >= 4 and any(fuzz.partial_ratio(core, w) >= 95 for w in own):
                    continue  # "信息系统审计师证书" beside ISACA is its CISA
                return m.group(0).strip()
        return None

    def _negated(self, toks: List[Token], hit: Hit) -> bool:
        """ "not RSC", "不是PELSB", "唔係物理治療", "没有CFA": the user says it is not theirs."""
        before, before_c = _window(toks, hit.start_tok - 3, hit.start_tok)
        return any(_has(before, before_c, w) for w in _NEGATIONS)

    def _compared(self, toks: List[Token], hit: Hit) -> bool:
        """Whether the mention is the thing compared with ("算不算X", "same as X", "跟X一样"), with
        something before it that is the user's own credential."""
        before, before_c = _window(toks, hit.start_tok - 10, hit.start_tok)
        after, after_c = _window(toks, hit.end_tok, hit.end_tok + 6)
        cue = next((w for w in self.data.comparison_before if _has(before, before_c, w)), None)
        if cue is None and _SUAN.search(before_c[-6:]) and re.search(r"[吗嗎唔]|用|办|認|认", after_c[:6]):
            cue = _SUAN.search(before_c[-6:]).group(0)  # "算纽约的教师资格吗", "当维多利亚教师资格用吗"
        if cue is None and not any(_has(after, after_c, w) for w in self.data.comparison_after):
            return False
        head, head_c = _window(toks, 0, hit.start_tok)
        if cue is not None:  # what stands before the cue
            at = head.rfind(cue) if cue.isascii() else -1
            head = head[:at] if at >= 0 else head
            at_c = head_c.rfind(cue) if not cue.isascii() else -1
            head_c = head_c[:at_c] if at_c >= 0 else head_c
        content = [w for w in re.findall(r"[a-z0-9]+", head) if w not in _FILLER]
        cjk = sum(1 for ch in head_c if not ch.isascii()) - sum(head_c.count(f) for f in _CJK_FILLER)
        return len(content) >= 1 or cjk >= 3

    def _other_body_acronym(self, text: str, hit: Hit) -> Optional[Tuple[int, int]]:
        """An acronym mention (AMS, DGA, CIPS) whose letters the text spells out as another body's or
        credential's name: the span of that name."""
        word = text[hit.span[0] : hit.span[1]]
        letters = re.sub(r"[^A-Za-z]", "", word)
        if not (2 <= len(letters) <= 6) or not word.replace(".", "").replace(" ", "").isupper():
            return None
        mine = [self.data.issuers.get(i, ("", ""))[1].lower() for i in hit.entry.ids]
        own = " ".join(mine)
        for m in _ORG.finditer(text):
            words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", m.group(0)) if w.lower() not in _JOINERS]
            for k in range(len(words)):  # "US Cybersecurity and Infrastructure Security Agency" spells CISA from its 2nd word
                name = " ".join(words[k:])
                if "".join(w[0] for w in words[k:]).upper() == letters.upper() and name.lower() not in own \
                        and not any(x and x in name.lower() for x in mine) \
                        and not any(fuzz.partial_ratio(normalize(name), self.data.row_words.get(i, "")) >= 85
                                    for i in hit.entry.ids):  # "Certified Kubernets Administrator" is CKA itself
                    return m.span()
        return None

    def _unknown_credential_near(self, text: str, toks: List[Token], hit: Hit) -> Optional[str]:
        """An acronym in capitals next to an issuer's name that is no alias we know ("ISACA的CISM")."""
        for t in toks[max(0, hit.start_tok - 3) : hit.end_tok + 4]:
            original = text[t.start : t.end]
            if (t.start >= hit.span[1] or t.end <= hit.span[0]) and 2 <= len(original) <= 7 and \
                    original.isascii() and original.isalpha() and original.isupper() and \
                    original not in self.data.not_credentials and normalize(original) not in self.known_keys:
                if t.start >= hit.span[1] and re.fullmatch(r"\s*[(（]\s*", text[hit.span[1]:t.start]) \
                        and re.match(r"\s*[)）]", text[t.end:]):
                    continue  # "加利福尼亚州教师资格鉴定委员会（CTC）颁发的…": the issuer's own abbreviation
                return original
        return None

    def _registration_word(self, toks: List[Token]) -> bool:
        compact = "".join(t.text for t in toks)
        return any(w in compact if not w.isascii() else w in {t.text for t in toks} for w in REGISTRATION_WORDS)

    def _level_admitted(self, toks: List[Token], hit: Hit, qid: str) -> bool:
        limit = self.data.levels.get(qid)
        if limit is None:  # a limit in words ("国际级", "Expert"): said or not
            said = " ".join(t.text for t in toks)
            return any(t in said or t in said.replace(" ", "") for t in level_tokens(self.data, qid))
        said = _levels_said(toks, hit, limit.scale)
        return bool(said) and limit.admits(said)

    def _below_level(self, text: str, toks: List[Token], hit: Hit, qid: str) -> Optional[MatchResult]:
        limit = self.data.levels.get(qid)
        if limit is None:
            return None
        said = _levels_said(toks, hit, limit.scale)
        if not said or limit.admits(said):
            return None
        zh, en = self.data.level_text.get(qid, ("", ""))
        return self._synthetic("below_level", text, hit, (qid,), level_zh=zh, level_en=en,
                               name_zh=self.name(qid)[0], name_en=self.name(qid)[1])

    # --- results ---------------------------------------------------------------------------------

    def _unlisted_result(self, text: str, u: Hit) -> MatchResult:
        zh, en, _aliases, nearest, rz, ren = self.data.unlisted[u.entry.unlisted_index]  # type: ignore[index]
        hit = UnlistedHit(zh, en, tuple(nearest), rz, ren, u.span, text[u.span[0] : u.span[1]])
        cands = tuple(Candidate(i, 0.0, u.span, hit.matched, u.entry.alias) for i in nearest)
        return MatchResult("unlisted", cands, hit)

    def _synthetic(self, kind: str, text: str, hit: Optional[Hit], nearest: Sequence[str],
                   span: Optional[Tuple[int, int]] = None, template: str = "", **values: str) -> MatchResult:
        span = hit.span if hit is not None else (span or (0, len(text)))
        matched = text[span[0] : span[1]]
        tmpl = self.data.reasons.get(template or kind) or self.data.reasons.get(kind, {"zh": "", "en": ""})
        near = sorted(set(nearest), key=id_order)
        names_zh = "、".join(self.name(i)[0] for i in near)
        names_en = "; ".join(self.name(i)[1] for i in near)
        reason_zh = tmpl["zh"].format(names=names_zh, matched=matched, **values)
        reason_en = tmpl["en"].format(names=names_en, matched=matched, **values)
        uh = UnlistedHit(matched, matched, tuple(near), reason_zh, reason_en, span, matched, kind)
        alias = hit.entry.alias if hit is not None else matched
        return MatchResult("unlisted", tuple(Candidate(i, 0.0, span, matched, alias) for i in near), uh)


_NEGATIONS = ("not", "isn t", "not a", "不是", "唔係", "唔系", "并非", "並非", "非", "没有", "沒有", "没考", "未考", "还没",
              "還沒", "尚未", "未在", "未曾", "haven t", "have not", "not yet")
_SUAN = re.compile(r"算|当|當|按")
_ORG_SUFFIX = re.compile(r"\s*(?:协会|協會|学会|學會|公会|公會|institute|society|association)", re.I)
_FILLER = {"i", "is", "my", "me", "does", "do", "it", "that", "this", "have", "has", "hold", "a", "an", "the", "so",
           "will", "would", "can", "could", "mine", "one", "and", "or", "but", "what", "about", "how"}
_CJK_FILLER = ("我", "的", "这", "个", "那", "请问", "请", "问", "有", "吗", "呢", "是")
_JOINERS = {"of", "and", "for", "the", "in", "&"}
# a run of capitalised words ("American Meteorological Society", "Directors Guild of America")
_ORG = re.compile(r"(?:[A-Z][\w'’-]*(?:\s+(?:of|and|for|the|in|&)\s+|\s+)){1,6}[A-Z][\w'’-]*")


_EXAM_PART = re.compile(r"(?<![a-z])(?:level|levle|lvl|part|step|paper|module)\s*(?:i{1,3}|[1-3])(?![a-z0-9])|[一二三]级|"
                        r"(?<![0-9])[0-9一二两三四五六七八九十]{1,2}\s*(?:门|科)|passed\s+(?:level|part)|"
                        r"(?<![a-z])(?:all\s+)?[0-9]\s+(?:sections|parts|papers|exams)|"
                        r"(?:level|part)\s*(?:i{1,3}|[1-3])\s+(?:passed|pased|done)")
_NEXT_MENTION = re.compile(r"\s(?:and|plus|as well as|also|along with)\s|[,，、;；+&]|和|及|还有|還有|同埋|以及", re.I)
_HOLDER = re.compile(r"持证|持有|charterholder|charter holder|已获|已取得|拿到证|awarded|granted|全部通过")
_ORG_WORDS = (r"Institute|Institution|Society|Association|Council|Board|Federation|Academy|College|Agency|Guild|"
              r"Chamber|Commission|Authority|Ministry|Department|University|Union|Order|Bureau")
_ATTACH_AFTER = re.compile(
    r"\s*(?:\(|（|-|—|–|,)?\s*(?:from|of|by|issued by|awarded by|with|at)?\s*(?:the\s+)?"
    r"(?P<org>(?:[A-Z][\w&'’.-]*\s+){0,6}(?:" + _ORG_WORDS + r")(?:\s+(?:of|for|and|&|in)\s+(?:the\s+)?[A-Z][\w&'’.-]*)*"
    r"(?:\s+[A-Z][\w&'’.-]*){0,3}|(?:(?<=from )|(?<=of )|(?<=by )|(?<=\()|(?<=（))[A-Z]{3,6}(?![a-z]))")
_ORG_ZH_BEFORE = re.compile(r"(?P<org>[\u4e00-\u9fff]{2,12}(?:协会|学会|公会|委员会|管理局|考试局|基金会|学院|大学|理事会|总会|"
                            r"联合会|研究院|研究会|考选部|部|局))(?:的|颁发的|发的|认证的)?\s*$")
_ACRONYM_BEFORE = re.compile(r"(?<![A-Za-z])(?P<org>[A-Z]{3,6})(?:\s+(?:level|grade)\s*\w+)?(?:\s+[A-Z][a-z]+){0,2}\s*(?:'s\s+)?$")
_NOUN_STOP = {"a", "an", "the", "my", "have", "has", "hold", "holds", "got", "this", "that", "his", "her", "our", "your",
              "teaching", "teacher", "coaching", "valid", "current", "full", "professional", "i", "as", "with", "and",
              # "can I use my license", "do I need a license": a question's words, no credential's name
              "can", "could", "use", "using", "get", "getting", "need", "needs", "apply", "want", "is", "are", "do",
              "does", "will", "would", "should", "to", "for", "me", "it", "its", "still", "just", "also", "special",
              "any", "some", "new", "own"}
_LEADING_STOP = {"a", "an", "the", "my", "i", "have", "has", "hold", "holds", "got", "this", "that", "our", "your"}
_ACRONYM_CRED = re.compile(r"(?<![A-Za-z])([A-Z]{3,7})\s+(?:certified|certificate|certification|designation|holder)\b")
_CRED_ZH = re.compile(r"[\u4e00-\u9fff]{1,6}师(?:证书|证|执照|资格)|(?:注册|执业)[\u4e00-\u9fff]{1,5}师")
_CRED_EN = re.compile(r"(?:[A-Za-z]+\s+){1,4}(?:permit|licen[cs]e|certificate|certification|designation|diploma|award)\b", re.I)


_IN_ORG = re.compile(r"(?:university|college|institute|school)\s+of\s*$", re.I)
_ORG_AFTER = re.compile(r"^\s*(?:state\s+)?(?:university|college|大学|大學|学院|學院)", re.I)


def _in_org(text: str, span: Tuple[int, int]) -> bool:
    """A place that is part of a body's name ("University of Michigan", "维多利亚大学")."""
    return bool(_IN_ORG.search(text[max(0, span[0] - 20) : span[0]]) or _ORG_AFTER.match(text[span[1] : span[1] + 16]))


_BOTH = re.compile(r"(?<![a-z])(?:plus|and also|as well as|also hold|also have)(?![a-z])|以及|还有|另外|另有|同时持有|並持有|并持有", re.I)


def _between(text: str, a: Tuple[int, int], b: Tuple[int, int]) -> str:
    return text[min(a[1], b[1]) : max(a[0], b[0])] if a[1] <= b[0] or b[1] <= a[0] else ""


def _attached_place(words: Words, span: Tuple[int, int]):
    """The place word ending right before the mention (at most 8 characters before it)."""
    best = None
    for i, s in enumerate(words.place_spans):
        if span[0] - 8 <= s[1] <= span[0] or (span[0] <= s[0] and s[1] <= span[1]):
            best = ("place", words.places[i], s) if best is None or s[1] > best[2][1] else best
    for country, s in words.other:
        if span[0] - 8 <= s[1] <= span[0]:
            if best is None or s[1] > best[2][1]:
                best = ("other", country, s)
    return (best[0], best[1]) if best else None


def _levels_said(toks: List[Token], hit: Hit, scale: str) -> List[int]:
    """The levels named beside a mention (7 tokens before it, 10 after: "UEFA的足球教练证书 是C级的", "my 'C' coaching
    certificate from the Asian Football Confederation")."""
    return levels_in(" ".join(t.text for t in toks[max(0, hit.start_tok - 7) : hit.end_tok + 10]), scale)


def _window(toks: List[Token], a: int, b: int) -> Tuple[str, str]:
    """The normalised tokens from a to b: spaced (Latin cues) and compact (Chinese cues)."""
    part = toks[max(0, a) : max(0, b)]
    spaced = " ".join(t.text for t in part)
    return spaced, spaced.replace(" ", "")


def _has(spaced: str, compact: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", spaced) is not None
    return word.replace(" ", "") in compact


def _strength(hit: Hit, ids: FrozenSet[str]) -> str:
    kinds = [hit.entry.kinds[i] for i in ids if i in hit.entry.kinds]
    if hit.score < 100 and kinds and min(kinds, key=STRENGTH.__getitem__) == SPECIFIC:
        return SPECIFIC  # a typo of a specific name is still that name ("Kubernets administrator")
    return min(kinds, key=STRENGTH.__getitem__) if kinds else SPECIFIC


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.span[0] < b.span[1] and b.span[0] < a.span[1]


def _candidate(text: str, hit: Hit, qid: str) -> Candidate:
    return Candidate(qid, hit.score, hit.span, text[hit.span[0] : hit.span[1]], hit.entry.alias)


def _result_for_ids(ids: FrozenSet[str], hit: Optional[Hit], text: str, evidence: str = "") -> MatchResult:
    ordered = sorted(ids, key=id_order)
    if hit is None:
        cands = tuple(Candidate(i, 100.0, (0, len(text)), text, text) for i in ordered)
    else:
        cands = tuple(_candidate(text, hit, i) for i in ordered)
    if len(cands) == 1:
        return MatchResult("listed", cands, evidence=evidence)
    if not cands:
        return MatchResult("none")
    return MatchResult("ambiguous", cands, evidence=evidence)


def id_order(qid: str) -> Tuple[int, int]:
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


__all__ = ["Verdict", "id_order", "GENERIC", "ISSUER"]
