"""The web chat page (applicants) and the hotline staff console, served by the Rasa server itself.

    /web/                     a small page linking the two
    /web/chat/                the chat page: talks to its own channel (/webhooks/webchat/, bot/channels/web/chat.py)
    /web/console/             the staff console (staff surface)
    /web/api/config           GET  {hotline, hours, retention_days, privacy: {zh, en}, console_token_required}
    /web/api/feedback         POST {sender, helpful, answer_text, answer_kind[, lang]}: a 👍/👎
    /web/api/search?q=        GET  what the matcher finds (plus a substring search when it finds nothing)   (staff)
    /web/api/facets           GET  the vocabularies of the filters (lists, fields, countries)               (staff)
    /web/api/list?list=&field=&country=   GET  rows                                                         (staff)
    /web/api/item/<id>        GET  every fact of a row, the clauses that apply, the approved answers (口径) (staff)
    /web/api/unanswered       GET  fallbacks and 👎, newest first                                          (staff)
    /web/api/unanswered.csv   GET  the same as CSV                                                         (staff)
    /web/api/analytics[.csv], /web/api/versions, /web/api/diff   the analytics tab and the catalog-version view
                              (bot/channels/web/insights.py)                                               (staff)
    /web/api/receipt/<code>   GET  "why this answer": what was said and why, the approved answer beside it (staff)
    /web/api/receipts?q=      GET  a receipt code, or the applicant's words: the receipts that have them     (staff)

The static files and their headers: pages.py. What the staff API answers is catalog/console.py's (no web
framework there); here are the routes and the checks. The API answers JSON; a route raises Sanic's
exceptions (each with its status) and the blueprint's error handlers (bot/channels/http.py `json_errors`)
answer {"error": ..., "status": ...} with a 4xx, and an unexpected error a 500 with no details (the
details go to the log).

Staff surfaces are closed unless configured. They need the `console_token` (header `X-Console-Token`:
401 without it or with another); with no token configured they answer 403 and never the data
(`make run` generates one, production refuses to start without one). They answer only to a Host that is
loopback or in `allowed_hosts` (QUALIBOT_ALLOWED_HOSTS), against DNS rebinding (403). They never show a
conversation id: the unanswered log shows `conversation_ref(id)`, a short HMAC keyed by RASA_AUTH_TOKEN,
so only whoever can already open conversations (Rasa's HTTP API needs that token) can tell which
conversation it is; without that variable (`make run`) the key is random per process.

The feedback endpoint is public (the chat page's) and checked: a JSON object of at most 16 KB (deeply
nested or not JSON: 400), a rate limit per client address (QUALIBOT_FEEDBACK_RATE_LIMIT, default 20/60;
in Redis when QUALIBOT_REDIS_URL is set), and `may_write(request, conversation_id)`: the caller may only
rate the conversation of its own signed session (bot/channels/web/chat.py).

credentials.yml:
  bot.channels.web.WebChannel:
    console_token: ${QUALIBOT_CONSOLE_TOKEN}   # empty: the staff surfaces answer 403
    # allowed_hosts: "qualibot.example.com"    # else QUALIBOT_ALLOWED_HOSTS; loopback always

The channel never calls Rasa itself (the page talks to bot.channels.web.WebChatInput, with a signed
session), so that channel must be enabled too.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import inspect
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, Mapping, Optional, Text, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import Forbidden, InvalidUsage, PayloadTooLarge, SanicException, Unauthorized
from sanic.exceptions import NotFound as SanicNotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.addresses import allowed_host, parse_hosts, request_address
from bot.channels.checks import MAX_SENDER_CHARS
from bot.channels.http import (JSON_HEADERS, BadJSON, decode_json_object, json_error, json_errors,
                               json_response)
from bot.channels.ratelimit import RateLimiter, parse_rate_limit, rate_limit_config
from bot.channels.session import COOKIE, SessionSigner
from bot.channels.web import insights
from bot.channels.web.chat import signer_from
from bot.channels.web.pages import WEB_ROOT, Pages
from bot.turn import agent_of
from catalog import console, feedback, handoff, privacy, receipts
from catalog.console import BadValue, NotFound
from catalog.language import detect

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_FEEDBACK_BODY = 16 * 1024
MAX_ANSWER_TEXT = 4000  # longer is refused; catalog.feedback keeps the first 2,000 characters
DEFAULT_UNANSWERED_LIMIT = 200
MAX_UNANSWERED_LIMIT = 1000
TOKEN_HEADER = "X-Console-Token"
DEFAULT_FEEDBACK_RATE_LIMIT = "20/60"  # 👍/👎 per client address per seconds
REF_LABEL = b"qualibot conversation ref\x00"
REF_HEX_CHARS = 10  # 40 bits: no collision to speak of in a log of thousands


async def _in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Database work off the event loop (Rasa's server keeps answering meanwhile). The console's own
    errors become the API's: BadValue a 400, NotFound a 404."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))
    except BadValue as e:
        raise InvalidUsage(str(e)) from None
    except NotFound as e:
        raise SanicNotFound(str(e)) from None


def _arg(request: Request, name: str, max_chars: int = 200) -> str:
    value = request.args.get(name) or ""
    if len(value) > max_chars:
        raise InvalidUsage(f"'{name}' is longer than {max_chars} characters")
    return value.strip()


def conversation_ref(conversation_id: str, key: bytes) -> str:
    """What the staff surfaces show instead of a conversation id: "c-" + 10 hex digits of HMAC-SHA256.
    The same id gives the same reference (entries of one conversation group together), and nobody without
    the key can tell which conversation it is or test a guessed id."""
    digest = hmac.new(key, REF_LABEL + conversation_id.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return "c-" + digest.hexdigest()[:REF_HEX_CHARS]


def may_write(request: Request, conversation_id: str, signer: Optional[SessionSigner] = None) -> bool:
    """May this request write into (rate an answer of) `conversation_id`?

    Only with the signed session the server gave the chat page (the HttpOnly cookie of
    bot/channels/web/chat.py, sent with the page's same-origin requests) and only for that session's own
    conversation ("web:<id>"): never another visitor's, a WeChat OpenID's, a REST integration's or
    "default". `signer` is the web page channel's (the same secret and lifetime, so the same signer).
    """
    session = (signer or signer_from(None)).verify(request.cookies.get(COOKIE))
    return session is not None and hmac.compare_digest(session.conversation_id.encode("utf-8"),
                                                       conversation_id.encode("utf-8", "surrogatepass"))


def record_feedback(body: Dict[str, Any], allowed: Optional[Callable[[str], bool]] = None) -> Optional[Dict[str, Any]]:
    """Validate a 👍/👎 from the chat page and log it (catalog.feedback cleans and masks the text); with the
    answer's `receipt`, a 👎 marks that answer as no help, and the handoff offer is returned when the answer
    before it did not help either."""
    sender, helpful = body.get("sender"), body.get("helpful")
    text, kind, lang = body.get("answer_text", ""), body.get("answer_kind"), body.get("lang")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise InvalidUsage(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    if not isinstance(helpful, bool):
        raise InvalidUsage("'helpful' must be true or false")
    if not isinstance(text, str) or len(text) > MAX_ANSWER_TEXT:
        raise InvalidUsage(f"'answer_text' must be a string of at most {MAX_ANSWER_TEXT} characters")
    if kind is not None and (not isinstance(kind, str) or len(kind) > 64):
        raise InvalidUsage("'answer_kind' must be a short string")
    if allowed is not None and not allowed(sender.strip()):
        raise Forbidden("feedback is taken only for the conversation of this page's session")
    if lang not in ("zh", "en"):
        lang = detect(text)  # the page sends its language; another caller's text decides, as for the bot
    code = body.get("receipt")
    if code is not None and (not isinstance(code, str) or receipts.normalise(code) is None):
        raise InvalidUsage("'receipt' must be the answer's receipt code")
    feedback.record(sender.strip(), "helpful" if helpful else "unhelpful", text, kind or None, lang)
    if helpful or not code:
        return None
    # a 👎 makes that answer one that did not help (only an answer of this conversation); the second in a row
    # offers a person, with the hotline from the configuration and the receipt code (catalog/handoff.py)
    receipts.mark_unhelpful(code, sender.strip())
    if not receipts.unhelpful_streak(sender.strip(), 2):
        return None
    shown = receipts.display(receipts.normalise(code) or code)
    offer = handoff.offer(lang, shown)
    return {"kind": offer.kind, "lang": offer.lang, "text": offer.text, "receipt": shown}


def feedback_limiter(environ: Optional[Mapping[str, str]] = None) -> RateLimiter:
    """QUALIBOT_FEEDBACK_RATE_LIMIT ("20/60" by default, "0" off) per client address, shared through
    QUALIBOT_REDIS_URL like the channels' limit (bot/channels/ratelimit.py)."""
    env = os.environ if environ is None else environ
    limit, window = parse_rate_limit(env.get("QUALIBOT_FEEDBACK_RATE_LIMIT") or DEFAULT_FEEDBACK_RATE_LIMIT)
    return RateLimiter(limit, window, rate_limit_config(env).redis_url, name="feedback")


def ref_key(environ: Optional[Mapping[str, str]] = None) -> bytes:
    """The key of the conversation references: derived from RASA_AUTH_TOKEN (the token of Rasa's HTTP API,
    which opens any conversation), else random for this process."""
    env = os.environ if environ is None else environ
    token = (env.get("RASA_AUTH_TOKEN") or "").strip()
    if token:
        return hmac.new(token.encode("utf-8"), b"qualibot conversation ref key", hashlib.sha256).digest()
    logger.info("web: no RASA_AUTH_TOKEN: conversation references in the console change at each restart")
    return secrets.token_bytes(32)


async def policy_of(agent: Any, conversation_id: str, message_id: Optional[str],
                    action: Optional[str]) -> Optional[Dict[str, Any]]:
    """Which policy chose the receipt's action, and how sure it was: the ActionExecuted event after that user
    message in the conversation's tracker (only Rasa knows it; the action server writes the receipt before Rasa
    logs it). None when the conversation is no longer stored (another process's memory, or purged)."""
    store = getattr(agent, "tracker_store", None)
    if store is None or not message_id:
        return None
    try:
        tracker = await store.retrieve_full_tracker(conversation_id)
    except Exception:  # noqa: BLE001 - the tracker store is down: the receipt is shown without it
        logger.warning("web: could not read the conversation of a receipt", exc_info=True)
        return None
    if tracker is None:
        return None
    after = False
    for e in tracker.events:
        kind = getattr(e, "type_name", "")
        if kind == "user":
            if after:
                break
            after = getattr(e, "message_id", None) == message_id
        elif after and kind == "action" and getattr(e, "action_name", None) == action:
            return {"policy": getattr(e, "policy", None), "confidence": getattr(e, "confidence", None),
                    "action": action}
    return None


# --- the channel ---------------------------------------------------------------------------------

class WebChannel(InputChannel):
    """Serves /web/ (chat page, staff console and its API). Messages go through Rasa's REST channel."""

    @classmethod
    def name(cls) -> Text:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChannel":
        c = credentials or {}
        token = c.get("console_token")
        hosts = c.get("allowed_hosts")
        if hosts is None:
            hosts = os.environ.get("QUALIBOT_ALLOWED_HOSTS", "")
        return cls(console_token=str(token).strip() if token is not None else "", allowed_hosts=hosts)

    def __init__(self, console_token: str = "", web_root: Optional[Path] = None,
                 allowed_hosts: Union[None, str, Iterable[str]] = None, conversation_key: Optional[bytes] = None,
                 limiter: Optional[RateLimiter] = None, signer: Optional[SessionSigner] = None) -> None:
        self.console_token = console_token or ""
        self.web_root = Path(web_root) if web_root else WEB_ROOT
        self.allowed_hosts = parse_hosts(allowed_hosts)
        self.conversation_key = conversation_key if conversation_key is not None else ref_key()
        self.limiter = limiter if limiter is not None else feedback_limiter()
        self.signer = signer if signer is not None else signer_from(None)  # the web page channel's sessions
        self.pages = Pages(self.web_root, self.allowed_hosts)
        self.retention_days = privacy.retention_days()  # a bad QUALIBOT_RETENTION_DAYS stops the start here
        if not self.console_token:
            logger.warning("web: no console_token (QUALIBOT_CONSOLE_TOKEN): the staff console and its API "
                           "(/web/api/search, item, list, facets, unanswered) answer 403")

    def url_prefix(self) -> Text:
        # Rasa mounts channels at urljoin("/webhooks/", prefix): an absolute prefix puts the pages at /web/
        return "/web"

    def ref(self, conversation_id: str) -> str:
        return conversation_ref(conversation_id, self.conversation_key)

    def _check_host(self, request: Request) -> None:
        if not allowed_host(request.headers.get("host"), self.allowed_hosts):
            raise Forbidden("this host name is not allowed for the staff console (QUALIBOT_ALLOWED_HOSTS)")

    def _check_staff(self, request: Request) -> None:
        """A staff surface: a known Host, a configured console token, and that token in the request."""
        self._check_host(request)
        if not self.console_token:
            raise Forbidden("the staff console is closed: no console token is configured on the server")
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), self.console_token.encode("utf-8")):
            raise Unauthorized(f"the staff console needs the console token (header {TOKEN_HEADER})")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        bp = Blueprint(f"web_pages_{type(self).__name__}", module.__name__ if module else None)

        self.pages.add_routes(bp)
        json_errors(bp, logger, "web", only_under="/web/api/")

        # --- the API ---

        @bp.route("/api/config", methods=["GET"])
        async def config(_: Request) -> HTTPResponse:
            days = self.retention_days
            return json_response({"hotline": os.environ.get("QUALIBOT_HOTLINE", "").strip(),
                          "hours": os.environ.get("QUALIBOT_HOTLINE_HOURS", "").strip(),
                          "retention_days": days,
                          "privacy": {lang: privacy.notice(lang, days) for lang in ("zh", "en")},
                          "console_token_required": True})

        @bp.route("/api/feedback", methods=["POST"])
        async def feedback(request: Request) -> HTTPResponse:
            if not await self.limiter.allow("feedback:" + request_address(request)):
                limited = json_error(429, "too many ratings from this address: try again later")
                limited.headers["Retry-After"] = str(self.limiter.retry_after())
                return limited
            if len(request.body or b"") > MAX_FEEDBACK_BODY:
                raise PayloadTooLarge("the body is too large")
            if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
                raise SanicException("send application/json", status_code=415)
            try:
                body = decode_json_object(request.body or b"", max_depth=None)  # deep nesting: not valid JSON
            except BadJSON as e:
                raise InvalidUsage(str(e)) from None
            offer = await _in_thread(record_feedback, body, lambda cid: may_write(request, cid, self.signer))
            return json_response({"ok": True, **({"handoff": offer} if offer else {})})

        @bp.route("/api/search", methods=["GET"])
        async def search_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            q = request.args.get("q") or ""
            if len(q) > MAX_QUERY_CHARS:
                raise InvalidUsage(f"'q' is longer than {MAX_QUERY_CHARS} characters")
            return json_response(await _in_thread(console.search, q))

        @bp.route("/api/facets", methods=["GET"])
        async def facets_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            return json_response(await _in_thread(console.facets))

        @bp.route("/api/list", methods=["GET"])
        async def list_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            return json_response(await _in_thread(console.list_rows, _arg(request, "list"), _arg(request, "field"),
                                                  _arg(request, "country")))

        @bp.route("/api/item/<qid>", methods=["GET"])
        async def item_route(request: Request, qid: str) -> HTTPResponse:
            self._check_staff(request)
            return json_response(await _in_thread(console.item, qid))

        def limit_of(request: Request) -> int:
            raw = _arg(request, "limit", 10)
            if not raw:
                return DEFAULT_UNANSWERED_LIMIT
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_UNANSWERED_LIMIT:
                raise InvalidUsage(f"'limit' must be a number from 1 to {MAX_UNANSWERED_LIMIT}")
            return int(raw)

        @bp.route("/api/unanswered", methods=["GET"])
        async def unanswered(request: Request) -> HTTPResponse:
            self._check_staff(request)
            rows = await _in_thread(console.unanswered_rows, limit_of(request), self.ref)
            return json_response({"total": len(rows), "results": rows})

        @bp.route("/api/unanswered.csv", methods=["GET"])
        async def unanswered_csv_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            text = await _in_thread(console.unanswered_csv, limit_of(request), self.ref)
            # a byte-order mark, so that Excel reads the Chinese text as UTF-8
            return response.raw(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8",
                                headers=dict(JSON_HEADERS, **{
                                    "Content-Disposition": 'attachment; filename="unanswered.csv"'}))

        # the analytics tab and the catalog-version view (issue 14): bot/channels/web/insights.py
        insights.add_routes(bp, self._check_staff, _in_thread)
        @bp.route("/api/receipt/<code>", methods=["GET"])
        async def receipt_route(request: Request, code: str) -> HTTPResponse:
            self._check_staff(request)
            if len(code) > 20:
                raise InvalidUsage("a receipt code is six letters and digits, e.g. Q7K-3F2")
            found = await _in_thread(console.receipt, code)
            view = await _in_thread(console.receipt_view, found, self.ref)
            view["policy"] = await policy_of(agent_of(request), found.conversation_id, found.message_id,
                                             found.action)
            return json_response(view)

        @bp.route("/api/receipts", methods=["GET"])
        async def receipts_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            return json_response(await _in_thread(console.receipts_found, _arg(request, "q", MAX_QUERY_CHARS),
                                                  self.ref))

        @bp.route("/api/<rest:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        async def api_not_found(_: Request, rest: str) -> HTTPResponse:
            return json_error(404, "no such API endpoint")

        return bp
