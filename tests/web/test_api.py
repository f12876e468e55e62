"""The web channel's pages and JSON API over HTTP (no browser): what they serve, what they answer, and that
bad input gets a JSON 4xx, never a stack trace. The staff surfaces' guards (console token, Host, conversation
references), the feedback endpoint's checks and its rate limit are tested on Sanic apps of their own."""
from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.web.conftest import HOTLINE, HOURS, RASA_AUTH_TOKEN, ROOT


def ref(conversation_id: str) -> str:
    from bot.channels.web import conversation_ref, ref_key

    return conversation_ref(conversation_id, ref_key({"RASA_AUTH_TOKEN": RASA_AUTH_TOKEN}))

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
                                  "/web/chat/%2e%2e/%2e%2e/bot/channels/web/channel.py", "/web/vendor/x.js",
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

def test_config_gives_the_hotline_and_what_is_kept_for_how_long(web_server):
    code, body = web_server.get_json("/web/api/config")
    assert code == 200 and body["hotline"] == HOTLINE and body["hours"] == HOURS
    assert body["retention_days"] == 180
    assert "最长180天" in body["privacy"]["zh"] and "at most 180 days" in body["privacy"]["en"]


def test_feedback_is_recorded_with_its_kind_and_language(web_server):
    sender, cookie = web_server.session()
    code, body = web_server.post_json("/web/api/feedback", {"sender": sender, "helpful": True,
                                                             "answer_text": "是的，CFA 在目录内", "answer_kind": "recognized"},
                                      headers=cookie)
    assert code == 200 and body == {"ok": True}
    code, body = web_server.post_json("/web/api/feedback", {"sender": sender, "helpful": False,
                                                             "answer_text": "Yes. It is listed.", "answer_kind": "recognized"},
                                      headers=cookie)
    assert code == 200
    from catalog import feedback

    mine = [e for e in feedback.unanswered() if e.conversation_id == sender]
    assert [(e.kind, e.text, e.answer_kind, e.lang) for e in mine] == [
        ("unhelpful", "Yes. It is listed.", "recognized", "en")]  # 👍 is recorded but is no "unanswered"
    # the staff see a reference, never the id
    code, raw = web_server.get("/web/api/unanswered")[::2]
    rows = json.loads(raw)["results"]
    assert code == 200 and sender not in raw.decode("utf-8")
    assert [r["kind"] for r in rows if r["conversation"] == ref(sender)] == ["unhelpful"]
    assert all("conversation_id" not in r for r in rows)


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
    (b"[" * 5000 + b"]" * 5000, 400),  # nested deeper than Python's json can parse: was a 500
    (b'{"sender": "s", "helpful": true, "x": ' + b"[" * 3000 + b"]" * 3000 + b"}", 400),
    (b'{"sender": "s", "helpful": true, "answer_kind": ' + b"[" * 900 + b"]" * 900 + b"}", 400),
    (b'{"sender": "s", "helpful": true, "n": ' + b"9" * 5000 + b"}", 400),  # int over Python's digit limit
    (b"\xff\xfe{}", 400),
])
def test_bad_feedback_is_refused_with_json(web_server, payload, status):
    code, body = web_server.post_json("/web/api/feedback", payload)
    assert code == status and isinstance(body, dict) and body["error"]
    no_trace(body)


def test_feedback_only_for_the_conversation_of_the_callers_own_session(web_server):
    """may_write: without the page's signed session, or for any conversation but its own (another visitor's,
    a WeChat OpenID's, a REST sender's, "default"), a 👎 is refused and nothing is logged."""
    from catalog import feedback

    mine, cookie = web_server.session()
    someone_else, _ = web_server.session()
    forged = {"Cookie": cookie["Cookie"][:-3] + "AAA"}
    for sender, headers in ((mine, {}), (mine, forged), (someone_else, cookie), ("default", cookie),
                            ("wechat:oGZUI0egBJY1zhBYw2KhdUfwVJJE", cookie), ("rest:me", cookie), ("web", cookie)):
        code, body = web_server.post_json("/web/api/feedback", {"sender": sender, "helpful": False, "answer_text": "x"},
                                          headers=headers)
        assert code == 403 and body["error"], (sender, headers)
        assert not [e for e in feedback.unanswered() if e.conversation_id == sender]
    assert web_server.post_json("/web/api/feedback", {"sender": mine, "helpful": False, "answer_text": "x"},
                                headers=cookie)[0] == 200


def test_a_nul_in_feedback_does_not_break_the_csv(web_server):
    sender, cookie = web_server.session()
    code, _ = web_server.post_json("/web/api/feedback", {"sender": sender, "helpful": False,
                                                          "answer_text": "NUL\u0000here \u001b[31m", "answer_kind": "x\u0000y"},
                                   headers=cookie)
    assert code == 200
    code, headers, raw = web_server.get("/web/api/unanswered.csv")
    assert code == 200 and b"\x00" not in raw
    line = next(l for l in raw.decode("utf-8-sig").splitlines() if ref(sender) in l)
    assert "NULhere [31m" in line and ",xy," in line


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


def test_csv_quotes_formulas_in_every_cell_answer_kind_included(web_server):
    sender, cookie = web_server.session()
    code, _ = web_server.post_json("/web/api/feedback", {"sender": sender, "helpful": False,
                                                          "answer_text": "=HYPERLINK(\"http://x\")",
                                                          "answer_kind": "=HYPERLINK(\"http://y\")"}, headers=cookie)
    assert code == 200
    code, headers, raw = web_server.get("/web/api/unanswered.csv")
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    import csv
    import io

    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["time_utc", "conversation", "kind", "text", "answer_kind", "lang"]
    [row] = [r for r in rows if r[1] == ref(sender)]
    assert row[3] == "'=HYPERLINK(\"http://x\")" and row[4] == "'=HYPERLINK(\"http://y\")"
    assert sender not in raw.decode("utf-8-sig")


def test_personal_numbers_are_masked_in_the_log_and_the_csv(web_server):
    secret = "我的手机13812345678，身份证440304198506153216"
    code, _ = web_server.feedback({"helpful": False, "answer_text": secret})
    assert code == 200
    for path in ("/web/api/unanswered", "/web/api/unanswered.csv"):
        code, _, raw = web_server.get(path)
        text = raw.decode("utf-8-sig")
        assert code == 200 and "我的手机[PHONE]，身份证[ID-CARD]" in text
        assert "13812345678" not in text and "440304198506153216" not in text


# --- the staff surfaces' guards, the feedback endpoint's checks (Sanic apps of our own) -----------------------

STAFF_API = ("search?q=CFA", "facets", "list", "item/R007", "unanswered", "unanswered.csv")
TOKEN = "s3cret-token"


SIGNER_SECRET = "web-api-tests-session-secret-32chars"


def web_channel_server(**kwargs):
    """A Sanic app of our own with WebChannel(**kwargs) mounted by Rasa's register(); its sessions are
    signed with SIGNER_SECRET (page_session() makes one)."""
    from bot.channels.session import SessionSigner
    from bot.channels.web import WebChannel
    from tests.support.channel_server import ChannelServer

    return ChannelServer(WebChannel(signer=SessionSigner(SIGNER_SECRET), **kwargs))


def page_session():
    """(conversation id, Cookie header) of a session as bot/channels/web/chat.py would issue it."""
    from bot.channels.session import COOKIE, SessionSigner

    session = SessionSigner(SIGNER_SECRET).issue()
    return session.conversation_id, {"Cookie": f"{COOKIE}={session.token}"}


@pytest.fixture
def guarded(catalog_db, matcher):  # the matcher built first: the first search would wait for it
    server = web_channel_server(console_token=TOKEN, allowed_hosts="qualibot.example.com",
                                conversation_key=b"k" * 32)
    yield server
    server.close()


@pytest.fixture
def closed(catalog_db):
    server = web_channel_server(console_token="")
    yield server
    server.close()


def call(server, path, headers=None, method="GET", body=None):
    from tests.support.http import http

    return http(method, server.base + path, body, headers or {}, timeout=60)


def test_the_console_token_guards_every_staff_api(guarded):
    for path in STAFF_API:
        assert call(guarded, "/web/api/" + path)[0] == 401, path
        assert call(guarded, "/web/api/" + path, {"X-Console-Token": "wrong"})[0] == 401, path
        assert call(guarded, "/web/api/" + path, {"X-Console-Token": TOKEN.upper()})[0] == 401, path
        assert call(guarded, "/web/api/" + path, {"X-Console-Token": TOKEN})[0] == 200, path
    code, _, body = call(guarded, "/web/api/config")
    assert code == 200 and json.loads(body)["console_token_required"] is True


def test_without_a_console_token_the_staff_surfaces_are_closed(closed):
    """No token configured: 403 and never the data (the unanswered log used to be open then)."""
    for path in STAFF_API:
        for headers in ({}, {"X-Console-Token": ""}, {"X-Console-Token": "anything"}):
            code, _, body = call(closed, "/web/api/" + path, headers)
            assert code == 403, (path, headers)
            assert json.loads(body) == {"error": "the staff console is closed: no console token is configured "
                                                 "on the server", "status": 403}
    # the public parts still work: the chat page, its config and feedback
    assert call(closed, "/web/chat/")[0] == 200 and call(closed, "/web/api/config")[0] == 200
    sender, cookie = page_session()
    code, _, _ = call(closed, "/web/api/feedback", {"Content-Type": "application/json", **cookie}, "POST",
                      json.dumps({"sender": sender, "helpful": True}).encode())
    assert code == 200


@pytest.mark.parametrize("host, allowed", [
    ("localhost", True), ("localhost:5005", True), ("127.0.0.1:5005", True), ("127.0.0.2", True),
    ("[::1]:5005", True), ("app.localhost", True), ("qualibot.example.com", True), ("QUALIBOT.example.com.:443", True),
    ("evil.example", False), ("qualibot.example.com.evil.example", False), ("127.0.0.1.nip.io", False),
    ("192.168.1.10:5005", False), ("", False), ("a b", False),
])
def test_the_staff_surfaces_answer_only_to_loopback_or_configured_hosts(guarded, host, allowed):
    """DNS rebinding: a page on evil.example that resolves to this server sends Host: evil.example."""
    expected = 200 if allowed else 403
    for path in ("/web/api/unanswered", "/web/api/item/R007", "/web/console/", "/web/console/console.js"):
        code, _, body = call(guarded, path, {"Host": host, "X-Console-Token": TOKEN})
        assert code == expected, (host, path)
        if not allowed:
            assert b"R007" not in body and b"results" not in body
    # the public pages answer to any host (behind a proxy they are the public site)
    assert call(guarded, "/web/chat/", {"Host": host or "x"})[0] == 200


def test_staff_surfaces_show_a_reference_never_the_conversation_id(guarded):
    from bot.channels.web import conversation_ref

    sender, cookie = page_session()
    code, _, _ = call(guarded, "/web/api/feedback", {"Content-Type": "application/json", **cookie}, "POST",
                      json.dumps({"sender": sender, "helpful": False, "answer_text": "wrong"}).encode())
    assert code == 200
    expected = conversation_ref(sender, b"k" * 32)
    assert re.fullmatch(r"c-[0-9a-f]{10}", expected) and expected != conversation_ref(sender, b"other key")
    for path in ("unanswered", "unanswered.csv"):
        code, _, body = call(guarded, "/web/api/" + path, {"X-Console-Token": TOKEN})
        text = body.decode("utf-8-sig")
        assert code == 200 and expected in text and sender not in text and sender.split(":")[1] not in text


def post_feedback(server, address):
    sender, cookie = page_session()
    return call(server, "/web/api/feedback", {"Content-Type": "application/json", "X-Forwarded-For": address, **cookie},
                "POST", json.dumps({"sender": sender, "helpful": True}).encode())


def test_feedback_is_rate_limited_per_client_address(catalog_db):
    """Three per window per address (X-Forwarded-For counts only from our proxy: the test talks from
    loopback, which is one); a fixed clock, so no window ends during the test."""
    from bot.channels.ratelimit import RateLimiter

    server = web_channel_server(console_token=TOKEN, limiter=RateLimiter(3, 60, clock=lambda: 1_000_000.0))
    try:
        assert [post_feedback(server, "203.0.113.5")[0] for _ in range(3)] == [200, 200, 200]
        code, headers, body = post_feedback(server, "203.0.113.5")
        assert code == 429 and int(headers["Retry-After"]) >= 1 and json.loads(body)["error"]
        # another address still may, and the limit counts before the body is even read
        assert post_feedback(server, "198.51.100.7")[0] == 200
        assert call(server, "/web/api/feedback", {"Content-Type": "text/plain", "X-Forwarded-For": "203.0.113.5"},
                    "POST", b"x")[0] == 429
    finally:
        server.close()


def test_the_feedback_limit_is_shared_through_redis(catalog_db):
    """Two servers (two replicas) with one Redis: the address gets three in all, not three each."""
    import socket

    from bot.channels.ratelimit import RateLimiter

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # a key of this test only

    def replica():
        return web_channel_server(console_token=TOKEN, limiter=RateLimiter(3, 60, "redis://127.0.0.1:6379/0",
                                                                            clock=lambda: 2_000_000.0))

    a, b = replica(), replica()
    try:
        assert [post_feedback(s, address)[0] for s in (a, b, a)] == [200, 200, 200]
        assert post_feedback(b, address)[0] == 429
    finally:
        a.close()
        b.close()


def test_credentials_blocks_load_through_rasa(tmp_path, monkeypatch):
    from rasa.core.run import create_http_input_channels

    from bot.channels.web import WEB_ROOT, WebChannel

    creds = tmp_path / "credentials.yml"
    creds.write_text("rest:\nbot.channels.web.WebChannel:\n", encoding="utf-8")
    channels = create_http_input_channels(None, str(creds))
    web = next(c for c in channels if isinstance(c, WebChannel))
    assert web.console_token == "" and web.url_prefix() == "/web" and WebChannel.name() == "web"
    assert web.allowed_hosts == ()
    assert WEB_ROOT == Path(__file__).resolve().parents[2] / "web"
    monkeypatch.setenv("QUALIBOT_CONSOLE_TOKEN", "t0k")
    creds.write_text("bot.channels.web.WebChannel:\n  console_token: ${QUALIBOT_CONSOLE_TOKEN}\n", encoding="utf-8")
    [web] = create_http_input_channels(None, str(creds))
    assert web.console_token == "t0k"
    monkeypatch.setenv("QUALIBOT_ALLOWED_HOSTS", "qualibot.example.com, Staff.Example.com:8443")
    [web] = create_http_input_channels(None, str(creds))
    assert web.allowed_hosts == ("qualibot.example.com", "staff.example.com")
