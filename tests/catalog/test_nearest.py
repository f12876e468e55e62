"""A message with no alias of any row but the words of one (catalog/matching/nearest.py): the nearest row is
asked about ("is yours this one?"), never called listed; places or common words alone find nothing."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, ids", [
    ("dga diamond grading uk - listed? thx", ["R092"]),       # DGA + diamond, without "Gem-A"
    ("瑞士雪联单板三级 有用吗", ["R085"]),                       # 单板 + 三级 + 瑞士, with a body the row does not name
    ("Higher Nitec（緊急護理）呢張證目錄有冇", ["R111"]),          # traditional characters read as simplified
    ("I'm a registered engineer in Macau. Is it recognised?", ["R044"]),  # one word of its own, with its place
    ("fifa basketball coach lvl1 ok??", ["R081", "R082"]),    # two rows tied: both offered
])
def test_the_rows_whose_words_a_message_shares_are_found(matcher, text, ids):
    assert [n.id for n in matcher.nearest.find(text)] == ids


@pytest.mark.parametrize("text", [
    "我有一张美国的证书",                       # a place and a common word
    "I'm registered in New South Wales",       # a place only
    "is my degree recognised",
    "哪些体育类证书要求两年工作经验",              # a staff query: the field word alone finds no row
    "Japanese 一級建築士",                       # one shared word (建筑) is too little
    "I have a German Meister certificate in electrical",
    "",
])
def test_places_common_words_or_one_word_find_nothing(matcher, text):
    assert matcher.nearest.find(text) == []
    assert matcher.nearest_result(text) is None


@pytest.mark.parametrize("text", ["dga diamond grading uk - listed? thx", "瑞士雪联单板三级 有用吗",
                                  "fifa basketball coach lvl1 ok??", "Alaska early childhood certificate please"])
def test_a_nearest_row_is_a_question_never_a_yes(matcher, text):
    r = matcher.nearest_result(text)
    assert r is not None and r.status in ("confirm", "ambiguous") and r.evidence == "nearest"
    assert r.best is None  # MatchResult.best is the listed row, and there is none


@pytest.mark.parametrize("text, expected", [
    ("I have FRM, PRM and CAIA. Which of these count?", [("listed", "R029"), ("none", "PRM"), ("none", "CAIA")]),
    ("I have PMP, PRINCE2 Practitioner and a Six Sigma Black Belt. Which ones count?",
     [("listed", "R014"), ("listed", "R039"), ("none", "Six Sigma Black Belt")]),
    ("I'm a finance controller with a USCPA, a CMA (IMA) and a CFE from the ACFE. Which ones are recognised?",
     [("listed", "R022"), ("listed", "R023"), ("none", "CFE")]),
    # an issuer said for one credential is not another credential's ("HKICPA" stays HKICPA's row, not CPA Australia)
    ("本人持有 HKICPA 同埋 CPA Australia，仲有一個 CPA Canada，邊啲喺目錄？",
     [("confirm", "R028"), ("listed", "R006"), ("unlisted", "CPA Canada")]),
])
def test_every_credential_of_a_message_gets_its_verdict(matcher, text, expected):
    got = [(r.status, r.ids[0] if r.ids else (r.unlisted.matched if r.unlisted else "")) for r in matcher.match_each(text)]
    assert got == expected


def test_a_lowercase_name_in_a_chinese_message_is_a_credential_name(matcher):
    got = [(r.status, r.unlisted.matched if r.unlisted else "") for r in matcher.match_each("ccie有嘛 思科那个 还有rhce😂")]
    assert got == [("unlisted", "ccie"), ("none", "rhce")]
    # an English message with one Chinese word: its English words are no credential names
    one = matcher.match_each("my wife got uefa pro licence n shes 70, coaching kids at a bj sports-tech co thats 高精尖")
    assert [r.ids[:1] for r in one] == [["R080"]]
