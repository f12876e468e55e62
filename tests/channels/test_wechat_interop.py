"""WeChat interop gaps found against the platform's documentation and wechatpy (issue 12): compatible mode
without an EncodingAESKey, whitespace around Encrypt, replayed plain-mode URLs, long replies without the
customer-service API, voice transcripts, menu clicks and QR scans, and OpenIDs that are not OpenIDs."""
from __future__ import annotations

import pytest

from bot.channels.wechat import crypto as wechat_crypto
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.envelope import build_xml, parse_xml
from bot.channels.wechat.render import MAX_CONTENT_BYTES, paginate
from bot.channels.wording import MENU_REPLY, MORE_HINT, SCAN_REPLY, TEXT_ONLY, VOICE_UNHEARD, WELCOME
from bot.channels.wechat.store import MemoryStore
from tests.support.channel_server import ChannelServer, StubAgent
from tests.support.wechat import ACCOUNT, AES_KEY, APP_ID, APP_SECRET, OPENID, TOKEN, FakeWeChatAPI, event_xml, plain_params, safe_request, text_xml, voice_xml


@pytest.fixture
def fake():
    api = FakeWeChatAPI()
    yield api
    api.close()


def serve(fake_api=None, **kw) -> ChannelServer:
    api = {"app_id": APP_ID, "app_secret": APP_SECRET, "api_base": fake_api.base} if fake_api else {}
    return ChannelServer(WeChatInput(token=TOKEN, reply_timeout=2.0, store=MemoryStore(), **api, **kw), StubAgent())


@pytest.fixture
def server(fake):
    s = serve(fake)
    yield s
    s.close()


@pytest.fixture
def no_api_server():
    """No AppID/AppSecret: passive replies only (the customer-service API is not configured)."""
    s = serve()
    yield s
    s.close()


def reply_text(server, body: bytes, params=None) -> str:
    status, _, data = server.post(body, params or plain_params())
    assert status == 200, data
    return parse_xml(data)["Content"]


# --- compatible mode (兼容模式) without our EncodingAESKey ------------------------------------------

def compatible_request(content: str, crypto: wechat_crypto.MessageCrypto, **kw):
    """What the platform posts in compatible mode: the plaintext fields AND Encrypt, both signatures."""
    inner = text_xml(content, **kw)
    _, params = safe_request(inner, crypto)
    fields = parse_xml(inner)
    fields["Encrypt"] = crypto.encrypt(inner.decode("utf-8"))
    params["msg_signature"] = wechat_crypto.signature(TOKEN, params["timestamp"], params["nonce"], fields["Encrypt"])
    return build_xml(fields).encode("utf-8"), params


def test_compatible_mode_without_a_key_answers_from_the_plaintext_fields(server):
    body, params = compatible_request("CFA", wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID))
    status, _, resp = server.post(body, params)
    assert status == 200, resp
    reply = parse_xml(resp)
    assert "Encrypt" not in reply and reply["Content"] == f"echo[wechat:{OPENID}]: CFA"  # plaintext reply
    assert server.agent.calls[0]["text"] == "CFA"


def test_compatible_mode_without_a_key_checks_the_plain_signature(server):
    body, params = compatible_request("CFA", wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID))
    params["signature"] = wechat_crypto.signature("forged", params["timestamp"], params["nonce"])
    assert server.post(body, params)[0] == 403
    del params["signature"]
    assert server.post(body, params)[0] == 400
    assert server.agent.calls == []


def test_compatible_mode_with_the_key_decrypts_as_safe_mode(fake):
    s = serve(fake, aes_key=AES_KEY)
    try:
        crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
        body, params = compatible_request("CPA Australia", crypto)
        status, _, resp = s.post(body, params)
        env = parse_xml(resp)
        inner = crypto.verify_and_decrypt(env["TimeStamp"], env["Nonce"], env["Encrypt"], env["MsgSignature"])
        assert status == 200 and parse_xml(inner.encode())["Content"] == f"echo[wechat:{OPENID}]: CPA Australia"
    finally:
        s.close()


def test_whitespace_around_encrypt_is_not_part_of_the_signed_ciphertext(fake):
    s = serve(fake, aes_key=AES_KEY)
    try:
        crypto = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
        body, params = safe_request(text_xml("CFA"), crypto)
        ciphertext = parse_xml(body)["Encrypt"]
        indented = (f"<xml>\n  <ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>\n"
                    f"  <Encrypt>\n    {ciphertext}\n  </Encrypt>\n</xml>").encode()
        status, _, resp = s.post(indented, params)  # msg_signature is over the bare ciphertext
        assert status == 200, resp
        assert s.agent.calls[0]["text"] == "CFA"
    finally:
        s.close()


# --- a plain-mode signed URL is good for one body ---------------------------------------------------

def test_a_signed_url_reused_with_another_body_is_refused(server):
    params = plain_params()
    assert reply_text(server, text_xml("CFA"), params) == f"echo[wechat:{OPENID}]: CFA"
    status, _, body = server.post(text_xml("/restart", openid="oVictim000000000000000000000"), params)
    assert status == 403 and b"already used" in body
    assert [c["text"] for c in server.agent.calls] == ["CFA"]


def test_the_platforms_retry_under_the_same_url_is_answered_once(server):
    params, body = plain_params(), text_xml("CFA", msg_id="6054768590064719001")
    first = reply_text(server, body, params)
    assert reply_text(server, body, params) == first  # same URL, same body: a retry, not a forgery
    assert len(server.agent.calls) == 1


def test_the_same_url_is_forgotten_when_its_timestamp_leaves_the_window(fake):
    now = [1_700_000_000.0]
    s = serve(fake, clock=lambda: now[0])
    try:
        params = plain_params(timestamp=int(now[0]))
        assert s.post(text_xml("one"), params)[0] == 200
        assert s.post(text_xml("two"), params)[0] == 403
        now[0] += 301  # the timestamp is stale now: refused as such, whatever the memory holds
        assert s.post(text_xml("three"), params)[0] == 403
        assert len(s.channel.store) <= 4  # the mark expires with the window, the store stays small
    finally:
        s.close()


# --- long replies without the customer-service API -------------------------------------------------

def test_paginate_cuts_at_sentence_ends_within_the_limit():
    text = "".join(f"第{i}句：这是一段很长的回答里的一句话。" for i in range(1, 181))
    pages = paginate(text)
    assert len(pages) >= 3
    assert all(len(p.encode("utf-8")) <= MAX_CONTENT_BYTES for p in pages)
    assert all(p.endswith("。" + MORE_HINT) for p in pages[:-1]) and not pages[-1].endswith(MORE_HINT)
    assert "".join(p.replace(MORE_HINT, "") for p in pages) == text  # nothing lost, nothing repeated
    english = " ".join(f"Sentence {i} of a long answer, version 3.0 of the catalog." for i in range(80))
    for p in paginate(english)[:-1]:
        assert p.replace(MORE_HINT, "").endswith("catalog.")  # not after "3." of "3.0"
    assert paginate("short") == ["short"] and paginate("") == []


def test_a_long_reply_without_the_api_is_read_page_by_page(no_api_server):
    s = no_api_server
    first = reply_text(s, text_xml("essay"))
    assert len(first.encode("utf-8")) <= MAX_CONTENT_BYTES and first.endswith(MORE_HINT)
    assert first.startswith("第1句") and "“更多”" in first and '"more"' in first
    pages = [first]
    for word in ["更多", "more", "More.", "更多", "更多"]:
        page = reply_text(s, text_xml(word))
        if not pages[-1].endswith(MORE_HINT):  # every page read: the word goes to the assistant
            assert page == f"echo[wechat:{OPENID}]: {word}"
            break
        pages.append(page)
    whole = "".join(p.replace(MORE_HINT, "") for p in pages)
    assert whole.startswith("第1句") and "第180句：这是一段很长的回答里的一句话。" in whole
    assert whole.endswith("1. CFA (US)")  # the options come with the last page
    assert [c["text"] for c in s.agent.calls][0] == "essay"
    assert reply_text(s, text_xml("1")) == f'echo[wechat:{OPENID}]: /inform{{"qualification":"R001"}}'


def test_a_retry_of_more_gets_the_same_page_and_does_not_skip_one(no_api_server):
    s = no_api_server
    reply_text(s, text_xml("essay"))
    more = text_xml("更多", msg_id="6054768590064719101")
    second = reply_text(s, more)
    assert reply_text(s, more) == second  # the platform's retry of the same "更多"
    third = reply_text(s, text_xml("更多"))
    assert third != second and third.replace(MORE_HINT, "")[:8] not in second


def test_a_new_question_drops_the_unread_pages(no_api_server):
    s = no_api_server
    reply_text(s, text_xml("essay"))
    reply_text(s, text_xml("CFA"))
    assert reply_text(s, text_xml("更多")) == f"echo[wechat:{OPENID}]: 更多"  # nothing left from the essay


def test_with_the_api_a_long_reply_still_goes_out_whole_in_parts(server, fake):
    from tests.support.servers import wait_until

    _, _, body = server.post(text_xml("essay"), plain_params())
    assert body == b"success"
    assert wait_until(lambda: len(fake.delivered) >= 3, timeout=15)
    assert all(MORE_HINT not in d["text"]["content"] for d in fake.delivered)


# --- voice, menu clicks and QR scans --------------------------------------------------------------------

def test_voice_is_answered_from_the_transcript(server):
    assert reply_text(server, voice_xml("我有CFA证书")) == f"echo[wechat:{OPENID}]: 我有CFA证书"
    [call] = server.agent.calls
    assert call["text"] == "我有CFA证书" and call["metadata"]["wechat"]["voice"] is True


@pytest.mark.parametrize("recognition", [None, "", "  "])
def test_voice_without_a_transcript_gets_a_polite_reply(server, recognition):
    assert reply_text(server, voice_xml(recognition)) == VOICE_UNHEARD
    assert "语音" in VOICE_UNHEARD and "voice" in VOICE_UNHEARD and server.agent.calls == []
    assert VOICE_UNHEARD != TEXT_ONLY


def test_a_menu_click_gets_a_short_reply(server):
    assert reply_text(server, event_xml("CLICK", EventKey="V1001_HELP")) == MENU_REPLY
    assert server.agent.calls == []


def test_a_qr_scan_by_a_follower_gets_a_short_reply_and_a_new_follower_the_welcome(server):
    assert reply_text(server, event_xml("SCAN", EventKey="123", Ticket="TICKET")) == SCAN_REPLY
    assert reply_text(server, event_xml("subscribe", EventKey="qrscene_123", Ticket="TICKET")) == WELCOME
    for text in (MENU_REPLY, SCAN_REPLY):
        zh, en = text.split("\n")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii() and len(text.encode()) < 400


# --- OpenIDs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("openid", ["o" * 65, "o\nFAKE LOG LINE", "o<script>", "o user", "oÄ", "../etc", "o:1"])
def test_an_openid_that_is_not_one_is_refused_before_logs_and_rasa(server, openid, caplog):
    with caplog.at_level("DEBUG"):
        status, _, body = server.post(text_xml("CFA", openid=openid), plain_params())
    assert status == 400 and b"FromUserName" in body
    assert server.agent.calls == [] and openid not in caplog.text


def test_openids_of_the_platforms_shape_pass(server):
    for openid in ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "o-a_b" + "x" * 59):
        assert reply_text(server, text_xml("hi", openid=openid)) == f"echo[wechat:{openid}]: hi"


@pytest.mark.parametrize("field,value", [("ToUserName", "gh <x>"), ("MsgId", "12ab"), ("CreateTime", "soon")])
def test_other_routing_fields_are_checked_too(server, field, value):
    fields = parse_xml(text_xml("CFA"))
    fields[field] = value
    status, _, _ = server.post(build_xml(fields).encode(), plain_params())
    assert status == 400 and server.agent.calls == []


def test_without_the_api_a_slow_answer_is_kept_for_more_not_lost():
    # "success" would end the platform's retries and the answer could never reach the user
    from bot.channels.wechat.channel import STILL_WORKING
    from tests.support.channel_server import ChannelServer, StubAgent
    from tests.support.servers import wait_until

    s = ChannelServer(WeChatInput(token=TOKEN, reply_timeout=0.3, store=MemoryStore()), StubAgent(slow_delay=0.8))
    try:
        assert reply_text(s, text_xml("slow question")) == STILL_WORKING
        assert wait_until(lambda: s.channel.store._live("pages:" + OPENID) is not None, timeout=10)
        assert reply_text(s, text_xml("更多")) == "slow answer to slow question"
        assert [c["text"] for c in s.agent.calls] == ["slow question"]  # "更多" read the page, no new turn
    finally:
        s.close()
