"""Finding what a message names and asks (issue 11, from the II batch): an age after a nationality ("a British
citizen, 66,") or said for later ("I'll already be 66"), abbreviations typed letter by letter, a Latin name before a
Chinese credential word, the rows of a second query asking none of the earlier requirement, rows counted "too", the
years of the last clause, and research funding as an amount the notice does not set."""
from __future__ import annotations

import pytest

from catalog import facts, silence, spelling
from catalog import staff_query as sq


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


@pytest.mark.parametrize("text, age", [("I'm a British citizen, 66, with a CFA charter.", 66),
                                       ("by the time the permit is processed I'll already be 66.", 66),
                                       ("I'm Japanese, 65, licensed", 65)])
def test_ages_said_in_passing(text, age):
    assert facts.age(text)[0] == age


@pytest.mark.parametrize("text", ["I'll be 5 minutes", "I'd be 30 years in the job"])
def test_no_age(text):
    assert facts.age(text) is None


def test_an_abbreviation_typed_letter_by_letter():
    assert spelling.corrected("u s c p a recognised in bj??") == "uscpa recognised in bj??"
    assert spelling.corrected("Is my C. F. A. listed") == "Is my CFA listed"
    assert spelling.corrected("UEFA A licence") == "UEFA A licence"  # one letter is a grade


def test_a_latin_name_before_a_chinese_credential_word_is_named(matcher):
    each = matcher.match_each("本人持有CKA、CKAD、CKS三个Kubernetes证书，另外还有一个HashiCorp的Terraform认证，分别什么情况？")
    assert [r.ids for r in each[:3]] == [["R031"], ["R030"], ["R032"]]
    assert each[3].status == "none" and "Terraform" in each[3].unlisted.matched


def test_a_second_query_for_the_rows_without_the_earlier_requirement():
    first = sq.parse("云计算领域里，哪些证书要求两年相关工作经验？")
    assert [q.id for q in sq.run(first)] == ["R030", "R031", "R032", "R033"]
    second = sq.parse_more("哪一个没写这个要求？", first)
    rows = sq.run(second)
    assert len(rows) == 1 and "Azure" in rows[0].name.en


def test_rows_counted_too_are_included_and_special_is_no_name():
    f = sq.parse("Hotline question: how many US states have a teacher certificate row in the catalog (count preschool "
                 "too)? Which ones are special?")
    ids = [q.id for q in sq.run(f)]
    assert len(ids) == 18 and "R074" in ids and "R075" in ids


def test_the_years_of_the_last_clause_are_asked():
    f = sq.parse("目录里要求两年工作经验的很多，有没有要求三年的？")
    assert [q.id for q in sq.run(f)] == ["R021"]


def test_an_amount_of_research_funding_is_a_silent_topic():
    assert "research_funding" in silence.silent_topics("持有急需紧缺清单证书的，能拿到多少科研经费？")
    assert "research_funding" not in silence.silent_topics("急需紧缺清单有几项？")
