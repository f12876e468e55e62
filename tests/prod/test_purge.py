"""ops/purge.py: conversations and unanswered-log entries older than the retention go, on SQLite and
on the machine's PostgreSQL (a schema of the test's own: never the shared `events` table).

Four conversations, written through the tracker store Rasa uses (GuardedSQLTrackerStore), with events
dated relative to now:
  idle     one session 200 days ago                              -> deleted whole
  returned a session 200 days ago, a new one yesterday            -> the old session goes, yesterday's stays
  spanning one session started 181 days ago, last message 179 days ago -> kept (never cut in half)
  recent   one session yesterday                                  -> untouched
"""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ops import purge

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


def session(tracker, start: float, texts, language: str = "zh") -> None:
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

    tracker.update(ActionExecuted("action_session_start", timestamp=start))
    tracker.update(SessionStarted(timestamp=start + 0.001))
    tracker.update(SlotSet("language", language, timestamp=start + 0.002))
    tracker.update(ActionExecuted("action_listen", timestamp=start + 0.003))
    for i, (text, at) in enumerate(texts):
        tracker.update(UserUttered(text, {"name": "ask_recognition", "confidence": 1.0}, timestamp=at))
        tracker.update(ActionExecuted("action_listen", timestamp=at + 0.001))


def write_conversations(store, domain, now: float) -> dict:
    from rasa.shared.core.trackers import DialogueStateTracker

    tag = uuid.uuid4().hex[:8]
    senders = {name: f"purge-{name}-{tag}" for name in ("idle", "returned", "spanning", "recent")}
    plans = {
        "idle": [(now - 200 * DAY, [("old idle", now - 200 * DAY + 10)])],
        "returned": [(now - 200 * DAY, [("old returned", now - 200 * DAY + 10)]),
                     (now - DAY, [("new returned", now - DAY + 10)])],
        "spanning": [(now - 181 * DAY, [("first spanning", now - 181 * DAY + 10), ("last spanning", now - 179 * DAY)])],
        "recent": [(now - DAY, [("recent", now - DAY + 10)])],
    }
    for name, sessions in plans.items():
        t = DialogueStateTracker(senders[name], domain.slots)
        for start, texts in sessions:
            session(t, start, texts, "en" if name == "returned" else "zh")
        asyncio.run(store.save(t))
    return senders


def user_texts(tracker):
    return [e.text for e in tracker.events if e.type_name == "user"] if tracker else None


def check_purge(store, engine, domain):
    now = time.time()
    senders = write_conversations(store, domain, now)
    before = now - 180 * DAY

    def count():
        with engine.connect() as conn:
            return {n: conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": s}).scalar_one()
                    for n, s in senders.items()}

    counts = count()
    assert counts == {"idle": 6, "returned": 12, "spanning": 8, "recent": 6}

    dry = purge.purge_tracker(engine, before, dry_run=True)
    assert count() == counts, "a dry run deletes nothing"
    done = purge.purge_tracker(engine, before)
    assert (done.events, done.conversations) == (dry.events, dry.conversations) == (13, 1)
    # spanning: only its `action_session_start`, which Rasa itself reads as before the session (it comes
    # just before `session_started`, the session's start: rasa.core.tracker_store.SQLTrackerStore._event_query)
    assert count() == {"idle": 0, "returned": 6, "spanning": 7, "recent": 6}

    run = asyncio.run
    assert run(store.retrieve(senders["idle"])) is None
    returned = run(store.retrieve(senders["returned"]))
    assert user_texts(returned) == ["new returned"] and returned.get_slot("language") == "en"
    assert user_texts(run(store.retrieve_full_tracker(senders["returned"]))) == ["new returned"]
    assert user_texts(run(store.retrieve(senders["spanning"]))) == ["first spanning", "last spanning"]
    assert user_texts(run(store.retrieve(senders["recent"]))) == ["recent"]
    # a second run finds nothing more
    assert purge.purge_tracker(engine, before) == purge.TrackerPurge(0, 0)


def test_purge_on_sqlite(tmp_path, domain):
    from bot.stores.tracker_store import GuardedSQLTrackerStore

    store = GuardedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "trackers.db"))
    engine = purge.tracker_engine(sa.engine.make_url(f"sqlite:///{tmp_path / 'trackers.db'}"))
    try:
        check_purge(store, engine, domain)
    finally:
        engine.dispose()
        store.engine.dispose()


def test_purge_on_postgresql(pg_addr, domain, monkeypatch):
    from bot.stores.tracker_store import GuardedSQLTrackerStore

    schema = f"qualibot_purge_{uuid.uuid4().hex[:10]}"
    url = sa.engine.URL.create("postgresql+psycopg2", username="postgres", host=pg_addr[0], port=pg_addr[1],
                               database="test")
    admin = sa.create_engine(url, future=True)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    monkeypatch.setenv("POSTGRESQL_SCHEMA", schema)  # Rasa's own variable: the store writes there
    store = engine = None
    try:
        store = GuardedSQLTrackerStore(domain=domain, dialect="postgresql", host=pg_addr[0], port=pg_addr[1],
                                       db="test", username="postgres", password="")
        engine = purge.tracker_engine(url)  # POSTGRESQL_SCHEMA honoured, as Rasa does
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_schema()")).scalar_one() == schema
        check_purge(store, engine, domain)
    finally:
        for e in (engine, store.engine if store else None):
            if e is not None:
                e.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_the_command_purges_both_and_says_what_it_did(tmp_path, domain, capsys):
    from bot.stores.tracker_store import GuardedSQLTrackerStore
    from catalog import feedback
    from catalog.db import create_schema, get_engine, session_scope
    from catalog.models import FeedbackEntry

    trackers = f"sqlite:///{tmp_path / 'trackers.db'}"
    catalog = f"sqlite:///{tmp_path / 'catalog.db'}"
    store = GuardedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "trackers.db"))
    write_conversations(store, domain, time.time())
    store.engine.dispose()
    create_schema(get_engine(catalog))
    with session_scope(catalog) as s:
        for age_days, text in ((200, "old question"), (10, "new question")):
            s.add(FeedbackEntry(created_at=datetime.utcnow() - timedelta(days=age_days), conversation_id="x",
                                kind="fallback", text=text))
    from catalog import receipts
    for age_days, code in ((200, "A2B3C4"), (10, "D5E6F7")):
        receipts.record(receipts.Receipt(code, "rest:x", 1, "answer", datetime.utcnow() - timedelta(days=age_days)),
                        url=catalog)

    assert purge.main(["--older-than", "180d", "--dry-run", "--tracker-url", trackers, "--catalog-url", catalog]) == 0
    out = capsys.readouterr().out
    assert "would delete 13 events" in out and "1 conversations whole" in out and "would delete 1 entries" in out
    assert "answer receipts: would delete 1 older" in out
    assert [e.text for e in feedback.unanswered(url=catalog)] == ["new question", "old question"]

    assert purge.main(["--older-than", "180d", "--tracker-url", trackers, "--catalog-url", catalog]) == 0
    out = capsys.readouterr().out
    assert "deleted 13 events" in out and "deleted 1 entries" in out and "answer receipts: deleted 1 older" in out
    assert [e.text for e in feedback.unanswered(url=catalog)] == ["new question"]
    assert receipts.get("A2B-3C4", url=catalog) is None and receipts.get("D5E-6F7", url=catalog) is not None
    get_engine(catalog).dispose()


def test_the_default_age_is_the_retention_setting(tmp_path, monkeypatch, capsys):
    catalog = f"sqlite:///{tmp_path / 'catalog.db'}"
    monkeypatch.delenv("QUALIBOT_TRACKER_DB_URL", raising=False)
    monkeypatch.delenv("QUALIBOT_PG_HOST", raising=False)
    monkeypatch.setenv("QUALIBOT_RETENTION_DAYS", "30")
    assert purge.main(["--dry-run", "--catalog-url", catalog]) == 0
    out = capsys.readouterr().out
    assert "tracker store: none configured" in out and "older than 30 days" in out


@pytest.mark.parametrize("value, expected", [("180d", timedelta(days=180)), ("180", timedelta(days=180)),
                                             ("12h", timedelta(hours=12)), (" 7D ", timedelta(days=7))])
def test_ages(value, expected):
    assert purge.parse_age(value) == expected


@pytest.mark.parametrize("value", ["", "0d", "-5d", "180 days", "1.5d", "abc"])
def test_bad_ages_are_refused(value, capsys):
    with pytest.raises(ValueError):
        purge.parse_age(value)
    with pytest.raises(SystemExit) as exc:
        purge.main(["--older-than", value or "x", "--dry-run"])
    assert exc.value.code == 2


def test_the_tracker_url_comes_from_the_production_variables():
    assert purge.tracker_url({}) is None
    url = purge.tracker_url({"QUALIBOT_PG_HOST": "db.internal", "QUALIBOT_PG_PORT": "5433", "QUALIBOT_PG_DB": "q",
                             "QUALIBOT_PG_USER": "u", "QUALIBOT_PG_PASSWORD": "p@ss"})
    assert (url.host, url.port, url.database, url.username, url.password) == ("db.internal", 5433, "q", "u", "p@ss")
    assert str(purge.tracker_url({"QUALIBOT_TRACKER_DB_URL": "sqlite:///x.db"})) == "sqlite:///x.db"
