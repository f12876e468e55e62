"""`GET /metrics`: this replica's Prometheus metrics (bot/metrics.py), for the operator's scraper only.

Not public, in two ways:
  * the token: `Authorization: Bearer $QUALIBOT_METRICS_TOKEN` (constant-time compare). A wrong or missing one
    is 401; with no token configured the endpoint is closed (403) and never shows a figure. Prometheus sends
    it with `authorization: {credentials_file: …}` (deploy/k8s, docs/production.md).
  * the route: the front does not route it. nginx (deploy/nginx/qualibot.conf.template) passes only the
    channels, the pages and the health probes and answers 404 to everything else; the Kubernetes Ingress
    routes the same paths. Prometheus scrapes each replica on its own address (the replicas' private
    port, 127.0.0.1:5006/5007 with run_prod.sh; the pod port in Kubernetes, allowed by the NetworkPolicy
    from the monitoring namespace only).
A request that came through a front (it carries X-Forwarded-For) is refused (404) even with the token: a
front that routes /metrics by mistake does not make the figures public.

credentials.yml / credentials.prod.yml:
    bot.channels.metrics.MetricsChannel:      # token: else QUALIBOT_METRICS_TOKEN
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

TOKEN_ENV = "QUALIBOT_METRICS_TOKEN"
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def bearer_ok(authorization: Optional[str], token: str) -> bool:
    """Is `authorization` ("Bearer <token>") this token? False when no token is configured."""
    if not token:
        return False
    scheme, _, given = (authorization or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"),
                                                              token.encode("utf-8"))


def refusal(request: Request, token: str) -> Optional[HTTPResponse]:
    """Why this request may not read the metrics (a response), or None."""
    if request.headers.get("x-forwarded-for"):
        return response.text("not found", status=404, headers=NO_STORE)
    if not token:
        return response.text("metrics are closed: no QUALIBOT_METRICS_TOKEN is configured", status=403,
                             headers=NO_STORE)
    if not bearer_ok(request.headers.get("authorization"), token):
        return response.text("metrics need the token (Authorization: Bearer …)", status=401,
                             headers=dict(NO_STORE, **{"WWW-Authenticate": 'Bearer realm="metrics"'}))
    return None


class MetricsChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "metrics"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MetricsChannel":
        token = (credentials or {}).get("token")
        return cls(str(token).strip() if token else os.environ.get(TOKEN_ENV, "").strip())

    def __init__(self, token: str = "") -> None:
        self.token = token
        if not token:
            logger.warning("metrics: no %s: /metrics answers 403", TOKEN_ENV)

    def url_prefix(self) -> Text:
        return "/metrics"  # absolute: Rasa would otherwise mount it under /webhooks/

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("qualibot_metrics", __name__)

        @bp.route("", methods=["GET"], strict_slashes=False)
        async def metrics(request: Request) -> HTTPResponse:
            refused = refusal(request, self.token)
            if refused is not None:
                return refused
            return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST, headers=NO_STORE)

        return bp
