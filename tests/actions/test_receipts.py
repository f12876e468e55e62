"""Receipts and handoff in the action server (issue 14): every answer action mints a receipt that resolves to the
exact text sent, the intent, the rows and clauses and why; two answers in a row that did not help, or "转人工",
offer a person with the hotline from the configuration and the receipt code, in the user's language."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.routing import ActionAnswerFallback, ActionAnswerRecognition, ActionHandoffHuman, ActionAnswerBenefits
from catalog import receipts


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def tracker(text: str, intent: str, sender: str, lang: str = "zh", turn: int = 1, confidence: float = 0.93,
            entities: Optional[List[Dict[str, Any]]] = None, **slots: Any) -> Tracker:
    all_slots = {"language": lang, "qualification": None, "candidates": None, "nationality": None, "age": None,
                 "high_end": None, "pending_intent": None}
    all_slots.update(slots)
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "message_id": f"m-{turn}",
              "intent_ranking": [{"name": intent, "confidence": confidence}, {"name": "nlu_fallback", "confidence": 0.05}],
              "entities": list(entities or []) + [{"entity": "language", "value": lang}]}
    events = [{"event": "user", "text": f"earlier {i}"} for i in range(turn - 1)] + [{"event": "user", "text": text}]
    return Tracker(sender, all_slots, latest, events, False, None, {}, "action_listen")


def run(action, t: Tracker):
    d = CollectingDispatcher()
    asyncio.run(action.run(d, t, {}))
    texts = [m["text"] for m in d.messages if m.get("text")]
    codes = {m["custom"].get("receipt") for m in d.messages if m.get("custom")}
    return d.messages, "\n\n".join(texts), codes


def sender() -> str:
    return f"rest:receipt-{uuid.uuid4().hex[:8]}"


def test_an_answer_carries_a_receipt_that_resolves_to_what_was_said_and_why():
    who = sender()
    msgs, text, codes = run(ActionAnswerRecognition(), tracker("我有CFA证书，能认可吗", "ask_recognized", who, turn=2))
    [code] = codes
    assert receipts.normalise(code) and len(code) == 7 and code[3] == "-"
    assert all(ch in receipts.ALPHABET for ch in code.replace("-", ""))
    r = receipts.get(code.lower().replace("-", " "))  # typed by an agent: any case, a space for the dash
    assert r is not None and r.conversation_id == who and r.turn == 2 and r.message_id == "m-2"
    assert r.text == text  # the exact text sent (one answer here: its text with the source line)
    assert r.lang == "zh" and r.catalog_version == "3.0" and r.action == "action_answer_recognition"
    assert r.intent == "ask_recognized" and r.why["intent"]["confidence"] == pytest.approx(0.93)
    assert r.rows == ("R007",) and r.clauses and all(isinstance(c, str) for c in r.clauses)
    assert r.why["verdict"]["status"] == "listed" and r.why["verdict"]["spans"][0]["matched"] == "CFA"
    assert r.why["facts"]["nationality"] == "unknown"
    rules = r.why["rules"]
    assert rules and {v["row"] for v in rules} == {"R007"} and all(v["outcome"] for v in rules)
    assert r.helped is True and r.kinds == ("recognized",)


def test_the_receipt_masks_the_person_s_numbers_and_records_their_facts():
    who = sender()
    _, _, [code] = run(ActionAnswerBenefits(), tracker("我是外籍，手机13800138000，有CFA，能享受什么", "ask_benefits", who,
                                                       nationality="foreign", qualification="R007"))
    r = receipts.get(code)
    assert "13800138000" not in r.question and "[PHONE]" in r.question
    assert r.why["facts"]["nationality"] == "foreign"
    assert "一.4" in r.why["clause_ids"] and "第一条第4项" in r.clauses
    assert any(v["cited"] for v in r.why["rules"])  # the clauses the answer cites are marked among the verdicts


def test_two_fallbacks_in_a_row_offer_the_configured_hotline_with_the_receipt_zh(monkeypatch):
    monkeypatch.setenv("QUALIBOT_HOTLINE", "010-12345678")
    monkeypatch.setenv("QUALIBOT_HOTLINE_HOURS", "工作日 9:00-17:00")
    who = sender()
    _, first, [c1] = run(ActionAnswerFallback(), tracker("嗯嗯啊啊", "nlu_fallback", who, turn=1))
    assert "回执编号" not in first and receipts.get(c1).helped is False
    msgs, second, [c2] = run(ActionAnswerFallback(), tracker("哦哦哦哦", "nlu_fallback", who, turn=2))
    assert "010-12345678" in second and "工作日 9:00-17:00" in second and f"回执编号 {c2}" in second
    assert [(m["custom"]["kind"], m["custom"].get("handoff")) for m in msgs if m.get("custom")][-1] == ("human", True)
    assert receipts.get(c2).text == second


def test_two_fallbacks_in_a_row_en_without_a_hotline_say_none_is_configured(monkeypatch):
    monkeypatch.delenv("QUALIBOT_HOTLINE", raising=False)
    who = sender()
    run(ActionAnswerFallback(), tracker("hmm hmm", "nlu_fallback", who, "en", turn=1))
    _, second, [code] = run(ActionAnswerFallback(), tracker("blah blah", "nlu_fallback", who, "en", turn=2))
    assert "No hotline has been configured" in second and "QUALIBOT_HOTLINE" in second and code in second
    assert "回执" not in second


def test_one_fallback_after_a_good_answer_offers_no_person():
    who = sender()
    run(ActionAnswerRecognition(), tracker("我有CFA证书", "ask_recognized", who, turn=1))
    _, text, [code] = run(ActionAnswerFallback(), tracker("嗯嗯啊啊", "nlu_fallback", who, turn=2))
    assert code not in text


def test_a_thumbs_down_then_a_fallback_offers_a_person(monkeypatch):
    monkeypatch.setenv("QUALIBOT_HOTLINE", "010-12345678")
    who = sender()
    _, _, [c1] = run(ActionAnswerRecognition(), tracker("我有CFA证书", "ask_recognized", who, turn=1))
    assert not receipts.mark_unhelpful(c1, "rest:someone-else")  # only the conversation's own answers
    assert receipts.mark_unhelpful(c1, who)
    _, text, [c2] = run(ActionAnswerFallback(), tracker("嗯嗯啊啊", "nlu_fallback", who, turn=2))
    assert "010-12345678" in text and c2 in text


@pytest.mark.parametrize("words, lang", [("转人工", "zh"), ("我要找真人客服", "zh"),
                                         ("Can I talk to a person please?", "en")])
def test_asking_for_a_person_in_so_many_words_offers_one(monkeypatch, words, lang):
    monkeypatch.setenv("QUALIBOT_HOTLINE", "010-12345678")
    # whatever intent NLU saw (the words are checked deterministically, catalog/data/handoff.yaml)
    _, text, [code] = run(ActionAnswerFallback(), tracker(words, "nlu_fallback", sender(), lang))
    assert "010-12345678" in text and code in text
    assert ("回执编号" in text) == (lang == "zh") and ("receipt code" in text) == (lang == "en")


def test_the_ask_human_intent_offers_a_person(monkeypatch):
    monkeypatch.setenv("QUALIBOT_HOTLINE", "010-12345678")
    _, text, [code] = run(ActionHandoffHuman(), tracker("有没有人能帮我", "ask_human", sender()))
    assert "010-12345678" in text and code in text and text.count("咨询电话") == 0  # one hotline line, not two


def test_a_receipt_that_cannot_be_stored_never_costs_the_answer(monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("database down")

    monkeypatch.setattr(receipts, "record", broken)
    msgs, text, codes = run(ActionAnswerRecognition(), tracker("我有CFA证书", "ask_recognized", sender()))
    assert "R007" in text and codes == {None}
