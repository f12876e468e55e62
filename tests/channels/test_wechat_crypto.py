"""Signatures and safe-mode encryption (bot/channels/wechat/crypto.py)."""
from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.wechat import crypto as wc
from bot.channels.wechat.envelope import parse_xml

# The sample of WeChat's message-encryption SDK (WXBizMsgCrypt): token, EncodingAESKey, AppID and one
# encrypted message with its timestamp, nonce and msg_signature.
SAMPLE_TOKEN = "spamtest"
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2Ld"
    "JF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux"
    "5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpX"
    "gCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9"
    "GhglF2PE="
)


def sample() -> wc.MessageCrypto:
    return wc.MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)


def test_signature_is_sha1_of_the_sorted_concatenation():
    expected = hashlib.sha1("".join(sorted(["tok", "1700000000", "n0nce"])).encode()).hexdigest()
    assert wc.signature("tok", "1700000000", "n0nce") == expected
    assert wc.check_signature("tok", "1700000000", "n0nce", expected)
    assert wc.check_signature("tok", "1700000000", "n0nce", expected.upper())
    assert not wc.check_signature("tok", "1700000001", "n0nce", expected)
    assert not wc.check_signature("", "1700000000", "n0nce", wc.signature("", "1700000000", "n0nce"))
    assert not wc.check_signature("tok", "1700000000", "n0nce", None)


def test_official_sample_verifies_and_decrypts():
    inner = sample().verify_and_decrypt(SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT, SAMPLE_MSG_SIGNATURE)
    fields = parse_xml(inner.encode("utf-8"))
    assert fields["ToUserName"] == "gh_10f6c3c3ac5a"
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert fields["MsgType"] == "text" and fields["Content"] == "abcdteT"
    assert fields["MsgId"] == "6054768590064713728"


def test_whitespace_around_the_ciphertext_is_not_signed():
    padded = "\n    " + SAMPLE_ENCRYPT + "\n  "  # <Encrypt> indented by a pretty-printer or a proxy
    inner = sample().verify_and_decrypt(SAMPLE_TIMESTAMP, SAMPLE_NONCE, padded, SAMPLE_MSG_SIGNATURE)
    assert parse_xml(inner.encode("utf-8"))["Content"] == "abcdteT"


def test_official_sample_with_wrong_signature_or_appid_is_refused():
    with pytest.raises(wc.InvalidSignature):
        sample().verify_and_decrypt(SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT, "0" * 40)
    with pytest.raises(wc.InvalidSignature):  # the signature covers the timestamp
        sample().verify_and_decrypt("1409735670", SAMPLE_NONCE, SAMPLE_ENCRYPT, SAMPLE_MSG_SIGNATURE)
    other = wc.MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, "wx0000000000000000")
    with pytest.raises(wc.AppIdMismatch):
        other.verify_and_decrypt(SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT, SAMPLE_MSG_SIGNATURE)


def test_encrypt_layout_is_random16_len4_msg_appid_padded_to_32():
    c = sample()
    enc = c.encrypt("<xml>hi</xml>", random_prefix=b"R" * 16)
    raw = base64.b64decode(enc)
    assert len(raw) % 32 == 0
    key = base64.b64decode(SAMPLE_KEY + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(raw) + dec.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad
    body = plain[:-pad]
    assert body[:16] == b"R" * 16
    assert struct.unpack(">I", body[16:20])[0] == len(b"<xml>hi</xml>")
    assert body[20:] == b"<xml>hi</xml>" + SAMPLE_APPID.encode()


def test_pkcs7_pads_to_32_bytes_with_a_full_block_when_aligned():
    assert wc.pkcs7_pad(b"") == bytes([32]) * 32
    assert wc.pkcs7_pad(b"a" * 31) == b"a" * 31 + b"\x01"
    assert wc.pkcs7_pad(b"a" * 32) == b"a" * 32 + bytes([32]) * 32
    assert wc.pkcs7_unpad(wc.pkcs7_pad(b"abc")) == b"abc"
    with pytest.raises(wc.DecryptError):
        wc.pkcs7_unpad(b"abc\x00")
    with pytest.raises(wc.DecryptError):
        wc.pkcs7_unpad(b"a" * 40 + bytes([33]))


def test_encrypt_reply_envelope_is_signed():
    c = sample()
    env = c.encrypt_reply("<xml><Content>ok</Content></xml>", "1700000000", "nonce1")
    assert env["TimeStamp"] == "1700000000" and env["Nonce"] == "nonce1"
    assert env["MsgSignature"] == wc.signature(SAMPLE_TOKEN, "1700000000", "nonce1", env["Encrypt"])
    assert c.verify_and_decrypt("1700000000", "nonce1", env["Encrypt"], env["MsgSignature"]) == \
        "<xml><Content>ok</Content></xml>"


@pytest.mark.parametrize("key", ["", "short", SAMPLE_KEY + "H", SAMPLE_KEY[:-1] + "!"])
def test_bad_encoding_aes_keys_are_refused(key):
    with pytest.raises(ValueError):
        wc.MessageCrypto(SAMPLE_TOKEN, key, SAMPLE_APPID)


def test_safe_mode_needs_token_and_appid():
    with pytest.raises(ValueError):
        wc.MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, "")
    with pytest.raises(ValueError):
        wc.MessageCrypto("", SAMPLE_KEY, SAMPLE_APPID)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_encrypt_then_decrypt_is_identity(text):
    c = sample()
    assert c.decrypt(c.encrypt(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400),
                 st.binary(max_size=400).map(lambda b: base64.b64encode(b).decode("ascii"))))
def test_decrypt_of_garbage_raises_only_the_crypto_error(garbage):
    try:
        sample().decrypt(garbage)
    except wc.WeChatCryptoError:
        pass
