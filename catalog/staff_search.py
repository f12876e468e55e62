"""Staff search: what a hotline agent types (a credential, an issuer, a field, a country, a keyword, an
id) -> the strict verdict an applicant would get, plus every row the words name, ranked.

The verdict is the matcher's, unchanged: a near-miss stays "unlisted" or "confirm" here too. The rows are
candidates for the agent to open, each with why it is listed (alias, issuer, field, country, keyword).
Both scripts work: the text is folded to simplified Chinese and case-folded before comparing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from catalog import queries, vocabulary
from catalog.matching import MatchResult, get_matcher, id_order
from catalog.queries import QualificationInfo
from catalog.text import normalize

_ID = re.compile(r"^\s*([URur])\s*0*(\d{1,3})\s*$")

# how a row was found, strongest first (the rank of a row is its strongest reason)
REASONS = ("id", "query", "verdict", "nearest", "alias", "field", "country", "issuer", "name", "keyword")


@dataclass(frozen=True)
class Row:
    qualification: QualificationInfo
    reason: str  # one of REASONS
    matched: str = ""  # the text (or field/country key) it was found by
    score: Optional[float] = None  # the matcher's score for verdict rows


@dataclass
class StaffSearch:
    query: str
    status: str  # the verdict: listed | confirm | ambiguous | unlisted | none | empty (id: listed)
    source: str  # id | matcher | text
    verdict: Optional[MatchResult] = None
    rows: List[Row] = field(default_factory=list)


def search(text: str, version: Optional[str] = None) -> StaffSearch:
    text = (text or "").strip()
    if not text:
        return StaffSearch(text, "empty", "text")
    m = _ID.match(text)
    if m:
        letter, n = m.group(1).upper(), int(m.group(2))
        q = queries.get(f"U{n:02d}" if letter == "U" else f"R{n:03d}", version)
        if q is not None:
            return StaffSearch(text, "listed", "id", None, [Row(q, "id", text, 100.0)])
    from catalog import staff_query

    filters = staff_query.parse(text)
    if filters is not None:  # "哪些体育类证书要求两年工作经验": the rows that match, every one
        rows = [Row(q, "query", text) for q in staff_query.run(filters, version)]
        return StaffSearch(text, "query", "query", None, rows)
    result = get_matcher(version).match(text)
    out = StaffSearch(text, result.status, "matcher", result)
    seen: Dict[str, int] = {}

    def add(q: Optional[QualificationInfo], reason: str, matched: str = "", score: Optional[float] = None) -> None:
        if q is not None and q.id not in seen:
            seen[q.id] = len(out.rows)
            out.rows.append(Row(q, reason, matched, score))

    if result.status == "unlisted" and result.unlisted is not None:
        for i in result.unlisted.nearest:
            add(queries.get(i, version), "nearest")
        return out  # a near-miss: only what it is near, never rows that look like a yes
    for c in result.candidates:
        add(queries.get(c.id, version), "verdict", c.matched, round(c.score, 1))
    for q, reason, matched in sorted(_text_rows(text, version), key=lambda r: (REASONS.index(r[1]), id_order(r[0].id))):
        add(q, reason, matched)
    if result.status == "none" and out.rows:
        out.source = "text"
    return out


def _text_rows(text: str, version: Optional[str]) -> List[Tuple[QualificationInfo, str, str]]:
    """Rows whose names, aliases, issuer, field, country or remark contain the query's words."""
    needle = normalize(text)
    found: List[Tuple[QualificationInfo, str, str]] = []
    field_hit = vocabulary.find_field(text)
    country_hit = vocabulary.find_country(text)
    # a field or country alone ("金融", "UK", "加拿大颁发的") lists its rows
    for q in queries.all_qualifications(version):
        if field_hit and field_hit[0] in q.field_keys:
            found.append((q, "field", field_hit[0]))
        if country_hit and country_hit[0] in q.country_keys:
            found.append((q, "country", country_hit[0]))
        if len(needle) < 2:
            continue
        aliases = [normalize(a) for a in q.all_aliases]
        if needle in aliases:
            found.append((q, "alias", text))
        elif needle in normalize(q.issuer.zh + " | " + q.issuer.en) or \
                any(needle in normalize(a) for a in q.issuer_aliases):
            found.append((q, "issuer", text))
        elif needle in normalize(q.name.zh + " | " + q.name.en) or any(needle in a for a in aliases):
            found.append((q, "name", text))
        elif len(needle) >= 2 and needle in normalize(q.remark.zh + " | " + q.remark.en):
            found.append((q, "keyword", text))
    return found
