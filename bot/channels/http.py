"""The HTTP pieces our channels share: JSON answers and their headers, reading a bounded body, decoding a
JSON object, and the Sanic error handlers of a JSON API.

Errors (Sanic's own exceptions carry their status):

    SanicException(message, status_code)       a JSON API route raises it, e.g. InvalidUsage (400),
      InvalidUsage 400, Unauthorized 401,      Forbidden (403), NotFound (404), PayloadTooLarge (413),
      Forbidden 403, NotFound 404,             SanicException(..., status_code=415); `json_errors(bp)`
      PayloadTooLarge 413, ...                 answers it as {"error": message, "status": status}
    CatalogNotLoaded (catalog.queries)         503 {"error": "the catalog is not loaded"}
    any other exception                        500 {"error": "internal error"}: no details (they go to the log)
    BadJSON (ValueError)                       `decode_json_object` could not read a JSON object from a body
"""
from __future__ import annotations

import functools
import json
import logging
from typing import Any, Dict, List, Mapping, Optional

from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.checks import MAX_JSON_DEPTH, json_depth

logger = logging.getLogger(__name__)

# the headers of every JSON answer our channels give themselves (REST refusals, health, the web API)
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_BODY_BYTES = 64 * 1024  # a webhook's body (REST, the web page's channel, WeChat): over it, a 413


class BadJSON(ValueError):
    """A body that is no JSON object we take; str(e) says why, fit for a 400 {"error"}."""


def media_type(content_type: Optional[str]) -> str:
    """"application/json; charset=utf-8" -> "application/json"."""
    return (content_type or "").split(";")[0].strip().lower()


def json_response(body: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> HTTPResponse:
    """A JSON answer with JSON_HEADERS, non-ASCII text as it is (not \\u escapes)."""
    return response.json(body, status=status, headers={**JSON_HEADERS, **(headers or {})},
                         dumps=functools.partial(json.dumps, ensure_ascii=False))


def json_error(status: int, message: str) -> HTTPResponse:
    """{"error": message, "status": status}: the JSON API's error body."""
    return json_response({"error": message, "status": status}, status)


def decode_json_object(body: bytes, max_depth: Optional[int] = MAX_JSON_DEPTH + 1) -> Dict[str, Any]:
    """The body as a JSON object. Strict UTF-8 (invalid bytes are refused, not replaced); nesting deeper
    than `max_depth` (default: MAX_JSON_DEPTH levels inside the body object) is refused. Raises BadJSON."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadJSON("the body is not valid UTF-8") from None
    except (ValueError, RecursionError):
        raise BadJSON("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise BadJSON("the body must be a JSON object")
    if max_depth is not None and json_depth(payload) > max_depth:
        raise BadJSON(f"the body is nested too deeply (at most {max_depth - 1} levels of metadata)")
    return payload


async def read_body(request: Request, limit: int) -> Optional[bytes]:
    """The body, or None when it is over `limit` bytes (read no further than that). For a streamed route
    (`stream=True`), so an oversized body is refused without being held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    stream = getattr(request, "stream", None)
    if request.body or stream is None:  # a non-streaming route: already read
        body = request.body or b""
        return body if len(body) <= limit else None
    stream.request_max_size = limit + 1  # Sanic drains (and stops at) what the handler leaves unread
    chunks: List[bytes] = []
    size = 0
    try:
        while True:
            chunk = await stream.read()
            if chunk is None:
                break
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except PayloadTooLarge:
        return None
    return b"".join(chunks)


def json_errors(bp: Blueprint, log: logging.Logger, name: str, only_under: str = "") -> None:
    """Blueprint-scoped error handlers for a JSON API (Sanic applies them to this blueprint's routes only):
    a SanicException becomes {"error", "status"} with its status, CatalogNotLoaded a 503, anything else a
    500 without details (logged to `log` as "<name>: <method> <path> failed"). Requests whose path does not
    start with `only_under` (the blueprint's static pages) keep Sanic's default error answer. The handlers
    are plain functions: Sanic falls back to its default only for a handler that returns None at once."""
    from catalog.queries import CatalogNotLoaded

    def ours(request: Request) -> bool:
        return request.path.startswith(only_under)

    @bp.exception(SanicException)
    def known(request: Request, e: SanicException) -> Optional[HTTPResponse]:
        return json_error(getattr(e, "status_code", 500), str(e)) if ours(request) else None

    @bp.exception(CatalogNotLoaded)
    def not_loaded(request: Request, _: Exception) -> Optional[HTTPResponse]:
        if not ours(request):
            return None
        log.error("%s: the catalog database is empty (run `python -m catalog load`)", name)
        return json_error(503, "the catalog is not loaded")

    @bp.exception(Exception)
    def unexpected(request: Request, e: Exception) -> Optional[HTTPResponse]:
        if not ours(request):
            return None
        log.error("%s: %s %s failed", name, request.method, request.path, exc_info=e)  # never to the client
        return json_error(500, "internal error")
