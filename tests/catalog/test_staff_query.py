"""Queries over the catalog's attributes (catalog/staff_query.py), checked against counts computed here from
the rows themselves."""
from __future__ import annotations

import pytest

from catalog import answers, queries, staff_query


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def ids(text):
    f = staff_query.parse(text)
    assert f is not None, text
    return [q.id for q in staff_query.run(f)]


def test_field_and_years_of_experience():
    sports = {q.id for q in queries.all_qualifications() if "体育" in q.field_keys and q.experience_years == 2
              and q.experience_unit == "year"}
    assert set(ids("体育类的资格里面哪些要求两年相关工作经验？一共几个？")) == sports


def test_registration_with_a_beijing_authority():
    beijing = {q.id for q in queries.all_qualifications() if q.registration and "我市" in q.registration.zh}
    assert set(ids("目录里有哪些资格要求在北京市的主管部门注册或者备案之后才能执业？")) == beijing
    assert beijing and all(q in set(ids("Which qualifications require registration before practising?")) for q in beijing)


def test_field_and_country_in_english():
    uk_finance = {q.id for q in queries.all_qualifications() if "金融" in q.field_keys and "英国" in q.country_keys}
    assert set(ids("How many finance qualifications are from the UK, and which?")) == uk_finance


def test_the_urgent_list_and_a_country():
    assert ids("急需紧缺清单一共几项 都是啥") == [f"U0{i}" for i in range(1, 8)]
    assert set(ids("列出所有加拿大颁发的证书")) == {q.id for q in queries.all_qualifications() if "加拿大" in q.country_keys}


def test_benefit_questions_are_no_staff_queries():
    for text in ("我能享受哪些便利", "What do I get as a foreigner?", "我有CFA，能认可吗"):
        assert staff_query.parse(text) is None, text


def test_the_answer_gives_the_count_and_every_row():
    f = staff_query.parse("哪些资格可以对应副高级职称？")
    rows = staff_query.run(f)
    a = answers.staff_query(f, rows, "zh")
    assert f"共{len(rows)}项" in a.text and all(q.id in a.text for q in rows) and a.source


def test_several_countries_fields_and_name_words():
    by = {q.id: q for q in queries.all_qualifications()}
    got = set(ids("Hong Kong, Macau and Taiwan combined - how many rows?"))
    assert got == {i for i, q in by.items() if set(q.country_keys) & {"中国香港", "中国澳门", "中国台湾"}}
    assert set(ids("精算師嘅資格喺目錄入面有幾多項？")) == {i for i, q in by.items() if "精算师" in q.name.zh}
    assert set(ids("IEEE和ACM相关的资格有几项")) == {i for i, q in by.items() if "IEEE" in q.name.zh or "ACM" in q.name.zh}
    assert set(ids("IT rows (cloud computing + internet information) that require two years?")) == {
        i for i, q in by.items() if set(q.field_keys) & {"云计算", "互联网信息"} and q.experience_years == 2}
    # a word inside another phrase is no name: "部门注册" is not about rows named "…门注…"
    assert staff_query.parse("目录里有哪些资格要求在北京市的主管部门注册或者备案之后才能执业？").words == ()


def test_a_follow_up_narrows_the_earlier_question():
    earlier = staff_query.parse("How many sports rows are there?")
    f = staff_query.parse_more("and which of those need two years of experience?", earlier)
    assert f.field == "体育" and f.experience_years == 2


def test_states_provinces_including_and_excluding():
    us_states = {q.id for q in queries.all_qualifications() if "美国" in q.country_keys and q.region is not None
                 and "教育" in q.field_keys}
    assert len(us_states) == 18  # the 16 state certificates, Massachusetts' and Alaska's preschool one
    assert set(ids("How many US state teaching certificates are listed, and which states?")) == us_states
    # "including preschool" is no filter; "exclude preschool" leaves those rows out
    assert set(ids("美国各州教育部门发的教师资格证书，目录里一共有多少项？帮我数清楚，包括学前的")) == us_states
    assert set(ids("how many US state teacher certificates are in the catalog (exclude preschool)?")) == us_states - {"R075"}
    au_states = {q.id for q in queries.all_qualifications() if "澳大利亚" in q.country_keys and q.region is not None}
    assert set(ids("How many Australian state/territory teacher registration boards are in the catalogue, "
                   "and is New South Wales one of them?")) == au_states


def test_rows_whose_remark_does_not_ask_for_the_years():
    # "哪些备注没有要求两年…" is the opposite of "哪些要求两年": never the rows that do
    medical = [q for q in queries.all_qualifications() if "医疗健康服务" in q.field_keys]
    without = {q.id for q in medical if q.experience_years != 2}
    assert without and set(ids("领域是“医疗健康服务”的条目里，哪些备注没有要求两年相关工作经验？一共多少条？")) == without


def test_a_name_word_matches_its_stem():
    # "actuarial" is the Society of Actuaries' and the Institute and Faculty of Actuaries' rows too, not only the
    # one row whose name has "Actuarial" in it
    actuaries = {q.id for q in queries.all_qualifications() if "actuar" in q.name.en.lower() or "actuar" in q.issuer.en.lower()}
    assert len(actuaries) >= 5
    assert set(ids("Can you list every actuarial qualification in the catalog with its item number?")) == actuaries


def test_several_rows_titles_and_experience_summary():
    fsa, cfa, frm = queries.get("R008"), queries.get("R007"), queries.get("R029")
    zh = answers.titles_of([fsa, cfa], "zh").text
    assert "都不能对应副高级" in zh and "第8项" in zh and "第7项" in zh
    en = answers.titles_of([cfa, frm], "en", experience=True, urgent=False).text
    assert "Requires 2 years" in en and "no work experience required" in en
    assert "urgent list" not in en  # not asked: not said
    assert "None of them requires" not in en  # FRM does
    with_urgent = answers.titles_of([queries.get("U06"), queries.get("R015")], "en").text
    assert "associate senior" in with_urgent and "None of them is on the urgent list" not in with_urgent


def test_beijing_registration_or_a_practice_licence():
    rows = {q.id for q in queries.all_qualifications() if q.registration
            and any(w in q.registration.zh for w in ("我市", "本市", "北京", "许可"))}
    assert {"R096", "R097", "R098", "R099"} <= rows
    health = {q for q in rows if "医疗健康服务" in queries.get(q).field_keys}
    assert set(ids("醫療健康服務領域有邊啲證書要喺北京註冊或者辦許可？")) == health
    assert set(ids("醫療健康服務領域有邊啲證書要喺北京註冊？")) == health - {"R096", "R097", "R098", "R099"}


def test_rows_name_their_list_when_the_query_picks_none():
    f = staff_query.parse("How many entries come from the Royal Society of Chemistry, and which list is each on?")
    text = answers.staff_query(f, staff_query.run(f), "en").text
    assert "item 5 (list of urgently needed" in text and "item 1 (general list" in text
    urgent = staff_query.Filters(list="urgent")
    assert "（急需紧缺境外职业资格清单）" not in answers.staff_query(urgent, staff_query.run(urgent), "zh").text.split("\n", 1)[1]


def test_a_practice_licence_asked_is_the_rows_that_require_one():
    licence = {q.id for q in queries.all_qualifications() if q.registration and "许可" in q.registration.zh}
    assert licence == {"R096", "R097", "R098", "R099"}
    assert set(ids("How many rows require the holder to obtain a short-term medical practice licence in China?")) == licence
    # "general" is the list asked, not the General Pharmaceutical Council's row
    assert len(ids("how many entries in the general list are in the healthcare services field (医疗健康服务), and how "
                   "many of those require two years of experience?")) == 15


def test_rows_the_question_leaves_out_are_no_filter_of_it():
    beijing = ["R110", "R112", "R113", "R114", "R115"]
    assert ids("Which rows say the holder must register or file with a Beijing municipal department (not the "
               "short-term medical licence rows)? Count them.") == beijing
    assert ids("哪些证书要求在北京市有关部门注册或备案（不包括短期行医许可）？") == beijing
    assert staff_query.without_excluded("which rows need registration, excluding the pharmacists?") == \
        "which rows need registration ?"


def test_a_practice_licence_said_with_before_practising_is_the_licence_rows():
    assert ids("Which rows say a short-term medical practice licence is needed before practising?") == \
        ["R096", "R097", "R098", "R099"]


def test_what_a_question_leaves_out_still_drops_those_rows():
    assert not {"R112", "R113", "R114"} & set(ids("医疗健康服务领域有哪些证书，除了药剂师以外？"))
    assert "R077" not in ids("列出教育领域的证书（不包括蒙台梭利）") and "R076" in ids("列出教育领域的证书（不包括蒙台梭利）")
    assert "R075" not in ids("How many teacher certificates from the US, other than the Alaska ones?")  # Alaska's
