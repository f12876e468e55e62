"""The analytics tables, the period a view covers, and the day a turn counts on.

Two tables of our own beside Rasa's `events`, in the tracker store's database, named with a prefix
(`qualibot_analytics_` by default; a test or benchmark passes its own):

- `<prefix>daily`: one row per (dim, day, channel, language, key, sub) with a count `n` (and a `label`):
    dim         key                                  sub           label
    turn        answered | fallback                  ''            -
    intent      the NLU intent                       ''            -
    credential  a row id ("R007"), or the ids an     ''            -
                ambiguous mention may mean ("R046,R047")
    radar       a credential asked about that is     ''            its name as asked / the catalog's English name
                not listed (normalised name)
    radar_text  the same key                         text hash     one phrasing, masked (catalog/pii.py)
    unanswered  hash of the normalised masked text   ''            the message, masked
  The primary key starts with (dim, day), so every view over a period is a range scan of it, and a
  90-day view reads at most a few thousand rows per chart whatever the number of turns.
- `<prefix>state`: the watermark of the refresh (the `events.timestamp` up to which turns are counted).

Days are Beijing days (UTC+8, no daylight saving): what staff call "yesterday". The refresh also puts an
index on `events(timestamp)` (`<prefix>events_ts`): it reads the events of a time window, and Rasa's
table is indexed by sender only.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

DEFAULT_PREFIX = "qualibot_analytics_"
EVENTS_TABLE = "events"  # rasa.core.tracker_store.SQLTrackerStore.SQLEvent (ops/purge.py)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DIMS = ("turn", "intent", "credential", "radar", "radar_text", "unanswered")
KEY_CHARS = 200
LABEL_CHARS = 300


def day_of(ts: float) -> date:
    """The Beijing day of a Rasa event timestamp (seconds since the epoch)."""
    return datetime.fromtimestamp(ts, BEIJING).date()


def day_start(day: date) -> float:
    """The epoch second a Beijing day starts."""
    return datetime.combine(day, time(0), BEIJING).timestamp()


@dataclass(frozen=True)
class Period:
    """Beijing days `start`..`end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def last(cls, days: int, today: Optional[date] = None) -> "Period":
        """The `days` days up to `today` (default: today in Beijing)."""
        if days < 1:
            raise ValueError("a period has at least one day")
        end = today or datetime.now(BEIJING).date()
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterator[date]:
        for i in range(self.days):
            yield self.start + timedelta(days=i)

    def utc_bounds(self) -> tuple:
        """[start, end) as naive UTC datetimes (the feedback log stores naive UTC)."""
        lo = datetime.fromtimestamp(day_start(self.start), timezone.utc).replace(tzinfo=None)
        hi = datetime.fromtimestamp(day_start(self.end + timedelta(days=1)), timezone.utc).replace(tzinfo=None)
        return lo, hi


@dataclass(frozen=True)
class Tables:
    prefix: str
    daily: sa.Table
    state: sa.Table
    events: sa.Table
    events_index: str


@functools.cache
def tables(prefix: str = DEFAULT_PREFIX, events: str = EVENTS_TABLE) -> Tables:
    meta = sa.MetaData()
    daily = sa.Table(
        f"{prefix}daily", meta,
        sa.Column("dim", sa.String(16), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("key", sa.String(KEY_CHARS), nullable=False),
        sa.Column("sub", sa.String(32), nullable=False),
        sa.Column("label", sa.Text),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dim", "day", "channel", "lang", "key", "sub", name=f"{prefix}daily_pk"),
    )
    state = sa.Table(
        f"{prefix}state", meta,
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Float),
        sa.Column("updated_at", sa.Float),
    )
    # Rasa's table as it reads it (its own metadata: never created or dropped from here)
    ev = sa.Table(
        events, sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255)),
        sa.Column("type_name", sa.String(255)),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    return Tables(prefix, daily, state, ev, f"{prefix}events_ts")


def create(engine: Engine, t: Tables, events_index: bool = True) -> None:
    """Create our tables if missing, and the index on events(timestamp) when Rasa's table exists."""
    t.daily.metadata.create_all(engine, tables=[t.daily, t.state], checkfirst=True)
    if events_index:
        with engine.begin() as conn:
            if has_events(conn, t) and t.events_index not in {i["name"] for i in sa.inspect(conn).get_indexes(
                    t.events.name)}:
                sa.Index(t.events_index, t.events.c.timestamp).create(conn)


def has_events(conn: Connection, t: Tables) -> bool:
    return sa.inspect(conn).has_table(t.events.name)


def drop(engine: Engine, t: Tables) -> None:
    """Drop our tables and our index on events (rebuild from scratch, or the end of a benchmark)."""
    with engine.begin() as conn:
        if has_events(conn, t) and t.events_index in {i["name"] for i in sa.inspect(conn).get_indexes(t.events.name)}:
            sa.Index(t.events_index, t.events.c.timestamp).drop(conn)
    t.daily.metadata.drop_all(engine, tables=[t.daily, t.state], checkfirst=True)


def purge(engine: Engine, before: date, t: Optional[Tables] = None) -> int:
    """Delete the counts of days before `before` (they hold masked phrasings: kept as long as conversations,
    ops/purge.py's retention); how many rows went."""
    t = t or tables()
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table(t.daily.name):
            return 0
        return int(conn.execute(sa.delete(t.daily).where(t.daily.c.day < before)).rowcount or 0)


__all__: List[str] = ["BEIJING", "DEFAULT_PREFIX", "DIMS", "EVENTS_TABLE", "Period", "Tables", "create", "day_of",
                      "day_start", "drop", "purge", "tables"]
