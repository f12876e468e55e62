"""XML parsing and building (bot/channels/wechat/envelope.py), rendering of Rasa's messages and splitting
(render.py), and the test messages of tests/support/wechat.py."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.wechat.envelope import WeChatXMLError, build_xml, parse_xml
from bot.channels.wechat.render import MAX_CONTENT_BYTES, render, split_text
from tests.support.wechat import event_xml, text_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType>
<Content>&lol9;</Content></xml>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType>
<Content>&xxe;</Content></xml>"""


def test_parses_the_documented_text_message():
    body = (b"<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
            b"<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            b"<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>")
    assert parse_xml(body) == {"ToUserName": "toUser", "FromUserName": "fromUser", "CreateTime": "1348831860",
                               "MsgType": "text", "Content": "this is a test", "MsgId": "1234567890123456"}


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, b"<xml><a>unclosed</xml>", b"", b"not xml at all",
                                  b"<root><MsgType>text</MsgType></root>", b"\xff\xfe<\x00x\x00",
                                  b'<?xml version="1.0" encoding="no-such-codec"?><xml/>'])
def test_refuses_bombs_entities_malformed_and_foreign_roots(body):
    with pytest.raises(WeChatXMLError):
        parse_xml(body)


def test_nested_elements_keep_direct_text_only():
    fields = parse_xml(b"<xml><MsgType>event</MsgType><ScanCodeInfo><ScanType>qrcode</ScanType>"
                       b"</ScanCodeInfo></xml>")
    assert fields["MsgType"] == "event" and fields["ScanCodeInfo"] == ""


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2048))
def test_parser_on_random_bytes_raises_only_its_own_error(data):
    try:
        result = parse_xml(data)
    except WeChatXMLError:
        return
    assert isinstance(result, dict)


_xmlish = st.lists(st.sampled_from(["<xml>", "</xml>", "<a>", "</a>", "<![CDATA[", "]]>", "&amp;", "&lol;",
                                    "<!DOCTYPE x [<!ENTITY lol 'x'>]>", "<?xml version='1.0'?>", "\x00",
                                    "<?xml version='1.0' encoding='gbk'?>", "&#0;", "&#x110000;", "<!--", "-->"])
                   | st.text(max_size=8), max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_xmlish, st.sampled_from(["utf-8", "utf-16", "gbk", "latin-1"]))
def test_parser_on_xml_like_text_raises_only_its_own_error(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    try:
        parse_xml(data)
    except WeChatXMLError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_build_then_parse_keeps_any_text_xml_can_carry(content):
    fields = parse_xml(build_xml({"ToUserName": "o1", "CreateTime": 1700000000, "Content": content}).encode())
    carried = "".join(ch for ch in content if ch in "\t\n\r" or ("\x20" <= ch <= "\ud7ff")
                      or ("\ue000" <= ch <= "\ufffd") or ch >= "\U00010000")
    # XML normalises line ends: \r\n and \r become \n
    assert fields["Content"] == carried.replace("\r\n", "\n").replace("\r", "\n")
    assert fields["CreateTime"] == "1700000000"


def test_render_joins_messages_numbers_buttons_and_drops_custom():
    rendered = render([
        {"recipient_id": "o1", "text": "Which one do you mean?",
         "buttons": [{"title": "CFA (US)", "payload": "/inform{\"qualification\":\"R001\"}"},
                     {"title": "CPA Australia", "payload": "/inform{\"qualification\":\"R007\"}"}]},
        {"recipient_id": "o1", "custom": {"kind": "ambiguous"}},
        {"recipient_id": "o1", "text": "Or type the full name."},
    ])
    assert rendered.text == "Which one do you mean?\n1. CFA (US)\n2. CPA Australia\n\nOr type the full name."
    assert rendered.payloads == ['/inform{"qualification":"R001"}', '/inform{"qualification":"R007"}']


def test_render_numbers_buttons_across_messages():
    rendered = render([{"text": "A", "buttons": [{"title": "x", "payload": "/x"}]},
                       {"text": "B", "buttons": [{"title": "y", "payload": "/y"}]}])
    assert rendered.text == "A\n1. x\n\nB\n2. y" and rendered.payloads == ["/x", "/y"]


def test_render_of_nothing_is_empty():
    assert render([]).text == "" and render([{"custom": {"a": 1}}]).text == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("认可证书CFA \n"), min_size=1, max_size=900), max_size=6)
       .map("\n\n".join))
def test_split_text_keeps_parts_within_the_limit(text):
    parts = split_text(text, 300)
    assert all(len(p.encode("utf-8")) <= 300 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_split_text_short_text_is_one_part():
    assert split_text("短", MAX_CONTENT_BYTES) == ["短"] and split_text("") == []


def test_harness_builds_the_documented_fields():
    fields = parse_xml(text_xml("你好", msg_id="1234567890123456"))
    assert set(fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId"}
    assert fields["MsgType"] == "text" and fields["Content"] == "你好" and fields["MsgId"] == "1234567890123456"
    event = parse_xml(event_xml("subscribe"))
    assert event["MsgType"] == "event" and event["Event"] == "subscribe" and "MsgId" not in event
