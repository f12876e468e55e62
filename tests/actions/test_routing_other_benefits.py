"""A turn that asks one measure and "what else do I get?" (actions/routing.py: _other_benefits_asked), and the
benefits of a person without a Beijing employer or of a Chinese national asking about the work permit."""
from __future__ import annotations

import pytest

from actions.routing import ActionAnswerBenefits, ActionAnswerWorkPermit
from tests.actions.test_actions import run
from tests.actions.test_framed import tracker


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_other_benefits_are_listed_after_the_one_asked():
    text, _, _, _ = run(ActionAnswerWorkPermit(), tracker(
        "我是德国籍，69岁，持有IEEE高级会员证书，公司属于高精尖产业领域。我这个年龄还能办工作许可吗？还有别的便利吗？",
        "ask_work_permit"))
    assert text.splitlines()[0].startswith("可以")
    assert "人才签证确认函" in text and "第二条第4项" in text  # the urgent list's other measures, for this person


def test_one_measure_alone_gets_no_benefits_list():
    text, _, _, _ = run(ActionAnswerWorkPermit(), tracker("我是外籍，50岁，持有CFA，能办工作许可吗？", "ask_work_permit"))
    assert "可享受" not in text


def test_a_chinese_national_asking_the_work_permit_is_told_what_applies():
    text, _, _, _ = run(ActionAnswerWorkPermit(), tracker(
        "I'm a Chinese citizen with an FSA, working in Beijing. As a Chinese national, what's the main facilitation?",
        "ask_work_permit", lang="en", nationality="chinese"))
    assert "for foreign nationals only" in text and "Work Residence Permit" in text


def test_no_beijing_employer_is_not_yet():
    text, _, _, _ = run(ActionAnswerBenefits(), tracker(
        "Canadian, registered with the Ontario College of Teachers. I work for a company in Shanghai, not Beijing. "
        "Do I get the benefits?", "ask_benefits", lang="en"))
    assert "Not yet" in text and "Section 1" in text


def test_no_beijing_employer_said_after_a_visa_question_is_not_yet_first():
    from actions.routing import ActionAnswerVisa
    text, *_ = run(ActionAnswerVisa(), tracker("补充一下：我还没找到北京的工作单位", "ask_visa", "zh", qualification="R010",
                                               nationality="foreign"))
    assert text.startswith("暂时不能") and "在京单位" in text and "5年" in text


def test_what_the_verification_result_is_used_for_is_section_4_first():
    from actions.routing import ActionAnswerHelp
    text, *_ = run(ActionAnswerHelp(), tracker("證書驗證結果出咗之後，可以用嚟辦邊啲業務？", "help", "zh"))
    assert text.startswith("凭查询验证结果") and "外籍医师备案" in text


def test_silences_free_of_charge_and_the_old_version():
    from catalog import silence
    assert "fee" in silence.silent_topics("hey is ur verificaton thing free n where do i do it?? link pls")
    assert "version_transition" in silence.silent_topics("I applied under the 2.0 catalog last year. Is it still valid?")
