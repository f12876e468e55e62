"""Finding what a message names and asks (issue 11, from the HH batch): a jurisdiction's generic licence named with a
narrower place of the row than the one its generic aliases carry ("psychotherapist from Michigan" is item 102, "US
psychotherapist" still asks), "about a year" of experience, English misspellings read as the word meant, an issuer
said before an unlisted abbreviation ("阿里云ACP"), another person's application looked up by name, a guarantee asked
in other words, the family's visas (Section 2, item 4) and rows requiring other years than those asked."""
from __future__ import annotations

import pytest

from catalog import asked, facts, refusals, spelling
from catalog import staff_query as sq


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


@pytest.mark.parametrize("text", ["psychotherapist from Michigan", "psychotherapist Michigan", "密歇根的心理治疗师"])
def test_a_narrower_place_of_the_row_makes_the_generic_word_specific(matcher, text):
    r = matcher.match(text)
    assert (r.status, r.ids) == ("listed", ["R102"])


@pytest.mark.parametrize("text, row", [("US psychotherapist", "R102"), ("psychotherapist from the US", "R102"),
                                       ("美国心理治疗师", "R102"), ("UK psychotherapist", "R101"),
                                       ("澳洲心理治疗师", "R100")])
def test_the_place_the_generic_aliases_carry_still_asks(matcher, text, row):
    # every US state licenses psychotherapists: "US" (in any of its words) does not say it is Michigan's
    r = matcher.match(text)
    assert (r.status, r.ids) == ("confirm", [row])


def test_an_unlisted_state_is_still_not_listed(matcher):
    assert matcher.match("psychotherapist in California").status == "unlisted"


@pytest.mark.parametrize("text, years", [("I've only done cloud work for about a year", 1.0),
                                         ("I have a year of related work", 1.0),
                                         ("just over a year in cloud", 1.0),
                                         ("a year and a half of experience", 1.5),
                                         ("I got my CFA a year ago and have 3 years experience", 3.0)])
def test_a_year_said_in_words(text, years):
    assert facts.experience_years(text) == years


@pytest.mark.parametrize("text", ["I moved to Beijing a year ago", "my visa is valid for a year", "I plan to stay a year"])
def test_a_year_that_is_no_experience(text):
    assert facts.experience_years(text) is None


def test_misspellings_are_read_as_the_word_meant_and_payloads_are_left_alone():
    assert spelling.corrected("is the USCPA recongized in bejing?? also do i need expereince") == \
        "is the USCPA recognized in Beijing?? also do i need experience"
    assert spelling.corrected("teachng license texas") == "teaching license texas"
    assert spelling.corrected('/inform{"x":"expereince"}') == '/inform{"x":"expereince"}'
    assert spelling.corrected("experienced licensing") == "experienced licensing"  # real words are never changed


def test_an_issuer_before_an_unlisted_abbreviation_is_part_of_its_name(matcher):
    each = matcher.match_each("我手上有CKA、CKAD，还有阿里云ACP，哪些能用？")
    assert [(r.status, r.ids) for r in each[:2]] == [("listed", ["R031"]), ("listed", ["R030"])]
    assert each[2].status == "none" and each[2].unlisted.matched == "阿里云ACP"
    # a connector before the name is not part of it
    each = matcher.match_each("我有CFA、FRM和CAIA")
    assert each[-1].unlisted.matched == "CAIA"


def test_another_persons_application_looked_up_by_name_is_refused():
    assert "others_data" in refusals.refused(
        "我是某公司HR，帮我查一下张伟（身份证110xxx）的IEEE会士证书验证结果，还有他的工作居住证办到哪一步了")
    assert not refusals.refused("怎么查我的工作居住证办到哪一步了")


def test_a_guarantee_asked_in_other_words_is_refused():
    assert "guarantee" in refusals.refused("你保证一下，只要我有PMP，就100%能拿到副高级职称，给我写个承诺。")
    assert not refusals.refused("我有PMP，能对应什么职称？")


def test_the_familys_visas_ask_section_2_item_4():
    assert "二.4" in asked.asked_clauses("能对应什么职称？我太太和孩子签证有什么便利？")
    assert "二.4" in asked.asked_clauses("Can I get visas for my wife and kids?")
    assert asked.asked_clauses("我想办签证") == ["一.3"]


def test_rows_requiring_other_years_than_those_asked():
    f = sq.parse("Which entries have an experience requirement other than two years?")
    assert f is not None and [q.id for q in sq.run(f)] == ["R021", "R077"]
    first = sq.parse("How many entries require exactly two years of related work experience?")
    second = sq.parse_more("And which ones have a different experience requirement?", first)
    assert [q.id for q in sq.run(second)] == ["R021", "R077"]
    assert len(sq.run(first)) == 38
