"""Analytics for staff and the policy owner (issue 14): what people ask, on which channel and in which
language, what the assistant answered, could not answer or was given 👎 for, which credentials they ask
about — and which they ask about that the catalog does not list (the demand radar for its next revision).

    schema.py   the tables (`<prefix>daily`, `<prefix>state`), Beijing days, `Period`
    turns.py    what one turn is, read from Rasa's events (channel, language, intent, outcome, credentials,
                not-listed names, the masked text)
    refresh.py  count new turns into the daily table: incremental, idempotent, safe with several replicas
    report.py   the views over a period and their CSV rows
    __main__.py `python -m bot.analytics refresh | report`

Where it sits: it reads the tracker store (Rasa's SQL table `events`: SQLite in development, PostgreSQL in
production; SQLAlchemy 1.4 in 2.0 style) and the feedback log of the catalog database, and it is read by
the console of the Rasa server. So it belongs to `bot/` (the Rasa server's process), beside
`ops/purge.py`, the other reader of the events table, whose URL and engine helpers it shares. It
imports `catalog` (down: the matcher, the unlisted credentials, the PII masking, the feedback log) and
nothing of Rasa, rasa_sdk, Sanic or `actions/`: plain SQL over Rasa's table, so a cron job or a script runs
it without loading Rasa.

Why a daily table: a view straight over `events` parses each turn's JSON (`data`) for the language, the
entities and the answer kinds; on a million turns that is seconds per chart (tests/bench/bench_analytics.py
measures both). Counted once into rows per day, every chart of a 90-day view is a range scan of a few
thousand rows.
"""
from bot.analytics.refresh import RefreshResult, rebuild, refresh
from bot.analytics.report import (CredentialCount, DayCount, DayOutcome, Example, RadarEntry, Ranked, Report,
                                  Unanswered, csv_rows, demand_radar, outcomes_per_day, questions_per_day, report,
                                  to_csv, top_credentials, top_intents, top_unanswered)
from bot.analytics.schema import BEIJING, DEFAULT_PREFIX, Period, purge

__all__ = ["BEIJING", "CredentialCount", "DEFAULT_PREFIX", "DayCount", "DayOutcome", "Example", "Period",
           "RadarEntry", "Ranked", "RefreshResult", "Report", "Unanswered", "csv_rows", "demand_radar",
           "outcomes_per_day", "purge", "questions_per_day", "rebuild", "refresh", "report", "to_csv",
           "top_credentials", "top_intents", "top_unanswered"]
