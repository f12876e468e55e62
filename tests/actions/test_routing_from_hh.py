"""What the routing answers (issue 11, from the HH batch): a what-if place for the credential named two turns
before, a place said to be no longer held, how a named credential is verified, every benefit asked after a
change of nationality, and the family's visas beside a title question."""
from __future__ import annotations

import pytest

from actions.routing import ActionAnswerBenefits, ActionAnswerInform, ActionAnswerPractice, ActionAnswerTitle
from tests.actions.test_actions import run
from tests.actions.test_framed import tracker


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_what_if_another_state_for_the_credential_named_before():
    text, _, slots, _ = run(ActionAnswerPractice(), tracker(
        "What if I'd been licensed in Michigan instead?", "ask_practice", lang="en",
        history=["I'm a psychotherapist from the US, is my licence on the list?", "It's from California."]))
    assert "item 102" in text and "2 years" in text and slots.get("qualification") == "R102"


def test_a_place_no_longer_held_is_read_past():
    text, *_ = run(ActionAnswerInform(), tracker(
        "Actually I've moved my licence to Illinois and I no longer hold the Michigan one.", "inform", lang="en",
        qualification="R102",
        history=["I'm a US citizen, a licensed psychotherapist in Michigan with 3 years' experience."]))
    assert "not listed" in text and "Illinois" in text and "Yes." not in text


def test_how_a_named_credential_is_verified_is_the_verification_answer():
    text, *_ = run(ActionAnswerInform(), tracker(
        "老闆叫我問下公司想幫個外國同事驗證佢嘅FRM證書 點樣搞 係咪個人自己上網搞", "inform"))
    assert "用人单位" in text and "easybeijing" in text
    # the credential asked about alone stays a recognition answer
    text, *_ = run(ActionAnswerInform(), tracker("FRM在目录里吗？", "inform"))
    assert "已列入" in text and "easybeijing" not in text


def test_every_benefit_asked_after_a_change_of_nationality():
    text, *_ = run(ActionAnswerBenefits(), tracker(
        "更正一下，我其实是中国籍，只是在德国工作了十年。那我能享受什么？", "ask_benefits", qualification="R037",
        nationality="chinese",
        history=["我是德国籍，62岁，在北京一家车企，持有TÜV SUD高压安全认证3级，工作许可年龄有限制吗？"]))
    assert "第一条第5项" in text and "视同" in text and "工作居住证" in text


def test_the_familys_visas_beside_a_title_question_on_the_urgent_list():
    text, *_ = run(ActionAnswerTitle(), tracker(
        "我是德国籍，58岁，ACCA资深会员（FCCA），刚和北京一家会计师事务所签了劳动合同。能对应什么职称？我太太和孩子签证有什么便利？",
        "ask_title"))
    assert "副高级" in text and "人才签证确认函" in text and "家属" in text
