"""WeChat and issue 14: every reply ends with the answers' receipt code (inside the 2,048 bytes), and with
WECHAT_KF_ENABLED a reply that offers a person is the platform's transfer_customer_service message (valid XML, as
documented for 消息转发到客服), the receipt code going to the user through the customer-service API."""
from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from bot.channels.wechat import WeChatInput
from bot.channels.wechat import crypto as wechat_crypto
from bot.channels.wechat.envelope import parse_xml
from bot.channels.wechat.render import MAX_CONTENT_BYTES, decode_rendered, encode_rendered, render
from bot.channels.wechat.store import MemoryStore
from tests.support.channel_server import ChannelServer, StubAgent
from tests.support.servers import wait_until
from tests.support.wechat import (ACCOUNT, AES_KEY, APP_ID, APP_SECRET, OPENID, TOKEN, FakeWeChatAPI, plain_params,
                                  safe_request, text_xml)


@pytest.fixture
def fake():
    api = FakeWeChatAPI()
    yield api
    api.close()


def make(fake_api, **kw):
    kw.setdefault("store", MemoryStore())
    channel = WeChatInput(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base=fake_api.base,
                          reply_timeout=2.0, **kw)
    return ChannelServer(channel, StubAgent())


def ask(server, content, msg_id=None):
    status, _, body = server.post(text_xml(content, msg_id=msg_id), plain_params())
    assert status == 200, body
    return body


def test_render_ends_with_the_receipt_in_the_answer_s_language():
    zh = render([{"text": "可以。"}, {"custom": {"kind": "recognized", "lang": "zh", "receipt": "Q7K-3F2"}}])
    assert zh.text.endswith("回执编号：Q7K-3F2") and zh.receipt == "Q7K-3F2" and not zh.handoff
    en = render([{"text": "Yes."}, {"custom": {"kind": "human", "handoff": True, "lang": "en", "receipt": "Q7K-3F2"}}])
    assert not render([{"text": "HR can help."}, {"custom": {"kind": "human", "lang": "zh"}}]).handoff  # a fallback's
    assert en.text.endswith("Receipt: Q7K-3F2") and en.handoff and en.lang == "en"
    assert render([{"text": "no receipt"}]).text == "no receipt"  # channels' own texts carry none
    again = decode_rendered(encode_rendered(en))  # as the de-duplicator stores it for the platform's retries
    assert (again.text, again.receipt, again.handoff, again.lang) == (en.text, "Q7K-3F2", True, "en")


def test_a_reply_ends_with_its_receipt(fake):
    server = make(fake)
    try:
        content = parse_xml(ask(server, "receipted"))["Content"]
        assert content == "已收到。\n\n回执编号：Q7K-3F2"
    finally:
        server.close()


def test_a_long_reply_keeps_the_limit_and_its_last_part_ends_with_the_receipt(fake):
    server = make(fake)
    try:
        body = ask(server, "long-receipted")
        assert body == b"success"  # two parts: both through the customer-service API, in order
        assert wait_until(lambda: len(fake.delivered) == 2, 10)
        parts = [m["text"]["content"] for m in fake.delivered]
        assert all(len(p.encode("utf-8")) <= MAX_CONTENT_BYTES for p in parts)
        assert parts[-1].endswith("回执编号：Q7K-3F2") and "回执" not in parts[0]
    finally:
        server.close()


def test_without_the_desk_a_handoff_is_a_text_reply(fake):
    server = make(fake)
    try:
        assert parse_xml(ask(server, "handoff"))["MsgType"] == "text"
    finally:
        server.close()


def _check_transfer(xml: bytes) -> None:
    root = fromstring(xml)  # well-formed, no DTD or entities (defusedxml)
    assert root.tag == "xml"
    fields = {child.tag: (child.text or "") for child in root}
    assert set(fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType"}
    assert fields["MsgType"] == "transfer_customer_service"
    assert fields["ToUserName"] == OPENID and fields["FromUserName"] == ACCOUNT and fields["CreateTime"].isdigit()
    assert b"<MsgType><![CDATA[transfer_customer_service]]></MsgType>" in xml


def test_with_the_desk_a_handoff_transfers_the_conversation_and_tells_the_receipt(fake):
    server = make(fake, kf_enabled=True)
    try:
        _check_transfer(ask(server, "handoff", msg_id="900001"))
        assert wait_until(lambda: fake.delivered, 10)
        told = fake.delivered[-1]
        assert told["touser"] == OPENID and "Q7K-3F2" in told["text"]["content"] and "人工客服" in told["text"]["content"]
        # an answer that offers no person is still a text reply
        assert parse_xml(ask(server, "receipted", msg_id="900002"))["MsgType"] == "text"
    finally:
        server.close()


def test_the_platform_s_retry_of_a_handoff_transfers_again_and_tells_once(fake):
    server = make(fake, kf_enabled=True)
    try:
        first = ask(server, "handoff", msg_id="900011")
        _check_transfer(first)
        again = ask(server, "handoff", msg_id="900011")  # the platform retried: the same message id
        assert wait_until(lambda: fake.delivered, 10)
        assert again in (b"success", first) or b"transfer_customer_service" in again
        assert len([m for m in fake.delivered if "Q7K-3F2" in m["text"]["content"]]) == 1
    finally:
        server.close()


def test_in_safe_mode_the_transfer_is_encrypted_and_valid(fake):
    channel = WeChatInput(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, aes_key=AES_KEY, api_base=fake.base,
                          reply_timeout=2.0, store=MemoryStore(), kf_enabled=True)
    server = ChannelServer(channel, StubAgent())
    try:
        mc = wechat_crypto.MessageCrypto(TOKEN, AES_KEY, APP_ID)
        body, params = safe_request(text_xml("handoff"), mc)
        status, _, reply = server.post(body, params)
        assert status == 200
        outer = parse_xml(reply)
        inner = mc.decrypt(outer["Encrypt"])
        _check_transfer(inner.encode("utf-8"))
    finally:
        server.close()


def test_the_desk_is_switched_on_by_configuration(monkeypatch):
    assert WeChatInput.from_credentials({"token": TOKEN}).kf_enabled is False
    monkeypatch.setenv("WECHAT_KF_ENABLED", "true")
    assert WeChatInput.from_credentials({"token": TOKEN}).kf_enabled is True
    assert WeChatInput.from_credentials({"token": TOKEN, "kf_enabled": "false"}).kf_enabled is False
