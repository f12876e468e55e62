"""What the matcher is built from (`MatcherData`): the rows' aliases by kind, the unlisted credentials,
families, places, distinguishers and level limits of one catalog version, as plain values.

Everything comes from the snapshot (the database), families.yaml and places.yaml included, so the
matcher of version 3.0 stays the matcher of 3.0 when a 3.1 is loaded beside it.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from catalog.matching.levels import Level, parse_level
from catalog.text import is_cjk, normalize

SPECIFIC, GENERIC, ISSUER = "specific", "generic", "issuer"
STRENGTH = {ISSUER: 0, GENERIC: 1, SPECIFIC: 2}


@dataclass
class MatcherData:
    """Plain values, so a matcher can be built from the DB or from hand-made data in a test."""

    # alias -> {row id: kind}; kind is specific | generic | issuer (weakest wins when a row has it twice)
    aliases: Dict[str, Dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    why: Dict[str, str] = field(default_factory=dict)  # normalised generic alias -> who else uses it
    unlisted: List[Tuple[str, str, Tuple[str, ...], Tuple[str, ...], str, str]] = field(default_factory=list)
    places: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # country/region word -> ids
    distinguishers: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # word -> ids
    other_places: Dict[str, Optional[str]] = field(default_factory=dict)  # unlisted jurisdiction -> country key
    country_ids: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))  # country key -> ids
    domestic: List[str] = field(default_factory=list)
    family_aliases: Set[str] = field(default_factory=set)
    case_sensitive: Set[str] = field(default_factory=set)
    issuer_aliases: Set[str] = field(default_factory=set)  # normalised names of issuing bodies
    grade_words: List[str] = field(default_factory=list)
    not_yet_words: List[str] = field(default_factory=list)
    comparison_before: List[str] = field(default_factory=list)
    comparison_after: List[str] = field(default_factory=list)
    jurisdictional: Set[str] = field(default_factory=set)  # ids of rows that are licences of a jurisdiction
    regional: Set[str] = field(default_factory=set)  # ids of rows of one state, province or territory
    registers_only: Set[str] = field(default_factory=set)  # rows whose issuer exists to register teachers
    # row -> the places (their row sets) its reviewed generic aliases carry: that place + the word is still generic
    # ("UK psychotherapist", "美国心理治疗师"); a narrower place of the row is not ("Michigan psychotherapist")
    place_insufficient: Dict[str, Set[FrozenSet[str]]] = field(default_factory=dict)
    not_credentials: Set[str] = field(default_factory=set)
    row_words: Dict[str, str] = field(default_factory=dict)  # id -> its names and aliases, normalised
    levels: Dict[str, Level] = field(default_factory=dict)  # id -> level limit
    level_words: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # id -> a limit given in words ("国际级")
    level_text: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # id -> (zh, en) of the limit
    names: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # id -> (name_zh, name_en)
    issuers: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # id -> (issuer_zh, issuer_en)
    reasons: Dict[str, Dict[str, str]] = field(default_factory=dict)  # kind -> {zh, en} templates

    def add(self, alias: str, qid: str, kind: str) -> None:
        """Give `alias` to row `qid` as `kind`; a row keeps the weakest kind it was given."""
        old = self.aliases[alias].get(qid)
        if old is None or STRENGTH[kind] < STRENGTH[old]:
            self.aliases[alias][qid] = kind


def data_from_snapshot(snap) -> MatcherData:
    """Aliases from the rows (their names, issuers, aliases by kind, families), unlisted credentials,
    places, distinguishers and level limits."""
    data = MatcherData()
    fam = snap.families or {}
    places = snap.places or {}
    region_extra: Dict[str, List[str]] = places.get("regions") or {}
    country_extra: Dict[str, List[str]] = places.get("countries") or {}
    short_names: Dict[str, Set[str]] = defaultdict(set)
    for q in snap.qualifications.values():
        short = without_parenthetical(q.name.en)
        if short != q.name.en:
            short_names[short].add(q.id)
    for short, ids in short_names.items():
        # "Teaching Certificate (Texas)" -> "Teaching Certificate": generic where rows share it
        for qid in ids:
            data.add(short, qid, GENERIC if len(ids) > 1 else SPECIFIC)
    shared_zh = Counter(q.name.zh for q in snap.qualifications.values())
    for q in snap.qualifications.values():
        # a name several rows share ("教师资格证书") is said with its place, so a list of them can be told apart
        if shared_zh[q.name.zh] > 1 and q.region is not None and q.region.zh not in q.name.zh:
            data.names[q.id] = (f"{q.name.zh}（{q.region.zh}）",
                                q.name.en if q.region.en in q.name.en else f"{q.name.en} ({q.region.en})")
        else:
            data.names[q.id] = (q.name.zh, q.name.en)
        data.issuers[q.id] = (q.issuer.zh, q.issuer.en)
        generic = {normalize(a): why for a, why in q.generic_aliases}
        issuer_names = {normalize(a) for a in q.issuer_aliases}
        for alias in (*q.aliases, q.name.zh, q.name.en):
            key = normalize(alias)
            inner = re.findall(r"[(（]([^)）]*)[)）]", alias)
            if alias in (q.name.zh, q.name.en) and (normalize(without_parenthetical(alias)) in generic
                                                     or any(normalize(i) in generic for i in inner)):
                key = normalize(without_parenthetical(alias))  # "Chartered Chemist (CChem)": both parts are generic
            kind = GENERIC if key in generic else ISSUER if key in issuer_names else SPECIFIC
            for variant in zheng_variants(alias):
                data.add(variant, q.id, kind)
        for alias, why in q.generic_aliases:
            data.why.setdefault(normalize(alias), why)
            for variant in zheng_variants(alias):
                data.add(variant, q.id, GENERIC)
        for alias in q.issuer_aliases:
            data.add(alias, q.id, ISSUER)
            data.issuer_aliases.add(normalize(alias))
        for issuer in re.split(r"\s*[;；]\s*", q.issuer.en) + re.split(r"[、\s]+", q.issuer.zh):
            if len(issuer) >= 6 or (len(issuer) >= 4 and all(is_cjk(ch) for ch in issuer)):
                data.add(issuer, q.id, ISSUER)
                data.issuer_aliases.add(normalize(issuer))
                bare = re.sub(r"(?i)^the\s+", "", issuer)
                for other in snap.qualifications.values():  # "The Teaching Council" is also in "Teaching Council of Aotearoa"
                    if other.id != q.id and len(bare) >= 8 and normalize(bare) in normalize(other.issuer.en):
                        data.add(issuer, other.id, ISSUER)
        if q.region:
            data.regional.add(q.id)
            for word in region_words(q.region.zh, q.region.en, region_extra):
                data.places[word].add(q.id)
        for c in q.countries:
            data.country_ids[c.zh].add(q.id)
            if c.zh == "国际":  # "international" is no place a user is in ("国际学校", "国际计算机协会")
                continue
            for word in (c.zh, c.en, *country_extra.get(c.zh, ())):
                if word:
                    data.places[word].add(q.id)
        for c in q.conditions:
            if c.kind == "level_limit":
                level = parse_level(c.zh)
                data.level_text[q.id] = (c.zh, c.en)
                if level is not None:
                    data.levels[q.id] = level
                elif "级" in c.zh:  # a level in words ("国际级", "专家级别"), not member grades ("特许工程师、主任工程师")
                    data.level_words[q.id] = tuple(w for w in (normalize(c.zh).replace("及以上", ""),
                                                               normalize(re.sub(r"(?i)\s*and above", "", c.en))) if w)
    for q in snap.qualifications.values():  # a level only in the name: "篮球裁判员证书 (国际级)"
        if q.id not in data.levels and q.id not in data.level_words:
            inner = re.findall(r"[(（]([^)）]*(?:级|level)[^)）]*)[)）]", q.name.zh + " " + q.name.en, re.I)
            words = tuple(normalize(re.sub(r"(?i)及以上|\s*and above", "", w)).strip() for w in inner)
            if words:
                data.level_words[q.id] = tuple(w for w in words if w)
    _demote_levelless(data)
    for family in fam.get("families", []):
        for alias in family["aliases"]:
            for variant in zheng_variants(str(alias)):
                for qid in family["ids"]:
                    data.add(variant, qid, GENERIC)
                data.family_aliases.add(variant)
    for word, ids in (fam.get("distinguishers") or {}).items():
        data.distinguishers[str(word)] |= set(ids)
    data.other_places = {str(k): v for k, v in (places.get("other_jurisdictions") or {}).items()}
    data.domestic = [str(w) for w in fam.get("domestic") or []]
    data.case_sensitive = {str(w) for w in fam.get("case_sensitive") or []}
    data.issuer_aliases |= {normalize(str(w)) for w in fam.get("issuer_aliases") or []}
    # cue words are compared token by token ("haven't" is the tokens "haven t"), like the text
    data.grade_words = [cue_key(str(w)) for w in fam.get("grade_words") or []]
    data.not_yet_words = [cue_key(str(w)) for w in fam.get("not_yet_words") or []]
    data.comparison_before = [cue_key(str(w)) for w in fam.get("comparison_before") or []]
    data.comparison_after = [cue_key(str(w)) for w in fam.get("comparison_after") or []]
    data.not_credentials = {str(w).upper() for w in fam.get("not_credentials") or []}
    jur_fields = set(fam.get("jurisdictional_fields") or [])
    for q in snap.qualifications.values():
        if _REGISTRAR.search(q.issuer.en):
            data.registers_only.add(q.id)
        if jur_fields & set(q.field_keys):
            data.jurisdictional.add(q.id)
        data.row_words[q.id] = normalize(" ".join((q.name.zh, q.name.en, *q.all_aliases)))
    # a row whose reviewed generic aliases already carry one of its own places ("UK psychotherapist", "澳洲心理治疗师",
    # "美国心理治疗师"): naming that place (in any of its words: "US", "美国") does not make the generic word specific
    # for it; a narrower place of the row does ("psychotherapist from Michigan")
    for q in snap.qualifications.values():
        own = [(normalize(w), frozenset(ids)) for w, ids in data.places.items() if q.id in ids]
        carried = {ids for w, ids in own if w and any(w in normalize(a) for a, _ in q.generic_aliases)}
        if carried:
            data.place_insufficient[q.id] = carried
    data.reasons = fam.get("reasons") or {}
    for u in snap.unlisted:
        data.unlisted.append((u.name.zh, u.name.en, (u.name.zh, u.name.en, *u.aliases), u.nearest,
                              u.reason.zh, u.reason.en))
    return data


# bodies that exist to register or license teachers (not departments that license many professions)
_REGISTRAR = re.compile(r"teachers?\s+(registration|standards|regulatory|credentialing)|teacher credentialing|"
                        r"college of teachers|teaching council|the teaching council|institute of teaching|"
                        r"educator (licensing|certification)|board of educational examiners|professional teachers", re.I)


_LEVEL_IN_ALIAS = re.compile(r"\d|[一二两三四五六七八九十]\s*级|(?<![a-z])(?:level|grade|stufe)\b|\b[abc]\s*(?:级|licen)", re.I)
_LEVEL_FILLER = {"level", "and", "above", "or", "级别", "级", "及以上", "以上"}


def level_tokens(data: MatcherData, qid: str) -> Tuple[str, ...]:
    """The words of a limit given in words ("国际级" -> 国际, "Expert level" -> expert)."""
    out = []
    for w in data.level_words.get(qid, ()):
        phrases = [p.strip() for p in re.split(r"、|\band\b|和", w) if p.strip()]
        if len(phrases) > 1:
            # "战略级、管理级", "Strategic level and Management level": each named level whole (its own "管理"
            # or "management" is in the credential's name, no level)
            out += [p.replace("及以上", "") for p in phrases]
            continue
        for part in re.split(r"[\s()（）]+", w):
            part = part.replace("及以上", "").replace("级别", "").rstrip("级") if not part.isascii() else part
            if part and part not in _LEVEL_FILLER:
                out.append(part)
    return tuple(out)


def _demote_levelless(data: MatcherData) -> None:
    """A row listed only at some levels: an alias that names no level is no proof of the listed level
    ("FIBA referee licence" for the international-level referee, "Siemens mechatronics" for level 2+)."""
    limited = set(data.levels) | set(data.level_words)
    for alias, kinds in data.aliases.items():
        for qid, kind in list(kinds.items()):
            if kind != SPECIFIC or qid not in limited:
                continue
            norm = normalize(alias)
            if qid in data.levels and _LEVEL_IN_ALIAS.search(norm):
                continue
            if qid in data.level_words and any(t in norm for t in level_tokens(data, qid)):
                continue
            kinds[qid] = GENERIC
            data.why.setdefault(norm, "the catalog lists this credential only at a stated level")


def cue_key(word: str) -> str:
    from catalog.text import tokens

    return " ".join(t.text for t in tokens(word)) or normalize(word)


def zheng_variants(alias: str) -> Tuple[str, ...]:
    """证书 and 证 are said interchangeably: "教师资格证书" also as "教师资格证", and back."""
    if alias.endswith("证书") and len(alias) > 4:
        return (alias, alias[:-1])
    if alias.endswith("证") and len(alias) > 3 and all(is_cjk(ch) for ch in alias[-4:]):
        return (alias, alias + "书")
    return (alias,)


def without_parenthetical(name: str) -> str:
    """"Teaching Certificate (Texas)" -> "Teaching Certificate": the family name shared by rows."""
    return re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", name)


def region_words(zh: str, en: str, extra: Dict[str, List[str]]) -> List[str]:
    words = [zh, en]
    for suffix in ("州", "省"):
        if zh.endswith(suffix) and len(zh) > 2:
            words.append(zh[: -len(suffix)])
    words.extend(extra.get(en, ()))
    return [w for w in words if w]

