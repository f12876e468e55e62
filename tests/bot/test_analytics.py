"""bot/analytics: a small tracker store written through the production tracker store (Rasa's events, as a
conversation leaves them), refreshed into the daily table, and every figure of every view checked against
counts made here from the plan of what was written — on SQLite and on the machine's PostgreSQL (a schema of
the test's own, dropped afterwards).

The plan's turns say what each one is (channel, language, intent, outcome, credential keys, not-listed key)
in their own terms; the test counts those with collections.Counter and zoneinfo's Beijing days. Days around
Beijing midnight, a turn split across two refresh windows, a turn younger than the lag, a second refresh
that counts nothing, and an incremental one are in it."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import analytics
from bot.analytics.refresh import refresh
from bot.analytics.turns import catalog_reader
from tests.support.analytics_plan import (AWS, DAYS, ITIL, SHANGHAI, T0, Plan, expected, kinds,  # noqa: F401
                                          make_plan, write)
from catalog.text import normalize

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "qa_test_"


FEEDBACK = [  # (UTC created_at, kind, lang)
    (datetime(2030, 3, 2, 3, 0), "unhelpful", "zh"),
    (datetime(2030, 3, 2, 15, 59, 59), "unhelpful", "zh"),  # Beijing 2030-03-02 23:59:59
    (datetime(2030, 3, 2, 16, 0, 1), "unhelpful", "en"),  # Beijing 2030-03-03 00:00:01
    (datetime(2030, 3, 5, 8, 0), "helpful", "zh"),
    (datetime(2030, 3, 5, 9, 0), "helpful", "en"),
    (datetime(2030, 3, 5, 9, 30), "fallback", "zh"),  # not a rating
    (datetime(2030, 2, 27, 9, 0), "unhelpful", "zh"),  # before the period
]


def beijing(dt: datetime) -> date:
    return dt.replace(tzinfo=timezone.utc).astimezone(SHANGHAI).date()


@pytest.fixture()
def feedback_url(tmp_path):
    from catalog.db import create_schema, forget, get_engine, session_scope
    from catalog.models import FeedbackEntry

    url = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    create_schema(get_engine(url))
    with session_scope(url) as s:
        for created, kind, lang in FEEDBACK:
            s.add(FeedbackEntry(created_at=created, conversation_id="web:x", kind=kind, text="…", lang=lang))
    yield url
    forget(url)


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker(request, tmp_path, domain, monkeypatch):
    """(store, engine): the production tracker store and an analytics engine on the same database."""
    from ops.purge import tracker_engine
    from bot.stores.tracker_store import GuardedSQLTrackerStore

    if request.param == "sqlite":
        path = tmp_path / "trackers.db"
        store = GuardedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
        engine = tracker_engine(sa.engine.make_url(f"sqlite:///{path}"))
        yield store, engine
        engine.dispose()
        store.engine.dispose()
        return
    from tests.prod.conftest import PG, reachable

    if not reachable(PG):
        pytest.skip(f"PostgreSQL is not running at {PG[0]}:{PG[1]}")
    schema = f"qualibot_analytics_test_{uuid.uuid4().hex[:10]}"
    url = sa.engine.URL.create("postgresql+psycopg2", username="postgres", host=PG[0], port=PG[1], database="test")
    admin = sa.create_engine(url, future=True)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    monkeypatch.setenv("POSTGRESQL_SCHEMA", schema)
    store = engine = None
    try:
        store = GuardedSQLTrackerStore(domain=domain, dialect="postgresql", host=PG[0], port=PG[1], db="test",
                                       username="postgres", password="")
        engine = tracker_engine(url, schema)
        yield store, engine
    finally:
        for e in (engine, store.engine if store else None):
            if e is not None:
                e.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def check_views(engine, plan, feedback_url, start: date, end: date, channels=None, langs=None):
    period = analytics.Period(start, end)
    per_day, outcome, intents, creds, radar, phrasings, unanswered, last = expected(plan, start, end, channels, langs)
    kw = {"channels": channels, "langs": langs, "prefix": PREFIX}
    rep = analytics.report(engine, period, 1000, feedback_url=feedback_url, **kw)

    assert {(r.day, r.channel, r.lang): r.questions for r in rep.questions_per_day} == dict(per_day)
    assert [r.day for r in rep.outcomes_per_day] == list(period.each_day())  # every day, zero or not
    rated = Counter((beijing(c), k) for c, k, lang in FEEDBACK if k in ("helpful", "unhelpful")
                    and (not langs or lang in langs))
    for r in rep.outcomes_per_day:
        assert (r.answered, r.fallback) == (outcome[(r.day, "answered")], outcome[(r.day, "fallback")]), r.day
        assert r.questions == r.answered + r.fallback
        assert (r.unhelpful, r.helpful) == (rated[(r.day, "unhelpful")], rated[(r.day, "helpful")]), r.day
    assert {r.key: r.questions for r in rep.top_intents} == dict(intents)
    assert [r.questions for r in rep.top_intents] == sorted(intents.values(), reverse=True)
    assert {r.key: r.questions for r in rep.top_credentials} == dict(creds)
    assert {r.key: r.questions for r in rep.demand_radar} == dict(radar)
    for r in rep.demand_radar:
        top = sorted(phrasings[r.key].items(), key=lambda kv: -kv[1])[:3]
        assert sorted((e.text, e.questions) for e in r.examples) == sorted(top), r.key
    assert {r.text: r.questions for r in rep.top_unanswered} == dict(unanswered)
    assert {r.text: r.last_day for r in rep.top_unanswered} == last
    return rep


def test_every_number_matches_the_plan(tracker, catalog_db, feedback_url):
    store, engine = tracker
    plan = make_plan()
    late = Plan(sender="web:late", ts=T0 + DAYS * 86400 - 30, text="我有CFA证书，能认可吗", intent="ask_recognized",
                entities=[("qualification", "R007"), ("language", "zh")], answers=[("recognized", "zh", "…")],
                action="action_answer_recognized", channel="web", lang="zh", outcome="answered",
                credentials=("R007",))
    write(store, plan + [late])
    reader = catalog_reader()
    # the first event is `action_session_start` 5 s before the first turn ("web:split"): a first window that
    # ends between that turn's user event and its answer
    split = min(plan, key=lambda p: p.ts)
    assert split.sender == "web:split"
    now = late.ts + 10  # `late` is younger than the lag: not counted yet
    first = refresh(engine, prefix=PREFIX, lag=60, now=now, window=5.025, reader=reader, max_windows=1)
    assert (first.turns, first.windows) == (1, 1) and first.watermark == pytest.approx(split.ts + 0.025)
    done = refresh(engine, prefix=PREFIX, lag=60, now=now, window=3 * 3600, reader=reader)
    assert first.turns + done.turns == len(plan) and done.windows > 1
    start, end = T0, T0 + (DAYS - 1) * 86400
    rep = check_views(engine, plan, feedback_url, datetime.fromtimestamp(start, SHANGHAI).date(),
                      datetime.fromtimestamp(end, SHANGHAI).date())
    assert rep.notes == []

    # what the rows say, beyond the counts
    by_key = {r.key: r for r in rep.demand_radar}
    aws = by_key[normalize(AWS)]
    assert (aws.name, aws.name_zh, aws.known, aws.nearest) == (AWS, "亚马逊云科技助理级解决方案架构师认证", True, ("R033",))
    caia = by_key["caia"]
    assert (caia.name, caia.known, caia.nearest) == ("CAIA", False, ())
    assert all("13812345678" not in e.text for r in rep.demand_radar for e in r.examples)
    assert by_key[normalize(ITIL)].known and by_key[normalize(ITIL)].nearest == ("R035",)  # derived by the matcher
    creds = {r.key: r for r in rep.top_credentials}
    assert creds["R007"].name_zh == "CFA 特许金融分析师证书" and creds["R046,R047"].ids == ("R046", "R047")
    assert all("13812345678" not in r.text for r in rep.top_unanswered)

    # narrowed to a channel and a language
    check_views(engine, plan, feedback_url, date(2030, 3, 1), date(2030, 3, 10), channels=["web"])
    check_views(engine, plan, feedback_url, date(2030, 3, 3), date(2030, 3, 6), langs=["en"])
    check_views(engine, plan, feedback_url, date(2030, 3, 4), date(2030, 3, 5), channels=["wechat", "rest"],
                langs=["zh", "unknown"])

    # again: nothing new to count, the same numbers
    assert refresh(engine, prefix=PREFIX, lag=60, now=now, reader=reader).turns == 0
    check_views(engine, plan, feedback_url, date(2030, 3, 1), date(2030, 3, 10))
    # later: `late` is old enough now, and a new conversation came
    more = [Plan(sender="rest:new", ts=late.ts + 100 + i, text="今天天气", intent="nlu_fallback",
                 entities=[("language", "zh")], answers=[("fallback", "zh", "我没听懂。")],
                 action="action_answer_fallback", channel="rest", lang="zh", outcome="fallback", shown="今天天气")
            for i in range(3)]
    write(store, more)
    assert refresh(engine, prefix=PREFIX, lag=60, now=more[-1].ts + 61, reader=reader).turns == 1 + len(more)
    check_views(engine, plan + [late] + more, feedback_url, date(2030, 3, 1), date(2030, 3, 11))


def test_csv_rows_are_spreadsheet_safe(tracker, catalog_db, feedback_url):
    store, engine = tracker
    plan = make_plan(seed=3)
    write(store, plan)
    refresh(engine, prefix=PREFIX, lag=0, now=max(p.ts for p in plan) + 10, reader=catalog_reader())
    rep = analytics.report(engine, analytics.Period(date(2030, 3, 1), date(2030, 3, 10)), 1000,
                           prefix=PREFIX, feedback_url=feedback_url)
    rows = analytics.csv_rows(rep.top_unanswered)
    assert rows[0] == ["text", "questions", "last_day"]
    formula = [r for r in rows[1:] if "HYPERLINK" in r[0]]
    assert formula and all(r[0].startswith("'=") for r in formula)
    radar = analytics.csv_rows(rep.demand_radar)
    assert radar[0] == ["key", "name", "name_zh", "name_en", "known", "nearest", "questions", "examples"]
    aws = next(r for r in radar if r[1] == AWS)
    assert aws[4] == "yes" and aws[5] == "R033" and "AWS SAA" in aws[7]
    text = rep.csv("outcomes_per_day")
    assert text.splitlines()[0] == "day,questions,answered,fallback,unhelpful,helpful"
    assert len(text.splitlines()) == 1 + 10
    for view in rep.VIEWS:
        assert rep.csv(view).splitlines()[0] == ",".join(analytics.csv_rows(getattr(rep, view))[0])


def test_an_empty_store_and_the_period():
    with pytest.raises(ValueError):
        analytics.Period(date(2030, 3, 2), date(2030, 3, 1))
    p = analytics.Period.last(90, date(2030, 3, 31))
    assert (p.start, p.end, p.days) == (date(2030, 1, 1), date(2030, 3, 31), 90)
    engine = sa.create_engine("sqlite://", future=True)
    never = analytics.report(engine, p, prefix=PREFIX, feedback_url="sqlite://")  # before any refresh
    assert never.top_intents == [] and "no turns counted yet" in never.notes[0]
    assert refresh(engine, prefix=PREFIX).turns == 0  # no `events` table: nothing, and no error
    rep = analytics.report(engine, p, prefix=PREFIX, feedback_url="sqlite://")
    assert rep.questions_per_day == [] and len(rep.outcomes_per_day) == 90 and rep.demand_radar == []
    assert rep.notes  # the feedback log was not there
    assert rep.csv("demand_radar").strip() == "key,name,name_zh,name_en,known,nearest,questions,examples"


def test_the_layer_imports_no_rasa():
    """bot/analytics reads Rasa's table with plain SQL: it imports catalog and ops.purge, never Rasa,
    rasa_sdk, Sanic or actions (checked on the source, as tests/actions/test_routing.py does)."""
    import ast

    for path in (ROOT / "bot" / "analytics").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top not in ("rasa", "rasa_sdk", "sanic", "actions"), (path.name, name)
                if top == "bot":
                    assert name.startswith(("bot.analytics", "ops.purge")), (path.name, name)
