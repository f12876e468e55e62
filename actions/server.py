"""The action server: rasa-sdk's app with our actions, a readiness probe, and only Rasa may call it.

    python -m actions.server [--port 5055] [--interface 127.0.0.1] [--workers N]

rasa-sdk has no authentication and runs any tracker it is sent, so every request to /webhook and
/actions is checked before rasa-sdk sees it:
  * the shared secret: header X-Qualibot-Action-Secret must equal QUALIBOT_ACTION_SECRET (401 otherwise).
    Rasa sends it from endpoints.prod.yml (`action_endpoint: headers:`); scripts/run_prod.sh generates
    one, Kubernetes takes it from the Secret. Without a secret the server refuses to listen anywhere but
    on loopback, and there it checks the Host header (403 unless 127.0.0.1, localhost or [::1]): that is
    the development set-up (`make run`, the tests), where a web page in a local browser still cannot
    drive it — a cross-origin JSON POST needs a CORS preflight, which this server answers for no origin,
    and a DNS-rebinding page sends its own host name.
  * JSON only: Content-Type application/json (415 otherwise; Content-Encoding identity, or deflate as
    Rasa sends with COMPRESS_ACTION_SERVER_REQUEST, inflated to the same limit);
  * a body of at most QUALIBOT_ACTION_MAX_BODY bytes (default 4 MiB, 413): Rasa sends the
    conversation's user messages with every call (bot/action_calls.py), about 0.2 KB per turn;
  * a JSON object (400 for malformed JSON, not UTF-8, or not an object).
It listens on 127.0.0.1 unless told otherwise (in Kubernetes 0.0.0.0 behind a ClusterIP service and a
NetworkPolicy, and with the secret). Beside rasa-sdk's `/health` (liveness) it serves `/health/ready`:
200 when the catalog database answers, else 503; both stay open for probes. Errors never return the
request body or the exception text to the caller (rasa-sdk's default handler does).
--workers (or ACTION_SERVER_SANIC_WORKERS) runs several processes on one port; one that dies is replaced
(actions/supervisor.py).
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Mapping, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import metrics, supervisor, warmup

logger = logging.getLogger("actions.server")

SECRET_ENV = "QUALIBOT_ACTION_SECRET"
SECRET_HEADER = "X-Qualibot-Action-Secret"
MAX_BODY_ENV = "QUALIBOT_ACTION_MAX_BODY"
DEFAULT_MAX_BODY = 4 * 1024 * 1024
OPEN_PATHS = ("/health", "/health/ready")  # probes: no secret, nothing of a conversation in them
METRICS_PATH = "/metrics"  # its own token (actions/metrics.py), not the action secret
LOOPBACK_INTERFACES = ("127.0.0.1", "localhost", "::1")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MESSAGES = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found",
            405: "method not allowed", 413: "payload too large", 415: "unsupported media type"}


def action_secret(environ: Optional[Mapping[str, str]] = None) -> str:
    return ((os.environ if environ is None else environ).get(SECRET_ENV) or "").strip()


def max_body(environ: Optional[Mapping[str, str]] = None) -> int:
    value = ((os.environ if environ is None else environ).get(MAX_BODY_ENV) or "").strip()
    if not value:
        return DEFAULT_MAX_BODY
    if not value.isdigit() or int(value) < 1024:
        raise ValueError(f"{MAX_BODY_ENV} must be a number of bytes of at least 1024, got {value!r}")
    return int(value)


def _error(status: int) -> HTTPResponse:
    return response.json({"error": MESSAGES.get(status, "bad request")}, status=status)


def _host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:5055
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _inflate(body: bytes, limit: int) -> Optional[bytes]:
    """The deflated body, or None when it inflates past `limit`; ValueError when it is not deflate data."""
    d = zlib.decompressobj()
    try:
        data = d.decompress(body, limit + 1)
    except zlib.error as e:
        raise ValueError("not deflate data") from e
    if len(data) > limit or d.unconsumed_tail:
        return None
    if not d.eof:
        raise ValueError("truncated deflate data")
    return data


def check_request(request: Request, secret: str, limit: int) -> Optional[HTTPResponse]:
    """The refusal for a request that must not reach rasa-sdk, or None (the parsed JSON is kept on it)."""
    if request.path in OPEN_PATHS or request.path == METRICS_PATH:
        return None
    if secret:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
            return _error(401)
    elif _host_name(request.host or "").lower() not in LOOPBACK_HOSTS:
        return _error(403)  # no secret: loopback only, and not through a name that rebinds to it
    if request.method != "POST":
        return None  # GET /actions: the list of action names
    if (request.content_type or "").split(";", 1)[0].strip().lower() != "application/json":
        return _error(415)
    encoding = (request.headers.get("content-encoding") or "identity").strip().lower()
    if encoding not in ("identity", "deflate"):
        return _error(415)
    body = request.body or b""
    try:
        if encoding == "deflate":
            inflated = _inflate(body, limit)
            if inflated is None:
                return _error(413)
            body = inflated
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400)
    if not isinstance(parsed, dict):
        return _error(400)
    request.ctx.action_name = parsed.get("next_action")  # for /metrics (actions/metrics.py)
    if encoding == "identity":
        request.parsed_json = parsed  # rasa-sdk reads request.json: parsed once
    return None


def create_app(secret: Optional[str] = None, body_limit: Optional[int] = None):
    """rasa-sdk's app with our actions; `secret` and `body_limit` default to the environment's."""
    from rasa_sdk.endpoint import create_app as sdk_app

    secret = action_secret() if secret is None else secret
    limit = max_body() if body_limit is None else body_limit
    app = sdk_app("actions", cors_origins=None)
    from rasa_sdk.executor import ActionExecutor

    names = ActionExecutor()
    names.register_package("actions")  # the same actions as rasa-sdk's executor: their series start at 0
    metrics.declare(names.actions)
    app.config.REQUEST_MAX_SIZE = limit  # Sanic answers 413 before reading more than this

    @app.signal("http.lifecycle.exception")
    async def mark_failed(request: Request, exception: BaseException) -> None:
        request.ctx.failed = True

    @app.on_request
    async def guard(request: Request) -> Optional[HTTPResponse]:
        # Sanic runs request middleware on the error path too (e.g. the body over REQUEST_MAX_SIZE, with
        # what was read of it): that answer is the error's own (413), not a check of half a body
        if getattr(request.ctx, "failed", False):
            return None
        refused = check_request(request, secret, limit)
        if refused is None and request.method == "POST" and request.path == "/webhook":
            request.ctx.action_t0 = time.perf_counter()
        return refused

    @app.on_response
    async def count_action(request: Request, resp: HTTPResponse) -> None:
        t0 = getattr(request.ctx, "action_t0", None)
        if t0 is None:
            return
        # rasa-sdk answers 404 for an action it does not have: that name is no label (any caller could make one)
        metrics.observe(getattr(request.ctx, "action_name", None), time.perf_counter() - t0, resp.status)

    @app.get(METRICS_PATH)
    async def metrics_route(request: Request) -> HTTPResponse:
        if request.headers.get("x-forwarded-for"):
            return _error(404)  # came through a front: never public
        token = metrics.metrics_token()
        if not token:
            return response.json({"error": "metrics are closed: no QUALIBOT_METRICS_TOKEN"}, status=403)
        if not metrics.authorized(request.headers.get("authorization"), token):
            return _error(401)
        body = await asyncio.to_thread(metrics.exposition)
        return response.raw(body, content_type=metrics.content_type(), headers={"Cache-Control": "no-store"})

    @app.before_server_start
    async def build_matcher(*_args) -> None:
        """Build the catalog matcher, then warm the rest, before the first request (seconds with ~1,700
        aliases): built lazily, the first user's turn waited for it and could pass Rasa's action timeout on a
        loaded machine."""
        from catalog import matching

        t0 = time.perf_counter()
        try:
            await asyncio.to_thread(matching.get_matcher)
            logger.info("catalog matcher built in %.1f s", time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - no catalog yet: built on first use, /health/ready says why
            logger.warning("catalog matcher not built at start-up", exc_info=True)
            return
        # the rest of what a turn builds on first use (facts, sentences, staff tables, answer texts, rows):
        # otherwise each worker's first turn paid for it and could pass Rasa's action timeout (actions/warmup.py)
        t0 = time.perf_counter()
        took = await asyncio.to_thread(warmup.warm, names.actions)
        logger.info("worker warmed in %.1f s (%d turns, the first %.2f s, the last %.3f s)",
                    time.perf_counter() - t0, len(took), took[0], took[-1])

    @app.get("/health/ready")
    async def ready(_: Request) -> HTTPResponse:
        from catalog.db import ping as catalog_ping

        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.to_thread(catalog_ping), 2.0)
        except Exception as exc:  # noqa: BLE001
            return response.json({"ok": False, "catalog_db": {"ok": False, "error": type(exc).__name__}},
                                 status=503)
        return response.json({"ok": True, "catalog_db": {"ok": True,
                                                         "ms": round((time.perf_counter() - t0) * 1000, 1)}})

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        status = getattr(exc, "status_code", 500)
        if not 400 <= status < 600:
            status = 500
        if status >= 500:
            logger.error("error on %s %s", request.method, request.path, exc_info=exc)
            return response.json({"error": "internal error"}, status=status)
        return _error(status)

    return app


def multiprocess_metrics() -> None:
    """Several workers: prometheus_client's multiprocess mode, in a directory emptied (or made) now, before any
    metric exists (actions/metrics.py); every worker forked from here writes its values there."""
    given = (os.environ.get("PROMETHEUS_MULTIPROC_DIR") or "").strip()
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="qualibot-actions-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.db"):  # a previous run's values would be added to this one's
        old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--interface", default=os.environ.get("ACTION_INTERFACE", "127.0.0.1"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("ACTION_SERVER_SANIC_WORKERS", "1")))
    args = parser.parse_args()
    from catalog import logs

    logs.configure(os.environ.get("LOG_LEVEL", "INFO"))  # JSON lines when QUALIBOT_LOG_FORMAT=json (catalog/logs.py)
    try:
        max_body()
    except ValueError as e:
        sys.exit(f"action server: {e}")
    if not action_secret() and args.interface not in LOOPBACK_INTERFACES:
        sys.exit(f"action server: {SECRET_ENV} is empty: refusing to listen on {args.interface} (only loopback "
                 f"without it); set the same secret for Rasa (endpoints.prod.yml sends it as {SECRET_HEADER})")
    if not action_secret():
        logger.info("action server: no %s: loopback callers only (development)", SECRET_ENV)
    if args.workers > 1:
        multiprocess_metrics()
    app = create_app()
    logs.configure()  # again: creating the app gave Sanic's loggers handlers of their own
    supervisor.install()  # a worker that dies is replaced (Sanic 21.12 does not): actions/supervisor.py
    logger.info("action server on http://%s:%s (%s worker(s))", args.interface, args.port, args.workers)
    app.run(host=args.interface, port=args.port, workers=max(1, args.workers), access_log=False)


if __name__ == "__main__":
    main()
