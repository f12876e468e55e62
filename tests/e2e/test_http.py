"""End-to-end over HTTP: questions to the REST channel of a running assistant (see conftest.py).

Each conversation of questions.yaml is one test: its turns are posted with one sender id and every
reply is checked for its facts (against the notice, 京人社事业发〔2023〕24号), its language (a Chinese
question gets Chinese with "依据：", an English one mostly ASCII with "Source:"), its metadata (the
custom payload: kind, qualification, source, version) and for things that must never happen (an
error, an unfilled template, markup echoed back). All problems of a conversation are reported
together, turn by turn, with what the bot said.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

HERE = Path(__file__).resolve().parent
CONVERSATIONS: List[Dict[str, Any]] = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
CATALOG_VERSION = "3.0"
RESUME_LENGTH = 3000

ERROR_MARKERS = ("traceback", "exception", "internal server error", "temporarily unavailable", "暂时不可用")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|(?<![A-Za-z])None(?![A-Za-z])")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


# --- helpers ---------------------------------------------------------------------------------------------


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    """What the user sees: the messages with "text"."""
    return [m["text"] for m in messages if m.get("text")]


def customs(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The metadata messages: {"kind", "lang", "cites", "source", "version", "qualification"}."""
    return [m["custom"] for m in messages if isinstance(m.get("custom"), dict)]


def buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [b for m in messages for b in (m.get("buttons") or [])]


def cjk_count(text: str) -> int:
    return len(CJK.findall(text))


def ascii_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isascii() for c in chars) / len(chars) if chars else 1.0


def resume(lang: str) -> str:
    """A résumé of exactly RESUME_LENGTH characters naming one credential (FRM) in its middle."""
    if lang == "zh":
        head = "个人简历：张伟，现任某外资银行风险管理部高级经理。"
        fillers = ["曾在香港和新加坡的金融机构工作多年，负责信用风险和市场风险模型的开发与监管报告，带领十余人的团队完成多个系统建设项目。",
                   "熟悉巴塞尔协议和国内监管要求，参与过资本计量项目和压力测试，擅长与业务部门沟通。",
                   "工作语言为中文和英文，能够独立撰写英文报告。"]
        cert = "持有证书：FRM 金融风险管理师（GARP，2016年取得）。"
        tail = "请问我的证书在目录里吗？"
    else:
        head = "Curriculum vitae. John Smith, senior risk analyst. "
        fillers = ["Ten years in banking and asset management, leading teams in London and Singapore. ",
                   "Built credit and market risk models and reported to the board and the regulators. ",
                   "Fluent in English and Mandarin; enjoys long-distance running and chess. "]
        cert = "Certifications: FRM (Financial Risk Manager), GARP, 2016. "
        tail = " Is my certificate recognized?"
    body = "".join(fillers[i % len(fillers)] for i in range(200))
    first = (head + body)[:RESUME_LENGTH // 2 - len(cert)]
    text = first + cert
    text += body[:RESUME_LENGTH - len(text) - len(tail)] + tail
    assert len(text) == RESUME_LENGTH and text.count("FRM") == 1
    return text


def _contains(haystack: str, needle: str) -> bool:
    return needle.lower() in haystack.lower()


def check_turn(turn: Dict[str, Any], messages: List[Dict[str, Any]], lang: str, factual: bool) -> List[str]:
    """Every problem with one reply (empty list: all good)."""
    problems: List[str] = []
    shown = texts(messages)
    reply = "\n".join(shown)
    meta = customs(messages)

    # never an error, always something polite
    if not shown:
        return [f"no text reply at all (messages: {messages!r})"]
    for marker in ERROR_MARKERS:
        if _contains(reply, marker):
            problems.append(f"the reply looks like an error ({marker!r})")
    if PLACEHOLDER.search(reply):
        problems.append(f"an unfilled template value in the reply: {PLACEHOLDER.search(reply).group(0)!r}")
    for needle in ("<script", "onerror="):
        if _contains(reply, needle):
            problems.append(f"markup echoed back: {needle!r}")

    # facts
    for item in turn.get("has") or []:
        options = item if isinstance(item, list) else [item]
        if not any(_contains(reply, str(o)) for o in options):
            problems.append(f"missing {options[0]!r}" if len(options) == 1 else f"missing any of {options!r}")
    for item in turn.get("lacks") or []:
        if _contains(reply, str(item)):
            problems.append(f"must not say {item!r}")

    # metadata
    kinds = [c.get("kind") for c in meta]
    if "kind" in turn:
        wanted = turn["kind"] if isinstance(turn["kind"], list) else [turn["kind"]]
        if not any(k in wanted for k in kinds):
            problems.append(f"kind {wanted} expected, got {kinds}")
    for k in turn.get("not_kind") or []:
        if k in kinds:
            problems.append(f"kind {k!r} is the wrong kind of answer here")
    if "qualification" in turn:
        got = [c.get("qualification") for c in meta]
        if turn["qualification"] not in got:
            problems.append(f"qualification {turn['qualification']!r} expected in the metadata, got {got}")
    payloads = [b.get("payload", "") for b in buttons(messages)]
    for fragment in turn.get("buttons") or []:
        if not any(fragment in p for p in payloads):
            problems.append(f"no button with {fragment!r} (buttons: {payloads[:6]}{'…' if len(payloads) > 6 else ''})")

    # language (and the source line of a factual answer)
    if lang == "zh":
        n_cjk = cjk_count(reply)
        n_latin = len(re.findall(r"[A-Za-z]", reply))
        if n_cjk == 0 or n_cjk < n_latin:
            problems.append(f"not a Chinese reply ({n_cjk} CJK characters, {n_latin} Latin letters)")
        if "Source:" in reply:
            problems.append("an English source line in a Chinese reply")
        if factual and "依据：" not in reply:
            problems.append("no source line (依据：…) in a factual Chinese answer")
    elif lang == "en":
        share = ascii_share(reply)
        if share < 0.85:
            problems.append(f"not an English reply (only {share:.0%} ASCII)")
        if "依据" in reply:
            problems.append("a Chinese source line in an English reply")
        if factual and "Source:" not in reply:
            problems.append("no source line (Source: …) in a factual English answer")
    for c in meta:
        if lang in ("zh", "en") and c.get("lang") not in (lang, None):
            problems.append(f"metadata says lang={c.get('lang')!r}, expected {lang!r}")
    if factual:
        sourced = [c for c in meta if c.get("source")]
        if not sourced:
            problems.append("a factual answer without a source in its metadata")
        for c in sourced:
            if c["source"] not in reply:
                problems.append(f"the metadata's source {c['source']!r} is not the source line shown")
            if c.get("version") != CATALOG_VERSION:
                problems.append(f"catalog version {c.get('version')!r}, expected {CATALOG_VERSION!r}")
            if not c.get("cites"):
                problems.append("a source without cites in the metadata")
    return problems


def _excerpt(text: str, limit: int = 700) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[:limit] + f"… (+{len(text) - limit} chars)"


# --- the tests ----------------------------------------------------------------------------------------------


def test_questions_file_is_well_formed():
    ids = [c["id"] for c in CONVERSATIONS]
    assert len(ids) == len(set(ids)), "duplicate ids in questions.yaml"
    n_turns = sum(len(c["turns"]) for c in CONVERSATIONS)
    assert n_turns >= 45
    for c in CONVERSATIONS:
        assert c.get("lang") in ("zh", "en", "any"), c["id"]
        for t in c["turns"]:
            assert sum(k in t for k in ("say", "press", "resume")) == 1, (c["id"], t)
            unknown = set(t) - {"say", "press", "resume", "has", "lacks", "kind", "not_kind", "qualification",
                                "buttons", "factual", "lang"}
            assert not unknown, (c["id"], unknown)


def test_ask_returns_texts(ask):
    """The `ask` helper: the bot's texts for one message, in the user's language."""
    replies = ask(f"e2e-ask-{uuid.uuid4().hex[:8]}", "I have a CFA")
    assert replies and all(isinstance(r, str) for r in replies)
    assert any("R007" in r for r in replies)


def test_rest_messages_are_json_objects(bot):
    """Every message is a JSON object; the answer's metadata travels in a separate "custom" message."""
    messages = bot.post(f"e2e-shape-{uuid.uuid4().hex[:8]}", "我有CFA")
    assert messages and all(isinstance(m, dict) for m in messages)
    assert all(m.get("recipient_id") for m in messages)
    meta = customs(messages)
    assert meta, messages
    assert {"kind", "cites", "source", "version"} <= set(meta[0])


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["id"] for c in CONVERSATIONS])
def test_conversation(bot, conversation):
    sender = f"e2e-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    report: List[str] = []
    failed = False
    previous: List[Dict[str, Any]] = []
    for i, turn in enumerate(conversation["turns"], 1):
        if "resume" in turn:
            message = resume(turn["resume"])
        elif "press" in turn:
            match = [b for b in buttons(previous) if turn["press"].lower() in b.get("title", "").lower()]
            if not match:
                report.append(f"turn {i}: no button titled like {turn['press']!r} in the previous reply")
                failed = True
                break
            message = match[0]["payload"]
        else:
            message = turn["say"]
        try:
            messages = bot.post(sender, message)
        except Exception as exc:  # an HTTP error is a finding too: report it with the turn
            report.append(f"turn {i} {_excerpt(message, 120)!r}: the request failed: {exc!r}")
            failed = True
            break
        lang = turn.get("lang", conversation["lang"])
        factual = turn.get("factual", conversation.get("factual", True))
        problems = check_turn(turn, messages, lang, factual)
        if problems:
            failed = True
            meta = [{k: c.get(k) for k in ("kind", "lang", "qualification")} for c in customs(messages)]
            report.append(f"turn {i} {_excerpt(message, 120)!r}:\n    - " + "\n    - ".join(problems)
                          + f"\n    got: {_excerpt(chr(10).join(texts(messages)))}\n    metadata: {meta}")
        previous = messages
    if failed:
        pytest.fail(f"[{conversation['id']}] sender {sender}\n" + "\n".join(report), pytrace=False)


# --- a message cannot set slots (issue 12) ----------------------------------------------------------------

BAD_AGES = ["NaN", "1e999", '"abc"', "-5", "1000"]


@pytest.mark.parametrize("trusted", [False, True], ids=["public caller", "trusted integration"])
def test_a_payload_with_a_bad_age_never_breaks_a_later_benefits_answer(bot, trusted):
    # before: /inform{"age":NaN} made every later benefits answer "temporarily unavailable" until /restart
    sender = f"e2e-age-{uuid.uuid4().hex[:8]}"
    first = texts(bot.post(sender, "我有CFA证书"))
    assert any("CFA" in t for t in first), first
    for value in BAD_AGES:
        reply = " ".join(texts(bot.post(sender, f'/inform{{"age":{value}}}', trusted=trusted)))
        assert not any(m in reply.lower() for m in ERROR_MARKERS), (value, reply)
    reply = " ".join(texts(bot.post(sender, "外籍人士办工作许可有年龄限制吗")))
    assert "工作许可" in reply and "65" in reply, reply
    assert not any(m in reply.lower() for m in ERROR_MARKERS), reply


def test_a_button_the_bot_offered_still_works_from_a_public_caller(bot):
    sender = f"e2e-btn-{uuid.uuid4().hex[:8]}"
    asked = bot.post(sender, "心理治疗师在目录里吗")
    offered = buttons(asked)
    uk = next(b for b in offered if "英国" in b["title"])
    answer = bot.post(sender, uk["payload"])
    assert "R101" in " ".join(texts(answer)), answer
    # a payload naming another row, not offered in the last turn, does not pick it
    other = bot.post(sender, '/inform{"qualification":"R007"}')
    assert not any(c.get("qualification") == "R007" for c in customs(other)), other
