"""Benchmark of the analytics views (bot/analytics) on a million generated turns: a benchmark that prints
figures, not a timed test.

    .venv/bin/python -m tests.bench.bench_analytics [--turns 1000000] [--days 180] [--backend sqlite|postgresql|both]
                                                    [--runs 30] [--keep]

For each backend it
1. generates `--turns` turns of conversations over `--days` days, as Rasa's SQL tracker store writes them
   (one row per event in Rasa's own `events` table, created from rasa.core.tracker_store.SQLTrackerStore;
   user, slot, action, bot and action_listen events; `data` is each event's JSON in the shape
   rasa.shared.core.events gives, checked against it at the start), time-ordered as they would arrive: web,
   REST and WeChat conversations, zh and en, listed / ambiguous / not-listed credentials, fallbacks, 👍/👎 in
   the feedback log;
2. counts them into the daily table (`refresh`, the one-off backfill) and times it, then an incremental
   refresh of the last hour's turns;
3. times the 90-day view — `report()`: every chart of the analytics tab, the feedback log included — `--runs`
   times after one warm-up, and each view alone;
4. times one chart (questions per day by channel and language) computed straight from `events` with the
   JSON functions of the database, to show why the daily table exists.

Where: SQLite in a scratch directory; PostgreSQL at 127.0.0.1:5432 (trust, database `test`) in a schema of
its own (`qualibot_bench_analytics_<random>`), dropped at the end (with --keep, both are left and printed).
Target: p95 of the 90-day view under 1 s.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import shutil
import statistics
import string
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import sqlalchemy as sa  # noqa: E402

from bot import analytics  # noqa: E402
from bot.analytics.refresh import refresh  # noqa: E402
from bot.analytics.schema import day_start, tables  # noqa: E402
from bot.analytics.turns import catalog_reader  # noqa: E402
from catalog import answers, queries  # noqa: E402

PG_HOST, PG_PORT = os.environ.get("QUALIBOT_PG_HOST", "127.0.0.1"), int(os.environ.get("QUALIBOT_PG_PORT", "5432"))
PREFIX = "qualibot_bench_"
END_DAY = date(2030, 6, 30)  # the last Beijing day of the generated data
VIEW_DAYS = 90


# --- generating turns ------------------------------------------------------------------------------


def _user(ts: float, text: str, intent: str, entities: List[Tuple[str, str]], channel: str) -> Dict[str, Any]:
    mid = uuid.uuid4().hex
    ents = [{"entity": e, "value": v, "start": 0, "end": len(text), "confidence": 1.0,
             "extractor": "CatalogEntityExtractor" if e != "language" else "LanguageDetector"} for e, v in entities]
    ranking = [{"name": intent, "confidence": 0.91}, {"name": "inform", "confidence": 0.05},
               {"name": "ask_benefits", "confidence": 0.02}]
    return {"event": "user", "timestamp": ts, "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": 0.91}, "entities": ents, "text": text,
                           "message_id": mid, "metadata": {}, "intent_ranking": ranking},
            "input_channel": channel, "message_id": mid, "metadata": {}}


def _bot(ts: float, text: str, kind: Optional[str], lang: Optional[str]) -> Dict[str, Any]:
    custom = {"kind": kind, "lang": lang, "cites": ["附件1（二）第7项"], "source": "出处：…", "version": "3.0",
              "qualification": None} if kind else None
    return {"event": "bot", "timestamp": ts, "metadata": {"utter_action": None}, "text": text,
            "data": {"elements": None, "quick_replies": None, "buttons": None, "attachments": None, "image": None,
                     "custom": custom}}


def _action(ts: float, name: str) -> Dict[str, Any]:
    return {"event": "action", "timestamp": ts, "name": name, "policy": "RulePolicy", "confidence": 1.0,
            "action_text": None, "hide_rule_turn": False}


def check_shapes() -> None:
    """The generated events have the keys Rasa's own events give (rasa.shared.core.events.*.as_dict)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    mine = _user(1.0, "x", "greet", [("language", "zh")], "rest")
    theirs = UserUttered("x", {"name": "greet", "confidence": 0.91}, [{"entity": "language", "value": "zh"}],
                         parse_data={"intent_ranking": []}, input_channel="rest", message_id="m", timestamp=1.0)
    assert set(mine) == set(theirs.as_dict()) and set(mine["parse_data"]) == set(theirs.as_dict()["parse_data"])
    b = _bot(1.0, "t", "recognized", "zh")
    assert set(b) == set(BotUttered("t", b["data"], {}, timestamp=1.0).as_dict())
    assert set(_action(1.0, "a")) == set(ActionExecuted("a", "RulePolicy", 1.0, timestamp=1.0).as_dict())


class Generator:
    """Conversations with the mix of a public assistant; deterministic for a seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        snap = queries.snapshot()
        self.rows = list(snap.qualifications.values())
        self.unlisted = list(snap.unlisted)
        r = self.rng
        self.fallbacks = ["".join(r.choice("怎么去天安门今天天气好吗你是谁帮我查一下社保公积金落户积分")
                                  for _ in range(r.randint(4, 14))) for _ in range(3000)]
        self.unknown = ["".join(r.choice(string.ascii_uppercase) for _ in range(r.randint(3, 5))) for _ in range(300)]

    def zipf(self, items: List[Any]) -> Any:
        i = min(int(self.rng.paretovariate(1.1)) - 1, len(items) - 1)
        return items[i]

    def turn(self, ts: float, channel: str) -> Tuple[Dict[str, Any], str, List[Dict[str, Any]]]:
        """(user event, action name, bot events)."""
        r = self.rng
        en = r.random() < 0.3
        lang = "en" if en else "zh"
        ents: List[Tuple[str, str]] = [] if r.random() < 0.1 else [("language", lang)]
        k = r.random()
        if k < 0.40:
            q = self.zipf(self.rows)
            name = q.aliases[0] if q.aliases else q.name.text(lang)
            text = f"Is my {name} recognized?" if en else f"我有{name}证书，能认可吗"
            ents.append(("qualification", q.id))
            intent, action, said = "ask_recognized", "action_answer_recognized", [("recognized", "…" * 60)]
        elif k < 0.60:
            intent = r.choice(["ask_benefits", "ask_work_permit", "ask_visa", "ask_title", "ask_residence_card",
                               "ask_practice", "ask_verification", "ask_catalog_stats", "ask_notice_info"])
            text = "What benefits do I get?" if en else "能享受什么政策？"
            action, said = "action_answer_" + intent[4:], [(intent[4:], "…" * 80)]
        elif k < 0.64:
            q = self.zipf(self.rows)
            text = q.issuer.text(lang)
            ents.append(("confirm", q.id))
            intent, action, said = "ask_recognized", "action_answer_recognized", [("confirm", "您的证书是……吗？")]
        elif k < 0.68:
            ids = ",".join(r.sample(["R046", "R047", "R048", "R049", "R050", "R096", "R097"], 3))
            text = "teaching certificate" if en else "教师资格证"
            ents.append(("candidates", ids))
            intent, action, said = "ask_recognized", "action_answer_recognized", [("ambiguous", "哪一个？")]
        elif k < 0.75:
            u = self.zipf(self.unlisted)
            matched = u.aliases[0] if u.aliases else u.name.en
            text = f"Is {matched} recognized?" if en else f"{matched}算吗"
            ents.append(("unlisted", u.name.en))
            said = [("unlisted", answers.t("unlisted", lang, matched=matched, name=u.name.text(lang),
                                           reason=u.reason.text(lang)))]
            intent, action = "ask_recognized", "action_answer_recognized"
        elif k < 0.77:
            name = self.zipf(self.unknown)
            text = f"I have {name}, is it listed?" if en else f"我有{name}证书"
            said = [("unlisted", answers.t("not_found_named", lang, name=name))]
            intent, action = "ask_recognized", "action_answer_recognized"
        elif k < 0.92:
            text = self.zipf(self.fallbacks)
            if r.random() < 0.1:
                text += f"，电话1{r.choice('3589')}{r.randint(100000000, 999999999)}"
            intent, action, said = "nlu_fallback", "action_answer_fallback", [("fallback", "我没听懂……"),
                                                                              ("human", "可以转人工。")]
        else:
            intent = r.choice(["greet", "thank", "affirm", "goodbye"])
            text = {"greet": "你好", "thank": "谢谢", "affirm": "/affirm", "goodbye": "再见"}[intent]
            action, said = "utter_" + intent, [(None, "好的")]
        user = _user(ts, text, intent, ents, channel)
        bots = [_bot(ts + 0.05 + i * 0.01, t, kind, lang if kind else None) for i, (kind, t) in enumerate(said)]
        return user, action, bots

    def conversations(self, turns: int, days: int) -> Iterator[List[Tuple[str, str, float, Optional[str],
                                                                      Optional[str], str]]]:
        """Each Beijing day's event rows (sender_id, type_name, timestamp, intent_name, action_name, data),
        in time order; about `turns` turns in all."""
        r = self.rng
        per_day = turns / days
        first = END_DAY - timedelta(days=days - 1)
        made = 0
        for i in range(days):
            day0 = day_start(first + timedelta(days=i))
            rows = []
            target = turns - made if i == days - 1 else int(per_day * (i + 1)) - made
            while target > 0:
                channel = r.choices(["web", "wechat", "rest"], [5, 3, 2])[0]
                sender = {"web": lambda: "web:" + uuid.UUID(int=r.getrandbits(128)).hex,
                          "wechat": lambda: "wechat:o" + "".join(r.choice(string.ascii_letters) for _ in range(27)),
                          "rest": lambda: f"rest:crm-{r.randint(1, 50000)}"}[channel]()
                ts = day0 + r.uniform(0, 86000 - 600)
                start = json.dumps(_action(ts, "action_session_start"))
                listen = json.dumps(_action(ts + 0.002, "action_listen"))
                rows += [(sender, "action", ts, None, "action_session_start", start),
                         (sender, "session_started", ts + 0.001, None, None,
                          json.dumps({"event": "session_started", "timestamp": ts + 0.001})),
                         (sender, "action", ts + 0.002, None, "action_listen", listen)]
                for _ in range(min(target, 1 + int(r.expovariate(0.25)))):
                    ts += r.uniform(10, 120)
                    user, action, bots = self.turn(ts, "socketio" if channel == "web" else channel)
                    rows.append((sender, "user", ts, user["parse_data"]["intent"]["name"], None, json.dumps(user)))
                    lang = next((e["value"] for e in user["parse_data"]["entities"] if e["entity"] == "language"), None)
                    if lang:
                        rows.append((sender, "slot", ts + 0.01, None, "language",
                                     json.dumps({"event": "slot", "timestamp": ts + 0.01, "name": "language",
                                                 "value": lang})))
                    rows.append((sender, "action", ts + 0.02, None, action, json.dumps(_action(ts + 0.02, action))))
                    rows += [(sender, "bot", b["timestamp"], None, None, json.dumps(b)) for b in bots]
                    rows.append((sender, "action", ts + 0.5, None, "action_listen",
                                 json.dumps(_action(ts + 0.5, "action_listen"))))
                    made += 1
                    target -= 1
            rows.sort(key=lambda x: x[2])
            yield rows


def generate(path: Path, turns: int, days: int, seed: int) -> Tuple[int, float, float]:
    """Write the event rows as CSV; (rows, first timestamp, last timestamp)."""
    gen = Generator(seed)
    n, lo, hi = 0, float("inf"), 0.0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for rows in gen.conversations(turns, days):
            w.writerows(rows)
            n += len(rows)
            lo, hi = min(lo, rows[0][2]), max(hi, rows[-1][2])
    return n, lo, hi


def feedback_rows(seed: int, days: int, n: int) -> List[Tuple[datetime, str, str]]:
    r = random.Random(seed)
    first = day_start(END_DAY - timedelta(days=days - 1))
    out = []
    for _ in range(n):
        at = datetime.fromtimestamp(first + r.uniform(0, days * 86400), timezone.utc).replace(tzinfo=None)
        out.append((at, r.choices(["unhelpful", "helpful", "fallback"], [3, 5, 2])[0], r.choice(["zh", "en"])))
    return out


# --- loading ---------------------------------------------------------------------------------------


def create_events(engine: sa.engine.Engine) -> None:
    """Rasa's own table (its model, its index on sender_id)."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore.SQLEvent.__table__.create(engine, checkfirst=True)


def load(engine: sa.engine.Engine, path: Path) -> None:
    cols = "sender_id, type_name, timestamp, intent_name, action_name, data"
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur, path.open(encoding="utf-8") as fh:
                cur.copy_expert(f"COPY events ({cols}) FROM STDIN WITH (FORMAT csv)", fh)
            raw.commit()
        finally:
            raw.close()
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE events"))
        return
    with engine.begin() as conn, path.open(encoding="utf-8", newline="") as fh:
        batch: List[Dict[str, Any]] = []
        stmt = sa.text(f"INSERT INTO events ({cols}) VALUES (:s, :t, :ts, :i, :a, :d)")
        for s, t, ts, i, a, d in csv.reader(fh):
            batch.append({"s": s, "t": t, "ts": float(ts), "i": i or None, "a": a or None, "d": d})
            if len(batch) == 50000:
                conn.execute(stmt, batch)
                batch = []
        if batch:
            conn.execute(stmt, batch)


def load_feedback(url: str, rows: List[Tuple[datetime, str, str]]) -> None:
    from catalog.db import create_schema, get_engine, session_scope
    from catalog.models import FeedbackEntry

    create_schema(get_engine(url))
    with session_scope(url) as s:
        s.execute(sa.insert(FeedbackEntry), [{"created_at": at, "conversation_id": "web:bench", "kind": kind,
                                               "text": "…", "lang": lang} for at, kind, lang in rows])


# --- measuring -------------------------------------------------------------------------------------


def pct(values: List[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]  # nearest rank


def direct_chart(engine: sa.engine.Engine, period: analytics.Period) -> Tuple[float, int]:
    """Questions per day by channel and language straight from `events` (JSON parsed by the database)."""
    lo, hi = day_start(period.start), day_start(period.end + timedelta(days=1))
    if engine.dialect.name == "postgresql":
        q = sa.text("""SELECT to_char(to_timestamp(timestamp) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d,
                              split_part(sender_id, ':', 1) AS ch,
                              (SELECT e->>'value' FROM json_array_elements(data::json->'parse_data'->'entities') e
                                WHERE e->>'entity' = 'language' LIMIT 1) AS lang, count(*)
                       FROM events WHERE type_name = 'user' AND timestamp >= :lo AND timestamp < :hi
                       GROUP BY 1, 2, 3""")
    else:
        q = sa.text("""SELECT date(timestamp + 28800, 'unixepoch') AS d,
                              substr(sender_id, 1, instr(sender_id, ':') - 1) AS ch,
                              (SELECT json_extract(value, '$.value') FROM json_each(data, '$.parse_data.entities')
                                WHERE json_extract(value, '$.entity') = 'language') AS lang, count(*)
                       FROM events WHERE type_name = 'user' AND timestamp >= :lo AND timestamp < :hi
                       GROUP BY 1, 2, 3""")
    t = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(q, {"lo": lo, "hi": hi}).all()
    return time.perf_counter() - t, len(rows)


def bench(name: str, engine: sa.engine.Engine, feedback_url: str, csv_path: Path, args: argparse.Namespace,
          span: Tuple[int, float, float], fb: List[Tuple[datetime, str, str]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"backend": name}
    t = time.perf_counter()
    create_events(engine)
    load(engine, csv_path)
    out["load_s"] = time.perf_counter() - t
    load_feedback(feedback_url, fb)
    with engine.connect() as conn:
        out["events"] = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    reader = catalog_reader()
    last = span[2]
    t = time.perf_counter()
    done = refresh(engine, prefix=PREFIX, lag=0, now=last - 3600, reader=reader)  # all but the last hour
    out["backfill_s"], out["backfill_turns"] = time.perf_counter() - t, done.turns
    t = time.perf_counter()
    inc = refresh(engine, prefix=PREFIX, lag=0, now=last + 1, reader=reader)
    out["incremental_s"], out["incremental_turns"] = time.perf_counter() - t, inc.turns
    with engine.connect() as conn:
        out["daily_rows"] = conn.execute(sa.select(sa.func.count()).select_from(tables(PREFIX).daily)).scalar_one()
    period = analytics.Period.last(VIEW_DAYS, END_DAY)
    analytics.report(engine, period, prefix=PREFIX, feedback_url=feedback_url)  # warm-up
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        rep = analytics.report(engine, period, prefix=PREFIX, feedback_url=feedback_url)
        times.append(time.perf_counter() - t)
    out["view_p50_s"], out["view_p95_s"], out["view_max_s"] = (statistics.median(times), pct(times, 95), max(times))
    out["view_turns"] = sum(d.questions for d in rep.outcomes_per_day)
    views = {
        "questions_per_day": lambda: analytics.questions_per_day(engine, period, prefix=PREFIX),
        "outcomes_per_day": lambda: analytics.outcomes_per_day(engine, period, prefix=PREFIX,
                                                               feedback_url=feedback_url),
        "top_intents": lambda: analytics.top_intents(engine, period, prefix=PREFIX),
        "top_credentials": lambda: analytics.top_credentials(engine, period, prefix=PREFIX),
        "demand_radar": lambda: analytics.demand_radar(engine, period, prefix=PREFIX),
        "top_unanswered": lambda: analytics.top_unanswered(engine, period, prefix=PREFIX),
    }
    out["per_view_p95_ms"] = {}
    for view, fn in views.items():
        ts = []
        for _ in range(max(5, args.runs // 3)):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        out["per_view_p95_ms"][view] = round(pct(ts, 95) * 1000, 1)
    # the console's analytics tab: the same report, its seven SVG charts (bot/analytics/charts.py) and the JSON
    # the page gets (bot/channels/web/insights.py, without the refresh)
    from bot.analytics import charts

    tab = []
    for _ in range(args.runs):
        t = time.perf_counter()
        tab_rep = analytics.report(engine, period, 15, prefix=PREFIX, feedback_url=feedback_url)
        body = json.dumps({"views": tab_rep.to_dict(), "charts": charts.charts_of(tab_rep, "zh")}, ensure_ascii=False)
        tab.append(time.perf_counter() - t)
    out["console_tab_p50_s"], out["console_tab_p95_s"] = statistics.median(tab), pct(tab, 95)
    out["console_tab_kb"] = round(len(body.encode("utf-8")) / 1024, 1)
    direct = [direct_chart(engine, period) for _ in range(3)]
    out["direct_chart_s"] = statistics.median(d[0] for d in direct)
    out["radar_top"] = [(r.name, r.questions, len(r.examples)) for r in rep.demand_radar[:3]]
    return out


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--turns", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=180, help="days the turns are spread over (the view is 90)")
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--keep", action="store_true", help="keep the scratch SQLite file and PostgreSQL schema")
    args = p.parse_args(argv)
    check_shapes()
    work = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    results = []
    schema = f"qualibot_bench_analytics_{uuid.uuid4().hex[:10]}"
    admin = None
    try:
        t = time.perf_counter()
        span = generate(work / "events.csv", args.turns, args.days, args.seed)
        gen_s = time.perf_counter() - t
        size = (work / "events.csv").stat().st_size
        print(f"generated {args.turns:,} turns = {span[0]:,} events ({size / 1e9:.2f} GB of CSV) over {args.days} "
              f"days in {gen_s:.0f} s", flush=True)
        fb = feedback_rows(args.seed, args.days, max(1000, args.turns // 50))
        if args.backend in ("sqlite", "both"):
            url = f"sqlite:///{work / 'trackers.sqlite3'}"
            engine = sa.create_engine(url, future=True)
            results.append(bench("SQLite", engine, f"sqlite:///{work / 'catalog-feedback.sqlite3'}",
                                 work / "events.csv", args, span, fb))
            engine.dispose()
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if args.backend in ("postgresql", "both"):
            base = sa.engine.URL.create("postgresql+psycopg2", username="postgres", host=PG_HOST, port=PG_PORT,
                                        database="test")
            admin = sa.create_engine(base, future=True)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = base.update_query_dict({"options": f"-csearch_path={schema}"})
            engine = sa.create_engine(url, future=True)
            results.append(bench("PostgreSQL", engine, url.render_as_string(hide_password=False),
                                 work / "events.csv", args, span, fb))
            engine.dispose()
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        from catalog.db import dispose_all

        dispose_all()
        if args.keep:
            print(f"kept: {work}" + (f", PostgreSQL schema {schema}" if admin is not None else ""))
        else:
            shutil.rmtree(work, ignore_errors=True)
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if admin is not None:
            admin.dispose()
    print(f"\n90-day view (Beijing days {END_DAY - timedelta(days=VIEW_DAYS - 1)} .. {END_DAY}) over "
          f"{args.turns:,} turns in {args.days} days; {args.runs} runs after a warm-up")
    for r in results:
        print(f"{r['backend']:>10}: view p50 {r['view_p50_s'] * 1000:.0f} ms, p95 {r['view_p95_s'] * 1000:.0f} ms, "
              f"max {r['view_max_s'] * 1000:.0f} ms ({r['view_turns']:,} turns in the period, {r['daily_rows']:,} "
              f"daily rows); per view p95 ms {r['per_view_p95_ms']}")
        print(f"{'':>10}  one chart straight from events (JSON): {r['direct_chart_s']:.2f} s; load "
              f"{r['load_s']:.0f} s; backfill refresh {r['backfill_turns']:,} turns in {r['backfill_s']:.0f} s "
              f"({r['backfill_turns'] / r['backfill_s']:,.0f} turns/s); the last hour ({r['incremental_turns']} "
              f"turns) in {r['incremental_s'] * 1000:.0f} ms")
    ok = all(r["view_p95_s"] < 1.0 for r in results)
    print("target p95 < 1 s: " + ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
