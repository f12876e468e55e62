"""The WeChat envelope: a POST opened into the message's fields, a reply sealed for the platform.

    opened = Envelope(token, crypto, window, clock).open(args, body, first_body_for)   # raises Refused
    xml = envelope.seal(msg, content, nonce, encrypt)

Opening checks, in order: timestamp, nonce and signature present (else 400), a token configured (503),
safe mode required once an EncodingAESKey is set (403), the timestamp within the window (403: replayed or
stale). Then one of two ways in:
  * plain (and compatible mode without our key): the URL's signature over token, timestamp and nonce
    (403), the signed URL's first body (403: the signature covers no body, so a used URL with another body
    is refused; the platform's own retry sends the same body), the XML (400); in compatible mode the
    plaintext fields beside `Encrypt` are used;
  * safe (encrypt_type=aes with our key): the outer XML, `Encrypt` (whitespace around it not included),
    msg_signature over the ciphertext (403), AES-256-CBC decryption with the AppID checked (crypto.py:
    403 wrong AppID, 400 cannot decrypt), the inner XML (400).
Last, the routing fields (`check_fields`): the OpenID (FromUserName) and account id (ToUserName) 1-64
characters of A-Z a-z 0-9 _ -, MsgId and CreateTime digits (400, before either reaches a log or a store).

XML goes through defusedxml (no DTD, no entities: billion laughs and external entities never run); a
reply's text is CDATA with `]]>` escaped and the characters XML 1.0 cannot carry removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Union
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from bot.channels.wechat import crypto

# characters XML 1.0 cannot carry (the platform would reject the whole reply)
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# an OpenID (28 characters today) or an account's original id (gh_…): what may reach a log, a key, Rasa
_WECHAT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,32}")


class Refused(Exception):
    """The request is refused: `status` and a short plain-text reason (no internals)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


# --- XML -----------------------------------------------------------------------------------------

class WeChatXMLError(ValueError):
    """The body is not a WeChat message: malformed XML, a DTD or entity, or the wrong root element."""


def parse_xml(body: Union[bytes, str]) -> Dict[str, str]:
    """The fields of a WeChat XML message (<xml><ToUserName>…</ToUserName>…</xml>) as a flat dict.

    defusedxml refuses any DTD, so entity expansion (billion laughs) and external entities never run.
    Nested elements (e.g. ScanCodeInfo) keep their direct text only. Raises only WeChatXMLError.
    """
    try:
        root = _defused_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, LookupError, UnicodeError) as e:
        raise WeChatXMLError(_short_reason(e)) from None
    if root.tag != "xml":
        raise WeChatXMLError("root element is not <xml>")
    fields: Dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str):
            fields.setdefault(child.tag, child.text or "")
    return fields


def _short_reason(e: Exception) -> str:
    if isinstance(e, DefusedXmlException):
        return "DTDs and entities are not allowed"
    return "malformed XML"


def _cdata(text: str) -> str:
    return "<![CDATA[" + _XML_INVALID.sub("", text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_xml(fields: Mapping[str, Union[str, int]]) -> str:
    """<xml> with one element per field: integers as they are, text in CDATA."""
    parts = ["<xml>"]
    for name, value in fields.items():
        body = str(value) if isinstance(value, int) and not isinstance(value, bool) else _cdata(str(value))
        parts.append(f"<{name}>{body}</{name}>")
    parts.append("</xml>")
    return "".join(parts)


# --- opening a message, sealing a reply ----------------------------------------------------------------

def check_fields(msg: Dict[str, str]) -> Optional[str]:
    """Why the message's routing fields are unusable (None when fine); trims them in place. The OpenID
    becomes a log field, a store key and the conversation id: only the platform's id characters pass."""
    for name in ("ToUserName", "FromUserName", "MsgType", "MsgId", "CreateTime"):
        if name in msg:
            msg[name] = msg[name].strip()
    if not (msg.get("FromUserName") and msg.get("ToUserName") and msg.get("MsgType")):
        return "missing ToUserName, FromUserName or MsgType"
    if not (_WECHAT_ID.fullmatch(msg["FromUserName"]) and _WECHAT_ID.fullmatch(msg["ToUserName"])):
        return "invalid FromUserName or ToUserName"
    if len(msg["MsgType"]) > 32:
        return "invalid MsgType"
    for name in ("MsgId", "CreateTime"):
        if msg.get(name) and not _DIGITS.fullmatch(msg[name]):
            return f"invalid {name}"
    return None


@dataclass
class Opened:
    msg: Dict[str, str]  # the message's fields, routing fields checked
    encrypted: bool  # it came in safe mode: the reply is sealed the same way


FirstBodyFor = Callable[[int, str, str, bytes], Awaitable[bool]]


class Envelope:
    """Opens and seals the messages of one account (`token`; `crypto` in safe mode, else None)."""

    def __init__(self, token: str, crypto_: Optional[crypto.MessageCrypto], timestamp_window: float,
                 clock: Callable[[], float]) -> None:
        self.token, self.crypto, self.timestamp_window, self.clock = token, crypto_, timestamp_window, clock

    def verify_url(self, args: Mapping[str, Optional[str]]) -> str:
        """The GET check of the server URL: `echostr` when the signature is the token's. Raises Refused."""
        signature, timestamp, nonce, echostr = (args.get(k) for k in ("signature", "timestamp", "nonce", "echostr"))
        if not (signature and timestamp and nonce and echostr):
            raise Refused(400, "missing signature, timestamp, nonce or echostr")
        if not self.token:
            raise Refused(503, "wechat channel not configured")
        if not crypto.check_signature(self.token, timestamp, nonce, signature):
            raise Refused(403, "invalid signature")
        return echostr

    async def open(self, args: Mapping[str, Optional[str]], body: bytes, first_body_for: FirstBodyFor) -> Opened:
        """The message of a POST (`args`: its query arguments). `first_body_for(ts, nonce, signature, body)`:
        whether a plain-signed URL comes with the body it first came with. Raises Refused."""
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        encrypted = (args.get("encrypt_type") or "").lower() == "aes"  # safe or compatible mode
        decrypt = encrypted and self.crypto is not None
        sig = args.get("msg_signature") if decrypt else args.get("signature")
        if not (timestamp and nonce and sig):
            raise Refused(400, "missing signature, timestamp or nonce")
        if not self.token:
            raise Refused(503, "wechat channel not configured")
        if self.crypto is not None and not encrypted:
            # in plain mode the signature does not cover the body: refuse it once safe mode is set up
            raise Refused(403, "safe mode required")
        try:
            ts = int(timestamp)
        except ValueError:
            raise Refused(400, "invalid timestamp") from None
        if abs(self.clock() - ts) > self.timestamp_window:
            raise Refused(403, "stale timestamp")
        if self.crypto is not None and decrypt:
            msg = self._open_safe(self.crypto, timestamp, nonce, sig, body)
        else:
            msg = await self._open_plain(ts, timestamp, nonce, sig, body, encrypted, first_body_for)
        problem = check_fields(msg)
        if problem:
            raise Refused(400, problem)
        return Opened(msg, decrypt)

    async def _open_plain(self, ts: int, timestamp: str, nonce: str, sig: str, body: bytes, encrypted: bool,
                          first_body_for: FirstBodyFor) -> Dict[str, str]:
        if not crypto.check_signature(self.token, timestamp, nonce, sig):
            raise Refused(403, "invalid signature")
        if not await first_body_for(ts, nonce, sig, body):
            raise Refused(403, "signature already used")
        msg = _parse(body)
        if encrypted:
            # compatible mode without our EncodingAESKey: the plaintext fields beside Encrypt (the
            # signature checked is the URL's plain one); safe mode proper has no plaintext to read
            if not (msg.get("MsgType") and msg.get("FromUserName")):
                raise Refused(400, "safe mode not configured")
            msg.pop("Encrypt", None)
        return msg

    @staticmethod
    def _open_safe(box: crypto.MessageCrypto, timestamp: str, nonce: str, sig: str, body: bytes) -> Dict[str, str]:
        outer = _parse(body)
        ciphertext = outer.get("Encrypt", "").strip()  # an indented <Encrypt> is still the same one
        if not ciphertext:
            raise Refused(400, "missing Encrypt")
        try:
            inner = box.verify_and_decrypt(timestamp, nonce, ciphertext, sig)
        except crypto.InvalidSignature:
            raise Refused(403, "invalid signature") from None
        except crypto.AppIdMismatch:
            raise Refused(403, "wrong AppID") from None
        except crypto.DecryptError:
            raise Refused(400, "cannot decrypt") from None
        return _parse(inner.encode("utf-8"))

    def seal(self, msg: Mapping[str, str], content: str, nonce: str, encrypt: bool) -> str:
        """The passive reply (a text message back to the sender) as XML, encrypted when `encrypt`."""
        return self._seal(msg, {"MsgType": "text", "Content": content}, nonce, encrypt)

    def seal_transfer(self, msg: Mapping[str, str], nonce: str, encrypt: bool) -> str:
        """The passive reply that hands this message, and the conversation, to the account's customer-service
        desk (消息转发到客服: MsgType transfer_customer_service; any agent, no TransInfo), encrypted when
        `encrypt`."""
        return self._seal(msg, {"MsgType": "transfer_customer_service"}, nonce, encrypt)

    def _seal(self, msg: Mapping[str, str], fields: Dict[str, Any], nonce: str, encrypt: bool) -> str:
        now = int(self.clock())
        xml = build_xml({
            "ToUserName": msg["FromUserName"],
            "FromUserName": msg["ToUserName"],
            "CreateTime": now,
            **fields,
        })
        if encrypt and self.crypto is not None:
            env = self.crypto.encrypt_reply(xml, str(now), nonce)
            xml = build_xml({"Encrypt": env["Encrypt"], "MsgSignature": env["MsgSignature"],
                             "TimeStamp": now, "Nonce": env["Nonce"]})
        return xml


def _parse(body: bytes) -> Dict[str, str]:
    try:
        return parse_xml(body)
    except WeChatXMLError as e:
        raise Refused(400, str(e)) from None
