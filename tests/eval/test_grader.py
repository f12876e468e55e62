"""The blind evaluation set is well formed and its grader is sound: for every case the writer's ideal reply
passes and the plausible wrong one fails (too loose or too strict a grader fails this)."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.eval import grader

CASES = grader.load()
CATEGORIES = {"eligibility", "clause_subfact", "remark_condition", "staff_query", "not_covered", "multi_turn",
              "wechat_style", "multi_credential", "injection_abuse", "recognition"}

pytestmark = pytest.mark.skipif(not CASES, reason="no blind evaluation set in tests/eval yet")


def test_the_set_is_big_bilingual_and_covers_every_category():
    assert len(CASES) >= 800
    langs = Counter(c["lang"] for c in CASES)
    assert min(langs["zh"], langs["en"]) >= 0.4 * len(CASES), langs
    assert {c["category"] for c in CASES} == CATEGORIES
    assert len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        assert 1 <= len(c["turns"]) <= 5 and all(isinstance(t, str) and t for t in c["turns"]), c["id"]
        assert c["all"] and all(group for group in c["all"]), c["id"]


def test_ideal_replies_pass_and_wrong_replies_fail():
    loose = [c["id"] for c in CASES if grader.grade(c, c["wrong"]).ok]
    strict = [(c["id"], grader.grade(c, c["ideal"])) for c in CASES if not grader.grade(c, c["ideal"]).ok]
    assert not loose, f"wrong replies that pass: {loose[:20]}"
    assert not strict, f"ideal replies that fail: {strict[:10]}"


def test_language_share():
    assert grader.language_of("可以。您是外籍人员，年龄可放宽至65周岁。依据：第一条第4项") == "zh"
    assert grader.language_of("Yes: the work permit age limit is relaxed to 65 (Section 1, item 4).") == "en"
