"""python -m bot.analytics refresh | report — count new turns; print the views over a period.

    python -m bot.analytics refresh [--tracker-url URL] [--prefix P] [--lag 300]
    python -m bot.analytics report [--days 90 | --start 2026-09-01 --end 2026-11-30] [--channel web] [--lang zh]
                                   [--limit 20] [--json | --csv VIEW] [--refresh]

The tracker store is `--tracker-url`, else QUALIBOT_TRACKER_DB_URL, else the PostgreSQL of endpoints.prod.yml
(ops/purge.py reads the same settings); the feedback log is the catalog database (CATALOG_DB_URL).
Run `refresh` every few minutes (cron, or the console before a view); `report` reads counted turns only.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import List, Optional

import sqlalchemy as sa

from bot.analytics.refresh import LAG_SECONDS, refresh
from bot.analytics.report import Report, report
from bot.analytics.schema import BEIJING, DEFAULT_PREFIX, Period
from ops.purge import tracker_engine, tracker_url


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bot.analytics", description=__doc__.splitlines()[0])
    p.add_argument("--tracker-url", help="SQLAlchemy URL of the tracker store (default: see above)")
    p.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"analytics tables' prefix (default {DEFAULT_PREFIX})")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("refresh", help="count the turns since the last refresh")
    r.add_argument("--lag", type=float, default=LAG_SECONDS, help="count turns older than this (seconds)")
    v = sub.add_parser("report", help="the views over a period")
    v.add_argument("--days", type=int, default=90)
    v.add_argument("--start", type=date.fromisoformat)
    v.add_argument("--end", type=date.fromisoformat)
    v.add_argument("--channel", action="append", choices=("web", "rest", "wechat", "other"))
    v.add_argument("--lang", action="append", choices=("zh", "en", "unknown"))
    v.add_argument("--limit", type=int, default=20)
    v.add_argument("--refresh", action="store_true", help="refresh first")
    out = v.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", choices=Report.VIEWS)
    args = p.parse_args(argv)
    url = sa.engine.make_url(args.tracker_url) if args.tracker_url else tracker_url()
    if url is None:
        p.error("no tracker store: --tracker-url, QUALIBOT_TRACKER_DB_URL or QUALIBOT_PG_HOST")
    engine = tracker_engine(url)
    try:
        if args.command == "refresh" or args.refresh:
            done = refresh(engine, prefix=args.prefix, lag=getattr(args, "lag", LAG_SECONDS))
            print(f"counted {done.turns} turns in {done.windows} windows ({done.seconds:.1f} s); "
                  f"watermark {done.watermark}", file=sys.stderr)
        if args.command == "report":
            end = args.end or datetime.now(BEIJING).date()
            period = Period(args.start, end) if args.start else Period.last(args.days, end)
            rep = report(engine, period, args.limit, channels=args.channel, langs=args.lang, prefix=args.prefix)
            if args.csv:
                sys.stdout.write(rep.csv(args.csv))
            else:
                print(json.dumps(rep.to_dict(), ensure_ascii=False, indent=None if args.json else 2))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
