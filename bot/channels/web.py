"""The web chat page (applicants) and the hotline staff console, served by the Rasa server itself.

    /web/                     a small page linking the two
    /web/chat/                the chat page: talks to its own channel (/webhooks/webchat/, bot/channels/webchat.py)
    /web/console/             the staff console (staff surface)
    /web/api/config           GET  {hotline, hours, retention_days, privacy: {zh, en}, console_token_required}
    /web/api/feedback         POST {sender, helpful, answer_text, answer_kind[, lang]}: a 👍/👎
    /web/api/search?q=        GET  what the matcher finds (plus a substring search when it finds nothing)   (staff)
    /web/api/facets           GET  the vocabularies of the filters (lists, fields, countries)               (staff)
    /web/api/list?list=&field=&country=   GET  rows                                                         (staff)
    /web/api/item/<id>        GET  every fact of a row, the clauses that apply, the approved answers (口径) (staff)
    /web/api/unanswered       GET  fallbacks and 👎, newest first                                          (staff)
    /web/api/unanswered.csv   GET  the same as CSV                                                         (staff)

The static files live in <project>/web (found from this file's path) and only the files listed in
STATIC_FILES are served. The API answers JSON; bad input gets a 4xx with {"error": ...}, and an
unexpected error a 500 with no details (the details go to the log).

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
rate the conversation of its own signed session (bot/channels/webchat.py).

credentials.yml:
  bot.channels.web.WebChannel:
    console_token: ${QUALIBOT_CONSOLE_TOKEN}   # empty: the staff surfaces answer 403
    # allowed_hosts: "qualibot.example.com"    # else QUALIBOT_ALLOWED_HOSTS; loopback always

The channel never calls Rasa itself (the page talks to bot.channels.webchat.WebChatInput, with a signed
session), so that channel must be enabled too.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import inspect
import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Union

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, UserMessage

from bot.channels import JSON_HEADERS
from bot.channels.addresses import allowed_host, parse_hosts
from bot.channels.guard import RateLimiter, parse_rate_limit, rate_limit_config
from bot.channels.session import COOKIE, SessionSigner
from bot.channels.webchat import request_address, signer_from

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
STATIC_FILES = {
    "chat": ("index.html", "chat.js", "chat.css"),
    "console": ("index.html", "console.js", "console.css"),
}
MIME = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8"}

MAX_QUERY_CHARS = 500
MAX_FEEDBACK_BODY = 16 * 1024
MAX_ANSWER_TEXT = 4000  # longer is refused; catalog.feedback keeps the first 2,000 characters
MAX_SENDER_CHARS = 128
MAX_SEARCH_RESULTS = 50
DEFAULT_UNANSWERED_LIMIT = 200
MAX_UNANSWERED_LIMIT = 1000
TOKEN_HEADER = "X-Console-Token"
DEFAULT_FEEDBACK_RATE_LIMIT = "20/60"  # 👍/👎 per client address per seconds
REF_LABEL = b"qualibot conversation ref\x00"
REF_HEX_CHARS = 10  # 40 bits: no collision to speak of in a log of thousands

# the pages load nothing from elsewhere: no inline script, no CDN, no external font
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
API_HEADERS = JSON_HEADERS

INDEX_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>境外职业资格咨询 · Overseas qualifications</title>
</head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6">
<h1>北京市境外职业资格认可目录 · 咨询</h1>
<p><a href="chat/">在线咨询（网页聊天）</a> · <a href="chat/" lang="en">Chat with the assistant</a></p>
<p style="font-size: .9em"><a href="console/">工作人员工作台 · Staff console</a></p>
</body>
</html>
"""
INDEX_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")  # the index's style attributes

_ID = re.compile(r"^[A-Za-z]\d{1,4}$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=dict(API_HEADERS),
                         dumps=functools.partial(json.dumps, ensure_ascii=False))


def _error(status: int, message: str) -> HTTPResponse:
    return _json({"error": message, "status": status}, status)


def _api(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
    """JSON errors for the console API: ApiError -> its status, anything else -> 500 without details."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        from catalog.queries import CatalogNotLoaded

        try:
            return await handler(request, *args, **kwargs)
        except ApiError as e:
            return _error(e.status, e.message)
        except CatalogNotLoaded:
            logger.error("web: the catalog database is empty (run `python -m catalog load`)")
            return _error(503, "the catalog is not loaded")
        except Exception:  # never a stack trace to the client
            logger.exception("web: %s %s failed", request.method, request.path)
            return _error(500, "internal error")

    return wrapped


async def _in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Database work off the event loop (Rasa's server keeps answering meanwhile)."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


def _arg(request: Request, name: str, max_chars: int = 200) -> str:
    value = request.args.get(name) or ""
    if len(value) > max_chars:
        raise ApiError(400, f"'{name}' is longer than {max_chars} characters")
    return value.strip()


# --- what the API returns -------------------------------------------------------------------------

def _named(n: Any) -> Optional[Dict[str, str]]:
    return {"zh": n.zh, "en": n.en} if n is not None else None


def _row(q: Any) -> Dict[str, Any]:
    """A qualification as one row of a result list."""
    from catalog import answers

    return {
        "id": q.id,
        "list": q.list,
        "row": q.row,
        "name": _named(q.name),
        "issuer": _named(q.issuer),
        "where": {"zh": answers.where(q, "zh"), "en": answers.where(q, "en")},
        "fields": [_named(f) for f in q.fields],
        "field_keys": list(q.field_keys),
        "countries": [_named(c) for c in q.countries],
        "country_keys": list(q.country_keys),
    }


def search(text: str) -> Dict[str, Any]:
    """Staff search (catalog.staff_search): the strict verdict an applicant would get, and every row the
    words name (issuer, field, country, keyword), ranked, each with why it is listed."""
    from catalog import staff_search

    found = staff_search.search(text)
    out: Dict[str, Any] = {"query": found.query, "status": found.status, "source": found.source}
    v = found.verdict
    if v is not None:
        out["evidence"] = v.evidence
        if v.why:
            out["why"] = v.why
        if v.status == "unlisted" and v.unlisted is not None:
            u = v.unlisted
            out["unlisted"] = {"name": {"zh": u.name_zh, "en": u.name_en},
                               "reason": {"zh": u.reason_zh, "en": u.reason_en}, "kind": u.kind, "matched": u.matched}
    rows = [dict(_row(r.qualification), score=r.score, matched=r.matched, reason=r.reason,
                 **({"nearest": True} if r.reason == "nearest" else {})) for r in found.rows]
    out["total"] = len(rows)
    out["results"] = rows[:MAX_SEARCH_RESULTS]
    return out


def facets() -> Dict[str, Any]:
    from catalog import answers, queries

    s = queries.stats()
    snap = queries.snapshot()
    return {
        "version": s.version,
        "total": s.total,
        "lists": [{"key": k, "zh": answers.t(f"list_name.{k}", "zh"), "en": answers.t(f"list_name.{k}", "en"),
                   "count": getattr(s, k)} for k in ("urgent", "regular")],
        "fields": [{"key": k, "zh": k, "en": snap.fields.get(k, k), "count": n} for k, n in s.by_field.items()],
        "countries": [{"key": k, "zh": k, "en": snap.countries.get(k, k), "count": n}
                      for k, n in s.by_country.items()],
    }


def list_rows(list_name: str, field: str, country: str) -> Dict[str, Any]:
    """Rows by list, field and country; a value that is no key of its vocabulary is a 400."""
    from catalog import queries

    snap = queries.snapshot()
    if list_name and list_name not in ("urgent", "regular"):
        raise ApiError(400, "'list' must be urgent or regular")
    field_key = _vocab_key(field, snap.fields, "field")
    country_key = _vocab_key(country, snap.countries, "country")
    quals = queries.list_qualifications(list_name or None, field_key, country_key)
    return {"list": list_name, "field": field_key, "country": country_key, "total": len(quals),
            "results": [_row(q) for q in quals]}


def _vocab_key(value: str, vocab: Dict[str, str], what: str) -> Optional[str]:
    if not value:
        return None
    for zh, en in vocab.items():
        if value == zh or value.lower() == en.lower():
            return zh
    raise ApiError(400, f"unknown {what} {value!r} (GET /web/api/facets lists them)")


def item(qid: str) -> Dict[str, Any]:
    """Every fact of one row, the clauses that apply (full text, zh and en) and the approved answers."""
    from catalog import answers, benefits, queries

    q = queries.get(qid) if _ID.match(qid or "") else None
    if q is None:
        raise ApiError(404, f"no qualification {qid[:20]!r}")
    b = benefits.benefits_for(q.id, "unknown")
    clauses = [_clause(i.clause, i.status, i.reason, i.for_nationality) for i in b.items]
    for cid in ("三", "四"):
        try:
            clauses.append(_clause(queries.clause(cid)))
        except KeyError:  # a future version without it
            pass
    both = ("zh", "en")

    def approved(key: str, make: Callable[[str], Any]) -> Dict[str, Any]:
        texts = {lang: make(lang) for lang in both}
        return {"key": key, "kind": texts["zh"].kind, **{lang: a.full_text() for lang, a in texts.items()}}

    experience = None
    if q.experience_years:
        experience = {"years": q.experience_years, "unit": q.experience_unit,
                      **{lang: answers.t(f"experience.{q.experience_unit}", lang, n=q.experience_years)
                         for lang in both}}
    title = None
    if q.title_level:
        title = {"level": q.title_level, **{lang: answers.t(f"title_level.{q.title_level}", lang) for lang in both}}
    return {
        "id": q.id,
        "version": q.version,
        "list": q.list,
        "list_name": {lang: answers.list_name(q, lang) for lang in both},
        "row": q.row,
        "cite": {lang: answers.row_cite(q, lang) for lang in both},
        "name": _named(q.name),
        "issuer": _named(q.issuer),
        "countries": [_named(c) for c in q.countries],
        "country_filled": q.country_filled,
        "region": _named(q.region),
        "fields": [_named(f) for f in q.fields],
        "remark": _named(q.remark),
        "experience": experience,
        "title_level": title,
        "registration": _named(q.registration),
        "conditions": [{"kind": c.kind, "zh": c.zh, "en": c.en} for c in q.conditions],
        "aliases": list(q.aliases),
        "notes": list(q.notes),
        "clauses": clauses,
        "answers": [
            approved("recognized", lambda lang: answers.qualification_answer(q, lang)),
            approved("benefits", lambda lang: answers.benefits(b, lang)),
            approved("practice", lambda lang: answers.practice(lang, qualification=q)),
            approved("verification", lambda lang: answers.verification(lang)),
        ],
    }


def _clause(c: Any, status: str = "applies", reason: str = "", for_nationality: Optional[str] = None) -> Dict[str, Any]:
    return {"id": c.id, "section": c.section, "item": c.item, "topic": c.topic, "cite": _named(c.cite),
            "title": _named(c.title), "text": _named(c.text), "summary": _named(c.summary), "status": status,
            "reason": reason, "nationality": for_nationality or c.nationality}


def conversation_ref(conversation_id: str, key: bytes) -> str:
    """What the staff surfaces show instead of a conversation id: "c-" + 10 hex digits of HMAC-SHA256.
    The same id gives the same reference (entries of one conversation group together), and nobody without
    the key can tell which conversation it is or test a guessed id."""
    digest = hmac.new(key, REF_LABEL + conversation_id.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return "c-" + digest.hexdigest()[:REF_HEX_CHARS]


def unanswered_rows(limit: int, ref: Callable[[str], str]) -> List[Dict[str, Any]]:
    from catalog import feedback

    return [{"id": e.id, "time": e.created_at.isoformat(timespec="seconds") + "Z", "conversation": ref(e.conversation_id),
             "kind": e.kind, "text": e.text, "answer_kind": e.answer_kind, "lang": e.lang}
            for e in feedback.unanswered(limit)]


def unanswered_csv(limit: int, ref: Callable[[str], str]) -> str:
    """catalog.feedback.to_csv: every cell escaped against formulas, the reference for the conversation."""
    from catalog import feedback

    return feedback.to_csv(feedback.unanswered(limit), conversation=ref)


def may_write(request: Request, conversation_id: str, signer: Optional[SessionSigner] = None) -> bool:
    """May this request write into (rate an answer of) `conversation_id`?

    Only with the signed session the server gave the chat page (the HttpOnly cookie of
    bot/channels/webchat.py, sent with the page's same-origin requests) and only for that session's own
    conversation ("web:<id>"): never another visitor's, a WeChat OpenID's, a REST integration's or
    "default". `signer` is the web page channel's (the same secret and lifetime, so the same signer).
    """
    session = (signer or signer_from(None)).verify(request.cookies.get(COOKIE))
    return session is not None and hmac.compare_digest(session.conversation_id.encode("utf-8"),
                                                       conversation_id.encode("utf-8", "surrogatepass"))


def parse_feedback(raw: bytes) -> Dict[str, Any]:
    """The feedback body as a JSON object; ApiError 400 for anything else (nested too deeply included)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def record_feedback(body: Dict[str, Any], allowed: Optional[Callable[[str], bool]] = None) -> None:
    """Validate a 👍/👎 from the chat page and log it (catalog.feedback cleans and masks the text)."""
    from catalog import feedback

    sender, helpful = body.get("sender"), body.get("helpful")
    text, kind, lang = body.get("answer_text", ""), body.get("answer_kind"), body.get("lang")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise ApiError(400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    if not isinstance(helpful, bool):
        raise ApiError(400, "'helpful' must be true or false")
    if not isinstance(text, str) or len(text) > MAX_ANSWER_TEXT:
        raise ApiError(400, f"'answer_text' must be a string of at most {MAX_ANSWER_TEXT} characters")
    if kind is not None and (not isinstance(kind, str) or len(kind) > 64):
        raise ApiError(400, "'answer_kind' must be a short string")
    if allowed is not None and not allowed(sender.strip()):
        raise ApiError(403, "feedback is taken only for the conversation of this page's session")
    if lang not in ("zh", "en"):
        lang = "zh" if _CJK.search(text) else ("en" if text.strip() else None)
    feedback.record(sender.strip(), "helpful" if helpful else "unhelpful", text, kind or None, lang)


def feedback_limiter(environ: Optional[Mapping[str, str]] = None) -> RateLimiter:
    """QUALIBOT_FEEDBACK_RATE_LIMIT ("20/60" by default, "0" off) per client address, shared through
    QUALIBOT_REDIS_URL like the channels' limit (bot/channels/guard.py)."""
    env = os.environ if environ is None else environ
    limit, window = parse_rate_limit(env.get("QUALIBOT_FEEDBACK_RATE_LIMIT") or DEFAULT_FEEDBACK_RATE_LIMIT)
    return RateLimiter(limit, window, rate_limit_config(env).redis_url)


def ref_key(environ: Optional[Mapping[str, str]] = None) -> bytes:
    """The key of the conversation references: derived from RASA_AUTH_TOKEN (the token of Rasa's HTTP API,
    which opens any conversation), else random for this process."""
    env = os.environ if environ is None else environ
    token = (env.get("RASA_AUTH_TOKEN") or "").strip()
    if token:
        return hmac.new(token.encode("utf-8"), b"qualibot conversation ref key", hashlib.sha256).digest()
    logger.info("web: no RASA_AUTH_TOKEN: conversation references in the console change at each restart")
    return secrets.token_bytes(32)


# --- the channel -----------------------------------------------------------------------------------

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
        from catalog import privacy

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
            raise ApiError(403, "this host name is not allowed for the staff console (QUALIBOT_ALLOWED_HOSTS)")

    def _check_staff(self, request: Request) -> None:
        """A staff surface: a known Host, a configured console token, and that token in the request."""
        self._check_host(request)
        if not self.console_token:
            raise ApiError(403, "the staff console is closed: no console token is configured on the server")
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), self.console_token.encode("utf-8")):
            raise ApiError(401, f"the staff console needs the console token (header {TOKEN_HEADER})")

    async def _static(self, section: str, name: str) -> HTTPResponse:
        if name not in STATIC_FILES.get(section, ()):
            return response.text("not found", status=404, headers={"X-Content-Type-Options": "nosniff"})
        path = self.web_root / section / name
        if not path.is_file():
            logger.error("web: %s is missing", path)
            return response.text("not found", status=404, headers={"X-Content-Type-Options": "nosniff"})
        return await response.file(path, mime_type=MIME[path.suffix], headers=dict(PAGE_HEADERS))

    def _page(self, request: Request, section: str) -> Optional[HTTPResponse]:
        """The console's files (no data, but a staff surface) only for an allowed Host."""
        if section == "console" and not allowed_host(request.headers.get("host"), self.allowed_hosts):
            return response.text("this host name is not allowed for the staff console", status=403,
                                 headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        bp = Blueprint(f"web_pages_{type(self).__name__}", module.__name__ if module else None)

        # --- pages: /web/chat -> /web/chat/ so that the pages' relative URLs work behind any prefix ---

        @bp.route("/", methods=["GET"], strict_slashes=True)
        async def index(_: Request) -> HTTPResponse:
            return response.html(INDEX_HTML, headers=dict(PAGE_HEADERS, **{"Content-Security-Policy": INDEX_CSP}))

        @bp.route("", methods=["GET"], strict_slashes=True)
        async def index_no_slash(_: Request) -> HTTPResponse:
            return response.redirect("web/", status=302)

        @bp.route("/<section:chat|console>", methods=["GET"], strict_slashes=True)
        async def page_no_slash(_: Request, section: str) -> HTTPResponse:
            return response.redirect(f"{section}/", status=302)

        @bp.route("/<section:chat|console>/", methods=["GET"], strict_slashes=True)
        async def page(request: Request, section: str) -> HTTPResponse:
            return self._page(request, section) or await self._static(section, "index.html")

        @bp.route("/<section:chat|console>/<name:[a-z]+\\.(?:html|js|css)>", methods=["GET"])
        async def asset(request: Request, section: str, name: str) -> HTTPResponse:
            return self._page(request, section) or await self._static(section, name)

        # --- the API ---

        @bp.route("/api/config", methods=["GET"])
        @_api
        async def config(_: Request) -> HTTPResponse:
            from catalog import privacy

            days = self.retention_days
            return _json({"hotline": os.environ.get("QUALIBOT_HOTLINE", "").strip(),
                          "hours": os.environ.get("QUALIBOT_HOTLINE_HOURS", "").strip(),
                          "retention_days": days,
                          "privacy": {lang: privacy.notice(lang, days) for lang in ("zh", "en")},
                          "console_token_required": True})

        @bp.route("/api/feedback", methods=["POST"])
        @_api
        async def feedback(request: Request) -> HTTPResponse:
            if not await self.limiter.allow("feedback:" + request_address(request)):
                limited = _error(429, "too many ratings from this address: try again later")
                limited.headers["Retry-After"] = str(self.limiter.retry_after())
                return limited
            if len(request.body or b"") > MAX_FEEDBACK_BODY:
                raise ApiError(413, "the body is too large")
            if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
                raise ApiError(415, "send application/json")
            body = parse_feedback(request.body or b"")
            await _in_thread(record_feedback, body, lambda cid: may_write(request, cid, self.signer))
            return _json({"ok": True})

        @bp.route("/api/search", methods=["GET"])
        @_api
        async def search_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            q = request.args.get("q") or ""
            if len(q) > MAX_QUERY_CHARS:
                raise ApiError(400, f"'q' is longer than {MAX_QUERY_CHARS} characters")
            return _json(await _in_thread(search, q))

        @bp.route("/api/facets", methods=["GET"])
        @_api
        async def facets_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            return _json(await _in_thread(facets))

        @bp.route("/api/list", methods=["GET"])
        @_api
        async def list_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            return _json(await _in_thread(list_rows, _arg(request, "list"), _arg(request, "field"),
                                          _arg(request, "country")))

        @bp.route("/api/item/<qid>", methods=["GET"])
        @_api
        async def item_route(request: Request, qid: str) -> HTTPResponse:
            self._check_staff(request)
            return _json(await _in_thread(item, qid))

        def limit_of(request: Request) -> int:
            raw = _arg(request, "limit", 10)
            if not raw:
                return DEFAULT_UNANSWERED_LIMIT
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_UNANSWERED_LIMIT:
                raise ApiError(400, f"'limit' must be a number from 1 to {MAX_UNANSWERED_LIMIT}")
            return int(raw)

        @bp.route("/api/unanswered", methods=["GET"])
        @_api
        async def unanswered(request: Request) -> HTTPResponse:
            self._check_staff(request)
            rows = await _in_thread(unanswered_rows, limit_of(request), self.ref)
            return _json({"total": len(rows), "results": rows})

        @bp.route("/api/unanswered.csv", methods=["GET"])
        @_api
        async def unanswered_csv_route(request: Request) -> HTTPResponse:
            self._check_staff(request)
            text = await _in_thread(unanswered_csv, limit_of(request), self.ref)
            # a byte-order mark, so that Excel reads the Chinese text as UTF-8
            return response.raw(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8",
                                headers=dict(API_HEADERS, **{
                                    "Content-Disposition": 'attachment; filename="unanswered.csv"'}))

        @bp.route("/api/<rest:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        async def api_not_found(_: Request, rest: str) -> HTTPResponse:
            return _error(404, "no such API endpoint")

        return bp
