"""Count new turns into the daily table: incremental, idempotent, safe with several replicas.

`refresh(engine)` reads the events after the watermark, a window of time at a time (a day by default), and
adds each turn's counts to `<prefix>daily` in the same transaction that moves the watermark, so a crash
counts nothing twice and loses nothing. Each window starts by updating the state row, which takes its lock
(PostgreSQL's row lock, SQLite's write lock): a second refresh running at the same time waits and then
starts from the moved watermark.

Only turns older than `lag` seconds (default 300) are counted: Rasa saves a turn's events together at its
end, and replicas commit in any order, so a turn that began before now - lag is assumed committed (a turn
is bounded by the action timeout, far below). Reading by time rather than by id is what makes this safe:
ids are handed out at insert and committed out of order, timestamps are when the turn happened.

Cost: the events of the window are read once (the timestamp index; `data` only for user and bot events) and
the JSON of user and bot events is parsed once, ever. A turn whose "not listed" answer names nothing costs
one match (~0.4 ms, cached by text). The views never read `events`.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.analytics.schema import DEFAULT_PREFIX, EVENTS_TABLE, Tables, create, has_events, tables
from bot.analytics.turns import Event, Reader, Turn, parse, text_key

LAG_SECONDS = 300.0
WINDOW_SECONDS = 86400.0
WATERMARK = "watermark"
BATCH = 2000  # rows per upsert call


@dataclass(frozen=True)
class RefreshResult:
    turns: int  # counted by this call
    windows: int  # transactions
    watermark: Optional[float]  # events.timestamp up to which turns are counted (None: no events yet)
    seconds: float


Counts = Dict[Tuple[str, Any, str, str, str, str], List[Any]]  # (dim, day, channel, lang, key, sub) -> [n, label]


def counts_of(turns: List[Turn]) -> Counts:
    """The daily rows the turns add to (see schema.py for the dims)."""
    out: Counts = defaultdict(lambda: [0, None])

    def add(dim: str, t: Turn, key: str, sub: str = "", label: Optional[str] = None) -> None:
        row = out[(dim, t.day, t.channel, t.lang, key, sub)]
        row[0] += 1
        if row[1] is None:
            row[1] = label

    for t in turns:
        add("turn", t, t.outcome)
        add("intent", t, t.intent)
        for c in t.credentials:
            add("credential", t, c)
        for key, name in t.radar:
            add("radar", t, key, "", name)
            if t.text:
                add("radar_text", t, key, t.text_key, t.text)
        if t.outcome == "fallback" and t.text:
            add("unanswered", t, t.text_key, "", t.text)
    return out


def _upsert(conn: Connection, t: Tables, counts: Counts) -> None:
    if not counts:
        return
    rows = [{"dim": k[0], "day": k[1], "channel": k[2], "lang": k[3], "key": k[4], "sub": k[5], "label": v[1],
             "n": v[0]} for k, v in counts.items()]
    d = t.daily
    name = conn.dialect.name
    if name == "postgresql" and conn.dialect.driver == "psycopg2":
        # psycopg2's execute_values: one statement per page (SQLAlchemy 1.4 sends this upsert row by row)
        from psycopg2.extras import execute_values

        pk = "dim, day, channel, lang, key, sub"
        sql = (f'INSERT INTO {d.name} ({pk}, label, n) VALUES %s '
               f'ON CONFLICT ({pk}) DO UPDATE SET n = {d.name}.n + EXCLUDED.n')
        with conn.connection.cursor() as cur:
            execute_values(cur, sql, [tuple(r[c] for c in ("dim", "day", "channel", "lang", "key", "sub", "label",
                                                              "n")) for r in rows], page_size=BATCH)
        return
    if name in ("postgresql", "sqlite"):
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(d)
        stmt = stmt.on_conflict_do_update(index_elements=[d.c.dim, d.c.day, d.c.channel, d.c.lang, d.c.key, d.c.sub],
                                          set_={"n": d.c.n + stmt.excluded.n})
        for i in range(0, len(rows), BATCH):
            conn.execute(stmt, rows[i:i + BATCH])
        return
    for r in rows:  # any other database: one row at a time
        pk = sa.and_(*(d.c[c] == r[c] for c in ("dim", "day", "channel", "lang", "key", "sub")))
        if conn.execute(sa.update(d).where(pk).values(n=d.c.n + r["n"])).rowcount == 0:
            conn.execute(sa.insert(d).values(**r))


def _claim(conn: Connection, t: Tables, now: float) -> Optional[float]:
    """Lock the state row (creating it on the first run) and return the watermark."""
    s = t.state
    if conn.execute(sa.update(s).where(s.c.name == WATERMARK).values(updated_at=now)).rowcount == 0:
        first = conn.execute(sa.select(sa.func.min(t.events.c.timestamp))).scalar()
        conn.execute(sa.insert(s).values(name=WATERMARK, value=first, updated_at=now))
        return None if first is None else float(first)
    value = conn.execute(sa.select(s.c.value).where(s.c.name == WATERMARK)).scalar()
    if value is None:  # no events at the first run: start from the first there is now
        value = conn.execute(sa.select(sa.func.min(t.events.c.timestamp))).scalar()
    return None if value is None else float(value)


def _events(conn: Connection, t: Tables, start: float, stop: float) -> Dict[str, List[Event]]:
    e = t.events
    data = sa.case((e.c.type_name.in_(("user", "bot")), e.c.data), else_=sa.null())
    rows = conn.execute(sa.select(e.c.id, e.c.sender_id, e.c.type_name, e.c.timestamp, e.c.intent_name,
                                  e.c.action_name, data)
                        .where(e.c.timestamp >= start, e.c.timestamp < stop)
                        .order_by(e.c.sender_id, e.c.timestamp, e.c.id))
    by_sender: Dict[str, List[Event]] = defaultdict(list)
    for id_, sender, type_name, ts, intent, action, raw in rows:
        by_sender[sender].append(Event(id_, sender, type_name, float(ts), intent, action, parse(raw)))
    return by_sender


def refresh(engine: Engine, *, prefix: Optional[str] = None, events: Optional[str] = None,
            lag: float = LAG_SECONDS, now: Optional[float] = None, window: float = WINDOW_SECONDS,
            reader: Optional[Reader] = None, max_windows: Optional[int] = None) -> RefreshResult:
    """Count the turns that came since the last refresh and are older than `lag` seconds.

    `reader` decides what a turn is (bot.analytics.turns.catalog_reader() by default: the catalog's unlisted
    credentials and matcher); `max_windows` bounds the work of one call (a console request).
    """
    began = time.perf_counter()
    t = tables(prefix or DEFAULT_PREFIX, events or EVENTS_TABLE)
    create(engine, t)
    with engine.connect() as conn:
        if not has_events(conn, t):
            return RefreshResult(0, 0, None, time.perf_counter() - began)
    if reader is None:
        from bot.analytics.turns import catalog_reader

        reader = catalog_reader()
    cutoff = (time.time() if now is None else now) - lag
    counted = windows = 0
    mark: Optional[float] = None
    while max_windows is None or windows < max_windows:
        with engine.begin() as conn:
            mark = _claim(conn, t, time.time())
            if mark is None or mark >= cutoff:
                break
            end = min(mark + window, cutoff)
            turns: List[Turn] = []
            for evs in _events(conn, t, mark, end + lag).values():  # a turn's events: within lag of its start
                turns += reader.turns(evs, mark, end)
            _upsert(conn, t, counts_of(turns))
            conn.execute(sa.update(t.state).where(t.state.c.name == WATERMARK).values(value=end))
            counted += len(turns)
            windows += 1
            mark = end
    return RefreshResult(counted, windows, mark, time.perf_counter() - began)


def rebuild(engine: Engine, *, prefix: Optional[str] = None, events: Optional[str] = None, **kwargs: Any
            ) -> RefreshResult:
    """Forget every count and count all events again (after a change of what a turn is)."""
    t = tables(prefix or DEFAULT_PREFIX, events or EVENTS_TABLE)
    t.daily.metadata.drop_all(engine, tables=[t.daily, t.state], checkfirst=True)
    return refresh(engine, prefix=prefix, events=events, **kwargs)


__all__ = ["LAG_SECONDS", "RefreshResult", "counts_of", "rebuild", "refresh", "text_key"]
