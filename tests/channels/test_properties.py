"""Property-based tests (hypothesis) over arbitrary input, for what a member of the public can send.

Extends, without repeating, the ones beside the code: tests/channels/test_wechat_xml.py (parse_xml on
random bytes and XML-like text), tests/catalog/test_matcher.py (match on any text without surrogates),
tests/bot/test_components.py (`split` on any text). Here: guard.clean_text / validate_sender, the REST
channel's parse_body and the socket.io payload check; parse_xml on str input and on damaged real
messages; the matcher and the NLU tokenizer component (with mention masking) on what the channels pass
on: cleaned text dense with the catalog's names, markup, injection strings and noise.
"""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, List

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.channels.checks import MAX_SENDER_CHARS, BadInput, clean_text, validate_sender
from bot.channels.rest import MESSAGE_ID, Parsed, Refusal, parse_body
from bot.channels.socketio import QualibotSocketIOInput
from bot.channels.wechat.envelope import WeChatXMLError, build_xml, parse_xml
from catalog import config
from catalog.schema import read_dataset

FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
FORBIDDEN_IN_CLEAN = {"\ufeff", "\u2028", "\u2029"}
QID = re.compile(r"^(U\d{2}|R\d{3})$")
PLACEHOLDERS = {"qmark", "qualmention", "placemention"}


def _names() -> List[str]:
    data = read_dataset(config.data_dir())
    names = set()
    for q in data["qualifications"]:
        names.update([q["name_zh"], q["name_en"], *map(str, q.get("aliases", []))])
    for u in data["unlisted"]:
        names.update([u["name_zh"], *map(str, u.get("aliases", []))])
    return sorted(n for n in names if n)


NAMES = _names()
NOISE = ["我有", "证书", "能认可吗？", "Is my ", " recognized?", " and ", "，", "。", "\n", "\t", "  ", "的", "三级",
         "Level II", "associate", "纽约州", "Texas", "英国", "<b>", "</b>", "<img src=x onerror=alert(1)>",
         "'; DROP TABLE events; --", "\x00", "\x1b[31m", "\u2028", "\ufeff", "😀", "ＣＦＡ", "１２３", "?", "？"]

# what people paste: names of the catalog glued to words, markup, injection strings and noise
credential_text = st.lists(st.sampled_from(NAMES) | st.sampled_from(NOISE) | st.text(max_size=6),
                           max_size=40).map("".join)
any_text = st.text(max_size=400)  # includes lone surrogates, controls, any plane


def assert_clean(out: str) -> None:
    for ch in out:
        assert ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"), repr(ch)
        assert ch not in FORBIDDEN_IN_CLEAN, repr(ch)
    assert out == out.strip()


# --- guard -----------------------------------------------------------------------------------------------------

@settings(max_examples=500, deadline=None)
@given(any_text | credential_text)
def test_clean_text_raises_only_bad_input_and_leaves_no_control_characters(text):
    try:
        out = clean_text(text)
    except BadInput:
        assert any("\ud800" <= ch <= "\udfff" for ch in text)
        return
    assert_clean(out)
    assert clean_text(out) == out  # cleaning twice changes nothing
    assert len(out) <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                      blacklist_characters="".join(FORBIDDEN_IN_CLEAN)), max_size=400))
def test_clean_text_leaves_ordinary_text_alone(text):
    assert clean_text(text) == text.strip()


@settings(max_examples=200, deadline=None)
@given(st.none() | st.booleans() | st.integers() | st.floats() | st.binary() | st.lists(st.text(max_size=3))
       | st.dictionaries(st.text(max_size=3), st.text(max_size=3)))
def test_clean_text_refuses_what_is_not_text(value):
    with pytest.raises(BadInput):
        clean_text(value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.integers() | st.none() | st.booleans() | st.floats() | st.binary(max_size=20))
def test_validate_sender_raises_only_bad_input_and_returns_a_safe_id(value):
    try:
        sender = validate_sender(value)
    except BadInput:
        return
    assert isinstance(sender, str) and 1 <= len(sender) <= MAX_SENDER_CHARS
    assert sender.isprintable() and sender.strip()


# --- REST: parse_body ---------------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                                 "text/plain", "", None, "application/x-www-form-urlencoded"]) | st.text(max_size=30)


def check_parse(body: bytes, content_type: Any) -> Any:
    result = parse_body(body, content_type)
    assert isinstance(result, (Parsed, Refusal))
    if isinstance(result, Refusal):
        assert result.status in (400, 413, 415) and result.error and "Traceback" not in result.error
    else:
        assert result.payload["message"] == result.text and result.payload["sender"] == result.sender
        assert_clean(result.text)
        validate_sender(result.sender)
        assert result.message_id is None or MESSAGE_ID.fullmatch(result.message_id)
    return result


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2048), content_types)
def test_parse_body_never_raises_on_random_bytes(body, content_type):
    check_parse(body, content_type)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(["sender", "message", "metadata", "input_channel", "stream", "message_id",
                                       "x"]),
                       json_values | any_text | credential_text, max_size=5),
       st.booleans())
def test_parse_body_on_json_objects(payload, ascii_only):
    try:
        body = json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8: send it escaped
        body = json.dumps(payload, ensure_ascii=True).encode("utf-8")
    result = check_parse(body, "application/json")
    message = payload.get("message")
    if isinstance(result, Parsed):
        assert isinstance(message, str) and result.text == clean_text(message)
    elif not isinstance(message, str):
        assert result.status == 400


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A[A-Za-z0-9._:-]{1,128}\Z") | json_values | any_text)
def test_parse_body_takes_exactly_the_message_ids_of_the_documented_form(message_id):
    body = json.dumps({"sender": "s", "message": "hi", "message_id": message_id}).encode("utf-8")
    result = check_parse(body, "application/json")
    ok = message_id is None or (isinstance(message_id, str) and 1 <= len(message_id) <= 128
                                and all(c.isascii() and (c.isalnum() or c in "._:-") for c in message_id))
    assert isinstance(result, Parsed) == ok, (message_id, result)
    if ok:
        assert result.message_id == message_id
    else:
        assert result.status == 400 and "message_id" in result.error


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=70_000), st.sampled_from([b"[", b"{\"a\":", b"[{\"message\":"]))
def test_parse_body_on_deep_nesting(depth, opener):
    result = check_parse(opener * depth, "application/json")
    assert isinstance(result, Refusal)


# --- socket.io: the payload check -------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(json_values | any_text | st.dictionaries(st.sampled_from(["message", "session_id", "metadata"]),
                                                json_values | any_text, max_size=3),
       st.booleans())
def test_socketio_payload_check_raises_only_bad_input(data, persistence):
    channel = QualibotSocketIOInput(session_persistence=persistence)
    try:
        sender, text, metadata = channel._parse("sid-1", data)
    except BadInput:
        return
    assert_clean(text)
    assert isinstance(metadata, dict) and 1 <= len(sender) <= MAX_SENDER_CHARS


# --- WeChat: parse_xml -------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_parse_xml_on_any_str_raises_only_its_own_error(text):
    try:
        assert isinstance(parse_xml(text), dict)
    except WeChatXMLError:
        pass


@settings(max_examples=300, deadline=None)
@given(credential_text | any_text, st.data())
def test_parse_xml_on_damaged_real_messages_raises_only_its_own_error(content, data):
    body = bytearray(build_xml({"ToUserName": "gh_1", "FromUserName": "o1", "CreateTime": 1700000000,
                                "MsgType": "text", "Content": content, "MsgId": 1}).encode("utf-8", "surrogatepass"))
    for _ in range(data.draw(st.integers(0, 4))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        i = data.draw(st.integers(0, max(len(body) - 1, 0)))
        if action == "flip" and body:
            body[i] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del body[i:]
        else:
            body[i:i] = data.draw(st.sampled_from([b"<", b"&", b"]]>", b"<!DOCTYPE x>", b"\x00", b"\xff"]))
    try:
        assert isinstance(parse_xml(bytes(body)), dict)
    except WeChatXMLError:
        pass


# --- the matcher and the tokenizer, on what the channels pass on ---------------------------------------------------

@pytest.fixture(scope="module")
def tokenizer(catalog_db, tmp_path_factory):
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.components.bilingual_tokenizer import BilingualTokenizer

    storage = LocalModelStorage(tmp_path_factory.mktemp("tokenizer"))
    return BilingualTokenizer(BilingualTokenizer.get_default_config(), storage, Resource("tokenizer"))


def cleaned(text: str) -> str:
    """What a channel passes on (guard.clean_text); an example the channels refuse is not generated."""
    try:
        return clean_text(text)
    except BadInput:
        assume(False)
        raise  # not reached: assume(False) ends the example


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES_OK)
@given(credential_text | any_text)
def test_matcher_on_cleaned_input_is_well_formed(matcher, text):
    text = cleaned(text)
    r = matcher.match(text)
    assert r.status in ("listed", "confirm", "ambiguous", "unlisted", "none")
    assert all(QID.match(c.id) for c in (*r.candidates, *r.others)), r
    for c in (*r.candidates, *r.others):
        a, b = c.span
        assert 0 <= a < b <= len(text) and text[a:b] == c.matched
    if r.status == "listed":
        assert len(r.candidates) == 1 and r.best == r.candidates[0].id
    if r.status == "confirm":
        assert len(r.candidates) == 1 and r.best is None and r.evidence in ("generic", "issuer")
    if r.status == "ambiguous":
        assert len(set(r.ids)) >= 2
    if r.status == "unlisted":
        assert r.unlisted is not None and 0 <= r.unlisted.span[0] <= r.unlisted.span[1] <= len(text)
    if r.status == "none":
        assert r.candidates == ()
    for a, b, kind in matcher.mention_spans(text):
        assert 0 <= a < b <= len(text) and kind in ("qualification", "place")


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES_OK)
@given(credential_text | any_text)
def test_tokenizer_component_with_masking_gives_ordered_tokens_inside_the_text(tokenizer, text):
    from rasa.shared.nlu.training_data.message import Message

    text = cleaned(text)
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert tokens, "Rasa needs at least one token"
    end = 0
    for t in tokens:
        assert 0 <= t.start <= t.end <= len(text), (t.text, t.start, t.end)
        assert t.start >= end, "tokens overlap or go backwards"
        assert t.text in PLACEHOLDERS or text[t.start:t.end] == t.text or (len(tokens) == 1 and t.text == text)
        end = t.end
