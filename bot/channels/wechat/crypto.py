"""WeChat official-account signatures and safe-mode (安全模式) message encryption.

Pure functions and one small class, no I/O, no Rasa: the input channel (wechat.py) calls them.

* Signature (every request): sha1 of the sorted, concatenated token, timestamp and nonce.
  In safe mode the platform signs the ciphertext too: msg_signature = sha1(sorted(token,
  timestamp, nonce, Encrypt)).
* Safe mode: EncodingAESKey is 43 characters; key = Base64_Decode(EncodingAESKey + "="), 32 bytes;
  AES-256-CBC with iv = key[:16]; PKCS#7 padding to 32-byte blocks (not 16);
  plaintext = random(16) + msg_len (4 bytes, network order) + msg + AppID; the result is base64.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from typing import Optional

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, although AES itself works on 16-byte blocks


class WeChatCryptoError(ValueError):
    """A message that cannot be verified or decrypted (the caller answers 400/403, never a trace)."""


class InvalidSignature(WeChatCryptoError):
    pass


class DecryptError(WeChatCryptoError):
    pass


class AppIdMismatch(WeChatCryptoError):
    """The message decrypted, but it was encrypted for another official account."""


def signature(*parts: str) -> str:
    """sha1 hex of the parts sorted as strings and joined without separator."""
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def check_signature(token: str, timestamp: str, nonce: str, given: Optional[str]) -> bool:
    """GET check and plain-mode POST: sha1(sorted(token, timestamp, nonce)) == signature."""
    if not token or not given:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce), given.strip().lower())


def check_msg_signature(token: str, timestamp: str, nonce: str, encrypt: str, given: Optional[str]) -> bool:
    """Safe mode: sha1(sorted(token, timestamp, nonce, Encrypt)) == msg_signature."""
    if not token or not given:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce, encrypt), given.strip().lower())


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey set on the platform."""
    key = (encoding_aes_key or "").strip()
    if len(key) != 43:
        raise ValueError(f"WeChat EncodingAESKey must be 43 characters, got {len(key)}")
    try:
        raw = base64.b64decode(key + "=", validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError("WeChat EncodingAESKey is not valid base64") from e
    if len(raw) != 32:  # pragma: no cover - 43 base64 chars + "=" always decode to 32 bytes
        raise ValueError("WeChat EncodingAESKey does not decode to 32 bytes")
    return raw


def pkcs7_pad(data: bytes, block: int = BLOCK) -> bytes:
    n = block - len(data) % block  # 1..block: a full block of padding when already aligned
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block: int = BLOCK) -> bytes:
    if not data:
        raise DecryptError("empty plaintext")
    n = data[-1]
    if n < 1 or n > block or n > len(data):
        raise DecryptError("bad padding")
    return data[:-n]


class MessageCrypto:
    """Encrypt and decrypt safe-mode messages of one official account (AppID)."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        if not token:
            raise ValueError("WeChat safe mode needs the token")
        if not app_id:
            raise ValueError("WeChat safe mode needs the AppID (it is checked in every message)")
        self.token = token
        self.app_id = app_id
        self.key = decode_aes_key(encoding_aes_key)
        self.iv = self.key[:16]

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.iv))

    def encrypt(self, message: str, random_prefix: Optional[bytes] = None) -> str:
        """base64(AES-CBC(PKCS#7_32(random(16) + len(msg) + msg + appid)))."""
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        if len(prefix) != 16:
            raise ValueError("the random prefix is 16 bytes")
        body = message.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self.app_id.encode("utf-8")
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(pkcs7_pad(plain)) + enc.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside an Encrypt field; DecryptError or AppIdMismatch when it is not ours."""
        try:
            raw = base64.b64decode((encrypted or "").strip(), validate=True)
        except (binascii.Error, ValueError) as e:
            raise DecryptError("Encrypt is not base64") from e
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        dec = self._cipher().decryptor()
        plain = pkcs7_unpad(dec.update(raw) + dec.finalize())
        if len(plain) < 20:
            raise DecryptError("plaintext too short")
        (n,) = struct.unpack(">I", plain[16:20])
        if 20 + n > len(plain):
            raise DecryptError("message length out of range")
        body, app_id = plain[20:20 + n], plain[20 + n:]
        if not hmac.compare_digest(app_id, self.app_id.encode("utf-8")):
            raise AppIdMismatch("the message was encrypted for another AppID")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DecryptError("message is not UTF-8") from e

    def verify_and_decrypt(self, timestamp: str, nonce: str, encrypt: str, msg_signature: Optional[str]) -> str:
        encrypt = (encrypt or "").strip()  # the platform signs the bare ciphertext; XML may indent it
        if not check_msg_signature(self.token, timestamp, nonce, encrypt, msg_signature):
            raise InvalidSignature("msg_signature does not match")
        return self.decrypt(encrypt)

    def encrypt_reply(self, message: str, timestamp: str, nonce: str) -> dict:
        """The fields of the encrypted reply envelope: Encrypt, MsgSignature, TimeStamp, Nonce."""
        encrypted = self.encrypt(message)
        return {
            "Encrypt": encrypted,
            "MsgSignature": signature(self.token, timestamp, nonce, encrypted),
            "TimeStamp": str(timestamp),
            "Nonce": str(nonce),
        }
