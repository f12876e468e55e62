"""Never a false "yes": credentials that are NOT in the catalog but look like a listed one
(tests/data/nearmiss_*.yaml, written blind to the aliases, the matcher and the other test sets, from the
notice and the writers' knowledge of real credentials), and the confirming question for generic evidence."""
from __future__ import annotations

import glob
import os

import pytest

from tests.catalog.matcher_eval import CASES, evaluate, evaluate_nearmiss, load_cases

NEARMISS = sorted(os.path.basename(p) for p in glob.glob(str(CASES.parent / "nearmiss_*.yaml")))


def test_the_near_miss_sets_are_big_and_bilingual():
    cases = [c for name in NEARMISS for c in load_cases(name)]
    assert len(cases) >= 400
    assert {"zh", "en"} <= {c["lang"] for c in cases}
    kinds = {c["kind"] for c in cases}
    assert {"mainland_namesake", "other_jurisdiction", "lower_grade", "membership_or_exam", "shared_designation",
            "broad_issuer", "typo_unlisted"} <= kinds


def test_no_near_miss_is_reported_listed_or_sent_to_a_wrong_row(matcher):
    score = evaluate_nearmiss(matcher, NEARMISS)
    assert not score.false_yes, "\n".join(score.false_yes)
    assert not score.wrong_row, "\n".join(score.wrong_row)


@pytest.mark.parametrize("name", ["matcher_cases.yaml", "matcher_holdout.yaml"])
def test_listed_credentials_stay_listed(matcher, name):
    """The positive cases: >= 99% on the set the matcher was tuned on; the blind hold-out keeps its bar.
    A confirming question counts only where the reviewed data says the evidence is generic."""
    score = evaluate(matcher, name)
    assert not score.unlisted_reported_listed, score.unlisted_reported_listed
    assert score.accuracy >= (0.99 if name == "matcher_cases.yaml" else 0.88), "\n".join(score.failures)


@pytest.mark.parametrize("text, status, ids", [
    ("我是主任工程师", ("confirm", "unlisted"), {"R045"}),       # a mainland job title
    ("公共营养师", ("unlisted",), set()),                          # a mainland occupation
    ("营养师", ("confirm",), {"R109"}),                             # an occupation word: ask
    ("ACA of ICAI (India)", ("unlisted",), {"R024"}),              # a designation another body uses
    ("TÜV SÜD functional safety certificate", ("unlisted",), {"R037"}),  # another credential of the issuer
    ("California psychotherapist", ("unlisted",), set()),          # another jurisdiction
    ("Cambridge CELT-P", ("unlisted",), {"R073"}),                 # another grade of the issuer
    ("Gem-A member", ("confirm", "unlisted"), {"R092"}),            # a membership, not FGA/DGA
    ("我有CFA证书", ("listed",), {"R007"}),
    ("FCPA, HKICPA", ("listed",), {"R028"}),                       # the issuer decides a shared designation
])
def test_the_issue_examples(matcher, text, status, ids):
    r = matcher.match(text)
    assert r.status in status, (text, r)
    assert ids <= set(r.ids) or not ids, (text, r.ids)


def test_a_place_that_only_contains_a_listed_place_is_not_listed(matcher):
    family = matcher.match("教师资格证书")
    assert family.status == "ambiguous"
    for text in ("西弗吉尼亚的", "West Virginia", "新南威尔士州的", "Northern Ireland"):
        r = matcher.match(text, restrict_to=family.ids)
        assert r.status == "unlisted", (text, r)
    assert matcher.match("弗吉尼亚的", restrict_to=family.ids).best == "R061"


def test_a_name_containing_a_place_is_not_that_place(matcher):
    # "威尔士" inside the ICAEW's Chinese name is no claim about Wales
    r = matcher.match("我是英格兰及威尔士特许会计师协会的会员")
    assert r.status == "listed" and r.best == "R024"


def test_generic_evidence_carries_why(matcher):
    r = matcher.match("营养师")
    assert r.status == "confirm" and r.evidence == "generic" and r.why


def test_listed_rows_need_the_listed_level(matcher):
    assert matcher.match("I hold a FIBA referee licence").status != "listed"       # the row is international level
    assert matcher.match("FIBA国际级篮球裁判员证书").best == "R083"
