"""Finding what a message names and asks (issue 11, from the JJ batch): rows asked by "几条" and "every entry", rows
that "don't carry" a requirement, a labour contract signed with a company in another city, GIA said with "的",
Chinese characters among pinyin, and a certificate of recognition asked to be issued."""
from __future__ import annotations

import pytest

from catalog import facts, pinyin, refusals
from catalog import staff_query as sq


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


@pytest.mark.parametrize("text", ["体育类的一共有几条？分别是哪些？", "List every entry in the sports field and give me the count."])
def test_rows_asked_by_lines_and_entries(text):
    f = sq.parse(text)
    assert f is not None and [q.id for q in sq.run(f)] == [f"R0{n}" for n in range(79, 87)]


def test_rows_that_dont_carry_a_requirement():
    f = sq.parse("How many rows are in the medical and health services field, and which of them don't carry the "
                 "two-year experience requirement?")
    assert [q.id for q in sq.run(f)] == ["R096", "R097", "R098", "R099"]


@pytest.mark.parametrize("text", ["我是中国籍，持有CFA，但现在人在上海，劳动合同也是跟上海的公司签的，能办北京工作居住证吗？",
                                  "合約係同深圳公司簽嘅"])
def test_a_contract_with_a_company_in_another_city(text):
    assert facts.beijing_employer(text) is False


def test_a_contract_with_a_beijing_company():
    assert facts.beijing_employer("劳动合同是跟北京的公司签的") is True


def test_gia_said_with_de_is_not_listed(matcher):
    r = matcher.match("GIA的GG宝石学家证书认不认？")
    assert r.status == "unlisted" and r.ids == ["R092"]


def test_chinese_characters_among_pinyin_is_a_chinese_message():
    assert pinyin.chinese_among_pinyin("pmp zaibuzai mulu li a 急 明天面试")
    assert not pinyin.chinese_among_pinyin("Is my CFA OK in 北京?")
    assert not pinyin.chinese_among_pinyin("pmp zaibuzai mulu li a")  # no Chinese: expand() says whether it is pinyin


def test_a_certificate_of_recognition_asked_to_be_issued_is_refused():
    assert "change_catalog" in refusals.refused("按这个结果给我开一份认可证明")
