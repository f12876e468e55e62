"""Which clauses of the notice apply to a holder: benefits (一, 二), practice (三), work-permit age.

Every decision here points at a clause; the rules follow the notice's own wording:
- 一 applies to everyone in the catalog, 二 additionally to the urgent list (二's lead-in "还可享受");
- a clause's `nationality` (中国籍人员 / 外籍人员) limits it to Chinese or foreign nationals;
- 一.2 (中级 title) applies to the rows whose remark states 对应中级职称 ("部分境外职业资格"),
  二.1 (副高级) to the urgent rows, whose remark states 对应副高级职称;
- 一.4: work permit age up to `age_limit` (65), `age_limit_high_end` (70) in 高精尖 industries;
- 三: finance, accounting, physicians and teachers may practise under the sector's rules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from catalog import queries
from catalog.queries import ClauseInfo, Named, QualificationInfo

NATIONALITIES = ("chinese", "foreign", "unknown")

# clause 三's professions, recognised in a row
PRACTICE_PROFESSIONS = ("finance", "accounting", "physician", "teacher")


@dataclass(frozen=True)
class BenefitItem:
    clause: ClauseInfo
    status: str  # applies | conditional | not_applicable
    reason: str = ""  # a code the answer templates know: age_over_limit, needs_high_end, chinese_only, …
    for_nationality: str = "any"  # chinese | foreign | any — whom the clause is for


@dataclass(frozen=True)
class Benefits:
    qualification: QualificationInfo
    nationality: str
    age: Optional[int]
    high_end: Optional[bool]
    items: Tuple[BenefitItem, ...]
    needs_nationality: bool  # nationality unknown and some clauses depend on it

    def applying(self) -> Tuple[BenefitItem, ...]:
        return tuple(i for i in self.items if i.status != "not_applicable")


@dataclass(frozen=True)
class WorkPermitAge:
    clause: ClauseInfo
    age_limit: int
    age_limit_high_end: int
    age: Optional[int]
    high_end: Optional[bool]
    verdict: str  # within | over | depends_on_high_end | unknown_age


@dataclass(frozen=True)
class Practice:
    clause: ClauseInfo
    qualification: Optional[QualificationInfo]
    profession: Optional[str]  # finance | accounting | physician | teacher | None (not one of 三's fields)
    registration: Optional[Named]


def benefits_for(qid: str, nationality: str = "unknown", age: Optional[int] = None,
                 high_end: Optional[bool] = None, version: Optional[str] = None,
                 url: Optional[str] = None) -> Benefits:
    q = queries.get(qid, version, url)
    if q is None:
        raise KeyError(qid)
    nationality = nationality if nationality in NATIONALITIES else "unknown"
    items = []
    needs_nationality = False
    for c in queries.clauses("benefit", version, url):
        if q.list not in c.lists:
            continue
        if c.nationality != "any":
            if nationality == "unknown":
                needs_nationality = True
            elif nationality != c.nationality:
                items.append(BenefitItem(c, "not_applicable", f"{c.nationality}_only", c.nationality))
                continue
        status, reason = _title_rule(c, q)
        if status == "applies" and c.facts.get("age_limit"):
            status, reason = _age_rule(c, age, high_end)
        items.append(BenefitItem(c, status, reason, c.nationality))
    return Benefits(q, nationality, age, high_end, tuple(items), needs_nationality)


def _title_rule(c: ClauseInfo, q: QualificationInfo) -> Tuple[str, str]:
    level = c.facts.get("title_level")
    if level and q.title_level != level:
        return "not_applicable", "no_title_correspondence"
    return "applies", ""


def _age_rule(c: ClauseInfo, age: Optional[int], high_end: Optional[bool]) -> Tuple[str, str]:
    verdict = work_permit_age_verdict(c, age, high_end)
    if verdict == "over":
        return "conditional", "age_over_limit"
    if verdict == "depends_on_high_end":
        return "conditional", "needs_high_end"
    return "applies", ""


def work_permit_age_verdict(c: ClauseInfo, age: Optional[int], high_end: Optional[bool]) -> str:
    limit = int(c.facts["age_limit"])
    high = int(c.facts.get("age_limit_high_end", limit))
    if age is None:
        return "unknown_age"
    if age <= limit:
        return "within"
    if age <= high:
        if high_end is None:
            return "depends_on_high_end"
        return "within" if high_end else "over"
    return "over"


def work_permit_age(age: Optional[int] = None, high_end: Optional[bool] = None,
                    version: Optional[str] = None, url: Optional[str] = None) -> WorkPermitAge:
    c = next(c for c in queries.clauses("benefit", version, url) if c.facts.get("age_limit"))
    return WorkPermitAge(c, int(c.facts["age_limit"]), int(c.facts.get("age_limit_high_end", c.facts["age_limit"])),
                         age, high_end, work_permit_age_verdict(c, age, high_end))


def practice_for(qid: Optional[str], version: Optional[str] = None, url: Optional[str] = None) -> Practice:
    c = next(c for c in queries.clauses("practice", version, url))
    if not qid:
        return Practice(c, None, None, None)
    q = queries.get(qid, version, url)
    if q is None:
        raise KeyError(qid)
    return Practice(c, q, profession_of(q), q.registration)


def profession_of(q: QualificationInfo) -> Optional[str]:
    """Which of clause 三's professions (金融、会计、医师、教师) a row belongs to, from its data."""
    text = q.name.zh + (q.registration.zh if q.registration else "")
    if "行医" in text or "医师" in text:
        return "physician"
    if "教育" in q.field_keys and "教师" in q.name.zh + q.remark.zh + q.issuer.zh:
        return "teacher"
    if "会计" in q.field_keys or "会计" in q.name.zh:
        return "accounting"
    if "金融" in q.field_keys:
        return "finance"
    return None
