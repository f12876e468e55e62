"""Client of the WeChat customer-service message API (客服消息), used when an answer misses the 5 s window.

* access token: the stable token (getStableAccessToken), POST {api_base}/cgi-bin/stable_token
  {"grant_type": "client_credential", "appid": …, "secret": …, "force_refresh": false}
  -> {"access_token": "…", "expires_in": 7200}; cached until expiry minus a margin, one fetch at a time.
  Why not cgi-bin/token: each fetch there invalidates the token fetched before (after 5 minutes), so two
  replicas, or any other tool holding the AppSecret, invalidate each other's tokens. A stable token in
  normal mode is the same token for every caller while it is valid: fetching it invalidates nothing (the
  platform issues the next one in the last 5 minutes and keeps both valid meanwhile), and it is isolated
  from cgi-bin/token. So each replica may fetch it for itself, with nothing to share or lock across
  replicas, and a Redis outage cannot stop the API. Force-refresh mode (which invalidates the token for
  every replica, 20 times a day) is never used: a refused token is fetched again in normal mode, which
  returns the platform's current one.
* send:         POST {api_base}/cgi-bin/message/custom/send?access_token=…
  {"touser": openid, "msgtype": "text", "text": {"content": …}} -> {"errcode": 0, "errmsg": "ok"}
* errcode 40001 / 40014 / 42001 (invalid or expired token): fetch the token again and retry once.
* errcode 45015 (the user's last message is older than 48 h, or they unsubscribed): logged, given up.

Nothing here raises to the caller: `send_text` returns True or False and logs why (without the
secret or the token).

One aiohttp ClientSession (its connection pool) serves every call: made on first use in the running event
loop (a new loop, as in tests, gets a new one), closed by `close()` when the server stops (the channel's
blueprint registers it as an after_server_stop listener).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Dict, Optional

import aiohttp

from bot import metrics

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential / invalid token / token expired
OUT_OF_WINDOW = 45015  # response out of time limit or subscription is canceled
MAX_TEXT_BYTES = 2048


class WeChatAPIError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatAPI:
    def __init__(self, app_id: str, app_secret: str, api_base: str = DEFAULT_API_BASE, *,
                 timeout: float = 10.0, token_margin: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # token_margin: refetch this long before expiry, inside the platform's last 5 minutes, when it
        # hands out the next token (the one still in use stays valid for those 5 minutes)
        self.app_id = app_id or ""
        self.app_secret = app_secret or ""
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.token_margin = token_margin
        self.clock = clock
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock: Optional[asyncio.Lock] = None
        self._lock_loop: Optional[asyncio.AbstractEventLoop] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self._session_loop: Optional[asyncio.AbstractEventLoop] = None

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)

    def _get_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    def _get_session(self) -> aiohttp.ClientSession:
        """The session of the running loop, made on first use (with the client's timeout)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session, self._session_loop = aiohttp.ClientSession(timeout=self.timeout), loop
        return self._session

    async def close(self) -> None:
        """Close the session (when the server stops); the next call makes a new one."""
        session, self._session, self._session_loop = self._session, None, None
        if session is not None and not session.closed:
            await session.close()

    async def _request(self, method: str, path: str, params: Dict[str, str],
                       payload: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else None
        async with self._get_session().request(method, self.api_base + path, params=params, data=data,
                                               headers=headers) as resp:
            raw = await resp.read()
            if resp.status != 200:
                raise WeChatAPIError(-1, f"HTTP {resp.status}")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise WeChatAPIError(-1, "the answer is not JSON") from e
        if not isinstance(body, dict):
            raise WeChatAPIError(-1, "the answer is not a JSON object")
        return body

    async def access_token(self, stale: Optional[str] = None) -> str:
        """A valid token, from the cache or fetched. `stale`: a token the API just refused; it is
        replaced unless another call has replaced it already (so a burst of 40001 fetches once)."""
        async with self._get_lock():
            if self._token and self._token != stale and self.clock() < self._expires_at:
                return self._token
            body = await self._request("POST", "/cgi-bin/stable_token", {}, {
                "grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret,
                "force_refresh": False})
            token = body.get("access_token")
            if not token:
                raise WeChatAPIError(int(body.get("errcode") or -1), str(body.get("errmsg") or "no access_token"))
            try:
                expires_in = float(body.get("expires_in") or 7200)
            except (TypeError, ValueError):
                expires_in = 7200.0
            margin = min(self.token_margin, expires_in / 2)
            self._token, self._expires_at = str(token), self.clock() + expires_in - margin
            return self._token

    def invalidate(self) -> None:
        self._token, self._expires_at = None, 0.0

    async def _send_once(self, token: str, payload: Dict[str, Any]) -> int:
        body = await self._request("POST", "/cgi-bin/message/custom/send", {"access_token": token}, payload)
        try:
            return int(body.get("errcode") or 0)
        except (TypeError, ValueError):
            return -1

    async def send_text(self, openid: str, content: str) -> bool:
        """Send one text message; True when the API accepted it. Never raises (except cancellation)."""
        if not self.configured:
            logger.warning("wechat: customer-service API not configured (app_id/app_secret); reply dropped")
            return False
        payload = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        try:
            token = await self.access_token()
            code = await self._send_once(token, payload)
            if code in TOKEN_ERRORS:
                logger.info("wechat: access token refused (errcode %s); refreshing and retrying once", code)
                token = await self.access_token(stale=token)
                code = await self._send_once(token, payload)
        except asyncio.CancelledError:
            raise
        except WeChatAPIError as e:
            logger.error("wechat: customer-service send failed: %s", e)
            return False
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            logger.error("wechat: customer-service API unreachable: %s", type(e).__name__)
            return False
        if code == 0:
            return True
        if code == OUT_OF_WINDOW:
            metrics.WECHAT_OUT_OF_WINDOW.inc()
            logger.warning("wechat: errcode 45015 for %s: last message older than 48 h or unsubscribed; "
                           "reply not delivered", _mask(openid))
        elif code in TOKEN_ERRORS:
            self.invalidate()
            logger.error("wechat: access token refused twice (errcode %s); reply not delivered", code)
        else:
            logger.error("wechat: customer-service send refused, errcode %s", code)
        return False


def _mask(openid: str) -> str:
    return openid[:4] + "…" if len(openid) > 4 else openid
