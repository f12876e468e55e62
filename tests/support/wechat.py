"""The WeChat platform for the channel tests: the account's settings, messages as the platform sends them
(after its documented fields: ToUserName, FromUserName, CreateTime, MsgType, Content, MsgId; events with
Event), plain and safe mode, and `FakeWeChatAPI`, an aiohttp app serving the token and customer-service
endpoints on 127.0.0.1 (on tests/support/channel_server.py's background loop).
"""
from __future__ import annotations

import itertools
import json
import random
import time
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web

from bot.channels.wechat import crypto as wechat_crypto
from bot.channels.wechat.envelope import build_xml, parse_xml
from tests.support.channel_server import background
from tests.support.servers import free_socket

TOKEN = "qualibot_test_token"
APP_ID = "wx2c2769f8efd9abc2"
APP_SECRET = "test-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars, as the platform generates them
ACCOUNT = "gh_10f6c3c3ac5a"  # the official account's original id (ToUserName of incoming messages)
OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


# --- messages as the platform sends them ------------------------------------------------------------------

# a random start: message ids of one run never meet those of another in a shared Redis
_msg_ids = itertools.count(random.randrange(6 * 10**18, 7 * 10**18))


def text_xml(content: str, openid: str = OPENID, msg_id: Optional[str] = None,
             create_time: Optional[int] = None) -> bytes:
    return build_xml({
        "ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
        "MsgType": "text", "Content": content, "MsgId": int(msg_id or next(_msg_ids)),
    }).encode("utf-8")


def event_xml(event: str, openid: str = OPENID, create_time: Optional[int] = None,
              **extra: Any) -> bytes:
    return build_xml({
        "ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
        "MsgType": "event", "Event": event, **extra,
    }).encode("utf-8")


def voice_xml(recognition: Optional[str], openid: str = OPENID, msg_id: Optional[str] = None) -> bytes:
    """A voice message; `recognition` is the platform's transcript (None: speech recognition is off)."""
    fields: Dict[str, Any] = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()),
                              "MsgType": "voice", "MediaId": "media_id_v", "Format": "amr"}
    if recognition is not None:
        fields["Recognition"] = recognition
    fields["MsgId"] = int(msg_id or next(_msg_ids))
    return build_xml(fields).encode("utf-8")


def media_xml(kind: str, openid: str = OPENID) -> bytes:
    extra: Dict[str, Any] = {
        "image": {"PicUrl": "http://mmbiz.qpic.cn/example.jpg", "MediaId": "media_id_1"},
        "voice": {"MediaId": "media_id_2", "Format": "amr"},
        "video": {"MediaId": "media_id_3", "ThumbMediaId": "thumb_1"},
        "shortvideo": {"MediaId": "media_id_4", "ThumbMediaId": "thumb_2"},
        "location": {"Location_X": "39.9042", "Location_Y": "116.4074", "Scale": 20, "Label": "北京"},
        "link": {"Title": "公众平台官网链接", "Description": "公众平台官网链接", "Url": "https://mp.weixin.qq.com"},
    }.get(kind, {})
    return build_xml({"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()),
                      "MsgType": kind, **extra, "MsgId": next(_msg_ids)}).encode("utf-8")


def new_nonce() -> str:
    """A nonce as the platform sends them: a new one for every request it signs."""
    return str(random.randrange(10**9, 10**10))


def plain_params(token: str = TOKEN, timestamp: Optional[int] = None, nonce: Optional[str] = None) -> Dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or new_nonce()
    return {"signature": wechat_crypto.signature(token, ts, nonce), "timestamp": ts, "nonce": nonce,
            "openid": OPENID}


def safe_request(inner: bytes, crypto: wechat_crypto.MessageCrypto, timestamp: Optional[int] = None,
                 nonce: Optional[str] = None, token: str = TOKEN) -> Tuple[bytes, Dict[str, str]]:
    """The safe-mode body (<xml><ToUserName/><Encrypt/></xml>) and query (encrypt_type=aes, msg_signature)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or new_nonce()
    encrypted = crypto.encrypt(inner.decode("utf-8"))
    body = build_xml({"ToUserName": ACCOUNT, "Encrypt": encrypted}).encode("utf-8")
    params = {"signature": wechat_crypto.signature(token, ts, nonce), "timestamp": ts, "nonce": nonce,
              "openid": OPENID, "encrypt_type": "aes",
              "msg_signature": wechat_crypto.signature(token, ts, nonce, encrypted)}
    return body, params


def reply_fields(body: bytes) -> Dict[str, str]:
    return parse_xml(body)


# --- the fake customer-service API -----------------------------------------------------------------------

class FakeWeChatAPI:
    """The platform's token and customer-service endpoints, as documented.

    POST /cgi-bin/stable_token (JSON): the current stable token while it is valid, else a new one
    (TOKEN1, TOKEN2, …); fetching it invalidates nothing. GET /cgi-bin/token: a new token each time,
    and every token issued there before stops working (the platform keeps it 5 more minutes; here at
    once). /cgi-bin/message/custom/send checks the token.

    expire_tokens(): every issued token becomes invalid (-> errcode 40001, or `expired_code`);
    refuse_all_tokens: even fresh ones are refused.
    out_of_window: OpenIDs whose sends get errcode 45015.
    """

    def __init__(self) -> None:
        self.token_requests: List[Dict[str, str]] = []
        self.send_attempts: List[Tuple[str, Dict[str, Any]]] = []
        self.delivered: List[Dict[str, Any]] = []
        self.valid: set = set()
        self.stable: Optional[str] = None
        self.plain_tokens: set = set()  # issued by /cgi-bin/token
        self.out_of_window: set = set()
        self.expired_code = 40001
        self.refuse_all_tokens = False
        self._n = 0
        self._runner: Any = None
        self.sock = free_socket()
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        background().run(self._start())

    def expire_tokens(self) -> None:
        self.valid.clear()

    def _issue(self) -> str:
        self._n += 1
        token = f"TOKEN{self._n}"
        self.valid.add(token)
        return token

    async def _stable_token(self, request: web.Request) -> web.Response:
        try:
            q = json.loads((await request.read()).decode("utf-8"))
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        self.token_requests.append(q)
        if q.get("grant_type") != "client_credential" or q.get("appid") != APP_ID or q.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("force_refresh") or self.stable not in self.valid:
            self.valid.discard(self.stable)
            self.stable = self._issue()
        return web.json_response({"access_token": self.stable, "expires_in": 7200})

    async def _token(self, request: web.Request) -> web.Response:
        q = dict(request.query)
        self.token_requests.append(q)
        if q.get("grant_type") != "client_credential" or q.get("appid") != APP_ID or q.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        self.valid -= self.plain_tokens  # a new cgi-bin/token invalidates the ones before it
        token = self._issue()
        self.plain_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        raw = await request.read()
        payload = json.loads(raw.decode("utf-8"))
        self.send_attempts.append((token, payload))
        if token not in self.valid or self.refuse_all_tokens:
            code = self.expired_code
            return web.json_response({"errcode": code, "errmsg": "invalid credential, access_token is invalid "
                                                                 "or not latest"})
        if payload.get("touser") in self.out_of_window:
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit or "
                                                                  "subscription is canceled"})
        self.delivered.append(payload)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self.sock).start()

    def close(self) -> None:
        background().run(self._runner.cleanup())
        self.sock.close()

