"""The one HTTP client of the tests (urllib, synchronous, 127.0.0.1 only in practice).

`http(method, url, body, headers, timeout)` -> (status, headers, body): an error status is returned like
any other (never raised); the headers are case-insensitive (`headers["content-type"]` and
`headers["Content-Type"]` are the same entry). `get_json` / `post_json` decode the body.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Mapping, Optional, Tuple


class Headers(Dict[str, str]):
    """Response headers whose names compare without case (stored lower case)."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__()
        for k, v in (items.items() if isinstance(items, Mapping) else items):
            self[k] = v

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


Response = Tuple[int, Headers, bytes]


def http(method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
         timeout: float = 10.0) -> Response:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, Headers(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, Headers(e.headers.items()), e.read()


def decoded(body: bytes) -> Any:
    """The body as JSON when it is JSON, else as text."""
    text = body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def get_json(url: str, headers: Optional[Dict[str, str]] = None, timeout: float = 30.0) -> Tuple[int, Any]:
    status, _, body = http("GET", url, headers=headers, timeout=timeout)
    return status, decoded(body)


def post_json(url: str, payload: Any, headers: Optional[Dict[str, str]] = None, timeout: float = 30.0,
              content_type: str = "application/json") -> Tuple[int, Any]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    status, _, body = http("POST", url, raw, {"Content-Type": content_type, **(headers or {})}, timeout)
    return status, decoded(body)


def answers(url: str, timeout: float = 5.0) -> bool:
    """Does a GET of `url` answer 200 (False for any error, a refused connection included)?"""
    try:
        return http("GET", url, timeout=timeout)[0] == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
