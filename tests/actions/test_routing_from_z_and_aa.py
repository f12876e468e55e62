"""What the routing answers (issue 11, from the Z and AA batches): the notice's own date asked in any intent, a
claim about the conversation's credential, a grade replaced by a later one, a corrected credential kept when the
nationality changes, a place answering "which one?", an industry answering the work permit's question, a
nationality that is no browse, how verification is done, and a practising answer that says the row first."""
from __future__ import annotations

import pytest

from actions.routing import (ActionAnswerCatalogStats, ActionAnswerChitchat, ActionAnswerFallback, ActionAnswerInform,
                             ActionAnswerPractice, ActionAnswerRecognition)
from tests.actions.test_actions import run
from tests.actions.test_framed import tracker


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_the_notices_date_and_number_whatever_intent():
    text, *_ = run(ActionAnswerChitchat(), tracker("呢份通知係幾時發佈㗎？文號係咩？", "bot_challenge"))
    assert "2023年8月28日" in text and "京人社事业发〔2023〕24号" in text and "自动问答助手" not in text
    text, *_ = run(ActionAnswerFallback(), tracker("When was the 3.0 catalogue issued?", "nlu_fallback", lang="en"))
    assert "28 August 2023" in text


def test_is_it_urgent_about_the_conversations_credential_says_no_first():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "Does it count as a shortage-list credential?", "ask_recognized", lang="en",
        history=["我在英国有特许化学家(Chartered Chemist)头衔"], qualification="R036"))
    first = text.splitlines()[0]
    assert "not on the urgent list" in first and "item 36" in first
    assert not any(line.startswith("Yes.") for line in text.splitlines())


def test_a_grade_said_later_replaces_the_earlier_one():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "那我考到8级以后呢？", "ask_recognized", history=["我有英国皇家舞蹈学院的证书", "是6级的"]))
    assert "已列入" in text and "R090" in text and "不在《目录》内" not in text


def test_a_corrected_credential_stays_when_the_nationality_is_said():
    text, *_ = run(ActionAnswerInform(), tracker(
        "我是中国籍,单位在北京朝阳区,做风险管理4年了。", "inform",
        history=["我有CFA,能办北京工作居住证吗?", "不对,我说错了,是FRM不是CFA。"],
        qualification="R029", pending_intent="ask_benefits", asked="一.1"))
    assert "FRM" in text and "CFA" not in text and "工作居住证" in text


def test_a_new_foreign_nationality_answers_the_measure_asked_before():
    text, *_ = run(ActionAnswerFallback(), tracker(
        "Sorry, I got that wrong: I'm actually a British citizen now, I gave up my Chinese nationality. "
        "Does it still apply to me?", "nlu_fallback", lang="en",
        history=["我是中国籍，持有英国卫生保健专业委员会（HCPC）注册的心理治疗师资格，在北京一家心理诊所工作。我能办工作居住证吗？"],
        qualification="R101", asked="一.1"))
    assert text.startswith("No.") and "Chinese nationals" in text and "Section 1, item 4" in text


def test_a_place_not_among_the_options_is_not_listed():
    text, *_ = run(ActionAnswerInform(), tracker(
        "It was issued by NESA in New South Wales.", "inform", lang="en",
        history=["Is my Australian teacher certificate recognized in Beijing?"],
        candidates="R066,R067,R068,R069,R070,R071", pending_intent="ask_recognized"))
    assert "not listed" in text and "New South Wales" in text and "the notice says" not in text


def test_an_industry_said_answers_the_work_permits_question():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "如果这家单位属于高精尖产业领域呢？", "ask_recognized",
        history=["I'm Spanish, 69, with a coaching certificate from the Spanish Basketball Federation. Work permit?"],
        confirming="R081", pending_intent="ask_work_permit", age=69, nationality="foreign"))
    assert text.startswith("可以") and "70" in text and "69" in text


def test_a_nationality_is_no_browse_of_that_countrys_rows():
    said = "我是英国籍，在北京一家药企研发中心工作"
    t = tracker(said, "inform", history=["我在英国有特许化学家(Chartered Chemist)头衔"], confirming="R036",
                entities=[{"entity": "country", "value": "英国", "start": 2, "end": 4}])
    text, *_ = run(ActionAnswerInform(), t)
    assert "R024" not in text and "共20项" not in text


def test_where_to_have_a_certificate_verified_gets_the_steps():
    text, *_ = run(ActionAnswerPractice(), tracker("hr说要去yz我的证书 在哪弄啊 急急急🙏", "ask_practice"))
    assert "查询验证服务平台" in text and "用人单位" in text and "附件2第一步" in text


def test_a_practising_answer_says_the_row_first():
    text, *_ = run(ActionAnswerPractice(), tracker("hi my wife has iowa teachr license can she teach in bj thx",
                                                   "ask_practice", lang="en"))
    assert text.startswith("Yes.") and "item 53" in text and "listed" in text


@pytest.mark.parametrize("text,lang,says", [
    ("Hotline agent here. How many Australian state/territory teacher certificates are in the catalog, and which ones? "
     "The caller is from New South Wales.", "en", ["6 items", "Tasmania", "New South Wales: not among them"]),
    ("How many list-2 rows have country = United States AND field = education? Is New York among them? Florida?", "en",
     ["New York: yes, among them: list (2), item 46", "Florida: not among them"]),
    ("澳洲的教师资格证书有几项？有没有新南威尔士？", "zh", ["共6项", "新南威尔士：不在其中"]),
])
def test_a_place_asked_beside_a_row_query_is_answered_after_the_rows(text, lang, says):
    out, *_ = run(ActionAnswerCatalogStats(), tracker(text, "ask_catalog_stats", lang=lang))
    assert all(s in out for s in says), out
    assert "containing" not in out and "包含" not in out  # the place's words filter no rows


def test_a_list_then_its_subset_gives_both_and_tech_recruitment_is_no_field():
    out, *_ = run(ActionAnswerCatalogStats(), tracker("云计算领域的证书有哪些？其中哪些要求两年工作经验？", "ask_catalog_stats"))
    assert "5项" in out and "4项" in out
    out, *_ = run(ActionAnswerCatalogStats(), tracker(
        "For a tech-recruitment briefing: how many catalog items are in the 'cloud computing' (云计算) field, and which "
        "ones need two years of experience?", "ask_catalog_stats", lang="en"))
    assert "5 items in all" in out and "Science and technology" not in out


def test_a_nationality_said_to_is_yours_from_is_no_answer_about_the_issuer():
    text, *_ = run(ActionAnswerInform(), tracker(
        "Correction: I'm actually a Chinese citizen, I just studied in the US.", "inform", lang="en",
        history=["I'm a US citizen with an FSA designation. What benefits do I get?"],
        confirming="R008", pending_intent="ask_benefits"))
    assert "not listed" not in text and "Work Residence Permit" in text


def test_a_corrected_place_is_named_in_the_not_listed_answer():
    text, *_ = run(ActionAnswerInform(), tracker("Sorry, my mistake — it's Florida, not Texas.", "inform", lang="en",
                                                 history=["I'm certified to teach in Texas. Is that recognized?"],
                                                 qualification="R057"))
    assert text.startswith("The credential or level you mention is not listed") and '"Florida"' in text


def test_an_employer_that_will_not_recommend_closes_talent_introduction():
    text, *_ = run(ActionAnswerFallback(), tracker(
        "My firm says they won't recommend me this year.", "out_of_scope", lang="en",
        history=["Chinese citizen, FCCA, Beijing firm. Can I apply for talent introduction (人才引进)?"],
        qualification="U07", nationality="chinese", asked="二.2"))
    assert text.startswith("No.") and "recommended by their Beijing employer" in text


def test_after_a_change_of_nationality_the_benefits_say_what_no_longer_applies():
    text, *_ = run(ActionAnswerFallback(), tracker(
        "Actually, correction — I gave up my US citizenship years ago; I'm a Chinese national now. What applies to me?",
        "nlu_fallback", lang="en", history=["I'm a US citizen with a USCPA licence; I just joined a Big Four firm in Beijing."],
        qualification="R022"))
    assert "Beijing Work Residence Permit" in text
    assert "By nationality, these are for foreign nationals only and do not apply to you" in text and "Section 1, item 4" in text


def test_a_grade_said_not_to_be_theirs_among_the_options_is_no_yes():
    text, *_ = run(ActionAnswerInform(), tracker("He's a Probationer, not yet a full member.", "inform", lang="en",
                                                 history=["Is Hong Kong Institute of Surveyors membership listed?"],
                                                 candidates="R042,R043", pending_intent="ask_recognized"))
    assert "not listed" in text and not text.startswith("Yes")


def test_a_letter_grade_said_bare_replaces_the_earlier_one():
    text, *_ = run(ActionAnswerFallback(), tracker("what about if I get my B next year?", "nlu_fallback", lang="en",
                                                   history=["Is the UEFA coaching licence in the catalog?", "I have the C licence"]))
    assert text.startswith("Yes.") and "item 80" in text


def test_rows_named_by_a_range_get_their_remarks():
    text, *_ = run(ActionAnswerFallback(), tracker(
        "For the Universal Studios projects, what's special in the remarks of rows 87-90?", "ask_benefits", lang="en"))
    assert text.startswith("The 4 items you name") and text.count("Universal Studios project") >= 3


def test_a_subset_of_a_small_total_lists_the_others_too():
    text, *_ = run(ActionAnswerCatalogStats(), tracker(
        "Which rows are in the cloud computing (云计算) field, and which of them require two years' experience?",
        "ask_catalog_stats", lang="en"))
    assert "5 items in all" in text and "The other 1:" in text and "Azure" in text


def test_a_first_nationality_names_what_it_rules_out_only_when_it_corrects_or_asks():
    plain = tracker("作为外籍人员，我能享受什么？", "ask_benefits", history=["我有CFA"], qualification="R007", nationality="foreign")
    text, *_ = run(ActionAnswerFallback(), plain)
    assert "工作居住证" not in text  # nothing was taken back: what they get is the answer
    asked = tracker("She's a Malaysian citizen btw, does that matter?", "ask_benefits", lang="en",
                    history=["My sister is a nurse in Singapore, is her cert listed?",
                             "It's the Higher Nitec in emergency care from ITE"], qualification="R111")
    text, *_ = run(ActionAnswerFallback(), asked)
    assert "By nationality, these are for Chinese nationals only" in text


def test_a_company_named_as_the_employer_is_no_credential():
    text, *_ = run(ActionAnswerFallback(), tracker("Is ByteDance a 高精尖 company for the 70-year age relaxation? "
                                                   "The caller is 67.", "ask_work_permit", lang="en"))
    assert "ByteDance" not in text and text.startswith("The notice does not define")


def test_notarisation_asked_beside_annex_2_gets_section_4():
    text, *_ = run(ActionAnswerFallback(), tracker("想問下，附件二嗰個查詢驗證結果，究竟可以用嚟做乜嘢？係咪可以唔使再做公證？",
                                                   "ask_verification"))
    assert "公证认证材料" in text and "第四条" in text


def test_school_years_are_said_as_school_years():
    text, *_ = run(ActionAnswerFallback(), tracker(
        "She's American, holds an AMI Montessori diploma, and has taught preschool English for one and a half school "
        "years. Does she qualify under the catalog?", "ask_recognized", lang="en"))
    assert "2 school years" in text and "Not yet" in text


def test_the_spouses_credential_from_another_place_is_read_with_the_earlier_one():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "OK great. And my wife's? Hers is from Oregon.", "ask_recognized", lang="en",
        history=["Is my teaching licence recognized?", "It's from California, issued by the Commission on Teacher Credentialing."],
        qualification="R060"))
    assert text.startswith("The credential or level you mention is not listed") and '"Oregon"' in text
