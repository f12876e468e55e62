"""Test harness for the WeChat channel (imported by the other test_wechat_* modules).

* `background()`: one event loop in a daemon thread; the Sanic servers and the fake API run on it,
  the tests talk to them over HTTP on 127.0.0.1 (no sanic-testing needed, no other network).
* `ChannelServer`: a real Sanic app with the channel mounted by Rasa's own `register()` under
  /webhooks/, and a stub agent whose `handle_message` answers deterministically.
* `FakeWeChatAPI`: an aiohttp app serving /cgi-bin/token and /cgi-bin/message/custom/send.
* Message builders after the platform's documented fields (ToUserName, FromUserName, CreateTime,
  MsgType, Content, MsgId; events with Event), plain and safe mode.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web
from sanic import Sanic

from bot.channels.wechat import crypto as wechat_crypto
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.envelope import build_xml, parse_xml

TOKEN = "qualibot_test_token"
APP_ID = "wx2c2769f8efd9abc2"
APP_SECRET = "test-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars, as the platform generates them
ACCOUNT = "gh_10f6c3c3ac5a"  # the official account's original id (ToUserName of incoming messages)
OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"

Sanic.test_mode = True  # several apps in one process


# --- a background event loop ------------------------------------------------------------------------

class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="wechat-test-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 30.0) -> Any:  # a margin for a loaded machine, not a wait
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


_BACKGROUND: Optional[LoopThread] = None


def background() -> LoopThread:
    global _BACKGROUND
    if _BACKGROUND is None:
        _BACKGROUND = LoopThread()
    return _BACKGROUND


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_until(predicate: Any, timeout: float = 15.0, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


# --- HTTP client (urllib, synchronous) ---------------------------------------------------------------

def http(method: str, url: str, body: Optional[bytes] = None,
         headers: Optional[Dict[str, str]] = None, timeout: float = 10.0) -> Tuple[int, Dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# --- the stub agent and the channel server --------------------------------------------------------------

class StubAgent:
    """Stands in for rasa's Agent: `register()` calls app.ctx.agent.handle_message(message)."""

    def __init__(self, slow_delay: float = 0.6) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.message_ids: List[str] = []
        self.slow_delay = slow_delay

    async def handle_message(self, message: Any) -> None:
        self.calls.append({"sender_id": message.sender_id, "text": message.text,
                           "input_channel": message.input_channel, "metadata": message.metadata})
        self.message_ids.append(message.message_id)
        out, who, text = message.output_channel, message.sender_id, message.text
        if text.startswith("slow"):
            await asyncio.sleep(self.slow_delay)
            await out.send_response(who, {"text": f"slow answer to {text}"})
        elif text == "buttons":
            await out.send_response(who, {"text": "Which one do you mean?", "buttons": [
                {"title": "CFA (US)", "payload": '/inform{"qualification":"R001"}'},
                {"title": "CPA Australia", "payload": '/inform{"qualification":"R007"}'},
            ]})
        elif text == "multi":
            await out.send_response(who, {"text": "First message."})
            await out.send_response(who, {"custom": {"kind": "recognized", "cites": ["一.4"]}})
            await out.send_response(who, {"text": "Second message."})
        elif text == "boom":
            raise RuntimeError("the assistant broke")
        elif text == "long":
            await out.send_response(who, {"text": "第一段" + "长" * 600})
            await out.send_response(who, {"text": "第二段" + "文" * 600})
        elif text == "essay":  # one paragraph of ~5,000 bytes: numbered sentences, no line breaks
            await out.send_response(who, {"text": "".join(f"第{i}句：这是一段很长的回答里的一句话。" for i in range(1, 181)),
                                          "buttons": [{"title": "CFA (US)", "payload": '/inform{"qualification":"R001"}'}]})
        elif text == "silent":
            pass
        else:
            await out.send_response(who, {"text": f"echo[{who}]: {text}"})


class ChannelServer:
    """A Sanic app on 127.0.0.1:<free port> with the WeChat channel mounted at /webhooks/wechat/."""

    _names = itertools.count()

    def __init__(self, channel: WeChatInput, agent: Optional[StubAgent] = None) -> None:
        from rasa.core.channels.channel import register

        self.channel = channel
        self.agent = agent or StubAgent()
        self.app = Sanic(f"wechat_test_{next(self._names)}")
        self.app.ctx.agent = self.agent
        self.app.config.ACCESS_LOG = False
        register([channel], self.app, route="/webhooks/")
        self.sock = _free_socket()
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/webhooks/wechat/webhook"
        self._server: Any = None
        background().run(self._start())

    async def _start(self) -> None:
        # create_server awaits the AsyncioServer already: it is listening when this returns
        srv = await self.app.create_server(sock=self.sock, return_asyncio_server=True, access_log=False)
        await srv.startup()
        await srv.before_start()
        await srv.after_start()
        self._server = srv

    async def _stop(self) -> None:
        srv = self._server
        await srv.before_stop()
        srv.close()
        await srv.wait_closed()
        for conn in list(srv.connections):
            conn.close_if_idle()
        await srv.after_stop()

    def close(self) -> None:
        background().run(self._stop())
        self.sock.close()

    # requests as the platform sends them

    def get(self, **params: str) -> Tuple[int, Dict[str, str], bytes]:
        return http("GET", self.url + "?" + urllib.parse.urlencode(params))

    def post(self, body: bytes, params: Dict[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        return http("POST", self.url + "?" + urllib.parse.urlencode(params), body,
                    {"Content-Type": "text/xml"})


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
        self.sock = _free_socket()
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


def test_harness_builds_the_documented_fields():
    fields = parse_xml(text_xml("你好", msg_id="1234567890123456"))
    assert set(fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId"}
    assert fields["MsgType"] == "text" and fields["Content"] == "你好" and fields["MsgId"] == "1234567890123456"
    event = parse_xml(event_xml("subscribe"))
    assert event["MsgType"] == "event" and event["Event"] == "subscribe" and "MsgId" not in event
