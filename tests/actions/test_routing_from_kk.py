"""What the routing answers (issue 11, from the KK batch): the urgent list's own total, a body named to pick one of
the rows offered, the listed grade said after an unlisted one, "is X enough?" answered "No" first, three listed
credentials said to be all in the catalog, and a Hong Kong holder working in Shenzhen with no Beijing employer."""
from __future__ import annotations

import pytest

from actions.routing import (ActionAnswerBenefits, ActionAnswerCatalogStats, ActionAnswerInform,
                             ActionAnswerRecognition)
from catalog import facts
from tests.actions.test_actions import run
from tests.actions.test_framed import tracker


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_the_urgent_lists_own_total():
    text, *_ = run(ActionAnswerCatalogStats(), tracker("你个废物，问了三遍都答不出来！我就问急需紧缺清单一共几项？", "ask_catalog_stats"))
    assert "7项" in text and "U07" in text and "115项" not in text
    text, *_ = run(ActionAnswerCatalogStats(), tracker("目录一共多少项？急需紧缺清单有几项？", "ask_catalog_stats"))
    assert "122项" in text


def test_a_body_named_picks_one_of_the_rows_offered():
    text, _, slots, _ = run(ActionAnswerInform(), tracker(
        "係國際會計師公會嗰個，唔係精算嗰個", "inform", candidates="R011,R025", pending_intent="ask_recognized",
        history=["我有AIA，喺唔喺目錄？"]))
    assert slots.get("qualification") == "R025" and "第25项" in text


def test_the_listed_grade_said_after_an_unlisted_one():
    text, _, slots, _ = run(ActionAnswerInform(), tracker(
        "ah sorry, I actually passed the Professional one last week", "inform", lang="en",
        history=["Is my AWS cert recognized?", "It's Solutions Architect Associate"]))
    assert slots.get("qualification") == "R033" and "2 years" in text


def test_is_it_enough_is_answered_no_first():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "ITIL — is ITIL 4 Foundation enough, or what level does the catalog require?", "ask_recognized", lang="en"))
    assert text.startswith("No, you are not covered:") and "Expert level" in text


def test_three_listed_credentials_are_all_in_the_catalog():
    text, *_ = run(ActionAnswerRecognition(), tracker(
        "我有USCPA同埋香港註冊會計師，仲有CPA Australia，三個都喺目錄？邊個要經驗年期？", "ask_recognized"))
    assert text.startswith("您提到的3项证书都在《目录》内")


def test_working_in_shenzhen_with_no_beijing_employer():
    text = "我係香港人，中國籍，持有香港註冊會計師，而家喺深圳返工，未有北京公司請我。咁我可唔可以申請北京工作居住證？"
    assert facts.beijing_employer(text) is False
    reply, *_ = run(ActionAnswerBenefits(), tracker(text, "ask_benefits"))
    assert any(line.startswith("暂时不能") for line in reply.splitlines())


def test_an_age_corrected_in_a_few_words():
    assert facts.age("哦说错了，我68了，也不是高精尖行业")[0] == 68
    assert facts.age("我做了10年了") is None
