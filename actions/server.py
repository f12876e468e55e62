"""The action server: rasa-sdk's app with our actions, a readiness probe and a private address.

    python -m actions.server [--port 5055] [--interface 127.0.0.1] [--workers N]

rasa-sdk has no authentication, so it listens on 127.0.0.1 unless told otherwise (in Kubernetes
0.0.0.0 behind a ClusterIP service and a NetworkPolicy). Beside rasa-sdk's `/health` (liveness) it
serves `/health/ready`: 200 when the catalog database answers, else 503. Errors never return the
request body or the exception text to the caller (rasa-sdk's default handler does).
--workers (or ACTION_SERVER_SANIC_WORKERS) runs several processes on one port.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger("actions.server")


def _catalog_ping() -> None:
    import sqlalchemy as sa

    from catalog.db import get_engine

    with get_engine().connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def create_app():
    from rasa_sdk.endpoint import create_app as sdk_app

    app = sdk_app("actions", cors_origins=None)

    @app.before_server_start
    async def build_matcher(*_args) -> None:
        """Build the catalog matcher before the first request (seconds with ~1,700 aliases): built lazily, the
        first user's turn waited for it and could pass Rasa's action timeout on a loaded machine."""
        from catalog import matching

        t0 = time.perf_counter()
        try:
            await asyncio.to_thread(matching.get_matcher)
            logger.info("catalog matcher built in %.1f s", time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - no catalog yet: built on first use, /health/ready says why
            logger.warning("catalog matcher not built at start-up", exc_info=True)

    @app.get("/health/ready")
    async def ready(_: Request) -> HTTPResponse:
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.to_thread(_catalog_ping), 2.0)
        except Exception as exc:  # noqa: BLE001
            return response.json({"ok": False, "catalog_db": {"ok": False, "error": type(exc).__name__}},
                                 status=503)
        return response.json({"ok": True, "catalog_db": {"ok": True,
                                                         "ms": round((time.perf_counter() - t0) * 1000, 1)}})

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        status = getattr(exc, "status_code", 500)
        if status >= 500:
            logger.error("error on %s %s", request.method, request.path, exc_info=exc)
        return response.json({"error": "bad request" if status < 500 else "internal error"},
                             status=status if 400 <= status < 600 else 500)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--interface", default=os.environ.get("ACTION_INTERFACE", "127.0.0.1"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("ACTION_SERVER_SANIC_WORKERS", "1")))
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    logger.info("action server on http://%s:%s (%s worker(s))", args.interface, args.port, args.workers)
    app.run(host=args.interface, port=args.port, workers=max(1, args.workers), access_log=False)


if __name__ == "__main__":
    main()
