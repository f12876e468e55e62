"""Delete what is older than the retention: conversations in the tracker store, entries of the unanswered log,
answer receipts.

    python -m ops.purge [--older-than 180d] [--dry-run] [--tracker-url URL] [--catalog-url URL]

Run it daily (deploy/k8s/cronjob.yaml does; on one machine a cron line). The default age is
QUALIBOT_RETENTION_DAYS (180 days, catalog/privacy.py); `--older-than` takes days (`180d`, `180`) or
hours (`12h`).

The tracker store is Rasa's SQL table `events` (one row per event, `timestamp` in seconds since the epoch;
Rasa reads a conversation's current session as the events from its latest `session_started` on). An
event older than the cutoff is deleted when its conversation has nothing newer (the whole conversation
goes), or when it belongs to an earlier session than the conversation's latest one. The latest session
of a conversation still in use is never cut in half: Rasa would read it without its start and its slots.
A turn running during the purge on a conversation being deleted may write that conversation's
latest session back; the next run deletes it again.

Where: `--tracker-url`, else QUALIBOT_TRACKER_DB_URL, else the PostgreSQL of endpoints.prod.yml
(QUALIBOT_PG_HOST, _PORT, _DB, _USER, _PASSWORD; Rasa's POSTGRESQL_SCHEMA is honoured). Without any, only
the unanswered log is purged (`make run` keeps conversations in memory: they end with the process). The
unanswered log is the catalog database's `feedback` table (`--catalog-url`, else CATALOG_DB_URL).
Plain SQLAlchemy and catalog/, no Rasa (ops/, not bot/: importing bot/ applies the Rasa patches), so it runs
in the action server's image with a small memory limit. Exit status 0, or 2
for bad arguments, 1 when a database fails.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

logger = logging.getLogger(__name__)

EVENTS_TABLE = "events"  # rasa.core.tracker_store.SQLTrackerStore.SQLEvent
SESSION_STARTED = "session_started"  # rasa.shared.core.events.SessionStarted.type_name
_AGE = re.compile(r"^\s*(\d{1,5})\s*([dh]?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TrackerPurge:
    events: int  # events deleted (or that would be, in a dry run)
    conversations: int  # conversations deleted whole


def parse_age(value: str) -> timedelta:
    """"180d" / "180" -> 180 days, "12h" -> 12 hours; ValueError otherwise (and for 0)."""
    m = _AGE.match(value or "")
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"the age must look like 180d or 12h (more than 0), got {value!r}")
    n = int(m.group(1))
    return timedelta(hours=n) if m.group(2).lower() == "h" else timedelta(days=n)


def tracker_url(environ: Optional[Mapping[str, str]] = None) -> Optional[URL]:
    """QUALIBOT_TRACKER_DB_URL, else the production tracker store's QUALIBOT_PG_* variables, else None."""
    env = os.environ if environ is None else environ
    explicit = (env.get("QUALIBOT_TRACKER_DB_URL") or "").strip()
    if explicit:
        return make_url(explicit)
    host = (env.get("QUALIBOT_PG_HOST") or "").strip()
    if not host:
        return None
    port = (env.get("QUALIBOT_PG_PORT") or "").strip()
    return URL.create("postgresql+psycopg2", username=env.get("QUALIBOT_PG_USER") or None,
                      password=env.get("QUALIBOT_PG_PASSWORD") or None, host=host,
                      port=int(port) if port else None, database=env.get("QUALIBOT_PG_DB") or None)


def tracker_engine(url: URL, schema: Optional[str] = None) -> Engine:
    """An engine on the tracker store, in Rasa's POSTGRESQL_SCHEMA (or `schema`) as Rasa uses it."""
    kwargs: Dict[str, Any] = {"future": True, "pool_pre_ping": True}
    schema = schema if schema is not None else os.environ.get("POSTGRESQL_SCHEMA")
    if url.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 10, **({"options": f"-csearch_path={schema}"} if schema else {})}
    return sa.create_engine(url, **kwargs)


def _events(table: str) -> sa.Table:
    return sa.Table(table, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sender_id", sa.String(255)), sa.Column("type_name", sa.String(255)),
                    sa.Column("timestamp", sa.Float))


def purge_tracker(engine: Engine, before: float, dry_run: bool = False, table: str = EVENTS_TABLE) -> TrackerPurge:
    """Delete the events older than `before` (seconds since the epoch) as the module docstring says."""
    e = _events(table)
    other = e.alias("other")
    idle = (sa.select(other.c.sender_id).group_by(other.c.sender_id)
            .having(sa.func.max(other.c.timestamp) < before))
    latest_session = (sa.select(sa.func.max(other.c.timestamp))
                      .where(other.c.sender_id == e.c.sender_id, other.c.type_name == SESSION_STARTED)
                      .scalar_subquery())
    old = sa.and_(e.c.timestamp < before, sa.or_(e.c.sender_id.in_(idle), e.c.timestamp < latest_session))
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table(table):
            return TrackerPurge(0, 0)
        conversations = conn.execute(sa.select(sa.func.count()).select_from(idle.subquery())).scalar_one()
        if dry_run:
            events = conn.execute(sa.select(sa.func.count()).select_from(e).where(old)).scalar_one()
        else:
            events = conn.execute(sa.delete(e).where(old).execution_options(synchronize_session=False)).rowcount
    return TrackerPurge(int(events or 0), int(conversations or 0))


def purge_feedback(before: datetime, dry_run: bool = False, url: Optional[str] = None) -> int:
    """Entries of the unanswered log created before `before` (UTC)."""
    from catalog import feedback
    from catalog.db import get_engine, session_scope
    from catalog.models import FeedbackEntry

    if not dry_run:
        return feedback.purge(before, url)
    if not sa.inspect(get_engine(url)).has_table(FeedbackEntry.__tablename__):
        return 0
    with session_scope(url) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(FeedbackEntry)
                             .where(FeedbackEntry.created_at < before)).scalar_one())


def purge_receipts(before: datetime, dry_run: bool = False, url: Optional[str] = None) -> int:
    """Answer receipts (catalog/receipts.py, the catalog database's `receipts` table) created before `before` (UTC):
    kept as long as the conversations they point into."""
    from catalog import receipts
    from catalog.db import get_engine, session_scope
    from catalog.models import Receipt

    if not dry_run:
        return receipts.purge(before, url)
    if not sa.inspect(get_engine(url)).has_table(Receipt.__tablename__):
        return 0
    with session_scope(url) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(Receipt)
                             .where(Receipt.created_at < before)).scalar_one())


def main(argv: Optional[List[str]] = None) -> int:
    from catalog.privacy import retention_days

    parser = argparse.ArgumentParser(prog="python -m ops.purge", description=__doc__.splitlines()[0])
    parser.add_argument("--older-than", help="an age: 180d (days, the default QUALIBOT_RETENTION_DAYS) or 12h")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    parser.add_argument("--tracker-url", help="SQLAlchemy URL of the tracker store (default: see above)")
    parser.add_argument("--catalog-url", help="SQLAlchemy URL of the catalog database (default: CATALOG_DB_URL)")
    args = parser.parse_args(argv)
    try:
        age = parse_age(args.older_than) if args.older_than else timedelta(days=retention_days())
        url = make_url(args.tracker_url) if args.tracker_url else tracker_url()
    except (ValueError, sa.exc.ArgumentError) as exc:
        parser.error(str(exc))
    now = time.time()
    verb = "would delete" if args.dry_run else "deleted"
    status = 0
    if url is None:
        print("tracker store: none configured (QUALIBOT_TRACKER_DB_URL or QUALIBOT_PG_HOST); the development "
              "server keeps conversations in memory")
    else:
        try:
            engine = tracker_engine(url)
            try:
                done = purge_tracker(engine, now - age.total_seconds(), args.dry_run)
            finally:
                engine.dispose()
            print(f"tracker store ({url.render_as_string(hide_password=True)}): {verb} {done.events} events "
                  f"older than {age}, {done.conversations} conversations whole")
        except sa.exc.SQLAlchemyError as exc:
            print(f"tracker store: failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", file=sys.stderr)
            status = 1
    try:
        n = purge_feedback(datetime.utcfromtimestamp(now) - age, args.dry_run, args.catalog_url)
        print(f"unanswered log: {verb} {n} entries older than {age}")
    except sa.exc.SQLAlchemyError as exc:
        print(f"unanswered log: failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", file=sys.stderr)
        status = 1
    try:
        n = purge_receipts(datetime.utcfromtimestamp(now) - age, args.dry_run, args.catalog_url)
        print(f"answer receipts: {verb} {n} older than {age}")
    except sa.exc.SQLAlchemyError as exc:
        print(f"answer receipts: failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
