"""The web channel's pages and JSON API over HTTP (no browser): what they serve, what they answer, and that
bad input gets a JSON 4xx, never a stack trace. The console token is checked on a Sanic app of its own."""
from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from tests.web.conftest import HOTLINE, HOURS, ROOT

WEB = ROOT / "web"


def no_trace(body) -> None:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    assert "Traceback" not in text and 'File "' not in text


# --- pages -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("section", ["chat", "console"])
def test_pages_and_their_files_are_served_with_a_strict_policy(web_server, section):
    code, headers, _ = web_server.get(f"/web/{section}")
    assert code == 200  # urllib followed the redirect to /web/<section>/
    code, headers, body = web_server.get(f"/web/{section}/")
    assert code == 200 and headers["content-type"].startswith("text/html")
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    html = body.decode("utf-8")
    for name, mime in ((f"{section}.js", "text/javascript"), (f"{section}.css", "text/css")):
        assert f'"{name}"' in html
        code, headers, _ = web_server.get(f"/web/{section}/{name}")
        assert code == 200 and headers["content-type"].startswith(mime)


def test_index_links_the_chat_page(web_server):
    code, _, body = web_server.get("/web/")
    assert code == 200 and 'href="chat/"' in body.decode("utf-8")


@pytest.mark.parametrize("path", ["/web/chat/other.js", "/web/chat/console.js", "/web/chat/..%2F..%2Fcredentials.yml",
                                  "/web/chat/%2e%2e/%2e%2e/bot/channels/web.py", "/web/vendor/x.js",
                                  "/web/console/index.htm"])
def test_only_the_listed_files_are_served(web_server, path):
    code, _, body = web_server.get(path)
    assert code == 404
    assert b"WebChannel" not in body and b"rest:" not in body


def test_pages_load_nothing_from_elsewhere():
    """No CDN, no external font or script: every src/href/url()/@import is relative or a data: URL."""
    for path in sorted(WEB.rglob("*")):
        if path.suffix not in (".html", ".css", ".js"):
            continue
        text = path.read_text(encoding="utf-8")
        refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', text) + re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
        refs += re.findall(r"@import\s+['\"]?([^'\";]+)", text)
        for ref in refs:
            assert not re.match(r"^(?:[a-z]+:)?//", ref, re.I), f"{path.relative_to(ROOT)} loads {ref}"
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S) if path.suffix == ".js" else text
        assert not re.search(r"\.(?:inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function",
                             code), f"{path.relative_to(ROOT)} builds HTML from strings"


# --- API: config and feedback -------------------------------------------------------------------------------

def test_config_gives_the_hotline(web_server):
    code, body = web_server.get_json("/web/api/config")
    assert code == 200 and body["hotline"] == HOTLINE and body["hours"] == HOURS


def test_feedback_is_recorded_with_its_kind_and_language(web_server):
    code, body = web_server.post_json("/web/api/feedback", {"sender": "api-fb", "helpful": True,
                                                             "answer_text": "是的，CFA 在目录内", "answer_kind": "recognized"})
    assert code == 200 and body == {"ok": True}
    code, body = web_server.post_json("/web/api/feedback", {"sender": "api-fb", "helpful": False,
                                                             "answer_text": "Yes. It is listed.", "answer_kind": "recognized"})
    assert code == 200
    from catalog import feedback

    mine = [e for e in feedback.unanswered() if e.conversation_id == "api-fb"]
    assert [(e.kind, e.text, e.answer_kind, e.lang) for e in mine] == [
        ("unhelpful", "Yes. It is listed.", "recognized", "en")]  # 👍 is recorded but is no "unanswered"


@pytest.mark.parametrize("payload, status", [
    (b"not json", 400),
    (b"[1, 2]", 400),
    ({"helpful": True}, 400),
    ({"sender": "", "helpful": True}, 400),
    ({"sender": "x" * 129, "helpful": True}, 400),
    ({"sender": "s", "helpful": "yes"}, 400),
    ({"sender": "s", "helpful": True, "answer_text": 5}, 400),
    ({"sender": "s", "helpful": True, "answer_text": "x" * 4001}, 400),
    ({"sender": "s", "helpful": True, "answer_kind": ["x"]}, 400),
    ({"sender": "s", "helpful": True, "answer_text": "x" * 20000}, 413),
])
def test_bad_feedback_is_refused_with_json(web_server, payload, status):
    code, body = web_server.post_json("/web/api/feedback", payload)
    assert code == status and isinstance(body, dict) and body["error"]
    no_trace(body)


def test_feedback_must_be_json(web_server):
    code, body = web_server.post_json("/web/api/feedback", {"sender": "s", "helpful": True}, content_type="text/plain")
    assert code == 415 and body["error"]


# --- API: search, facets, list, item ------------------------------------------------------------------------

@pytest.mark.parametrize("text, status, first", [
    ("CFA", "listed", "R007"),
    ("特许金融分析师", "listed", "R007"),
    ("Chartered Financial Analyst", "listed", "R007"),
    ("R007", "listed", "R007"),
    ("r7", "listed", "R007"),
    ("FCCA", "listed", "U07"),
    ("Texas teaching certificate", "listed", "R057"),
    ("CF", "none", "R007"),  # nothing for the matcher: the substring search finds it
    ("特许金融", "none", "R007"),
])
def test_search(web_server, text, status, first):
    code, body = web_server.get_json("/web/api/search?q=" + urllib.parse.quote(text))
    assert code == 200 and body["status"] == status
    assert first in [r["id"] for r in body["results"]]
    row = body["results"][0]
    assert set(row) >= {"id", "list", "row", "name", "issuer", "where", "fields", "field_keys", "country_keys"}


def test_search_ambiguous_unlisted_and_nothing(web_server):
    code, body = web_server.get_json("/web/api/search?q=" + urllib.parse.quote("教师资格证书"))
    assert body["status"] == "ambiguous" and body["total"] > 20 and "R057" in [r["id"] for r in body["results"]]
    code, body = web_server.get_json("/web/api/search?q=" + urllib.parse.quote("AWS Solutions Architect Associate"))
    assert body["status"] == "unlisted" and body["unlisted"]["reason"]["zh"] and body["unlisted"]["reason"]["en"]
    code, body = web_server.get_json("/web/api/search?q=qqqxxxzzz")
    assert code == 200 and body["status"] == "none" and body["results"] == []
    code, body = web_server.get_json("/web/api/search?q=")
    assert code == 200 and body["status"] == "empty"


def test_search_confirm_and_attribute_queries(web_server):
    code, body = web_server.get_json("/web/api/search?q=" + urllib.parse.quote("营养师"))
    assert body["status"] == "confirm" and body["evidence"] == "generic" and body["results"][0]["id"] == "R109"
    code, body = web_server.get_json("/web/api/search?q=" + urllib.parse.quote("急需紧缺清单一共几项"))
    assert body["status"] == "query" and [r["id"] for r in body["results"]] == [f"U0{i}" for i in range(1, 8)]
    assert all(r["reason"] == "query" for r in body["results"])


def test_a_query_over_500_characters_is_a_400(web_server):
    code, body = web_server.get_json("/web/api/search?q=" + "a" * 501)
    assert code == 400 and "500" in body["error"]
    code, body = web_server.get_json("/web/api/search?q=" + "a" * 500)
    assert code == 200


def test_facets_and_list(web_server):
    code, f = web_server.get_json("/web/api/facets")
    assert code == 200 and f["total"] == 122
    assert {(x["key"], x["count"]) for x in f["lists"]} == {("urgent", 7), ("regular", 115)}
    cloud = next(x for x in f["fields"] if x["key"] == "云计算")
    assert cloud["count"] == 5 and cloud["en"]
    assert any(x["key"] == "英国" for x in f["countries"])
    code, body = web_server.get_json("/web/api/list?field=" + urllib.parse.quote("云计算"))
    assert code == 200 and body["total"] == 5 and len(body["results"]) == 5
    code, body = web_server.get_json("/web/api/list?field=" + urllib.parse.quote(cloud["en"]))
    assert body["total"] == 5
    code, body = web_server.get_json("/web/api/list?list=urgent")
    assert body["total"] == 7 and all(r["list"] == "urgent" for r in body["results"])
    code, body = web_server.get_json("/web/api/list?country=" + urllib.parse.quote("英国") + "&list=regular")
    assert all("英国" in r["country_keys"] and r["list"] == "regular" for r in body["results"])
    code, body = web_server.get_json("/web/api/list")
    assert body["total"] == 122


@pytest.mark.parametrize("query", ["list=soon", "field=nope", "country=Atlantis", "field=" + "x" * 300])
def test_list_with_unknown_values_is_a_400(web_server, query):
    code, body = web_server.get_json("/web/api/list?" + query)
    assert code == 400 and body["error"]
    no_trace(body)


def test_item_has_every_fact_the_clauses_and_the_approved_answers(web_server, catalog_db):
    from catalog import answers, benefits, queries

    code, item = web_server.get_json("/web/api/item/R007")
    assert code == 200
    q = queries.get("R007")
    assert item["name"] == {"zh": q.name.zh, "en": q.name.en}
    assert item["remark"] == {"zh": q.remark.zh, "en": q.remark.en}
    assert item["issuer"]["en"] == q.issuer.en and item["countries"][0]["zh"] == "美国"
    assert item["title_level"]["level"] == "中级" and item["notes"] == list(q.notes)
    assert item["cite"]["zh"] == "附件1（二）第7项"
    clauses = {c["id"]: c for c in item["clauses"]}
    assert {"一.1", "一.2", "一.3", "一.4", "一.5", "一.6", "三", "四"} <= set(clauses)
    assert clauses["一.4"]["text"]["zh"] == queries.clause("一.4").text.zh
    assert clauses["一.4"]["text"]["en"] == queries.clause("一.4").text.en
    got = {a["key"]: a for a in item["answers"]}
    b = benefits.benefits_for("R007", "unknown")
    for lang in ("zh", "en"):
        assert got["recognized"][lang] == answers.qualification_answer(q, lang).full_text()
        assert got["benefits"][lang] == answers.benefits(b, lang).full_text()
        assert got["practice"][lang] == answers.practice(lang, qualification=q).full_text()
        assert got["verification"][lang] == answers.verification(lang).full_text()
    # an urgent row has section 二 as well, and its lower-case id works
    code, item = web_server.get_json("/web/api/item/u07")
    assert code == 200 and item["id"] == "U07" and any(c["id"].startswith("二.") for c in item["clauses"])


def test_item_country_filled_note_flag(web_server):
    from catalog import queries

    filled = next(q for q in queries.all_qualifications() if q.country_filled)
    code, item = web_server.get_json(f"/web/api/item/{filled.id}")
    assert code == 200 and item["country_filled"] is True


@pytest.mark.parametrize("qid", ["R999", "X1", "nothing", "%3Cscript%3E", "R007%00"])
def test_unknown_item_is_a_404(web_server, qid):
    code, body = web_server.get_json(f"/web/api/item/{qid}")
    assert code == 404 and body["error"]
    no_trace(body)


def test_unknown_api_path_is_a_json_404(web_server):
    code, body = web_server.get_json("/web/api/nothing/here")
    assert code == 404 and body["error"]


def test_unanswered_limit_is_checked(web_server):
    for bad in ("0", "abc", "100000"):
        code, body = web_server.get_json("/web/api/unanswered?limit=" + bad)
        assert code == 400, bad
    code, body = web_server.get_json("/web/api/unanswered?limit=1")
    assert code == 200 and len(body["results"]) <= 1


def test_csv_quotes_formulas(web_server):
    code, _ = web_server.post_json("/web/api/feedback", {"sender": "api-csv", "helpful": False,
                                                          "answer_text": "=HYPERLINK(\"http://x\")"})
    assert code == 200
    code, headers, raw = web_server.get("/web/api/unanswered.csv")
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    text = raw.decode("utf-8-sig")
    line = next(l for l in text.splitlines() if "api-csv" in l)
    assert "'=HYPERLINK" in line


# --- the console token and the credentials -------------------------------------------------------------------

@pytest.fixture
def guarded(catalog_db):
    """A Sanic app of our own with WebChannel(console_token=…) mounted by Rasa's register()."""
    from bot.channels.web import WebChannel
    from tests.channels.test_wechat_harness import ChannelServer

    server = ChannelServer(WebChannel.from_credentials({"console_token": "s3cret-token"}))
    yield server
    server.close()


def test_the_console_token_guards_the_unanswered_log(guarded):
    from tests.channels.test_wechat_harness import http

    base = guarded.base + "/web/api/"
    for path in ("unanswered", "unanswered.csv"):
        assert http("GET", base + path)[0] == 401
        assert http("GET", base + path, headers={"X-Console-Token": "wrong"})[0] == 401
        code, headers, _ = http("GET", base + path, headers={"X-Console-Token": "s3cret-token"})
        assert code == 200
    code, _, body = http("GET", base + "config")
    assert code == 200 and json.loads(body)["console_token_required"] is True
    # the catalog itself stays open
    assert http("GET", base + "item/R007")[0] == 200


def test_credentials_blocks_load_through_rasa(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    from bot.channels.web import WEB_ROOT, WebChannel

    creds = tmp_path / "credentials.yml"
    creds.write_text("rest:\nbot.channels.web.WebChannel:\n", encoding="utf-8")
    channels = create_http_input_channels(None, str(creds))
    web = next(c for c in channels if isinstance(c, WebChannel))
    assert web.console_token == "" and web.url_prefix() == "/web" and WebChannel.name() == "web"
    assert WEB_ROOT == Path(__file__).resolve().parents[2] / "web"
    monkeypatch.setenv("QUALIBOT_CONSOLE_TOKEN", "t0k")
    creds.write_text("bot.channels.web.WebChannel:\n  console_token: ${QUALIBOT_CONSOLE_TOKEN}\n", encoding="utf-8")
    [web] = create_http_input_channels(None, str(creds))
    assert web.console_token == "t0k"
