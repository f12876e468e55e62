"""The eligibility reasoner: for one holder of one catalog row, what each clause of the notice gives them.

Pure Python over the catalog's own data (rows and clauses): no Rasa, no templates. Every verdict names its
clause and a reason code that the answer templates know. The rules follow the notice's wording only:

- 一 and 二 are for holders "与在京单位建立人事劳动关系": no Beijing employer → does not apply; unknown → applies
  only with one (`needs_employer`, said once by the answer, not asked).
- 二 is for the urgent list only (its lead-in "还可享受"); a regular-list holder gets `urgent_only`.
- a clause for 中国籍人员 / 外籍人员 is decided by nationality; unknown nationality → `cannot_tell` (nationality).
- 一.2 (中级) and 二.1 (副高级) apply to the rows whose remark states that correspondence, and only if the holder
  meets the series' education and years standards (the remark's "需符合…基本标准条件").
- 一.4's age: up to `age_limit` (65); up to `age_limit_high_end` (70) in 高精尖 industries; unknown 高精尖 for
  66-70 → `cannot_tell` (high_end); beyond 70 → does not apply.
- a row whose remark asks for N years of related experience: fewer years → not yet (every benefit);
  unknown → applies only with them.
- the clauses' own conditions (二.2 recommendation and outstanding performance, 二.3 outstanding contribution,
  二.5 / 二.6 "符合条件的", 一.6 encouragement only) make the verdict `conditional`, never `applies`.
- 三 (practice): finance, accounting, physicians and teachers "may" practise under the sector's rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import List, Optional, Tuple

from catalog.benefits import profession_of
from catalog.benefits import work_permit_age_verdict as work_permit_age  # within | over | depends_on_high_end | unknown_age
from catalog.queries import ClauseInfo, QualificationInfo

APPLIES, CONDITIONAL, NOT_APPLICABLE, CANNOT_TELL = "applies", "conditional", "not_applicable", "cannot_tell"
OUTCOMES = (APPLIES, CONDITIONAL, NOT_APPLICABLE, CANNOT_TELL)


@dataclass(frozen=True)
class Facts:
    """What the person said of themselves (None / "unknown": not said)."""

    nationality: str = "unknown"  # chinese | foreign | unknown
    age: Optional[int] = None
    high_end: Optional[bool] = None
    experience_years: Optional[float] = None
    beijing_employer: Optional[bool] = None
    recommended: Optional[bool] = None  # whether the Beijing employer recommends the person (二.2)
    holds_listed: Optional[bool] = None  # False: the person says they hold no overseas credential at all


@dataclass(frozen=True)
class Verdict:
    clause: ClauseInfo
    outcome: str  # applies | conditional | not_applicable | cannot_tell
    reason: str = ""  # a code: urgent_only, chinese_only, foreign_only, age_over_limit, needs_high_end, …
    needs: Tuple[str, ...] = ()  # facts that would settle a cannot_tell / conditional verdict
    conditions: Tuple[str, ...] = field(default=())  # codes of what must also hold (conditional)

    @property
    def positive(self) -> bool:
        return self.outcome in (APPLIES, CONDITIONAL)


def _verdict(c: ClauseInfo, outcome: str, reason: str = "", needs: Tuple[str, ...] = (),
             conditions: Tuple[str, ...] = ()) -> Verdict:
    return Verdict(c, outcome, reason, needs, conditions)


def _age_rule(c: ClauseInfo, facts: Facts, conditions: list, needs: list) -> Optional[Verdict]:
    """一.4's age: a settled verdict (over the limit, or 高精尖 must be known), else the condition it adds."""
    age = work_permit_age(c, facts.age, facts.high_end)
    if age == "over":
        limit = int(c.facts.get("age_limit_high_end", c.facts["age_limit"]))
        reason = "age_over_limit" if facts.age is not None and facts.age > limit else "age_over_limit_not_high_end"
        return _verdict(c, NOT_APPLICABLE, reason)
    if age == "depends_on_high_end":
        return _verdict(c, CANNOT_TELL, "needs_high_end", ("high_end",))
    if age == "unknown_age":
        conditions.append("age_within_limit")
        needs.append("age")
    return None


def _own_conditions(c: ClauseInfo) -> List[str]:
    """What the clause itself says must also hold (二.2 recommendation, 二.3 contribution, "符合条件的", 一.6)."""
    out = []
    if c.facts.get("requires_outstanding_performance") or c.facts.get("requires_employer_recommendation"):
        out.append("outstanding_and_recommended")
    if c.facts.get("requires_outstanding_contribution"):
        out.append("outstanding_contribution")
    if c.facts.get("requires_eligibility"):
        out.append("meets_conditions")
    if c.facts.get("encouraged_only"):
        out.append("encouraged_only")
    return out


def experience_short(q: QualificationInfo, facts: Facts) -> Optional[bool]:
    """Whether the person has fewer years of related experience than the row's remark asks
    (None: the remark asks for none, or the person did not say)."""
    if not q.experience_years or facts.experience_years is None:
        return None
    return facts.experience_years < q.experience_years


def _preconditions(facts: Facts, general: bool) -> Tuple[str, ...]:
    """What Sections 1 and 2 ask of everyone, kept beside a verdict that waits for the nationality
    ("anyone with any overseas certificate can get the 工作居住证": only with a listed one and a Beijing employer)."""
    return (("listed_credential",) if general else ()) + (("beijing_employer",) if facts.beijing_employer is None else ())


def decide(q: QualificationInfo, c: ClauseInfo, facts: Facts) -> Verdict:
    """What clause `c` gives the holder of row `q` with `facts`."""
    if c.topic == "practice":
        return _practice(q, c)
    if c.topic != "benefit":
        # 四 (verification), 五 (adjustment), Annex 2: about every row, nobody's facts change them
        return _verdict(c, APPLIES if q.list in c.lists else NOT_APPLICABLE, "" if q.list in c.lists else "urgent_only")
    if q.list not in c.lists:
        return _verdict(c, NOT_APPLICABLE, "urgent_only")
    if facts.beijing_employer is False:
        return _verdict(c, NOT_APPLICABLE, "no_beijing_employer")
    if c.nationality != "any":
        if facts.nationality not in ("chinese", "foreign"):
            # a clause for one nationality that would not apply even to it: "no" whatever the nationality
            as_theirs = decide(q, c, replace(facts, nationality=c.nationality))
            if as_theirs.outcome == NOT_APPLICABLE:
                return as_theirs
            return _verdict(c, CANNOT_TELL, "needs_nationality", ("nationality",), _preconditions(facts, False))
        if facts.nationality != c.nationality:
            return _verdict(c, NOT_APPLICABLE, f"{c.nationality}_only")
    level = c.facts.get("title_level")
    if level and q.title_level != level:
        return _verdict(c, NOT_APPLICABLE, "no_title_correspondence")
    if facts.recommended is False and c.facts.get("requires_employer_recommendation"):
        # "My firm says they won't recommend me": 二.2 is for those the Beijing employer recommends
        return _verdict(c, NOT_APPLICABLE, "not_recommended")
    short = experience_short(q, facts)
    if short:
        return _verdict(c, NOT_APPLICABLE, "experience_below_remark", ("experience_years",))
    conditions = []
    needs = []
    if c.facts.get("age_limit"):
        if work_permit_age(c, facts.age, facts.high_end) in ("over", "depends_on_high_end") and \
                any(x.kind == "universal_studios" for x in q.conditions):
            # the remark: "环球影城项目可不受年龄、工作经验限制"
            return _verdict(c, CONDITIONAL, "", (), ("universal_studios",))
        settled = _age_rule(c, facts, conditions, needs)
        if settled is not None:
            return settled
    if level:
        conditions.append("title_standards")
    conditions += _own_conditions(c)
    if q.experience_years and short is None:
        conditions.append("experience_required")
        needs.append("experience_years")
    if facts.beijing_employer is None:
        conditions.append("beijing_employer")
    core = [x for x in conditions if x != "beijing_employer"]
    return _verdict(c, CONDITIONAL if core else APPLIES, "", tuple(needs), tuple(conditions))


def _practice(q: QualificationInfo, c: ClauseInfo) -> Verdict:
    profession = profession_of(q)
    if profession is None:
        if q.registration:
            # not one of 三's four, but the row's remark says how to practise ("执业药师须在我市药监部门注册")
            return _verdict(c, CONDITIONAL, "remark_registration", (), ("registration",))
        return _verdict(c, NOT_APPLICABLE, "not_practice_field")
    conditions = ("sector_rules",) + (("registration",) if q.registration else ())
    return _verdict(c, CONDITIONAL, profession, (), conditions)


def decide_all(q: QualificationInfo, clauses: Tuple[ClauseInfo, ...], facts: Facts) -> Tuple[Verdict, ...]:
    return tuple(decide(q, c, facts) for c in clauses)


def with_facts(facts: Facts, **changes: object) -> Facts:
    """The facts with the ones given replaced (None values ignored: a fact not said again is kept)."""
    return replace(facts, **{k: v for k, v in changes.items() if v is not None})


def decide_general(c: ClauseInfo, facts: Facts) -> Verdict:
    """What clause `c` gives a person whose credential is not known yet: the person's facts decide what
    they can; what depends on the row (the urgent list, a title in the remark) becomes a condition."""
    if facts.holds_listed is False and c.topic in ("practice", "benefit"):
        # "Confirm that I (Deloitte Beijing, no overseas certificate) qualify": every measure is for holders
        return _verdict(c, NOT_APPLICABLE, "no_listed_credential")
    if c.topic == "practice":
        return _verdict(c, CONDITIONAL, "", (), ("practice_fields", "sector_rules"))
    if c.topic != "benefit":
        return _verdict(c, APPLIES)
    if facts.beijing_employer is False:
        return _verdict(c, NOT_APPLICABLE, "no_beijing_employer")
    if c.nationality != "any":
        if facts.nationality not in ("chinese", "foreign"):
            as_theirs = decide_general(c, replace(facts, nationality=c.nationality))
            if as_theirs.outcome == NOT_APPLICABLE:
                return as_theirs
            return _verdict(c, CANNOT_TELL, "needs_nationality", ("nationality",), _preconditions(facts, True))
        if facts.nationality != c.nationality:
            return _verdict(c, NOT_APPLICABLE, f"{c.nationality}_only")
    conditions = []
    needs = []
    if c.facts.get("age_limit"):
        settled = _age_rule(c, facts, conditions, needs)
        if settled is not None:
            return settled
    if "regular" not in c.lists:
        conditions.append("urgent_list")
    if c.facts.get("title_level"):
        conditions.append("title_in_remark" if "regular" in c.lists else "title_standards")
    conditions += _own_conditions(c)
    conditions.append("listed_credential")
    if facts.beijing_employer is None:
        conditions.append("beijing_employer")
    core = [x for x in conditions if x not in ("beijing_employer", "listed_credential")]
    return _verdict(c, CONDITIONAL if core else APPLIES, "", tuple(needs), tuple(conditions))
