"""Receipts end to end (issue 14), against the real Rasa server and action server (tests/web/conftest.py): a
conversation over REST and one over WeChat each get receipts that resolve in the console API to the exact text
sent, the intent, the rows and clauses and the policy; two fallbacks in a row offer the configured hotline with
the receipt in the user's language; both servers log JSON lines with the receipt and the conversation, personal
data masked."""
from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from typing import Any, Dict, List, Tuple

import pytest

from bot.channels.wechat.envelope import parse_xml
from tests.support.http import http
from tests.support.servers import json_lines, wait_until
from tests.support.wechat import plain_params, text_xml
from tests.web.conftest import HOTLINE, HOURS, WECHAT_TOKEN

CODE_CHARS = set("23456789ABCDEFGHJKMNPQRSTVWXYZ")


def rest(server, sender: str, text: str) -> Tuple[List[Dict[str, Any]], Dict[str, str]]:
    body = json.dumps({"sender": sender, "message": text}, ensure_ascii=False).encode("utf-8")
    status, headers, raw = http("POST", server.base + "/webhooks/rest/webhook", body,
                                {"Content-Type": "application/json"}, 60)
    assert status == 200, raw
    return json.loads(raw), headers


def receipt_of(messages: List[Dict[str, Any]]) -> str:
    codes = {m["custom"]["receipt"] for m in messages if isinstance(m.get("custom"), dict) and m["custom"].get("receipt")}
    assert len(codes) == 1, messages
    code = codes.pop()
    assert len(code) == 7 and code[3] == "-" and set(code.replace("-", "")) <= CODE_CHARS
    return code


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["text"] for m in messages if m.get("text")]


def resolve(server, code: str) -> Dict[str, Any]:
    status, data = server.get_json("/web/api/receipt/" + code)
    assert status == 200, data
    return data


def log_lines(server, name: str) -> List[Dict[str, Any]]:
    return json_lines(server.logs[name])


def test_a_rest_conversation_s_receipts_resolve_to_what_was_said_and_why(web_server):
    who = f"rcpt-{uuid.uuid4().hex[:8]}"
    first, headers = rest(web_server, who, "我有CFA证书，能认可吗")
    code = receipt_of(first)
    assert headers.get("x-qualibot-receipt") == code  # for nginx's log line (deploy/nginx)
    r = resolve(web_server, code)
    assert r["code"] == code and r["turn"] == 1 and r["lang"] == "zh" and r["catalog_version"] == "3.0"
    assert r["why"]["channel"] == "rest"
    assert r["text"] == "\n\n".join(texts(first))  # exactly what was sent
    assert r["intent"] == "ask_recognized" and 0 < r["why"]["intent"]["confidence"] <= 1
    assert r["rows"] == ["R007"] and r["clauses"] and r["why"]["verdict"]["status"] == "listed"
    assert r["why"]["verdict"]["spans"][0]["matched"] == "CFA"
    assert r["policy"] and r["policy"]["policy"] and r["policy"]["action"] == r["action"]
    assert r["approved"]["row"] == "R007" and "R007" in r["approved"]["answer"]["zh"]
    # the conversation is shown by its reference, never its id
    raw = json.dumps(r, ensure_ascii=False)
    assert r["conversation"].startswith("c-") and who not in raw
    # the second turn: its own receipt, turn 2, the benefits for a foreign national with their facts
    second, _ = rest(web_server, who, "我是外籍，可以享受哪些便利？")
    code2 = receipt_of(second)
    r2 = resolve(web_server, code2)
    assert code2 != code and r2["turn"] == 2 and r2["conversation"] == r["conversation"]
    assert r2["text"] == "\n\n".join(texts(second)) and "R007" in r2["rows"]
    assert r2["why"]["facts"]["nationality"] == "foreign"
    assert any(v["cited"] and v["outcome"] in ("applies", "conditional") for v in r2["why"]["rules"])
    # an agent may paste the applicant's words instead of the code
    status, found = web_server.get_json("/web/api/receipts?q=" + urllib.parse.quote("我是外籍，可以享受哪些便利"))
    assert status == 200 and code2 in [x["code"] for x in found["results"]]
    status, found = web_server.get_json("/web/api/receipts?q=" + code.lower().replace("-", ""))
    assert status == 200 and found["code"] and [x["code"] for x in found["results"]] == [code]


def test_the_receipt_api_is_for_staff_and_refuses_bad_codes_politely(web_server):
    assert web_server.get("/web/api/receipt/Q7K-3F2", headers={})[0] == 401
    assert web_server.get("/web/api/receipt/Q7K-3F2", headers={"X-Console-Token": "wrong"})[0] == 401
    assert web_server.get_json("/web/api/receipts?q=CFA", headers={})[0] == 401
    status, body = web_server.get_json("/web/api/receipt/not-a-code")
    assert status == 400 and "Q7K-3F2" in body["error"]
    status, body = web_server.get_json("/web/api/receipt/ZZZ-ZZZ")
    assert status == 404 and body["error"]
    for odd in ("%00", "..%2F..%2Fetc", "Q7K-3F2%3B--", "%E5%9B%9E%E6%89%A7", "x" * 30, "%F0%9F%99%82"):
        status, body = web_server.get_json("/web/api/receipt/" + odd)
        assert status in (400, 404) and isinstance(body, dict) and body.get("error"), (odd, status, body)
    for odd in ("", "%00", "%25%25%25", "%5C%5C", "q" * 600):
        status, body = web_server.get_json("/web/api/receipts?q=" + odd)
        assert status in (200, 400) and isinstance(body, dict), (odd, status, body)


def wechat(server, openid: str, content: str, msg_id: str) -> str:
    status, _, body = http("POST", server.base + "/webhooks/wechat/webhook?" +
                           "&".join(f"{k}={v}" for k, v in plain_params(WECHAT_TOKEN).items()),
                           text_xml(content, openid=openid, msg_id=msg_id), {"Content-Type": "text/xml"}, 30)
    assert status == 200, body
    return parse_xml(body)["Content"]


def test_a_wechat_conversation_s_receipts_resolve_to_the_exact_text(web_server):
    openid = "oRcpt" + uuid.uuid4().hex[:20]
    reply = wechat(web_server, openid, "我有CFA证书，能认可吗", str(int(time.time() * 1000)))
    assert len(reply.encode("utf-8")) <= 2048
    last = reply.rsplit("\n", 1)[-1]
    assert last.startswith("回执编号：")
    code = last.split("：", 1)[1]
    r = resolve(web_server, code)
    assert reply == r["text"] + "\n\n回执编号：" + code  # the reply is the receipt's text and the code
    assert r["intent"] == "ask_recognized" and r["rows"] == ["R007"] and r["clauses"]
    assert r["lang"] == "zh" and r["turn"] == 1 and openid not in json.dumps(r)
    assert r["why"]["channel"] == "wechat"
    reply2 = wechat(web_server, openid, "Is my PMP recognized?", str(int(time.time() * 1000) + 1))
    assert reply2.rsplit("\n", 1)[-1].startswith("Receipt: ")  # in the user's language
    r2 = resolve(web_server, reply2.rsplit(" ", 1)[-1])
    assert r2["turn"] == 2 and r2["lang"] == "en" and r2["conversation"] == r["conversation"]


@pytest.mark.parametrize("lang, turns", [("zh", ["桌子椅子板凳", "窗帘地毯台灯"]), ("en", ["blorp zzkq wibble", "flarn quux snarf"])])
def test_two_fallbacks_in_a_row_offer_the_hotline_with_the_receipt(web_server, lang, turns):
    who = f"rcpt-fb-{uuid.uuid4().hex[:8]}"
    first, _ = rest(web_server, who, turns[0])
    code1 = receipt_of(first)
    assert resolve(web_server, code1)["helped"] is False, first  # a fallback
    assert code1 not in "\n".join(texts(first))
    second, _ = rest(web_server, who, turns[1])
    code2 = receipt_of(second)
    said = "\n".join(texts(second))
    assert HOTLINE in said and HOURS in said and code2 in said, said
    assert ("回执编号" in said) == (lang == "zh") and ("receipt code" in said) == (lang == "en")
    last = [m["custom"] for m in second if isinstance(m.get("custom"), dict)][-1]
    assert last["kind"] == "human" and last["handoff"] is True


def test_a_second_thumbs_down_in_a_row_offers_a_person_on_the_page(web_server):
    conversation, cookie = web_server.session()
    codes = []
    for text in ("我有CFA证书", "FRM呢"):
        status, messages = web_server.post_json("/webhooks/webchat/webhook", {"message": text}, headers=cookie)
        assert status == 200, messages
        codes.append(receipt_of(messages))
    replies = []
    for code in codes:
        status, body = web_server.post_json("/web/api/feedback", {"sender": conversation, "helpful": False,
                                                                  "answer_text": "x", "receipt": code}, headers=cookie)
        assert status == 200, body
        replies.append(body)
    assert "handoff" not in replies[0]
    offer = replies[1]["handoff"]
    assert HOTLINE in offer["text"] and codes[1] in offer["text"] and offer["lang"] == "zh"
    assert resolve(web_server, codes[0])["helped"] is False
    status, body = web_server.post_json("/web/api/feedback", {"sender": conversation, "helpful": False,
                                                              "answer_text": "x", "receipt": "nope"}, headers=cookie)
    assert status == 400


def test_both_servers_log_json_lines_with_the_receipt_and_masked_personal_data(web_server):
    who = f"rcpt-log-{uuid.uuid4().hex[:8]}"
    messages, _ = rest(web_server, who, "我的手机13812345678，CFA证书能认可吗")
    code = receipt_of(messages)
    conversation = "rest:" + who

    def lines_with_receipt(name: str) -> List[Dict[str, Any]]:
        return [e for e in log_lines(web_server, name) if e.get("receipt") == code]

    assert wait_until(lambda: lines_with_receipt("actions") and lines_with_receipt("rasa"), 10), \
        (web_server.logs["actions"].read_text()[-2000:], web_server.logs["rasa"].read_text()[-2000:])
    for name in ("actions", "rasa"):
        entry = lines_with_receipt(name)[-1]
        assert entry["conversation"] == conversation and entry.get("message_id"), entry
        assert entry["time"] and entry["level"] and entry["event"]
    # the action server's lines of this turn carry the conversation and the Rasa message id the replica logs
    message_id = lines_with_receipt("rasa")[-1]["message_id"]
    assert lines_with_receipt("actions")[-1]["message_id"] == message_id
    for name in ("actions", "rasa"):
        text = web_server.logs[name].read_text(encoding="utf-8", errors="replace")
        assert "13812345678" not in text
    assert "[PHONE]" in resolve(web_server, code)["question"]


def test_a_message_sent_again_with_its_id_gets_the_same_receipt_and_one_row(web_server):
    # the receipt travels in the stored reply: a retry replays it, the action does not run again
    who = f"rcpt-replay-{uuid.uuid4().hex[:8]}"
    payload = {"sender": who, "message": "我有CFA证书", "message_id": f"rcpt-{uuid.uuid4().hex[:10]}"}
    outs = [web_server.post_json("/webhooks/rest/webhook", payload) for _ in range(2)]
    assert all(status == 200 for status, _ in outs), outs
    assert outs[0][1] == outs[1][1]
    code = receipt_of(outs[0][1])
    status, found = web_server.get_json("/web/api/receipts?q=" + urllib.parse.quote("我有CFA证书"))
    mine = [x for x in found["results"] if x["conversation"] == resolve(web_server, code)["conversation"]]
    assert status == 200 and [x["code"] for x in mine] == [code]
