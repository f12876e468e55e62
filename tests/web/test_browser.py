"""The chat page and the staff console in a real (headless) Chromium, against the real Rasa server.

Run: .venv/bin/python -m pytest -q tests/web
Screenshots: results/web-chat.png (375 px wide, like a phone) and results/web-console.png.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.web.conftest import CONSOLE_TOKEN, HOTLINE, RASA_AUTH_TOKEN

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

CONVERSATION_KEY = "qualibot.chat.v1.conversation"  # the server's conversation id ("web:…"), not a secret
WEBHOOK = "**/webhooks/webchat/webhook"


# --- helpers -----------------------------------------------------------------------------------------

def open_chat(page):
    page.goto("/web/chat")
    expect(page.locator("#msg")).to_be_visible()
    return page


def wait_for_reply(page):
    """The log is aria-busy while a message is on its way; the reply ends with a bot (or notice) message."""
    expect(page.locator("#log")).to_have_attribute("aria-busy", "false", timeout=60_000)
    expect(page.locator("#log > li").last).to_have_class(re.compile(r"\bmsg (bot|notice)\b"))


def ask(page, text: str):
    """Type `text`, press Enter, wait for the answer; return the locator of the last bot message."""
    page.locator("#msg").fill(text)
    page.locator("#msg").press("Enter")
    wait_for_reply(page)
    return page.locator("#log > li.msg.bot").last


def sender_of(page) -> str:
    return json.loads(page.evaluate(f"localStorage.getItem('{CONVERSATION_KEY}')"))


def assert_clean(page):
    """No script errors or CSP violations, no dialog, nothing fetched from anywhere but the server."""
    assert page.problems.errors == [], page.problems.errors
    assert page.problems.dialogs == [], page.problems.dialogs
    assert page.problems.external == [], page.problems.external


# --- the chat page -------------------------------------------------------------------------------------

def test_chinese_question_gets_the_answer_with_its_source_line_under_it(phone):
    page = open_chat(phone)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    answer = ask(page, "我有CFA证书，能认可吗")
    expect(answer.locator(".text")).to_contain_text("R007")
    expect(answer.locator(".text")).not_to_contain_text("依据：")  # split off…
    expect(answer.locator(".source")).to_have_text(
        "依据：附件1（二）第7项（北京市境外职业资格认可目录(3.0版)，京人社事业发〔2023〕24号）")  # …and shown under it
    font = answer.locator(".source").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    body = answer.locator(".text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font < body, "the source line is in smaller text"
    assert answer.get_attribute("lang") == "zh-CN"
    expect(page.locator("#log > li.msg.user").last).to_have_text("您说： 我有CFA证书，能认可吗")
    assert_clean(page)


def test_english_question_switches_the_page_to_english(phone):
    page = open_chat(phone)
    answer = ask(page, "Is FCCA recognized?")
    expect(answer.locator(".text")).to_contain_text("urgent")
    expect(answer.locator(".source")).to_contain_text("Source: Annex 1, list (1)")
    assert answer.get_attribute("lang") == "en"
    # the UI followed the language of the question
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator("#send")).to_have_text("Send")
    expect(page.get_by_role("group", name="Common questions").get_by_role("button")).to_have_count(4)
    # and the toggle goes back to Chinese
    page.get_by_role("button", name="切换到中文").click()
    expect(page.locator("#send")).to_have_text("发送")
    expect(page.get_by_role("button", name="证书如何查验？")).to_be_visible()
    assert_clean(page)


def test_quick_reply_chip_asks_its_question(phone):
    page = open_chat(phone)
    chips = page.get_by_role("group", name="常见问题")
    expect(chips.get_by_role("button")).to_have_text(
        ["我的证书被认可吗？", "外籍人员有哪些便利？", "证书如何查验？", "目录共有多少项？"])
    chips.get_by_role("button", name="证书如何查验？").click()
    wait_for_reply(page)
    expect(page.locator("#log > li.msg.user").last).to_contain_text("证书如何查验？")
    answer = page.locator("#log > li.msg.bot").last
    expect(answer.locator(".text")).to_contain_text("查验")
    expect(answer.locator(".source")).to_contain_text("附件2")
    chips.get_by_role("button", name="目录共有多少项？").click()
    wait_for_reply(page)
    expect(page.locator("#log > li.msg.bot").last.locator(".text")).to_contain_text("122")
    assert_clean(page)


def test_bot_buttons_feedback_and_reload(phone, web_server):
    page = open_chat(phone)
    question = ask(page, "教师资格证书")
    # 28 rows: the country first, never more than 6 buttons on a phone
    choices = question.get_by_role("group", name="请选择").get_by_role("button")
    assert 2 <= choices.count() <= 6
    question.get_by_role("button", name="澳大利亚（6）", exact=True).click()
    wait_for_reply(page)
    states = page.locator("#log > li.msg.bot").last
    queensland = states.get_by_role("button", name="教师资格证书（昆士兰州）", exact=True)
    assert queensland.evaluate("e => e.tagName") == "BUTTON"
    queensland.click()
    wait_for_reply(page)
    # the title is the user's bubble, not the payload
    expect(page.locator("#log > li.msg.user").last).to_have_text("您说： 教师资格证书（昆士兰州）")
    answer = page.locator("#log > li.msg.bot").last
    expect(answer.locator(".text")).to_contain_text("R070")

    # 👎 -> thanks, and the log has it under this conversation's reference (never its id)
    from bot.channels.web import conversation_ref, ref_key

    answer.get_by_role("button", name="没有帮助").click()
    expect(answer.locator(".feedback")).to_have_text("谢谢您的反馈！")
    sender = sender_of(page)
    status, log = web_server.get_json("/web/api/unanswered")
    assert status == 200 and sender not in json.dumps(log)
    mine = [e for e in log["results"]
            if e["conversation"] == conversation_ref(sender, ref_key({"RASA_AUTH_TOKEN": RASA_AUTH_TOKEN}))]
    assert mine and mine[0]["kind"] == "unhelpful" and "R070" in mine[0]["text"]
    assert mine[0]["answer_kind"] == "recognized" and mine[0]["lang"] == "zh"

    # a reload keeps the conversation (and the vote), with the same session
    shown = page.locator("#log > li").count()
    page.reload()
    expect(page.locator("#log > li")).to_have_count(shown)
    expect(page.locator("#log > li.msg.bot").last.locator(".text")).to_contain_text("R070")
    expect(page.locator("#log > li.msg.bot").last.locator(".feedback")).to_have_text("谢谢您的反馈！")
    expect(page.locator("#log > li.msg.user").first).to_have_text("您说： 教师资格证书")
    assert sender_of(page) == sender
    # the server's tracker (same session) carries on: a follow-up about "it" is answered about R070
    follow = ask(page, "外籍人员可以享受什么？")
    expect(follow.locator(".text")).to_contain_text("教师资格证书")
    expect(follow.locator(".source")).to_contain_text("附件1（二）第70项")
    assert_clean(page)


def test_the_session_is_the_server_s_and_another_visitor_cannot_take_the_conversation(phone, browser, web_server):
    # issue 12: the page used to choose its sender id; whoever learnt it got that conversation's answers
    from tests.web.conftest import open_context, watch

    page = open_chat(phone)
    expect(ask(page, "我有CFA证书，能认可吗").locator(".text")).to_contain_text("CFA")
    mine = sender_of(page)
    assert mine.startswith("web:")
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script of the page can read the session
    [cookie] = [c for c in page.context.cookies() if c["name"] == "qualibot_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["value"] != mine

    other_context = open_context(browser, web_server, 375, 740)
    try:
        other = other_context.new_page()
        other.problems = watch(other_context, other, web_server)
        open_chat(other)
        other.evaluate(f"localStorage.setItem('{CONVERSATION_KEY}', JSON.stringify({json.dumps(mine)}))")
        other.reload()
        expect(other.locator("#msg")).to_be_visible()
        reply = ask(other, "外籍人员可以享受什么？")
        expect(reply.locator(".text")).not_to_contain_text("CFA")  # not the first visitor's certificate
        assert sender_of(other) != mine
    finally:
        other_context.close()
    assert_clean(page)


def test_new_chat_starts_a_new_conversation_on_the_server(phone):
    page = open_chat(phone)
    ask(page, "我有CFA证书，能认可吗")
    first = sender_of(page)
    page.evaluate("window.confirm = () => true")  # the user says yes to "start a new conversation?"
    page.get_by_role("button", name="新对话").click()
    expect(page.locator("#log > li")).to_have_count(0)
    reply = ask(page, "外籍人员可以享受什么？")
    expect(reply.locator(".text")).not_to_contain_text("CFA")  # the new conversation knows no certificate
    assert sender_of(page) != first


def test_talk_to_a_person_gives_the_hotline(phone, web_server):
    page = open_chat(phone)
    expect(page.locator("#hotline")).to_contain_text(HOTLINE)
    page.get_by_role("button", name="转人工").click()
    wait_for_reply(page)
    expect(page.locator("#log > li.msg.user").last).to_contain_text("转人工")
    expect(page.locator("#log > li.msg.bot").last.locator(".text")).to_contain_text(HOTLINE)
    assert_clean(page)


def test_a_thumbs_down_from_the_page_is_logged_under_its_sessions_reference(phone, web_server):
    """The page's 👎 carries its session cookie (may_write): logged under the reference of its conversation,
    the conversation id shown nowhere, a phone number in it masked."""
    from bot.channels.web import conversation_ref, ref_key

    page = open_chat(phone)
    answer = ask(page, "我有CFA证书，能认可吗？我的手机13812345678")
    answer.get_by_role("button", name="没有帮助").click()
    expect(answer.locator(".feedback")).to_have_text("谢谢您的反馈！")
    conversation = sender_of(page)
    status, _, raw = web_server.get("/web/api/unanswered")
    rows = json.loads(raw)["results"]
    mine = [r for r in rows if r["conversation"] == conversation_ref(conversation, ref_key({"RASA_AUTH_TOKEN": RASA_AUTH_TOKEN}))]
    assert status == 200 and mine and mine[0]["kind"] == "unhelpful"
    assert conversation not in raw.decode("utf-8") and conversation.split(":")[1] not in raw.decode("utf-8")
    assert "13812345678" not in raw.decode("utf-8")
    assert_clean(page)


def test_the_page_says_what_is_kept_and_for_how_long(phone, web_server):
    """The retention comes from the server's configuration (GET config), in the page's language."""
    from catalog import privacy

    page = open_chat(phone)
    expect(page.locator("#privacy")).to_have_text(privacy.notice("zh", 180))
    expect(page.locator("#privacy")).to_contain_text("最长180天")
    page.locator("#lang-toggle").click()
    expect(page.locator("#privacy")).to_have_text(privacy.notice("en", 180))
    assert_clean(page)


def test_html_in_a_message_is_shown_as_text(phone):
    page = open_chat(phone)
    attack = "<img src=x onerror=alert(1)>"
    page.locator("#msg").fill(attack)
    page.locator("#msg").press("Enter")
    wait_for_reply(page)
    expect(page.locator("#log > li.msg.user").last.locator(".text")).to_have_text(attack)
    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('#log img, #log script, #log [onerror]').length") == 0
    page.reload()  # and from the stored history too
    expect(page.locator("#log > li.msg.user").last.locator(".text")).to_have_text(attack)
    assert page.locator("img").count() == 0
    assert page.problems.dialogs == []


def fulfil_webhook(page, status: int, body: str, content_type: str = "application/json", **headers: str):
    """The page's webhook answers `status` and `body` (the server's own limits are tested in tests/channels)."""
    page.route(WEBHOOK, lambda route: route.fulfill(
        status=status, body=body, content_type=content_type, headers=headers))


def test_a_refusal_worded_for_the_user_is_shown_like_an_answer(phone):
    page = open_chat(phone)
    polite = "您发送消息的速度太快了，请稍等片刻再试。"  # catalog/data/channel_messages.yaml: rate_limited
    fulfil_webhook(page, 429, json.dumps([{"recipient_id": "x", "text": polite}], ensure_ascii=False),
                   **{"Retry-After": "30"})
    answer = ask(page, "CFA能认可吗？")
    expect(answer.locator(".text")).to_have_text(polite)
    assert page.locator("#log > li.msg.notice").count() == 0
    # the same for a message that is too long (413 with a list of messages)
    page.unroute(WEBHOOK)
    too_long = "抱歉，这条消息太长了。"
    fulfil_webhook(page, 413, json.dumps([{"recipient_id": None, "text": too_long}], ensure_ascii=False))
    expect(ask(page, "长" * 100).locator(".text")).to_have_text(too_long)
    assert page.problems.dialogs == [] and page.problems.external == []


@pytest.mark.parametrize("status, body, content_type, tries", [
    (500, "Internal Server Error", "text/plain", 2),
    (502, "<html>Bad Gateway</html>", "text/html", 2),
    (400, json.dumps({"error": "the body is not valid JSON"}), "application/json", 1),
    (429, "Too Many Requests", "text/plain", 1),
])
def test_an_error_shows_the_cannot_reach_the_server_notice(phone, status, body, content_type, tries):
    page = open_chat(phone)
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/webhooks/webchat/webhook") else None)
    fulfil_webhook(page, status, body, content_type)
    page.locator("#msg").fill("CFA能认可吗？")  # Chinese: the page answers in the language of the last message
    page.locator("#msg").press("Enter")
    wait_for_reply(page)
    expect(page.locator("#log > li.msg.notice").last).to_contain_text("暂时连不上服务器")
    assert page.locator("#log > li.msg.bot").count() == 0
    assert page.locator("#log > li.msg.notice").count() == 1  # the "sending again" notice has gone
    assert len(sent) == tries  # a 5xx is tried once more; a refusal (4xx) is not
    assert page.problems.dialogs == [] and page.problems.external == []


def test_a_send_whose_answer_was_lost_is_sent_again_with_the_same_message_id(phone):
    # the first try reaches the bot, but its answer never arrives (the connection drops): the page says it
    # sends again, does so with the same message_id, and shows the answer; the next message has its own id
    page = open_chat(phone)
    bodies = []

    def lose_the_first_answer(route):
        bodies.append(json.loads(route.request.post_data))
        if len(bodies) == 1:
            route.fetch()  # the server ran the turn ...
            route.abort("connectionreset")  # ... and the page never hears of it
        else:
            route.continue_()

    page.route(WEBHOOK, lose_the_first_answer)
    # every notice the page shows is recorded as it is added (an event, not a race with its 1.5 s on screen)
    page.evaluate("""() => { window.__notices = [];
        new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
            if (n.classList && n.classList.contains('retrying')) { window.__notices.push(n.textContent); } })))
          .observe(document.getElementById('log'), {childList: true}); }""")
    page.locator("#msg").fill("我有CFA证书，能认可吗？")
    page.locator("#msg").press("Enter")
    wait_for_reply(page)
    assert any("正在为您重新发送" in n for n in page.evaluate("window.__notices"))
    expect(page.locator("#log > li.msg.bot").last.locator(".text")).to_contain_text("CFA")
    assert page.locator("#log > li.msg.notice").count() == 0
    assert len(bodies) == 2 and bodies[0] == bodies[1], bodies
    assert re.fullmatch(r"web-[0-9a-f-]{32,36}", bodies[0]["message_id"]), bodies[0]
    ask(page, "外籍人士有哪些便利？")
    assert len(bodies) == 3 and bodies[2]["message_id"] != bodies[0]["message_id"]
    assert page.problems.dialogs == [] and page.problems.external == []


def test_keyboard_and_screen_reader_basics(phone):
    page = open_chat(phone)
    log = page.locator("#log")
    assert log.get_attribute("aria-live") == "polite"
    assert page.locator("label[for=msg]").count() == 1
    # every button has a name
    unnamed = page.evaluate("""() => [...document.querySelectorAll('button')]
        .filter(b => !(b.getAttribute('aria-label') || b.textContent).trim()).length""")
    assert unnamed == 0
    # skip link -> message box; Enter sends; Tab reaches the send and "talk to a person" buttons
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "msg"
    page.keyboard.type("CFA认可吗")
    page.keyboard.press("Enter")
    wait_for_reply(page)
    assert page.evaluate("document.activeElement.id") == "msg"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "send"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "a visible focus style"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "human"
    # the answer's 👍/👎 buttons are reachable by Tab too
    names = []
    page.locator("#lang-toggle").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.getAttribute('aria-label') || document.activeElement.id"))
    assert "有帮助" in names and "没有帮助" in names
    assert_clean(page)


def test_layout_at_375px_has_no_horizontal_scroll(phone, results_dir):
    page = open_chat(phone)
    ask(page, "我有CFA证书，能认可吗")
    ask(page, "教师资格证书")
    for box in ("document.documentElement", "document.body", "document.getElementById('conversation')"):
        scroll, client = page.evaluate(f"[{box}.scrollWidth, {box}.clientWidth]")
        assert scroll <= client, f"{box} scrolls sideways: {scroll} > {client}"
    too_wide = page.evaluate("""() => [...document.querySelectorAll('.bubble, .choice, .form, .top')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).length""")
    assert too_wide == 0
    # the screenshot: the CFA answer with its source line and 👍/👎
    page.locator("#log > li.msg.bot").first.scroll_into_view_if_needed()
    page.evaluate("""() => { const c = document.getElementById('conversation');
        const first = document.querySelector('#log > li.msg.user');
        c.scrollTop = first.offsetTop - c.offsetTop - 8; }""")
    page.screenshot(path=str(results_dir / "web-chat.png"))
    assert (results_dir / "web-chat.png").stat().st_size > 10_000
    assert_clean(page)


# --- the staff console -----------------------------------------------------------------------------------

def open_console(page, token=CONSOLE_TOKEN):
    """The console with its token already given in this browser session (as after the token form)."""
    if token:
        page.add_init_script(f"sessionStorage.setItem('qualibot.console.token', {json.dumps(token)})")
    page.goto("/web/console")
    expect(page.locator("#q")).to_be_visible()
    if token:
        expect(page.locator("#f-field option[value='云计算']")).to_have_count(1)  # the facets are in
    return page


def test_console_asks_for_its_token_and_then_works(desk):
    page = open_console(desk, token=None)
    expect(page.locator("#access")).to_be_visible()
    expect(page.locator("#access-status")).to_contain_text("工作台需要口令")
    expect(page.locator("#token")).to_be_focused()
    expect(page.locator("#results tbody tr")).to_have_count(0)  # no data without it
    page.locator("#token").fill("wrong")
    page.locator("#token").press("Enter")
    expect(page.locator("#access-status")).to_contain_text("口令不对")
    page.locator("#token").fill(CONSOLE_TOKEN)
    page.get_by_role("button", name="确定").click()
    expect(page.locator("#access")).to_be_hidden()
    expect(page.locator("#results tbody tr")).to_have_count(122)
    expect(page.locator("#f-field option[value='云计算']")).to_have_count(1)
    page.locator("#q").fill("CFA")
    expect(page.locator("#results td.id").first).to_have_text("R007")
    # 401s are expected console errors here ("Failed to load resource"): nothing else
    assert all("401" in e for e in page.problems.errors), page.problems.errors
    assert page.problems.dialogs == [] and page.problems.external == []


def test_console_search_item_and_approved_answers(desk, results_dir, catalog_db):
    from catalog import answers, benefits, queries

    q = queries.get("R007")
    page = open_console(desk)
    page.locator("#q").press_sequentially("CFA", delay=40)  # typed, as an agent would
    row = page.locator("#results tbody tr", has=page.locator("td.id", has_text="R007"))
    expect(row).to_have_count(1)
    expect(page.locator("#status")).to_contain_text("找到 1 项")
    row.get_by_role("button").click()

    item = page.locator("#item")
    expect(page.locator("#item-title")).to_contain_text(q.name.zh)
    expect(page.locator("#item-title")).to_be_focused()
    expect(item).to_contain_text(q.remark.zh)
    expect(item).to_contain_text(q.remark.en)
    expect(item).to_contain_text(q.issuer.en)
    expect(item.locator("section.clause[data-clause='一.4']")).to_contain_text(queries.clause("一.4").text.zh)
    expect(item.locator("section.clause[data-clause='一.4']")).to_contain_text(queries.clause("一.4").text.en)
    for cid in ("三", "四"):
        expect(item.locator(f"section.clause[data-clause='{cid}']")).to_contain_text(queries.clause(cid).text.zh)

    # copy: the clipboard gets exactly what the applicant is told
    expected_zh = answers.qualification_answer(q, "zh").full_text()
    page.locator("button.copy[data-answer=recognized][data-lang=zh]").click()
    expect(page.locator("section.answer[data-answer=recognized] .copy-status").first).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == expected_zh
    assert item.locator("section.answer[data-answer=recognized] pre[data-lang=zh]").inner_text() == expected_zh

    # without navigator.clipboard (an http:// address other than localhost): the textarea fallback
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true})")
    expected_en = answers.qualification_answer(q, "en").full_text()
    page.locator("button.copy[data-answer=recognized][data-lang=en]").click()
    assert page.locator("#copy-buffer").input_value() == expected_en
    expect(page.locator("section.answer[data-answer=recognized] .copy-status").last).not_to_be_empty()

    # the other approved answers are there word for word
    b = benefits.benefits_for("R007", "unknown")
    for key, text in (("benefits", answers.benefits(b, "zh").full_text()),
                      ("practice", answers.practice("zh", qualification=q).full_text()),
                      ("verification", answers.verification("zh").full_text())):
        assert item.locator(f"section.answer[data-answer={key}] pre[data-lang=zh]").inner_text() == text

    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(results_dir / "web-console.png"))
    assert_clean(page)


def test_console_search_in_english_and_chinese(desk):
    page = open_console(desk)
    for text, qid in (("特许金融分析师", "R007"), ("Chartered Financial Analyst", "R007"), ("r7", "R007")):
        page.locator("#q").fill(text)
        expect(page.locator("#results td.id").first).to_have_text(qid)
    page.locator("#q").fill("教师资格证书")
    expect(page.locator("#status")).to_contain_text("请向来电人确认")
    assert page.locator("#results tbody tr").count() > 10
    page.locator("#q").fill("qqqxxxzzz")
    expect(page.locator("#status")).to_contain_text("没有找到")
    expect(page.locator("#results tbody tr")).to_have_count(0)
    assert_clean(page)


def test_console_filters(desk):
    page = open_console(desk)
    expect(page.locator("#results tbody tr")).to_have_count(122)
    page.locator("#f-field").select_option("云计算")
    expect(page.locator("#results tbody tr")).to_have_count(5)
    expect(page.locator("#status")).to_contain_text("共 5 项")
    page.locator("#f-list").select_option("urgent")
    expect(page.locator("#results tbody tr")).to_have_count(0)
    page.locator("#f-list").select_option("")
    page.locator("#f-field").select_option("")
    page.locator("#f-country").select_option("英国")
    expect(page.locator("#results tbody tr")).to_have_count(22)
    # a search narrowed by a filter: "CPA" is Australian, American or Hong Kong's; the US one only
    page.locator("#f-country").select_option("美国")
    page.locator("#q").fill("CPA")
    expect(page.locator("#status")).to_contain_text("筛选后 1 项")
    expect(page.locator("#results td.id")).to_have_text(["R022"])
    assert_clean(page)


def test_console_unanswered_log_and_csv(desk, web_server):
    from bot.channels.web import conversation_ref, ref_key

    marker = f"web-test 👎 {uuid.uuid4().hex[:8]}"
    sender, cookie = web_server.session()
    status, body = web_server.post_json("/web/api/feedback", {
        "sender": sender, "helpful": False, "answer_text": marker + " 手机13812345678", "answer_kind": "recognized"},
        headers=cookie)
    assert status == 200, body
    page = open_console(desk)
    page.get_by_role("tab", name="未答问题").click()
    expect(page.locator("#panel-log")).to_be_visible()
    row = page.locator("#log tbody tr", has_text=marker)
    expect(row).to_have_count(1)
    expect(row.locator("td.conversation")).to_have_text(
        conversation_ref(sender, ref_key({"RASA_AUTH_TOKEN": RASA_AUTH_TOKEN})))
    expect(row.locator("td.text")).to_have_text(marker + " 手机[PHONE]")
    expect(row.locator("td.kind")).to_contain_text("没有帮助")
    expect(page.locator("#log tbody tr").first).to_contain_text(marker)  # newest first

    with page.expect_download() as download:
        page.locator("#csv").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    lines = text.splitlines()
    assert lines[0] == "time_utc,conversation,kind,text,answer_kind,lang"
    assert marker in text and sender not in text and "13812345678" not in text

    code, headers, raw = web_server.get("/web/api/unanswered.csv")
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert raw.decode("utf-8-sig").splitlines()[0] == "time_utc,conversation,kind,text,answer_kind,lang"
    assert_clean(page)
