"""The eligibility reasoner (catalog/reasoner.py), rule by rule, against the notice's own wording.

The matrix: every clause item × nationality (chinese / foreign / unknown) × list (urgent / regular) × age
(64, 65, 66, 70, 71) × 高精尖 (yes / no / unknown) × experience (below / at / above the remark's requirement).
The expectations below are written from the notice text (京人社事业发〔2023〕24号), not from the clause data:
- 第一条 applies to every holder, 第二条 only to the urgent list ("还可享受");
- 一.1 and 二.2 say 中国籍人员, 一.3, 一.4 and 二.4 say 外籍人员;
- 一.4: age relaxed to 65, 70 in 高精尖产业领域;
- 一.2: "部分境外职业资格" — the rows whose remark states 中级; 二.1: the urgent rows (副高级);
- a remark's "需要有N年相关工作经验": fewer years → not yet.
"""
from __future__ import annotations

import itertools

import pytest

from catalog import queries, reasoner
from catalog.reasoner import Facts

AGE_LIMIT, AGE_LIMIT_HIGH_END = 65, 70
CHINESE_ONLY = {"一.1", "二.2"}
FOREIGN_ONLY = {"一.3", "一.4", "二.4"}
URGENT_ONLY = {"二.1", "二.2", "二.3", "二.4", "二.5", "二.6"}
CONDITIONS_OF_THE_CLAUSE = {"一.2", "一.6", "二.1", "二.2", "二.3", "二.5", "二.6"}  # 择优聘任, 鼓励, 符合条件的, …

NATIONALITIES = ("chinese", "foreign", "unknown")
AGES = (64, 65, 66, 70, 71)
HIGH_END = (True, False, None)
EXPERIENCE = ("below", "at", "above")


@pytest.fixture(scope="module")
def rows(catalog_db):
    urgent = queries.get("U01")  # IEEE Fellow: urgent, 副高级
    regular_middle = queries.get("R007")  # CFA: regular, 中级
    regular_years = next(q for q in queries.all_qualifications() if q.list == "regular" and q.experience_years)
    return {"urgent": urgent, "regular": regular_middle, "regular_years": regular_years}


@pytest.fixture(scope="module")
def benefit_clauses(catalog_db):
    return [c for c in queries.clauses("benefit")]


def years_for(q, which):
    need = q.experience_years or 2
    return {"below": need - 1, "at": need, "above": need + 3}[which]


def expected(cid, q, nationality, age, high_end, years):
    """The verdict the notice gives (outcome, reason) for clause `cid`."""
    if cid in URGENT_ONLY and q.list != "urgent":
        return reasoner.NOT_APPLICABLE, "urgent_only"
    if cid in CHINESE_ONLY | FOREIGN_ONLY:
        if nationality == "unknown":
            # what it would be for the nationality it is for: a "no" there is a "no" for everyone
            theirs = expected(cid, q, "chinese" if cid in CHINESE_ONLY else "foreign", age, high_end, years)
            if theirs[0] == reasoner.NOT_APPLICABLE:
                return theirs
            return reasoner.CANNOT_TELL, "needs_nationality"
        if cid in CHINESE_ONLY and nationality != "chinese":
            return reasoner.NOT_APPLICABLE, "chinese_only"
        if cid in FOREIGN_ONLY and nationality != "foreign":
            return reasoner.NOT_APPLICABLE, "foreign_only"
    if cid == "一.2" and q.title_level != "中级":
        return reasoner.NOT_APPLICABLE, "no_title_correspondence"
    if cid == "二.1" and q.title_level != "副高级":
        return reasoner.NOT_APPLICABLE, "no_title_correspondence"
    if q.experience_years and years < q.experience_years:
        return reasoner.NOT_APPLICABLE, "experience_below_remark"
    if cid == "一.4":
        if age > AGE_LIMIT_HIGH_END:
            return reasoner.NOT_APPLICABLE, "age_over_limit"
        if age > AGE_LIMIT:
            if high_end is None:
                return reasoner.CANNOT_TELL, "needs_high_end"
            if not high_end:
                return reasoner.NOT_APPLICABLE, "age_over_limit_not_high_end"
    if cid in CONDITIONS_OF_THE_CLAUSE:
        return reasoner.CONDITIONAL, ""
    return reasoner.APPLIES, ""


def test_the_matrix_covers_every_benefit_clause(benefit_clauses):
    assert {c.id for c in benefit_clauses} == {"一.1", "一.2", "一.3", "一.4", "一.5", "一.6",
                                               "二.1", "二.2", "二.3", "二.4", "二.5", "二.6"}


@pytest.mark.parametrize("row", ["urgent", "regular", "regular_years"])
def test_every_clause_for_every_person(rows, benefit_clauses, row):
    q = rows[row]
    checked = 0
    for c, nat, age, he, exp in itertools.product(benefit_clauses, NATIONALITIES, AGES, HIGH_END, EXPERIENCE):
        years = years_for(q, exp)
        facts = Facts(nationality=nat, age=age, high_end=he, experience_years=years, beijing_employer=True)
        v = reasoner.decide(q, c, facts)
        want = expected(c.id, q, nat, age, he, years)
        assert v.clause.id == c.id
        assert (v.outcome, v.reason) == want, (q.id, c.id, nat, age, he, exp, v)
        checked += 1
    assert checked == 12 * 3 * 5 * 3 * 3


def test_the_issue_example_67_foreign_not_high_end(rows, benefit_clauses):
    c = next(c for c in benefit_clauses if c.id == "一.4")
    v = reasoner.decide(rows["regular"], c, Facts("foreign", 67, False))
    assert v.outcome == reasoner.NOT_APPLICABLE and v.reason == "age_over_limit_not_high_end"
    assert reasoner.decide(rows["regular"], c, Facts("foreign", 67, True)).outcome == reasoner.APPLIES
    assert reasoner.decide(rows["regular"], c, Facts("foreign", 67, None)).needs == ("high_end",)
    # age not said: yes, on the condition of the age limit
    v = reasoner.decide(rows["regular"], c, Facts("foreign"))
    assert v.outcome == reasoner.CONDITIONAL and "age_within_limit" in v.conditions


def test_no_beijing_employer_means_no_measure_and_unknown_is_a_condition(rows, benefit_clauses):
    for c in benefit_clauses:
        assert reasoner.decide(rows["urgent"], c, Facts("foreign", 40, beijing_employer=False)).reason == \
            "no_beijing_employer"
    c15 = next(c for c in benefit_clauses if c.id == "一.5")
    v = reasoner.decide(rows["regular"], c15, Facts("foreign", 40))
    assert v.outcome == reasoner.APPLIES and "beijing_employer" in v.conditions


def test_a_verdict_never_states_a_measure_for_the_wrong_list_or_nationality(rows, benefit_clauses):
    for q in rows.values():
        for c in benefit_clauses:
            for nat in NATIONALITIES:
                v = reasoner.decide(q, c, Facts(nat, 40, True, 10, True))
                if v.positive:
                    assert q.list in c.lists
                    assert c.nationality in ("any", nat)


def test_practice_only_for_the_four_professions(catalog_db):
    c3 = next(c for c in queries.clauses("practice"))
    by_id = {q.id: q for q in queries.all_qualifications()}
    assert reasoner.decide(by_id["R007"], c3, Facts()).outcome == reasoner.CONDITIONAL  # CFA: finance
    v = reasoner.decide(by_id["R031"], c3, Facts())  # Kubernetes: not one of 金融、会计、医师、教师
    assert v.outcome == reasoner.NOT_APPLICABLE and v.reason == "not_practice_field"


def test_general_verdicts_without_a_credential(benefit_clauses):
    by_id = {c.id: c for c in benefit_clauses}
    v = reasoner.decide_general(by_id["二.1"], Facts("foreign"))
    assert v.outcome == reasoner.CONDITIONAL and "urgent_list" in v.conditions
    assert reasoner.decide_general(by_id["一.1"], Facts("foreign")).reason == "chinese_only"
    assert reasoner.decide_general(by_id["一.4"], Facts("foreign", 71)).reason == "age_over_limit"
    assert reasoner.decide_general(by_id["一.3"], Facts()).needs == ("nationality",)
