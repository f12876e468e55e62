"""Pinyin read as Chinese (catalog/pinyin.py) and rows named by number (catalog/claims.py)."""
from __future__ import annotations

import pytest

from catalog import claims, pinyin


@pytest.mark.parametrize("text, read, only", [
    ("waiji gjc lingyu nianling zuiduo fang kuan dao ji sui", "外籍 高精尖 领域 年龄 最多 放宽 dao 几岁", True),
    ("cfa二级过了 能办gzjzz吗", "cfa二级过了 能办工作居住证吗", False),
    ("ieee fellow都算jxjq吗 我们hr问的", "ieee fellow都算急需紧缺吗 我们人事问的", False),
    ("I work in Beijing and have a PMP", "I work in Beijing and have a PMP", False),  # English stays English
    ("is my teaching cert from fl ok", "is my teaching cert from fl ok", False),   # "fl" is Florida here
    ("", "", False),
])
def test_pinyin_is_read_as_the_chinese_it_stands_for(text, read, only):
    assert pinyin.expand(text) == (read, only)


@pytest.mark.parametrize("text, ids", [
    ("清单(二)第90项是什么", ["R090"]),
    ("What's item 42 on list 2?", ["R042"]),
    ("CFP在目录里，是清单(二)第50项", ["R050"]),
    ("急需紧缺清单第3项是哪个证书？", ["U03"]),
    ("第二条第6项具体是什么", []),          # a clause's item, not a row
    ("What's in item 5 of section 2?", []),
    ("第二條第5項講咩？", []),
    ("Section 2, item 3", []),
    ("whoever verified certificate no. 12345 last week", []),  # a certificate's own number is no row
])
def test_rows_are_named_by_number_but_clause_items_are_not_rows(catalog_db, text, ids):
    assert [q.id for q in claims.items_named(text)] == ids


@pytest.mark.parametrize("text, years", [
    ("I passed CIMA at management level and have 18 months of finance experience.", 1.5),
    ("我有瑞士单板滑雪教练三级证书，但只教了一年半", 1.5),
    ("I hold the CTFC. I have 2 years in trade-finance compliance. Is that enough?", 2.0),
    ("I've done 1 year of cloud work so far.", 1.0),
    ("Do I need 2 years of experience?", None),        # the years asked about, not the person's
    ("The permit is valid for 5 years of work", None),
    ("I have been in Beijing 2 years", None),
])
def test_the_person_s_years_of_experience(text, years):
    from catalog import facts
    assert facts.experience_years(text) == years


@pytest.mark.parametrize("text, nationality", [
    ("唔好意思補充返，我上個月已經入咗中國籍，冇再用英國護照。", "chinese"),   # the passport given up
    ("我已经加入中国国籍，不再持有英国护照", "chinese"),
    ("I naturalized as a Chinese citizen and gave up my British passport", "chinese"),
    ("I gave up Chinese nationality and am now British", "foreign"),
    ("我放弃了中国籍，现在是加拿大籍", "foreign"),
    ("我是英国籍", "foreign"),
])
def test_a_nationality_given_up_is_not_the_person_s(text, nationality):
    from catalog import facts
    found = facts.nationality(text)
    assert found is not None and found[0] == nationality
