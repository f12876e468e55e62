"""The views over a period, each a list of plain rows with its CSV form.

Every view reads `<prefix>daily` only (bot/analytics/schema.py) — a range of its primary key per chart —
plus, for 👍/👎, the feedback log of the catalog database (catalog/feedback.py). Counts are of turns (user
messages) on Beijing days; `refresh()` (bot/analytics/refresh.py) must have counted them.

    questions_per_day(engine, period)   (day, channel, lang, questions)          sparse: days with questions
    outcomes_per_day(engine, period)    (day, questions, answered, fallback, unhelpful, helpful)   every day
    top_intents(engine, period)         (intent, questions)
    top_credentials(engine, period)     (key, ids, name_zh, name_en, questions)  rows of the catalog
    demand_radar(engine, period)        (name, name_zh, name_en, known, nearest, questions, examples)
    top_unanswered(engine, period)      (text, questions, last_day)              fallback messages, masked
    report(engine, period)              all of them (`Report`), `.csv(name)` for each

`channels` / `langs` narrow any view to some channels (web, rest, wechat, other) or languages (zh, en,
unknown). The feedback log has no channel: 👍/👎 come from the web page only.
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from catalog.feedback import formula_safe
from catalog.text import without_controls

from bot.analytics.schema import DEFAULT_PREFIX, EVENTS_TABLE, Period, Tables, create, day_of, tables

DEFAULT_LIMIT = 20
EXAMPLES = 3


@dataclass(frozen=True)
class DayCount:
    day: date
    channel: str
    lang: str
    questions: int


@dataclass(frozen=True)
class DayOutcome:
    day: date
    questions: int
    answered: int
    fallback: int
    unhelpful: int  # 👎 in the feedback log that day
    helpful: int  # 👍


@dataclass(frozen=True)
class Ranked:
    key: str
    questions: int


@dataclass(frozen=True)
class CredentialCount:
    key: str  # "R007", or "R046,R047" (an ambiguous mention)
    ids: Tuple[str, ...]
    name_zh: str
    name_en: str
    questions: int


@dataclass(frozen=True)
class Example:
    text: str  # masked
    questions: int


@dataclass(frozen=True)
class RadarEntry:
    key: str  # normalised name
    name: str  # as asked, or the catalog's English name of a known unlisted credential
    name_zh: str  # known ones (unlisted.yaml), else ""
    name_en: str
    known: bool  # in unlisted.yaml (the bot says why and what is nearest)
    nearest: Tuple[str, ...]  # listed rows it is near (unlisted.yaml)
    questions: int
    examples: Tuple[Example, ...]


@dataclass(frozen=True)
class Unanswered:
    text: str  # masked
    questions: int
    last_day: date


@dataclass
class Report:
    period: Period
    questions_per_day: List[DayCount]
    outcomes_per_day: List[DayOutcome]
    top_intents: List[Ranked]
    top_credentials: List[CredentialCount]
    demand_radar: List[RadarEntry]
    top_unanswered: List[Unanswered]
    notes: List[str] = field(default_factory=list)

    VIEWS = ("questions_per_day", "outcomes_per_day", "top_intents", "top_credentials", "demand_radar",
             "top_unanswered")

    def csv(self, view: str) -> str:
        """The CSV text of one view (its header even when it has no rows)."""
        if view not in self.VIEWS:
            raise KeyError(view)
        return to_csv(getattr(self, view), VIEW_ROWS[view])

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}}
        for view in self.VIEWS:
            out[view] = [_jsonable(asdict(x)) for x in getattr(self, view)]
        out["notes"] = list(self.notes)
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


VIEW_ROWS = {"questions_per_day": DayCount, "outcomes_per_day": DayOutcome, "top_intents": Ranked,
             "top_credentials": CredentialCount, "demand_radar": RadarEntry, "top_unanswered": Unanswered}


# --- CSV -------------------------------------------------------------------------------------------


def csv_rows(items: Sequence[Any], kind: Optional[type] = None) -> List[List[str]]:
    """A header and one row of text cells per item; tuples joined with ';', examples as 'text (n)'. Cells a
    spreadsheet would run as a formula get a leading apostrophe (catalog.feedback.formula_safe)."""
    kind = kind or (type(items[0]) if items else None)
    if kind is None:
        return []
    names = [f.name for f in fields(kind)]
    out = [names]
    for item in items:
        row = []
        for name in names:
            value = getattr(item, name)
            if isinstance(value, tuple):
                value = "; ".join(f"{v.text} ({v.questions})" if isinstance(v, Example) else str(v) for v in value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            elif isinstance(value, date):
                value = value.isoformat()
            row.append(formula_safe(without_controls(str(value))))
        out.append(row)
    return out


def to_csv(items: Sequence[Any], kind: Optional[type] = None) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(csv_rows(items, kind))
    return buf.getvalue()


# --- queries ---------------------------------------------------------------------------------------


def _t(prefix: Optional[str], events: Optional[str]) -> Tables:
    return tables(prefix or DEFAULT_PREFIX, events or EVENTS_TABLE)


def _where(t: Tables, dim: str, period: Period, channels: Optional[Sequence[str]], langs: Optional[Sequence[str]]):
    d = t.daily
    cond = [d.c.dim == dim, d.c.day >= period.start, d.c.day <= period.end]
    if channels:
        cond.append(d.c.channel.in_(list(channels)))
    if langs:
        cond.append(d.c.lang.in_(list(langs)))
    return sa.and_(*cond)


def questions_per_day(engine: Engine, period: Period, *, channels: Optional[Sequence[str]] = None,
                      langs: Optional[Sequence[str]] = None, prefix: Optional[str] = None) -> List[DayCount]:
    """Questions per Beijing day, channel and language (the days, channels and languages that have any)."""
    t = _t(prefix, None)
    d = t.daily
    q = (sa.select(d.c.day, d.c.channel, d.c.lang, sa.func.sum(d.c.n))
         .where(_where(t, "turn", period, channels, langs))
         .group_by(d.c.day, d.c.channel, d.c.lang).order_by(d.c.day, d.c.channel, d.c.lang))
    with engine.connect() as conn:
        return [DayCount(_date(day), ch, lang, int(n)) for day, ch, lang, n in conn.execute(q)]


def outcomes_per_day(engine: Engine, period: Period, *, channels: Optional[Sequence[str]] = None,
                     langs: Optional[Sequence[str]] = None, prefix: Optional[str] = None,
                     feedback_url: Optional[str] = None, notes: Optional[List[str]] = None) -> List[DayOutcome]:
    """Every day of the period: questions, answered, fallback (tracker store), 👎 and 👍 (feedback log)."""
    t = _t(prefix, None)
    d = t.daily
    q = (sa.select(d.c.day, d.c.key, sa.func.sum(d.c.n)).where(_where(t, "turn", period, channels, langs))
         .group_by(d.c.day, d.c.key))
    by_day: Dict[date, Dict[str, int]] = {day: {} for day in period.each_day()}
    with engine.connect() as conn:
        for day, key, n in conn.execute(q):
            by_day[_date(day)][key] = int(n)
    rated = feedback_per_day(period, feedback_url, langs, notes)
    return [DayOutcome(day, sum(v.values()), v.get("answered", 0), v.get("fallback", 0),
                       rated.get((day, "unhelpful"), 0), rated.get((day, "helpful"), 0))
            for day, v in by_day.items()]


def feedback_per_day(period: Period, url: Optional[str] = None, langs: Optional[Sequence[str]] = None,
                     notes: Optional[List[str]] = None) -> Dict[Tuple[date, str], int]:
    """(Beijing day, helpful | unhelpful) -> count, from the catalog database's feedback log."""
    from catalog.db import session_scope
    from catalog.models import FeedbackEntry

    lo, hi = period.utc_bounds()
    f = FeedbackEntry.__table__
    q = sa.select(f.c.created_at, f.c.kind, f.c.lang).where(f.c.kind.in_(("helpful", "unhelpful")),
                                                           f.c.created_at >= lo, f.c.created_at < hi)
    out: Dict[Tuple[date, str], int] = {}
    try:
        with session_scope(url) as s:
            for created, kind, lang in s.execute(q):
                if langs and (lang if lang in ("zh", "en") else "unknown") not in langs:
                    continue
                key = (day_of(created.replace(tzinfo=_UTC).timestamp()), kind)
                out[key] = out.get(key, 0) + 1
    except sa.exc.SQLAlchemyError as exc:  # no feedback log (no catalog database): no 👍/👎
        if notes is not None:
            notes.append(f"feedback log not read: {type(exc).__name__}")
    return out


def _ranked(engine: Engine, t: Tables, dim: str, period: Period, limit: int, channels, langs) -> List[Tuple[str, int]]:
    d = t.daily
    total = sa.func.sum(d.c.n).label("total")
    q = (sa.select(d.c.key, total).where(_where(t, dim, period, channels, langs)).group_by(d.c.key)
         .order_by(total.desc(), d.c.key).limit(limit))
    with engine.connect() as conn:
        return [(key, int(n)) for key, n in conn.execute(q)]


def top_intents(engine: Engine, period: Period, limit: int = DEFAULT_LIMIT, *,
                channels: Optional[Sequence[str]] = None, langs: Optional[Sequence[str]] = None,
                prefix: Optional[str] = None) -> List[Ranked]:
    return [Ranked(k, n) for k, n in _ranked(engine, _t(prefix, None), "intent", period, limit, channels, langs)]


def top_credentials(engine: Engine, period: Period, limit: int = DEFAULT_LIMIT, *,
                    channels: Optional[Sequence[str]] = None, langs: Optional[Sequence[str]] = None,
                    prefix: Optional[str] = None, version: Optional[str] = None) -> List[CredentialCount]:
    """The catalog rows asked about most; names from the catalog `version` (default: current)."""
    names = _row_names(version)
    out = []
    for key, n in _ranked(engine, _t(prefix, None), "credential", period, limit, channels, langs):
        ids = tuple(key.split(","))
        zh = " / ".join(names.get(i, (i, i))[0] for i in ids[:3]) + (" …" if len(ids) > 3 else "")
        en = " / ".join(names.get(i, (i, i))[1] for i in ids[:3]) + (" …" if len(ids) > 3 else "")
        out.append(CredentialCount(key, ids, zh, en, n))
    return out


def demand_radar(engine: Engine, period: Period, limit: int = DEFAULT_LIMIT, examples: int = EXAMPLES, *,
                 channels: Optional[Sequence[str]] = None, langs: Optional[Sequence[str]] = None,
                 prefix: Optional[str] = None, version: Optional[str] = None) -> List[RadarEntry]:
    """Credentials asked about that the catalog does not list, most asked first, with the phrasings used
    most (masked), for the next revision of the catalog (section 五)."""
    t = _t(prefix, None)
    d = t.daily
    top = _ranked(engine, t, "radar", period, limit, channels, langs)
    if not top:
        return []
    keys = [k for k, _ in top]
    with engine.connect() as conn:
        labels = dict(conn.execute(sa.select(d.c.key, sa.func.min(d.c.label))
                                   .where(_where(t, "radar", period, channels, langs), d.c.key.in_(keys))
                                   .group_by(d.c.key)).all())
        n = sa.func.sum(d.c.n).label("n")
        phrasings = conn.execute(sa.select(d.c.key, d.c.sub, sa.func.min(d.c.label), n)
                                 .where(_where(t, "radar_text", period, channels, langs), d.c.key.in_(keys))
                                 .group_by(d.c.key, d.c.sub).order_by(d.c.key, n.desc(), d.c.sub)).all()
    by_key: Dict[str, List[Example]] = {}
    for key, _sub, text, count in phrasings:
        got = by_key.setdefault(key, [])
        if len(got) < examples:
            got.append(Example(text or "", int(count)))
    known = _unlisted(version)
    out = []
    for key, count in top:
        name = labels.get(key) or key
        u = known.get(key)
        out.append(RadarEntry(key, name, u[0] if u else "", u[1] if u else name, u is not None,
                              u[2] if u else (), count, tuple(by_key.get(key, ()))))
    return out


def top_unanswered(engine: Engine, period: Period, limit: int = DEFAULT_LIMIT, *,
                   channels: Optional[Sequence[str]] = None, langs: Optional[Sequence[str]] = None,
                   prefix: Optional[str] = None) -> List[Unanswered]:
    """The messages answered with the fallback most often (the same text typed again counts again), masked."""
    t = _t(prefix, None)
    d = t.daily
    total = sa.func.sum(d.c.n).label("total")
    q = (sa.select(d.c.key, sa.func.min(d.c.label), total, sa.func.max(d.c.day))
         .where(_where(t, "unanswered", period, channels, langs)).group_by(d.c.key)
         .order_by(total.desc(), sa.func.max(d.c.day).desc(), d.c.key).limit(limit))
    with engine.connect() as conn:
        return [Unanswered(text or "", int(n), _date(last)) for _key, text, n, last in conn.execute(q)]


def report(engine: Engine, period: Period, limit: int = DEFAULT_LIMIT, *,
           channels: Optional[Sequence[str]] = None, langs: Optional[Sequence[str]] = None,
           prefix: Optional[str] = None, feedback_url: Optional[str] = None,
           version: Optional[str] = None) -> Report:
    """Every view over one period (what the console's analytics tab shows). Creates the (empty) tables when
    nothing was ever counted, and says so in `notes`: the views alone expect `refresh()` to have run."""
    notes: List[str] = []
    t = _t(prefix, None)
    if not sa.inspect(engine).has_table(t.daily.name):
        create(engine, t, events_index=False)
        notes.append("no turns counted yet: run bot.analytics.refresh()")
    kw: Dict[str, Any] = {"channels": channels, "langs": langs, "prefix": prefix}
    return Report(
        period=period,
        questions_per_day=questions_per_day(engine, period, **kw),
        outcomes_per_day=outcomes_per_day(engine, period, feedback_url=feedback_url, notes=notes, **kw),
        top_intents=top_intents(engine, period, limit, **kw),
        top_credentials=top_credentials(engine, period, limit, version=version, **kw),
        demand_radar=demand_radar(engine, period, limit, version=version, **kw),
        top_unanswered=top_unanswered(engine, period, limit, **kw),
        notes=notes,
    )


# --- catalog names ---------------------------------------------------------------------------------

_UTC = timezone.utc


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _row_names(version: Optional[str]) -> Dict[str, Tuple[str, str]]:
    from catalog import queries

    try:
        return {q.id: (q.name.zh, q.name.en) for q in queries.snapshot(version).qualifications.values()}
    except Exception:  # noqa: BLE001 - no catalog loaded: ids only
        return {}


def _unlisted(version: Optional[str]) -> Dict[str, Tuple[str, str, Tuple[str, ...]]]:
    from catalog import queries

    from bot.analytics.turns import radar_key

    try:
        return {radar_key(u.name.en): (u.name.zh, u.name.en, tuple(u.nearest))
                for u in queries.snapshot(version).unlisted}
    except Exception:  # noqa: BLE001
        return {}
