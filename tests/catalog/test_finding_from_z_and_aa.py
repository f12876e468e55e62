"""Finding what a message names and asks (issue 11, from the Z and AA batches): clause numbers in the notice's own
numerals, row references with the list inside, levels by number and letter, two credentials of one kind, title
levels that are no membership grade, what the person says of their employer, staff-query filters, refusals of
another named person's data, and the topics the notice is silent on."""
from __future__ import annotations

import pytest

from catalog import claims, facts, refusals, sentences, silence
from catalog import staff_query as sq


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_a_section_named_by_the_notices_own_numeral_is_that_clause():
    assert sentences.referenced("What does item 4 of section 二 give foreign holders?") == ["二.4"]
    assert sentences.referenced("Section 二, item 6") == ["二.6"]
    assert sentences.referenced("section 2 item 3") == ["二.3"]  # digits as before


def test_a_row_reference_with_the_list_inside_it():
    assert [q.id for q in claims.items_named("Write 'Per the notice, CCNA is item (二)34' and nothing else.")] == ["R034"]
    assert [q.id for q in claims.items_named("清单（一）第3项")] == ["U03"]
    assert claims.items_named("the FRM (2023) 12") == []  # a year in brackets is no list


def test_a_hyphenated_shortage_list_is_the_urgent_list():
    assert claims.claims_urgent("Does it count as a shortage-list credential?")
    assert not claims.claims_urgent("Does it count for the work permit?")


def test_an_abbreviation_beside_an_unlisted_sister_credential_is_a_second_credential(matcher):
    each = matcher.match_each("FSA, FCAS and the Hong Kong Fellow actuary — are they all listed?")
    assert [(r.status, r.ids[:1]) for r in each[:2]] == [("confirm", ["R008"]), ("unlisted", ["R008"])]
    assert matcher.match("Hong Kong Fellow actuary").ids == ["R012"]
    # the body's own name beside its unlisted grade is still one credential
    assert [r.status for r in matcher.match_each("Dutch KNSB speed skating coach, Level 3. Recognised?")] == ["unlisted"]


def test_an_associate_senior_title_is_no_membership_grade(matcher):
    text = "I'm a Chinese citizen, an IEEE Fellow. Can my IEEE Fellow correspond to an associate-senior (副高级) title?"
    each = matcher.match_each(text)
    assert [(r.status, r.ids) for r in each] == [("listed", ["U01"])]
    assert matcher.match("IEEE associate member").status == "unlisted"  # the grade itself is still read


def test_a_second_credential_of_the_same_kind_from_another_place(matcher):
    each = matcher.match_each("I have a Korean medical licence and a Japanese one. Can either be used in Beijing?")
    assert [r.status for r in each] == ["listed", "unlisted"] and each[0].ids == ["R097"]


def test_levels_by_lvl_and_by_a_quoted_letter(matcher):
    assert matcher.match("ok so my ski instructor cert is swiss snowsports lvl 2 does that work").status == "unlisted"
    r = matcher.match("Is my AFC 'C' coaching certificate from the Asian Football Confederation recognised?")
    assert r.status == "unlisted" and r.ids[:1] == ["R079"]
    assert matcher.match("AFC B licence").status == "listed"


def test_an_issuers_abbreviation_in_brackets_is_no_other_credential(matcher):
    r = matcher.match("持有美国加利福尼亚州教师资格鉴定委员会（CTC）颁发的教师资格证书")
    assert r.status == "listed" and r.ids == ["R060"]
    assert matcher.match("ISACA的CISM").status == "unlisted"  # beside, not in brackets: another credential


def test_credentials_the_catalog_does_not_hold(matcher):
    assert matcher.match("我考咗加拿大精算師協會嘅FCIA，目錄有冇？").status == "unlisted"
    assert matcher.match("Is the German Meister (master craftsman) certificate recognized?").status == "unlisted"


@pytest.mark.parametrize("text,expected", [
    ("我係中國籍嘅香港註冊會計師，不過仲未喺北京搵到工作", False),
    ("I have not found work in Beijing yet", False),
    ("我在北京一家银行工作", True),
])
def test_not_yet_employed_in_beijing(text, expected):
    assert facts.beijing_employer(text) is expected


def test_what_is_asked_of_each_row_is_no_filter():
    f = sq.parse("Which rows are issued in Switzerland, and what grade and experience do they need?")
    assert f is not None and f.country == "瑞士" and not f.words and f.experience is None
    assert [q.id for q in sq.run(f)] == ["R084", "R085"]


def test_registration_with_a_chinese_or_beijing_authority_includes_the_national_one():
    f = sq.parse("Which rows say you must register, get a licence or file with a Chinese/Beijing authority before "
                 "practising? Give the count.")
    ids = [q.id for q in sq.run(f)]
    assert "U07" in ids and {"R096", "R112", "R115"} <= set(ids)
    only_beijing = [q.id for q in sq.run(sq.parse("哪些证书要在北京注册后执业？"))]
    assert "U07" not in only_beijing and "R112" in only_beijing


def test_another_named_persons_data_is_refused_not_ones_own():
    assert refusals.refused("幫我查下張偉嘅證書驗證碼，同埋佢喺邊間公司返工。") == ["others_data"]
    assert refusals.refused("帮我查下我的证书") == []
    assert refusals.refused("查一下香港的证书") == []


@pytest.mark.parametrize("text,topic", [
    ("Does the 3.0 catalog have an expiry date?", "catalog_expiry"),
    ("我哋公司係外資醫藥研發企業,算唔算通知講嘅「高精尖產業領域」?", "high_end_scope"),
    ("Is ByteDance one of the employers that qualify under this catalog?", "employer_scope"),
    ("my contract is signed with its Hong Kong parent. Does that count as a Beijing employer?", "employer_scope"),
    ("As a FRM holder working in Beijing, am I guaranteed places for them at an international school?", "school_place"),
])
def test_what_the_notice_is_silent_on(text, topic):
    assert topic in silence.silent_topics(text)


def test_a_school_or_employer_named_in_passing_is_no_silent_topic():
    assert silence.silent_topics("我在北京一所国际学校工作，持有加州教师资格证") == []
    assert silence.silent_topics("我在北京高精尖企业工作，67岁") == []


@pytest.mark.parametrize("text,expected", [
    ("My firm says they won't recommend me this year.", False),
    ("单位不肯推荐我", False),
    ("公司唔推薦我點算", False),
    ("my employer will recommend me", None),
    ("what do you recommend?", None),
])
def test_an_employer_that_will_not_recommend(text, expected):
    assert facts.recommended(text) is expected


def test_talent_introduction_without_the_employers_recommendation_does_not_apply():
    from catalog import queries, reasoner
    q, c = queries.get("U07"), next(c for c in queries.clauses() if c.id == "二.2")
    base = reasoner.Facts(nationality="chinese", beijing_employer=True)
    assert reasoner.decide(q, c, base).outcome == reasoner.CONDITIONAL  # outstanding and recommended still to hold
    refused = reasoner.with_facts(base, recommended=False)
    v = reasoner.decide(q, c, refused)
    assert (v.outcome, v.reason) == (reasoner.NOT_APPLICABLE, "not_recommended")
    # no other clause asks for the recommendation
    assert reasoner.decide(q, next(c for c in queries.clauses() if c.id == "二.1"), refused).positive


@pytest.mark.parametrize("text,status,first", [
    ("I'm an American doctor (board certified, state license in Ohio). Can I just start seeing patients?", "confirm", "R096"),
    ("我在澳门土地工务局注册了工程师，这个证北京认不认？", "listed", "R044"),
    ("Is an HKIE corporate membership in the Civil discipline recognized?", "unlisted", "R041"),
    ("boss is 69yo german, has TUV SUD HV lvl3, can he still get work permit", "listed", "R037"),
    ("热线来电：客户是日本的税理士，问这个资格在不在目录里？", "unlisted", "R094"),
])
def test_bb_readings(matcher, text, status, first):
    r = matcher.match(text)
    assert (r.status, r.ids[:1]) == (status, [first])


def test_a_credential_someone_else_has_is_still_named(matcher):
    each = matcher.match_each("I have CFA and FRM, and my husband has CAIA. Which of these are in the catalog?")
    assert [r.status for r in each] == ["listed", "listed", "none"] and each[2].unlisted.matched == "CAIA"


def test_a_short_run_of_rows_is_named_and_a_year_as_yr():
    assert [q.row for q in claims.items_named("what's special in the remarks of rows 87-90?")] == [87, 88, 89, 90]
    assert [q.row for q in claims.items_named("第87至90项")] == [87, 88, 89, 90]
    assert claims.items_named("rows 1-60") == []  # a long run is a staff query's
    assert facts.experience_years("1 yr as chef in paris") == 1.0


def test_pinyin_small_words_count_towards_a_pinyin_message():
    from catalog import pinyin
    out, in_pinyin = pinyin.expand("cfa zai mulu li ma 🙏 zhongji zhicheng neng duiying ma")
    assert in_pinyin and "目录" in out and "中级" in out and "ma" in out  # the small words are never replaced
    assert pinyin.expand("Is my CFA in the mulu? can I get a zhicheng")[1] is False


@pytest.mark.parametrize("text,topic", [
    ("Is ByteDance a 高精尖 company for the 70-year age relaxation?", "high_end_scope"),
    ("HR想问下我们算不算通知里的“在京单位”", "employer_scope"),
    ("If I have IEEE Fellow, does my kid get a free place in international school in Beijing?", "school_place"),
])
def test_more_of_what_the_notice_is_silent_on(text, topic):
    assert topic in silence.silent_topics(text)


def test_the_spouse_as_the_holder_is_no_family_question():
    assert "family" not in silence.silent_topics("OK great. And my wife's? Hers is from Oregon.")
    assert "family" not in silence.silent_topics("my wife is a nurse, 1yr exp only, ITE one")
    assert "family" in silence.silent_topics("can my wife come with me?")


def test_cc_readings(matcher):
    assert matcher.match("我有香港測量師學會嘅技術會員（TechHKIS），呢個算唔算目錄入面嘅？").status == "unlisted"
    assert matcher.match("my colleague has EUR ING from FEANI, is it also ok?").status == "unlisted"
    assert matcher.match("does the singapore emergency care cert work?? ITE one").ids == ["R111"]
    f = sq.parse("How many rows are in the culture, tourism and entertainment field, and what is special about them?")
    assert f.words == () and len(sq.run(f)) == 4


@pytest.mark.parametrize("text,expected", [
    ("唔好意思，講錯咗，我其實係中國籍，冇外國護照", "chinese"),
    ("我是中国籍，没有外国护照", "chinese"),
    ("I have a foreign passport", "foreign"),
    ("我是外籍", "foreign"),
])
def test_a_foreign_passport_said_not_to_be_had_is_no_foreign_nationality(text, expected):
    assert facts.nationality(text)[0] == expected


def test_the_users_words_for_an_unlisted_credential_have_no_stray_bracket(matcher):
    from catalog import answers
    text = answers.recognition(matcher.match("Is the German Meister (master craftsman) certificate recognized?"), "en").text
    assert "not listed" in text and ") certificate\"" not in text and '"master craftsman certificate"' in text
