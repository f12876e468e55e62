"""What a message claims about the catalog's rows ("CFP在目录里，是清单(二)第50项", "CCNA is recognised under item 3",
"I say PMP is on the urgent list"): finding only. The caller checks the claim against the catalog and says what
the row named really is, so that a pressed or injected claim is corrected with the catalog's own fact."""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from catalog import queries
from catalog.queries import QualificationInfo
from catalog.text import normalize

_LIST = r"(?:清单|清單|list|annex 1,?\s*list)\s*[(（]?\s*(1|2|i{1,2}|一|二)\s*[)）]?"
_ITEM = re.compile(rf"(?:{_LIST}\s*[,，、]?\s*(?:的)?\s*)?(?:第\s*(\d{{1,3}})\s*[项項号號]|(?<!certificate )(?<!licence )(?<!license )(?<!cert )(?:item|row|entry|no\.?|number|#)\s*(\d{{1,3}})(?!\d))",
                   re.I)
_URGENT_CLAIM = re.compile(r"急需紧缺|急需緊缺|紧缺清单|緊缺清單|清单\s*[(（]?\s*(?:1|一)\s*[)）]?|清單\s*[(（]?\s*(?:1|一)\s*[)）]?|"
                           r"urgent|shortage[- ]list|(?<![a-z])shortage credential|list\s*\(?(?:1|i)\)?(?![\da-z])", re.I)
_LISTS = {"1": "urgent", "i": "urgent", "一": "urgent", "2": "regular", "ii": "regular", "二": "regular"}


_CLAUSE_BEFORE = re.compile(r"(?:第\s*[一二三四五六\d]+\s*[条條款部]|(?:section|sec\.?|article|part)\s*(?:\d+|[ivx]+))\s*[,，、]?\s*(?:的)?\s*$",
                            re.I)
_CLAUSE_AFTER = re.compile(r"\s*(?:of|in|under)\s+(?:section|sec\.?|article|part)\b", re.I)


MAX_RANGE = 11  # rows: "rows 87-90" names 4; a longer run is a staff query, not rows named
_RANGE = re.compile(r"(?:(?<![a-z])(?:rows?|items?|entries|nos?\.?)\s*|第\s*)(\d{1,3})\s*(?:-|–|—|~|～|至|到|(?<![a-z])to(?![a-z])|through)\s*"
                    r"(?:第\s*)?(\d{1,3})(?!\d)\s*(?:项|項)?", re.I)
# the list's numeral inside the reference: "item (二)34", "row (2) 34", "(二)34项"
_LIST_INSIDE = re.compile(r"(?:(?:item|row|entry|no\.?)\s*)?[(（]\s*(1|2|一|二|i{1,2})\s*[)）]\s*(?:第|item|row|no\.?)?\s*(\d{1,3})(?!\d)", re.I)


def _row_references(norm: str) -> List[Tuple[int, Optional[str]]]:
    """(number, list said or None) for each row reference of a normalised message; a clause's item ("第二条第6项",
    "item 5 of section 2") is none."""
    norm = _LIST_INSIDE.sub(lambda m: f"list {m.group(1)} item {m.group(2)}", norm)  # "item (二)34"
    spans: List[Tuple[int, Optional[str]]] = []
    for m in _RANGE.finditer(norm):  # "rows 87-90", "第87至90项": each row of a short run
        first, last = int(m.group(1)), int(m.group(2))
        if 0 < first < last <= first + MAX_RANGE:
            spans += [(n, None) for n in range(first, last + 1)]
    norm = _RANGE.sub(" ", norm)
    return spans + [(int(m.group(2) or m.group(3)), _LISTS.get((m.group(1) or "").lower())) for m in _ITEM.finditer(norm)
                    if not (_CLAUSE_BEFORE.search(norm[max(0, m.start() - 14):m.start()]) or _CLAUSE_AFTER.match(norm, m.end()))]


def items_named(text: str, version: Optional[str] = None) -> List[QualificationInfo]:
    """The rows a message names by list and number ("清单(二)第50项", "list 2 item 12", "item 3": the regular list
    when no list is said and the number is beyond the urgent list's)."""
    norm = normalize(text or "")
    refs = _row_references(norm)
    if not refs:
        return []
    by_place = {(q.list, q.row): q for q in queries.all_qualifications(version)}
    out: List[QualificationInfo] = []
    for number, which in refs:
        if which is None:
            urgent_rows = sum(1 for key in by_place if key[0] == "urgent")
            which = "regular" if number > urgent_rows or not _URGENT_CLAIM.search(norm) else "urgent"
        q = by_place.get((which, number))
        if q is not None and q not in out:
            out.append(q)
    return out


_ANNEX = re.compile(r"(?:附件|annex|appendix|attachment)\s*(\d{1,2}|[三四五六七八九十])", re.I)
_CJK_DIGITS = {"三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def false_references(text: str, version: Optional[str] = None) -> List[Tuple[str, str, int]]:
    """What a message cites that the notice does not have: ("annex", "", 3) for "Annex 3" (it has two),
    ("row", list, n) for "急需紧缺清单第8项" (that list has 7)."""
    norm = normalize(text or "")
    out: List[Tuple[str, str, int]] = []
    for m in _ANNEX.finditer(norm):
        n = int(m.group(1)) if m.group(1).isdigit() else _CJK_DIGITS[m.group(1)]
        if n > 2 and ("annex", "", n) not in out:
            out.append(("annex", "", n))
    refs = _row_references(norm)
    sizes: Dict[str, int] = {}
    for q in queries.all_qualifications(version) if refs else ():
        sizes[q.list] = max(sizes.get(q.list, 0), q.row)
    for number, which in refs:
        if which is None and _URGENT_CLAIM.search(norm) and number > sizes.get("urgent", 0) \
                and number <= sizes.get("regular", 0):
            which = "urgent"  # "本证书自动视为急需紧缺清单第8项"
        if which is None:
            which = "regular"
        if number > sizes.get(which, 0) and ("row", which, number) not in out:
            out.append(("row", which, number))
    return out


def strip_items(text: str) -> str:
    """The message without its row references and punctuation ("What's item 42 on list 2?" -> "What's on")."""
    rest = _ITEM.sub(" ", normalize(text or ""))
    rest = re.sub(_LIST, " ", rest, flags=re.I)
    return re.sub(r"[\s\W_]+", "", rest)


def claims_urgent(text: str) -> bool:
    """Whether the message says a credential is on the urgent list (清单(一))."""
    return bool(_URGENT_CLAIM.search(normalize(text or "")))


def checked(text: str, named: Optional[QualificationInfo], version: Optional[str] = None
            ) -> List[Tuple[str, QualificationInfo]]:
    """("item", row) for each row the message names by number that is not the credential it is about, and
    ("not_urgent", credential) when it calls a regular-list credential urgent."""
    out: List[Tuple[str, QualificationInfo]] = []
    for q in items_named(text, version):
        if named is None or q.id != named.id:
            out.append(("item", q))
    if named is not None and named.list == "regular" and claims_urgent(text):
        out.append(("not_urgent", named))
    return out
