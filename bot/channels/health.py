"""Health endpoints of the Rasa server, for a load balancer or Kubernetes probes.

    GET /health/live    200 {"ok": true} while the process serves HTTP (liveness)
    GET /health/ready   200 when the model is loaded and the tracker store, lock store, catalog DB
                        and action server all answer; else 503. The JSON body says which failed, plus
                        the failure counters (tracker reads/saves, failed actions, refused turns).

The report names kinds and errors, never addresses or credentials.
credentials.yml / credentials.prod.yml:
    bot.channels.health.HealthChannel:
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, UserMessage

from bot import health
from catalog import logs
from bot.channels.http import JSON_HEADERS
from bot.turn import agent_of



class HealthChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "health"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "HealthChannel":
        return cls()

    def url_prefix(self) -> Text:
        return "/health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("qualibot_health", __name__)

        @bp.listener("before_server_start")
        async def json_logs(*_: Any) -> None:
            # QUALIBOT_LOG_FORMAT=json: Sanic's loggers got handlers of their own when the app was made
            logs.configure()

        @bp.route("/live", methods=["GET"])
        async def live(_: Request) -> HTTPResponse:
            return response.json({"ok": True}, headers=JSON_HEADERS)

        @bp.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            report = await health.readiness(agent_of(request))
            return response.json(report, status=200 if report["ok"] else 503, headers=JSON_HEADERS)

        return bp
