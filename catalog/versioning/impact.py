"""What a catalog change touches: the approved answers (口径) to review, and the recent questions of the
unanswered log (catalog/feedback.py: fallbacks and 👎) that the change concerns. For the policy owner's
`python -m catalog diff OLD NEW --impact` and the console (bot/channels/web/insights.py).

**Answers.** An approved answer is a template of catalog/data/answers.yaml filled from a row's fields and the
clauses it cites (catalog/answers.py). Which fields and clauses each answer reads is the table below, taken
from catalog/answers.py and catalog/benefits.py; tests/catalog/test_version_diff.py checks the clause part
against the answers the catalog actually gives (their citations), so the table cannot drift silently.
- a changed row touches the answers that read a changed field (a renumbered one: all of them, each cites
  its row); a removed row's answers go; an added row needs new ones;
- a changed clause touches the general answers that cite it, each row's benefits answer where the clause
  applies to the row (its list, the title rule of catalog/benefits.py), and every row's practice answer for
  clause 三;
- the notice's title or document number is in every answer's source line; unlisted.yaml's entries are the
  "not listed" answers; families.yaml and places.yaml change verdicts, not wording ("matching").

**Questions.** Entries of the last `days` days: a fallback holds the user's message, a 👎 the answer the user
rated. A fallback is touched when the matcher of the old and of the new version give it different verdicts
("none" -> "listed R116"), or when either names a row the change touches; a 👎 when its answer cites a
changed clause or names a touched row, or is a general answer (no row's) the change touches. The matcher of a draft
given as a directory is built in a scratch SQLite database from the draft (`sources.repaired`: references to
rows it no longer has are dropped, as the problems list says they must be). Texts are masked
(catalog.feedback.clean) and conversation ids are not returned.
"""
from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from catalog import answers, feedback
from catalog.db import session_scope
from catalog.models import FeedbackEntry
from catalog.versioning.compare import VersionDiff
from catalog.versioning.sources import VersionData, repaired, validation_problems, write_directory

MAX_QUESTIONS = 5000  # log entries read per impact (newest first)

_ANY_ROW = frozenset({"list", "row"})  # the row's citation ("附件1（二）第46项") is in every row answer
ROW_ANSWERS: Dict[str, FrozenSet[str]] = {
    "recognized": _ANY_ROW | {"name_zh", "name_en", "issuer_zh", "issuer_en", "countries", "region_zh", "region_en",
                              "fields", "remark_zh", "remark_en", "experience_years", "experience_unit",
                              "title_level", "registration_zh", "registration_en", "conditions"},
    "benefits": _ANY_ROW | {"name_zh", "name_en", "title_level"},
    "practice": _ANY_ROW | {"name_zh", "name_en", "fields", "remark_zh", "issuer_zh", "registration_zh",
                            "registration_en"},
    "title": _ANY_ROW | {"name_zh", "name_en", "title_level"},
    "visa": _ANY_ROW,
    "residence_card": _ANY_ROW | {"name_zh", "name_en"},
    "work_permit": _ANY_ROW,
    "matching": frozenset({"aliases", "generic_aliases", "issuer_aliases", "name_zh", "name_en", "issuer_zh",
                           "issuer_en", "region_zh", "region_en", "countries", "conditions"}),
}
NEW_ROW_ANSWERS = ("recognized", "benefits", "practice")  # what the console shows for a row
SOURCE_LINE_NOTICE = ("catalog_title_zh", "catalog_title_en", "document_number")


def general_answers(clause: Dict[str, Any]) -> List[str]:
    """The general answers that cite `clause` (the facts catalog/answers.py looks clauses up by)."""
    facts = clause.get("facts") or {}
    topic = clause.get("topic")
    out = []
    if topic == "benefit":
        out.append("benefits_general")
    if facts.get("age_limit"):
        out.append("work_permit")
    if "visa_max_years" in facts or "talent_visa_confirmation_letter" in facts:
        out.append("visa")
    if "work_residence_permit" in facts or "talent_introduction" in facts:
        out.append("residence_card")
    if facts.get("title_level") in ("中级", "副高级"):
        out.append("title")
    if topic == "practice":
        out.append("practice")
    if topic == "verification":
        out.append("verification")
    return out


def benefit_applies(clause: Dict[str, Any], row: Dict[str, Any]) -> bool:
    """Does a row's benefits answer (nationality unknown) list this clause? catalog/benefits.benefits_for's rules."""
    if clause.get("topic") != "benefit" or row.get("list") not in (clause.get("lists") or []):
        return False
    level = (clause.get("facts") or {}).get("title_level")
    return not level or row.get("title_level") == level


@dataclass(frozen=True)
class TouchedAnswer:
    answer: str  # recognized | benefits | practice | … | source_line | matching (keys of version_diff.yaml)
    change: str  # changed (to review) | removed (goes with its row) | new (to write for a new row)
    rows: Tuple[str, ...]  # whose answer it is (old ids; new ids for new rows); () for a general answer
    because: Tuple[str, ...]  # "U03.experience_years", "clause 一.4", "notice.document_number", "unlisted …"


@dataclass(frozen=True)
class TouchedQuestion:
    id: int  # the log entry
    created_at: datetime
    kind: str  # fallback | unhelpful
    lang: Optional[str]
    text: str  # masked
    answer_kind: Optional[str]
    because: Tuple[str, ...]


@dataclass
class Impact:
    answers: List[TouchedAnswer]
    questions: List[TouchedQuestion]
    days: int
    notes: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return {"days": self.days, "answers": [asdict(a) for a in self.answers],
                "questions": [{**asdict(q), "created_at": q.created_at.isoformat(timespec="seconds")}
                              for q in self.questions],
                "notes": list(self.notes)}


# --- answers ---------------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.items: Dict[Tuple[str, str], Tuple[Set[str], Set[str]]] = {}

    def add(self, answer: str, change: str, rows: Iterable[str], because: Iterable[str]) -> None:
        got = self.items.setdefault((answer, change), (set(), set()))
        got[0].update(rows)
        got[1].update(because)

    def result(self) -> List[TouchedAnswer]:
        order = {"changed": 0, "removed": 1, "new": 2}
        return [TouchedAnswer(a, c, tuple(sorted(rows, key=_id_order)), tuple(sorted(because)))
                for (a, c), (rows, because) in sorted(self.items.items(), key=lambda kv: (order[kv[0][1]], kv[0][0]))]


def _id_order(qid: str) -> Tuple[int, int]:
    return (0 if qid.startswith("U") else 1, int("".join(ch for ch in qid if ch.isdigit()) or 0))


def touched_answers(d: VersionDiff) -> List[TouchedAnswer]:
    """The approved answers the diff touches (see the module docstring), grouped by answer and change."""
    old, new = d.old_data, d.new_data
    assert old is not None and new is not None, "a VersionDiff from compare()"
    out = _Collector()
    for c in d.rows.changed + d.rows.renumbered:
        changed = {f.field.split(".")[0].split("[")[0] for f in c.fields}
        for answer, reads in ROW_ANSWERS.items():
            hit = sorted(changed & reads)
            if hit:
                out.add(answer, "changed", [c.old_id], [f"{c.old_id}.{f}" for f in hit])
    for r in d.rows.removed:
        for answer in ROW_ANSWERS:
            out.add(answer, "removed", [r.id], [f"{r.id} removed"])
    for r in d.rows.added:
        for answer in NEW_ROW_ANSWERS:
            out.add(answer, "new", [r.id], [f"{r.id} added"])
    for cid in [i.id for i in d.clauses.added + d.clauses.removed] + [c.id for c in d.clauses.changed]:
        why = [f"clause {cid}"]
        for side in (old, new):
            clause = side.clauses.get(cid)
            if clause is None:
                continue
            for answer in general_answers(clause):
                out.add(answer, "changed", [], why)
            rows = [q for q, row in old.rows.items() if benefit_applies(clause, row)]
            if rows:
                out.add("benefits", "changed", rows, why)
            if clause.get("topic") == "practice":
                out.add("practice", "changed", list(old.rows), why)
    for f in d.notice:
        key = f.field.split(".")[0]
        answer = ("source_line" if key in SOURCE_LINE_NOTICE else
                  "unlisted" if key == "code_check" else "notice_info")
        out.add(answer, "changed", [], [f"notice.{f.field}"])
        if key == "code_check":
            out.add("not_found", "changed", [], [f"notice.{f.field}"])
    for i in d.unlisted.added + d.unlisted.removed + d.unlisted.changed:
        out.add("unlisted", "changed", [], [f"unlisted {i.id}"])
    for f in d.matching + d.vocabularies:
        out.add("matching" if f in d.matching else "recognized", "changed", [], [f.field])
    return out.result()


# --- questions -------------------------------------------------------------------------------------


def _matcher(side: VersionData, notes: List[str]) -> Any:
    """The matcher of one side: the loaded version's, or one built from a directory in a scratch database."""
    from catalog import db, loader, queries
    from catalog.matching import get_matcher

    if side.kind == "database":
        return get_matcher(side.version, side.url)
    raw = repaired(side.raw or {})
    problems = validation_problems(raw)
    if problems:
        notes.append(f"{side.version}: no matcher (the data does not validate: {problems[0]})")
        return None
    with tempfile.TemporaryDirectory(prefix="catalog-impact-") as tmp:
        write_directory(raw, Path(tmp) / "data")
        url = f"sqlite:///{tmp}/catalog.sqlite3"
        try:
            loader.load(Path(tmp) / "data", url=url)
            return get_matcher(side.version, url)
        finally:
            db.forget(url)  # the scratch file goes with the directory: its engine and snapshot too
            queries.clear_cache()


def _verdict(m: Any, text: str) -> Tuple[str, Set[str]]:
    r = m.match(text)
    ids = set(r.ids) | set(r.unlisted.nearest if r.unlisted else ())
    label = r.status + (" " + ",".join(r.ids) if r.ids else "") + (f" ({r.unlisted.name_en})" if r.unlisted else "")
    return label, ids


def _rows_touched(d: VersionDiff) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for c in d.rows.changed:
        out[c.old_id] = out[c.new_id] = "changed"
    for c in d.rows.renumbered:
        out[c.old_id] = "renumbered"
    for r in d.rows.removed:
        out[r.id] = "removed"
    for r in d.rows.added:
        out[r.id] = "added"
    return out


def _answer_marks(d: VersionDiff, touched: Dict[str, str]) -> List[Tuple[str, str]]:
    """(text an answer would contain, why): the cites of changed clauses, the names and cites of touched rows."""
    old, new = d.old_data, d.new_data
    assert old is not None and new is not None
    marks: List[Tuple[str, str]] = []
    for cid in [i.id for i in d.clauses.added + d.clauses.removed] + [c.id for c in d.clauses.changed]:
        clause = old.clauses.get(cid) or new.clauses.get(cid) or {}
        for key in ("cite_zh", "cite_en"):
            if clause.get(key):
                marks.append((str(clause[key]), f"clause {cid}"))
    for qid, what in touched.items():
        row = old.rows.get(qid) if what != "added" else new.rows.get(qid)
        if not row:
            continue
        for key in ("name_zh", "name_en"):
            if len(str(row.get(key) or "")) >= 4:
                marks.append((str(row[key]), f"{qid} {what}"))
        if row.get("list") in ("urgent", "regular") and what != "added":
            for lang in ("zh", "en"):
                marks.append((answers.t(f"row_cite.{row['list']}", lang, row=row.get("row")), f"{qid} {what}"))
    return marks


def touched_questions(d: VersionDiff, days: int = 90, url: Optional[str] = None, now: Optional[datetime] = None,
                      notes: Optional[List[str]] = None) -> List[TouchedQuestion]:
    """The log's fallbacks and 👎 of the last `days` days that the diff concerns, newest first."""
    notes = notes if notes is not None else []
    since = (now or datetime.utcnow()) - timedelta(days=days)
    try:
        with session_scope(url) as s:
            entries = s.execute(select(FeedbackEntry).where(FeedbackEntry.created_at >= since,
                                                            FeedbackEntry.kind.in_(("fallback", "unhelpful")))
                                .order_by(FeedbackEntry.created_at.desc(), FeedbackEntry.id.desc())
                                .limit(MAX_QUESTIONS)).scalars().all()
            rows = [(e.id, e.created_at, e.kind, e.lang, e.text, e.answer_kind) for e in entries]
    except SQLAlchemyError as exc:
        notes.append(f"no unanswered log: {type(exc).__name__}")
        return []
    if len(rows) == MAX_QUESTIONS:
        notes.append(f"only the newest {MAX_QUESTIONS} entries were read")
    assert d.old_data is not None and d.new_data is not None
    touched = _rows_touched(d)
    # a 👎 of a general answer the change touches (a row's answer is found by the row's name and cite instead)
    kinds = {a.answer for a in touched_answers(d) if not a.rows} - {"source_line", "matching"}
    marks = _answer_marks(d, touched)
    matchers = None
    out: List[TouchedQuestion] = []
    for id_, created, kind, lang, text, answer_kind in rows:
        text = feedback.clean(text)
        because: List[str] = []
        if kind == "fallback":
            if matchers is None:
                matchers = (_matcher(d.old_data, notes), _matcher(d.new_data, notes))
            verdicts = [_verdict(m, text) if m is not None else None for m in matchers]
            if all(verdicts) and verdicts[0][0] != verdicts[1][0]:  # type: ignore[index]
                because.append(f"{verdicts[0][0]} → {verdicts[1][0]}")  # type: ignore[index]
            for v in verdicts:
                for qid in sorted(v[1] if v else (), key=_id_order):
                    if qid in touched:
                        because.append(f"{qid} {touched[qid]}")
        else:
            because += [why for mark, why in marks if mark and mark in text]
            if answer_kind and answer_kind in kinds:
                because.append(f"answer {answer_kind}")
        if because:
            out.append(TouchedQuestion(id_, created, kind, lang, text, answer_kind, tuple(dict.fromkeys(because))))
    return out


def impact(d: VersionDiff, days: int = 90, url: Optional[str] = None, now: Optional[datetime] = None) -> Impact:
    """Touched answers and questions of a diff; `url` is the catalog database holding the unanswered log."""
    notes: List[str] = []
    questions = touched_questions(d, days, url, now, notes)
    return Impact(touched_answers(d), questions, days, notes)


__all__ = ["Impact", "TouchedAnswer", "TouchedQuestion", "benefit_applies", "general_answers", "impact",
           "touched_answers", "touched_questions"]

