"""Fixtures of the web page and staff console tests: our own action server and Rasa server (with the REST
channel and bot.channels.web.WebChannel) on free ports, and a headless Chromium driven by Playwright.

The servers use the session's own catalog database (tests/conftest.py `catalog_db`), so the 👎 recorded
here never reach the developer's var/catalog.sqlite3. Only the processes started here are stopped.

Chromium is Debian's (`apt-get install chromium`, /usr/bin/chromium; QUALIBOT_CHROMIUM overrides the
path); Playwright's own browser download is not used. Without either, the browser tests are skipped.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from tests.support.http import Headers
from tests.support.http import http as _http
from tests.support.servers import MODEL, RASA, ROOT, ServerFailed, bot_env, start_bot

RESULTS = ROOT / "results"
CHROMIUM = os.environ.get("QUALIBOT_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
HOTLINE = "010-6000-0000"  # made up: the notice gives no hotline
HOURS = "工作日 9:00-17:00"
CONSOLE_TOKEN = "web-tests-console-token"
RASA_AUTH_TOKEN = "web-tests-rasa-auth-token"  # keys the conversation references (bot/channels/web/)
METRICS_TOKEN = "web-tests-metrics-token"  # /metrics of both servers (bot/channels/metrics.py, actions/metrics.py)
STAFF_PATHS = ("/web/api/search", "/web/api/facets", "/web/api/list", "/web/api/item/", "/web/api/unanswered",
               "/web/api/analytics", "/web/api/versions", "/web/api/diff", "/web/api/receipt")
DRAFTS = ROOT / "tests" / "data"  # QUALIBOT_CATALOG_DRAFTS: its catalog-3.1 is the console's draft to compare
PLAN_DAYS_AGO = 20  # the seeded conversations start this many Beijing days before today (tests/support/analytics_plan.py)
WECHAT_TOKEN = "web-tests-wechat-token"  # the WeChat channel in plain mode (tests/web/test_receipts.py)


def http(method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
         timeout: float = 30) -> Tuple[int, Headers, bytes]:
    """tests/support/http.py's client, with the web tests' longer default timeout."""
    return _http(method, url, body, headers, timeout)


@dataclass
class Server:
    """The running Rasa server (with the web channel) and its action server."""

    base: str
    action_url: str
    logs: Dict[str, Path] = field(default_factory=dict)  # "actions", "rasa": the servers' logs (JSON lines)

    def get(self, path: str, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], bytes]:
        """GET; the staff API with the console token unless `headers` says otherwise."""
        if headers is None and path.startswith(STAFF_PATHS):
            headers = {"X-Console-Token": CONSOLE_TOKEN}
        return http("GET", self.base + path, headers=headers)

    def get_json(self, path: str, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        status, _, body = self.get(path, headers)
        return status, json.loads(body.decode("utf-8"))

    def post_json(self, path: str, payload: Any, content_type: str = "application/json",
                  headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        status, _, body = http("POST", self.base + path, raw, {"Content-Type": content_type, **(headers or {})})
        try:
            return status, json.loads(body.decode("utf-8"))
        except ValueError:
            return status, body.decode("utf-8", "replace")

    def session(self) -> Tuple[str, Dict[str, str]]:
        """A new web session as the chat page gets it: (its conversation id, the Cookie header carrying it)."""
        status, headers, body = http("POST", self.base + "/webhooks/webchat/session", b"{}",
                                     {"Content-Type": "application/json"})
        assert status == 200, body
        cookie = headers["set-cookie"].split(";")[0]
        return json.loads(body)["conversation_id"], {"Cookie": cookie}

    def feedback(self, payload: Dict[str, Any]) -> Tuple[int, Any]:
        """POST /web/api/feedback from a page with a session of its own; `sender` is that conversation."""
        conversation, cookie = self.session()
        return self.post_json("/web/api/feedback", {"sender": conversation, **payload}, headers=cookie)

    def ask(self, sender: str, text: str) -> List[Dict[str, Any]]:
        status, data = self.post_json("/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200, data
        return data






@dataclass
class Seeded:
    """What the analytics tab reads: a tracker store (SQLite, Rasa's events table) holding the plan's turns, and
    the 👍/👎 and unanswered entries put into the session's catalog database."""

    tracker_url: str
    plan: List[Any]
    first_day: Any  # the plan's first Beijing day
    feedback: List[Tuple[Any, str, str]]  # (naive UTC created_at, kind, lang)


@pytest.fixture(scope="session")
def seeded(catalog_db, tmp_path_factory) -> Seeded:
    from datetime import datetime, time as dtime, timedelta, timezone

    from rasa.shared.core.domain import Domain

    from bot.stores.tracker_store import GuardedSQLTrackerStore
    from catalog.db import session_scope
    from catalog.models import FeedbackEntry
    from tests.support.analytics_plan import SHANGHAI, make_plan, write

    first = datetime.now(SHANGHAI).date() - timedelta(days=PLAN_DAYS_AGO)
    t0 = datetime.combine(first, dtime(0), SHANGHAI).timestamp()
    plan = make_plan(14, t0)
    path = tmp_path_factory.mktemp("analytics") / "trackers.sqlite3"
    store = GuardedSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(path))
    write(store, plan)
    store.engine.dispose()

    def utc(day_offset: int, hour: int) -> datetime:  # a Beijing hour as naive UTC, as the feedback log stores it
        local = datetime.combine(first + timedelta(days=day_offset), dtime(hour), SHANGHAI)
        return datetime.fromtimestamp(local.timestamp(), timezone.utc).replace(tzinfo=None)

    feedback = [(utc(1, 10), "unhelpful", "zh"), (utc(1, 23), "unhelpful", "en"), (utc(2, 0), "unhelpful", "zh"),
                (utc(4, 9), "helpful", "zh"), (utc(6, 15), "unhelpful", "zh")]
    recent = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
    with session_scope(catalog_db) as s:
        for created, kind, lang in feedback:
            s.add(FeedbackEntry(created_at=created, conversation_id="web:seeded", kind=kind, text="（种子）", lang=lang))
        # recent questions a catalog change touches (the versions view): a credential 3.1 adds, and a 👎 on the
        # work-permit answer whose clause 3.1 changes
        s.add(FeedbackEntry(created_at=recent, conversation_id="web:seeded-3.1", kind="fallback",
                            text="我有Certified ScrumMaster证书，可以认定吗", lang="zh"))
        s.add(FeedbackEntry(created_at=recent, conversation_id="web:seeded-3.1", kind="unhelpful",
                            text="外籍人员年龄可放宽至65周岁。依据：第一条第4项", answer_kind="work_permit", lang="zh"))
    return Seeded(f"sqlite:///{path}", plan, first, feedback)


@pytest.fixture(scope="session")
def web_server(catalog_db, seeded, tmp_path_factory) -> Server:
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL.relative_to(ROOT)}: run `make train` first")
    if not RASA.exists():
        pytest.skip(f"{RASA.relative_to(ROOT)} not found: run `make setup` first")
    tmp = tmp_path_factory.mktemp("web-servers")
    credentials = tmp / "credentials.yml"
    credentials.write_text("bot.channels.rest.QualibotRestInput:\n  open_on_loopback: true\n"
                           "bot.channels.web.WebChatInput:\nbot.channels.web.WebChannel:\n"
                           f"  console_token: {CONSOLE_TOKEN}\nbot.channels.health.HealthChannel:\n"
                           "bot.channels.metrics.MetricsChannel:\n"
                           f"bot.channels.wechat.WeChatInput:\n  token: {WECHAT_TOKEN}\n", encoding="utf-8")
    env = bot_env(
        CATALOG_DB_URL=catalog_db,
        QUALIBOT_HOTLINE=HOTLINE,
        QUALIBOT_HOTLINE_HOURS=HOURS,
        RASA_AUTH_TOKEN=RASA_AUTH_TOKEN,
        QUALIBOT_METRICS_TOKEN=METRICS_TOKEN,
        QUALIBOT_TRACKER_DB_URL=seeded.tracker_url,  # the analytics tab's tracker store (seeded above)
        QUALIBOT_CATALOG_DRAFTS=str(DRAFTS),
        QUALIBOT_FEEDBACK_RATE_LIMIT="0",  # many ratings from one address here; the limit: test_api.py
        QUALIBOT_LOG_FORMAT="json",  # both servers log JSON lines (catalog/logs.py): tests/web/test_receipts.py
    )
    try:
        servers = start_bot(tmp, env=env, credentials=credentials)
    except ServerFailed as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield Server(servers.url, servers.action_url, dict(servers.logs))
    finally:
        servers.stop()


# module-scoped: while Playwright's sync API is open, the main thread counts as inside a running event loop
# (asyncio.run() refuses to start), so it must not outlive the modules that drive the browser: in a parallel
# run (scripts/test.sh) the same worker goes on with other modules afterwards
@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set QUALIBOT_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageProblems:
    """What the page reported: uncaught errors, console errors (CSP violations show there) and dialogs."""

    errors: List[str] = field(default_factory=list)
    dialogs: List[str] = field(default_factory=list)
    external: List[str] = field(default_factory=list)  # requests to anywhere but the server (refused)


def open_context(browser, server: Server, width: int, height: int, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  base_url=server.base, **options)
    context.set_default_timeout(30_000)
    return context


def watch(context, page, server: Server) -> PageProblems:
    """Record the page's errors and dialogs; refuse (and record) any request that leaves the server, as
    if there were no internet."""
    problems = PageProblems()

    def offline(route):
        problems.external.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(server.base + "/"), offline)
    page.on("pageerror", lambda e: problems.errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.errors.append(f"console: {m.text}") if m.type == "error" else None)

    def on_dialog(d):
        problems.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return problems


@pytest.fixture
def phone(browser, web_server):
    """A fresh browser profile (empty localStorage) at 375 x 740 CSS pixels, like a phone."""
    context = open_context(browser, web_server, 375, 740, device_scale_factor=2, has_touch=True)
    page = context.new_page()
    page.problems = watch(context, page, web_server)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def desk(browser, web_server):
    """A fresh browser profile at 1280 x 900, allowed to use the clipboard."""
    context = open_context(browser, web_server, 1280, 900)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web_server.base)
    page = context.new_page()
    page.problems = watch(context, page, web_server)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
