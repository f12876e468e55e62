"""The person's facts read from one message (catalog/facts.py): what is said, and nothing that is not."""
from __future__ import annotations

import pytest

from catalog import facts


@pytest.mark.parametrize("text,nationality,age", [
    ("我是外籍，67岁，持CIMA高级文凭", "foreign", 67),
    ("我係外國人，今年六十八歲", "foreign", 68),
    ("I'm 66, American, 3 years of related experience", "foreign", 66),
    ("I was Chinese but now I'm Canadian", "foreign", None),
    ("我是中国人，不是外籍", "chinese", None),
    ("I am Chinese, 40 years old", "chinese", 40),
    ("my CPA is from the American Institute of CPAs", None, None),  # an issuer's name says nothing of the person
    ("I have 12 years experience in banking", None, None),  # years of experience are not an age
])
def test_nationality_and_age(text, nationality, age):
    nat = facts.nationality(text)
    assert (nat[0] if nat else None) == nationality
    a = facts.age(text)
    assert (a[0] if a else None) == age


@pytest.mark.parametrize("text,years", [
    ("工作两年多了", 2), ("一年半工作经验", 1.5), ("我做了三年审计", 3), ("only 1 year experience", 1),
    ("3 years of related experience", 3), ("worked for 5 years as an engineer", 5), ("PMP 考了3年", None),
    ("I'm 45", None), ("Level 3 coach", None),
    ("I did 8 years of consulting in Tokyo", 8), ("I have been a nurse for 10 years", 10), ("刚毕业一年", 1),
    ("three years as an auditor", 3), ("I want to stay 5 years as a resident", None),
    ("a visa valid for 5 years as a worker", None),
])
def test_experience_years(text, years):
    assert facts.experience_years(text) == years


@pytest.mark.parametrize("text,employer", [
    ("在北京的公司上班", True), ("I work for a Beijing company", True), ("还没找到工作", False),
    ("I haven't found a job yet", False), ("我有CFA", None), ("单位在上海", None),
])
def test_beijing_employer(text, employer):
    assert facts.beijing_employer(text) is employer


def test_high_end_negation_wins():
    assert facts.high_end("单位不属于高精尖")[0] is False
    assert facts.high_end("我们是高精尖企业")[0] is True
    assert facts.high_end("普通的问题") is None


def test_years_asked_about_are_not_the_person_s_own():
    assert facts.experience_years("do i need 2 yrs of experience?") is None
    assert facts.experience_years("需要两年经验吗") is None
    assert facts.experience_years("does it require 2 years of experience? I have 1 year of experience") == 1.0
    assert facts.experience_years("psychotherapist ahpra australia 1.5 yrs exp does it count n do i need 2 yrs") == 1.5


@pytest.mark.parametrize("text,expected", [
    ("那个学校应该不算什么高精尖吧那他还能办工作许可吗", False),
    ("我们单位算不上高精尖", False),
    ("our firm is not really a high-end one", False),
    ("不知道是不是高精尖", None),
    ("唔知算唔算高精尖", None),
    ("not sure if we count as high-end", None),
    ("公司確認屬於高精尖產業領域", True),
    ("我不年轻了，但公司是高精尖", True),
    ("I am not young, my company is in a high-end industry", True),
])
def test_high_end_said_negated_or_unknown(text, expected):
    found = facts.high_end(text)
    assert (found[0] if found else None) is expected


@pytest.mark.parametrize("text,expected", [
    ("我在北京一个事业单位的研究所工作。", True),
    ("喺北京間醫院返工", True),
    ("teaching at a Beijing school (not high-tech)", True),
    ("I want to work in Beijing one day", None),
    ("我打算在北京工作", None),
    ("我在上海工作", False),
])
def test_a_workplace_in_beijing(text, expected):
    assert facts.beijing_employer(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("Just graduated, zero work experience.", 0.0),
    ("刚毕业，没有工作经验", 0.0),
    ("我冇工作經驗", 0.0),
    ("no experience required?", None),
    ("没有经验也可以吗", None),
    ("哪些证书没有经验要求", None),
])
def test_no_experience_is_zero_years(text, expected):
    assert facts.experience_years(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Spanish national here, 63.", "foreign"),
    ("Kenyan, 40, nurse", "foreign"),
    ("a German citizen with CFA", "foreign"),
    ("I hold a German licence", None),
    ("Chinese national here", "chinese"),
])
def test_a_demonym_naming_the_person(text, expected):
    found = facts.nationality(text)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize("text,expected", [
    ("American, 66, I teach at an international school", 66),
    ("my mum (german, 72) has FRSC", 72),
    ("I have 2, 10 certificates", None),
])
def test_an_age_after_a_demonym(text, expected):
    found = facts.age(text)
    assert (found[0] if found else None) == expected


def test_not_sure_whether_high_end_is_unknown():
    assert facts.high_end("I'm not sure whether education counts as a 高精尖 sector.") is None


@pytest.mark.parametrize("text,employer", [
    ("我是中国籍，有PMP证书，但我是上海一家公司的员工，在北京没有用人单位。", False),
    ("I work for a company in Shanghai, not Beijing.", False),
    ("I have no employer in Beijing yet", False),
    ("my employer is in Shenzhen", False),
    ("我在北京一家公司工作", True),
    ("I work for a company in Beijing", True),
    ("I want to work in Beijing one day", None),
    ("I'm still working in Singapore and haven't found a Beijing employer yet.", False),
    ("还没找到北京的单位", False),
    ("我还在找工作", False),
    ("I have a job offer from a Beijing company", True),
])
def test_a_beijing_employer_or_none(text, employer):
    assert facts.beijing_employer(text) is employer


def test_high_tech_industry_is_the_high_end_word_and_its_negation_is_read():
    assert facts.high_end("The hospital isn't in a high-tech industry.")[0] is False
    assert facts.high_end("my employer is in a high-tech industry")[0] is True


@pytest.mark.parametrize("text, years", [("I'm French, 71, IEEE Fellow, about to join", 71),
                                         ("I am German, 66, with a PMP", 66), ("I'm British, 12 years of experience", None)])
def test_an_age_after_a_nationality(text, years):
    found = facts.age(text)
    assert (found[0] if found else None) == years


def test_years_abroad_asked_in_chinese_is_section_1_item_5():
    from catalog import asked
    assert asked.asked_clauses("香港那5年的从业经历在北京能算吗？") == ["一.5"]
    assert asked.asked_clauses("我的工作经验够不够") == []


@pytest.mark.parametrize("text,years,periods", [
    ("I've worked for a Beijing consulting firm for 1 year, and before that 5 years in Tokyo.", 6, True),
    ("我在北京做了1年，之前在东京干了5年", 6, True),
    ("I have 3 years of experience", 3, False),
    ("之前工作了两年", 2, False),  # "之前" before the only period adds nothing
    ("刚毕业，没有工作经验", 0, False),
])
def test_experience_given_in_periods_is_their_sum(text, years, periods):
    assert facts.experience_years(text) == years
    assert facts.experience_in_periods(text) is periods


@pytest.mark.parametrize("text,employer", [
    ("劳动合同签在上海的一家基金公司，只是人常驻北京远程办公，没跟北京的单位签合同", False),
    ("劳动合同签在上海的一家基金公司", False),
    ("我在北京的公司上班", True),
])
def test_a_contract_signed_elsewhere_is_no_beijing_employer(text, employer):
    assert facts.beijing_employer(text) is employer


def test_a_foreign_passport_or_naturalisation_is_foreign():
    assert facts.nationality("Actually I naturalised and now hold a Singapore passport.")[0] == "foreign"
    assert facts.nationality("I'm Chinese, I hold an IEEE Fellow")[0] == "chinese"


@pytest.mark.parametrize("text", ["目前在上海一家基金公司工作，经常来北京出差", "I work freelance, with no employment contract"])
def test_working_for_a_company_elsewhere_or_freelance_is_no_beijing_employer(text):
    assert facts.beijing_employer(text) is False


@pytest.mark.parametrize("text,employer", [
    ("我有cfa 中国籍 在京基金公司上班 能办工居证不", True),
    ("现在在京都工作", None),  # Kyoto is no Beijing
    ("现在还没找到北京的学校，想先过去看看", False),
    ("我在上海一所国际学校教书，跟北京的单位没有劳动关系", False),
])
def test_beijing_employer_in_short_and_negative_forms(text, employer):
    assert facts.beijing_employer(text) is employer
