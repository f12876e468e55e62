"""What the routing answers (issue 11, from the II batch): every benefit asked beside one measure, an amount of
money never counted as rows, the conversation's own credential behind its occupation word, a colleague's licence
from another place, a condition absent from one of two credentials, and verification asked with a credential in a
message NLU could not place."""
from __future__ import annotations

import pytest

from actions.routing import (ActionAnswerCatalogStats, ActionAnswerFallback, ActionAnswerPractice,
                             ActionAnswerRecognition, ActionAnswerTitle, ActionAnswerWorkPermit)
from tests.actions.test_actions import run
from tests.actions.test_framed import tracker


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_every_benefit_beside_one_measure():
    text, *_ = run(ActionAnswerTitle(), tracker(
        "我是中国籍，有ACCA会员证书（普通会员，还不是资深会员），在北京一家会计师事务所上班，能享受哪些政策？能直接对应副高吗？",
        "ask_title"))
    assert "第二条第1项" in text and "工作居住证" in text and "第一条第5项" in text


def test_an_amount_of_money_is_not_a_count_of_rows():
    text, *_ = run(ActionAnswerCatalogStats(), tracker("持有急需紧缺清单证书的，能拿到多少科研经费？", "ask_catalog_stats"))
    assert "没有规定科研经费" in text and "科技计划项目" in text and "U01" not in text


def test_the_occupation_word_of_the_conversations_credential():
    text, _, slots, _ = run(ActionAnswerPractice(), tracker(
        "What do I need to do before I can practise as a licensed pharmacist?", "ask_practice", lang="en",
        qualification="R114", history=["I'm Chinese, with a Hong Kong pharmacist registration, working in Beijing now."]))
    assert "Which one is yours?" not in text and "item 114" in text


def test_a_colleagues_licence_from_another_state():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "Great. My colleague has one from Florida, same for her?", "ask_recognized", lang="en", qualification="R057",
        history=["Is my teaching license recognized?", "It's from Texas."]))
    assert "not listed" in text and "Florida" in text


def test_a_condition_absent_from_one_of_two_credentials():
    text, *_ = run(ActionAnswerRecognition(), tracker("DELTA係咪唔受母語限制？CELTA又係咪一樣？", "ask_recognized"))
    assert "第73项）的备注没有提到母语限制" in text and "可不受母语限制" in text


def test_verification_asked_beside_a_credential_nlu_could_not_place():
    text, *_ = run(ActionAnswerFallback(), tracker(
        "pls help!! hr here new hire has ASA from SOA 👍 do we need verification how we do it", "nlu_fallback", lang="en"))
    assert "easybeijing" in text and "employer" in text


def test_over_the_age_limit_leads_with_no():
    text, *_ = run(ActionAnswerWorkPermit(), tracker(
        "I'm a British citizen, 66, with a CFA charter. I'm joining an asset manager in Beijing, not a high-end "
        "industry. Can I still get a work permit under the catalog's age relaxation?", "ask_work_permit", lang="en"))
    assert text.startswith("No.") and "beyond 65" in text
    # an age corrected a turn later, for the credential of the conversation
    text, *_ = run(ActionAnswerWorkPermit(), tracker(
        "Oh wait, by the time the permit is processed I'll already be 66. And it's not a 高精尖 field. Still ok?",
        "ask_work_permit", lang="en", qualification="R094", nationality="foreign",
        history=["I'm Japanese, 65, licensed 中小企業診断士 (SME management consultant), joining a consulting firm in Beijing."]))
    assert text.startswith("No.") and "At 66 you are above that limit" in text


def test_my_registration_with_a_credential_in_the_conversation_is_no_row_query():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "Does that matter? Is my registration in the catalog, and which item?", "ask_recognized", lang="en",
        qualification="R065", nationality="foreign",
        history=["I'm a New Zealand citizen and registered with the Teaching Council of Aotearoa New Zealand.",
                 "Sorry, correction: I'm actually an Australian citizen — but my teacher registration is still the "
                 "New Zealand one, not an Australian state one."]))
    assert "item 65" in text and "items match" not in text
    # without a credential in the conversation, the rows that require a registration are listed
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "Which rows require registration before practising?", "ask_recognized", lang="en"))
    assert "items match" in text
