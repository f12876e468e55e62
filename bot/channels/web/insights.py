"""The console's analytics tab and catalog-version view (issue 14): routes of the web channel, staff only.

    GET /web/api/analytics?start=&end=[&days=][&channel=][&lang=][&limit=]
        every chart of the period (Beijing days, at most MAX_DAYS): the report of bot/analytics (counted first
        by an incremental refresh, at most REFRESH_WINDOWS days of new turns per request), the charts as SVG
        (bot/analytics/charts.py), their titles in `lang` (zh | en) and a summary. 503 {"error"} when no
        tracker store database is configured (development's in-memory store: QUALIBOT_TRACKER_DB_URL).
    GET /web/api/analytics.csv?chart=&start=&end=[&channel=]   the data of one chart as CSV
    GET /web/api/versions        {current, loaded: [...], drafts: [...]}: what may be compared
    GET /web/api/diff?old=&new=[&days=]   catalog.versioning's diff and its impact (approved answers and
        the unanswered log's recent questions a change touches) as JSON

A version is a name, never a path: one loaded in the catalog database (`python -m catalog versions`) or a
draft directory under QUALIBOT_CATALOG_DRAFTS (each subdirectory holding a notice.yaml is a draft, named by
its directory name; docs/catalog-versions.md says what a draft holds). Anything else is a 404.

The numbers are bot/analytics's (docs/analytics.md): texts in them are masked, no conversation id is in
any of them. The staff check (console token, Host) is the channel's own (bot/channels/web/channel.py).
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage, NotFound, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import JSON_HEADERS, json_response

logger = logging.getLogger(__name__)

MAX_DAYS = 366
DEFAULT_DAYS = 30
DEFAULT_LIMIT = 15
MAX_LIMIT = 100
REFRESH_WINDOWS = 45  # days of new turns one request counts at most (a backfill takes several requests)
CHANNELS = ("web", "rest", "wechat", "other")
DRAFTS_ENV = "QUALIBOT_CATALOG_DRAFTS"
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DIFF_CACHE_SECONDS = 60.0
DIFF_DAYS = (7, 30, 90, 180, 365)


class NoTrackerDatabase(SanicException):
    status_code = 503


# --- the analytics tab ---------------------------------------------------------------------------


_engine_lock = threading.Lock()
_refresh_lock = threading.Lock()
_engines: Dict[str, Any] = {}


def tracker_engine() -> Any:
    """One engine per tracker-store URL (QUALIBOT_TRACKER_DB_URL, else the QUALIBOT_PG_* settings)."""
    from ops.purge import tracker_engine as make_engine
    from ops.purge import tracker_url

    url = tracker_url()
    if url is None:
        raise NoTrackerDatabase("no tracker store database: analytics need QUALIBOT_TRACKER_DB_URL or QUALIBOT_PG_HOST "
                                "(the development tracker store is in memory)")
    key = url.render_as_string(hide_password=False)
    with _engine_lock:
        if key not in _engines:
            _engines[key] = make_engine(url)
        return _engines[key]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidUsage(f"'{name}' must be a date like 2030-03-01") from None


def period_of(args: Any, today: Optional[date] = None) -> Any:
    """The Beijing days asked for: start/end (both or neither), else the last `days` (default 30)."""
    from bot.analytics import BEIJING, Period

    today = today or datetime.now(BEIJING).date()
    start, end, days = ((args.get(k) or "").strip() for k in ("start", "end", "days"))
    if start or end:
        if not start:
            raise InvalidUsage("'start' is needed with 'end'")
        first, last = _day(start, "start"), _day(end, "end") if end else today
        if last < first:
            raise InvalidUsage("the period ends before it starts")
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidUsage(f"a period has at most {MAX_DAYS} days")
        return Period(first, last)
    if days and (not days.isdigit() or not 1 <= int(days) <= MAX_DAYS):
        raise InvalidUsage(f"'days' must be a number from 1 to {MAX_DAYS}")
    period = Period.last(int(days) if days else DEFAULT_DAYS, today)
    if period.days > MAX_DAYS:
        raise InvalidUsage(f"a period has at most {MAX_DAYS} days")
    return period


def _choice(args: Any, name: str, allowed: Tuple[str, ...], default: Optional[str] = None) -> Optional[str]:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    if value not in allowed:
        raise InvalidUsage(f"'{name}' must be one of {', '.join(allowed)}")
    return value


def _limit(args: Any) -> int:
    raw = (args.get("limit") or "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidUsage(f"'limit' must be a number from 1 to {MAX_LIMIT}")
    return int(raw)


def counted_report(period: Any, limit: int, channel: Optional[str]) -> Tuple[Any, Dict[str, Any]]:
    """Refresh (incremental, bounded) and report; run in a thread."""
    from bot import analytics

    engine = tracker_engine()
    with _refresh_lock:  # one refresh per process at a time (the state row serialises the replicas)
        done = analytics.refresh(engine, max_windows=REFRESH_WINDOWS)
    rep = analytics.report(engine, period, limit, channels=[channel] if channel else None)
    refreshed = {"turns": done.turns, "windows": done.windows, "seconds": round(done.seconds, 3),
                 "behind": done.windows >= REFRESH_WINDOWS}
    return rep, refreshed


def analytics_payload(period: Any, limit: int, channel: Optional[str], lang: str) -> Dict[str, Any]:
    from bot.analytics import charts

    rep, refreshed = counted_report(period, limit, channel)
    out = rep.to_dict()
    questions = sum(r.questions for r in rep.outcomes_per_day)
    summary = {"questions": questions, "answered": sum(r.answered for r in rep.outcomes_per_day),
               "fallback": sum(r.fallback for r in rep.outcomes_per_day),
               "unhelpful": sum(r.unhelpful for r in rep.outcomes_per_day),
               "helpful": sum(r.helpful for r in rep.outcomes_per_day),
               "channels": {}, "langs": {}}
    for r in rep.questions_per_day:
        summary["channels"][r.channel] = summary["channels"].get(r.channel, 0) + r.questions
        summary["langs"][r.lang] = summary["langs"].get(r.lang, 0) + r.questions
    notes = list(out.pop("notes"))
    if refreshed["behind"]:
        notes.append("still counting older turns: the figures grow as the console is refreshed")
    return {"period": out.pop("period"), "filters": {"channel": channel, "limit": limit}, "lang": lang,
            "summary": summary, "views": out, "titles": charts.titles(lang), "charts": charts.charts_of(rep, lang),
            "chart_views": charts.CHART_VIEWS, "refreshed": refreshed, "notes": notes}


def analytics_csv(period: Any, chart: str, channel: Optional[str], limit: int) -> Tuple[str, str]:
    from bot.analytics import charts

    view = charts.CHART_VIEWS[chart]
    rep, _ = counted_report(period, limit, channel)
    return rep.csv(view), f"{view}_{period.start.isoformat()}_{period.end.isoformat()}.csv"


# --- catalog versions ------------------------------------------------------------------------------


def drafts_dir() -> Optional[Path]:
    value = (os.environ.get(DRAFTS_ENV) or "").strip()
    return Path(value) if value else None


def drafts() -> Dict[str, Path]:
    """name -> directory of every draft under QUALIBOT_CATALOG_DRAFTS."""
    root = drafts_dir()
    if root is None or not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir())
            if p.is_dir() and VERSION_NAME.fullmatch(p.name) and (p / "notice.yaml").is_file()}


def versions() -> Dict[str, Any]:
    from catalog import queries
    from catalog.versioning.sources import loaded_versions

    try:
        current = queries.snapshot().version
    except Exception:  # noqa: BLE001 - no catalog loaded: nothing is current
        current = None
    return {"current": current, "loaded": loaded_versions(), "drafts": sorted(drafts())}


def _source(name: str, loaded: List[str], draft_dirs: Dict[str, Path]) -> str:
    if name in loaded:
        return name
    if name in draft_dirs:
        return str(draft_dirs[name])
    raise NotFound(f"no catalog version or draft named {name!r}")


_diff_cache: Dict[Tuple[str, str, int], Tuple[float, Dict[str, Any]]] = {}
_diff_lock = threading.Lock()


def diff_payload(old: str, new: str, days: int) -> Dict[str, Any]:
    """The diff of two versions (names) and what it touches; the same question within a minute is not
    computed again (a draft's matcher takes seconds to build)."""
    from catalog.versioning.compare import diff
    from catalog.versioning import render
    from catalog.versioning.impact import impact
    from catalog.versioning.sources import loaded_versions

    for name in (old, new):
        if not VERSION_NAME.fullmatch(name):
            raise InvalidUsage("a version is a name like 3.0 or catalog-3.1")
    key = (old, new, days)
    with _diff_lock:
        cached = _diff_cache.get(key)
        if cached and time.monotonic() - cached[0] < DIFF_CACHE_SECONDS:
            return cached[1]
        loaded, draft_dirs = loaded_versions(), drafts()
        d = diff(_source(old, loaded, draft_dirs), _source(new, loaded, draft_dirs))
        touched = impact(d, days)
        payload = {"old": old, "new": new, "diff": d.to_dict(), "impact": touched.to_dict(),
                   "wording": render.wording()}  # catalog/data/version_diff.yaml: the CLI's labels, zh and en
        _diff_cache.clear()  # one comparison is looked at at a time
        _diff_cache[key] = (time.monotonic(), payload)
        return payload


# --- routes ----------------------------------------------------------------------------------------


def add_routes(bp: Blueprint, check_staff: Callable[[Request], None],
               in_thread: Callable[..., Any]) -> None:
    """The routes above on the web channel's blueprint (before its catch-all /api/<rest>)."""

    @bp.route("/api/analytics", methods=["GET"])
    async def analytics_route(request: Request) -> HTTPResponse:
        check_staff(request)
        args = request.args
        period = period_of(args)
        payload = await in_thread(analytics_payload, period, _limit(args), _choice(args, "channel", CHANNELS),
                                  _choice(args, "lang", ("zh", "en"), "zh"))
        return json_response(payload)

    @bp.route("/api/analytics.csv", methods=["GET"])
    async def analytics_csv_route(request: Request) -> HTTPResponse:
        from bot.analytics.charts import CHARTS

        check_staff(request)
        args = request.args
        chart = _choice(args, "chart", CHARTS)
        if chart is None:
            raise InvalidUsage(f"'chart' must be one of {', '.join(CHARTS)}")
        text, filename = await in_thread(analytics_csv, period_of(args), chart, _choice(args, "channel", CHANNELS),
                                         _limit(args))
        # a byte-order mark, so that Excel reads the Chinese text as UTF-8
        return response.raw(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8",
                            headers=dict(JSON_HEADERS, **{"Content-Disposition": f'attachment; filename="{filename}"'}))

    @bp.route("/api/versions", methods=["GET"])
    async def versions_route(request: Request) -> HTTPResponse:
        check_staff(request)
        return json_response(await in_thread(versions))

    @bp.route("/api/diff", methods=["GET"])
    async def diff_route(request: Request) -> HTTPResponse:
        check_staff(request)
        args = request.args
        old, new = (args.get("old") or "").strip(), (args.get("new") or "").strip()
        if not old or not new:
            raise InvalidUsage("'old' and 'new' name the versions to compare")
        raw = (args.get("days") or "90").strip()
        if not raw.isdigit() or int(raw) not in DIFF_DAYS:
            raise InvalidUsage(f"'days' must be one of {', '.join(map(str, DIFF_DAYS))}")
        return json_response(await in_thread(diff_payload, old, new, int(raw)))


__all__ = ["add_routes", "analytics_payload", "diff_payload", "drafts", "period_of", "versions"]
