"""The log of unanswered questions and of 👍/👎 on answers, so the knowledge can be fixed.

What members of the public typed is cleaned at the door (`record`, the one way in: the web page's
👍/👎 and the bot's fallback and feedback actions) and again on the way out (`unanswered`, for rows
written before): control characters out (a NUL in one 👎 made the CSV export fail for everyone; a NUL
is refused by PostgreSQL), personal data masked (catalog/pii.py: ID-card, phone and card numbers, …).
`to_csv` escapes every cell a spreadsheet would run as a formula, and never writes a conversation id
itself: the caller says what stands for it (bot/channels/web/: a keyed hash). The log is kept as
long as conversations are (`purge`, run by `python -m ops.purge`).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List, Optional

from sqlalchemy import delete, select

from catalog.db import create_schema, get_engine, session_scope
from catalog.models import FeedbackEntry
from catalog.pii import mask
from catalog.text import without_controls

KINDS = ("fallback", "helpful", "unhelpful")
LANGS = ("zh", "en")
MAX_TEXT = 2000
MAX_CONVERSATION_ID = 128
MAX_ANSWER_KIND = 32  # the column's length
CSV_HEADER = ("time_utc", "conversation", "kind", "text", "answer_kind", "lang")
# a cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class Feedback:
    id: int
    created_at: datetime
    conversation_id: str
    kind: str
    text: str
    answer_kind: Optional[str]
    lang: Optional[str]


def clean(text: Optional[str], max_chars: int = MAX_TEXT) -> str:
    """A text fit to store and show: no control characters, personal data masked, at most `max_chars`."""
    # bounded before masking (its cost), masked before the final cut (a number is never cut in half)
    return mask(without_controls(str(text or "")[:max_chars * 2]))[:max_chars]


def _short(value: Optional[str], max_chars: int) -> Optional[str]:
    value = without_controls(str(value)).strip()[:max_chars] if value is not None else ""
    return value or None


def record(conversation_id: str, kind: str, text: str = "", answer_kind: Optional[str] = None,
           lang: Optional[str] = None, url: Optional[str] = None) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    create_schema(get_engine(url))
    with session_scope(url) as s:
        s.add(FeedbackEntry(created_at=datetime.utcnow(),
                            conversation_id=_short(conversation_id, MAX_CONVERSATION_ID) or "?", kind=kind,
                            text=clean(text), answer_kind=_short(answer_kind and clean(answer_kind), MAX_ANSWER_KIND),
                            lang=lang if lang in LANGS else None))


def unanswered(limit: int = 500, url: Optional[str] = None) -> List[Feedback]:
    """Fallbacks and 👎, newest first, cleaned and masked."""
    create_schema(get_engine(url))
    with session_scope(url) as s:
        rows = s.execute(
            select(FeedbackEntry).where(FeedbackEntry.kind.in_(("fallback", "unhelpful")))
            .order_by(FeedbackEntry.created_at.desc(), FeedbackEntry.id.desc()).limit(limit)
        ).scalars().all()
        return [Feedback(r.id, r.created_at, r.conversation_id, r.kind, clean(r.text),
                         _short(r.answer_kind and clean(r.answer_kind), MAX_ANSWER_KIND),
                         r.lang if r.lang in LANGS else None) for r in rows]


def purge(before: datetime, url: Optional[str] = None) -> int:
    """Delete every entry created before `before` (UTC, naive as stored); how many were deleted."""
    create_schema(get_engine(url))
    with session_scope(url) as s:
        return int(s.execute(delete(FeedbackEntry).where(FeedbackEntry.created_at < before)).rowcount or 0)


def formula_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe
    (OWASP's CSV injection advice), also when spaces come first (some spreadsheets skip them)."""
    if value.startswith(FORMULA_START) or value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(entries: List[Feedback], conversation: Callable[[str], str]) -> str:
    """The entries as CSV; `conversation(id)` gives what stands for each conversation id."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_HEADER)
    for e in entries:
        cells = (e.created_at.isoformat(timespec="seconds"), conversation(e.conversation_id), e.kind, e.text,
                 e.answer_kind or "", e.lang or "")
        w.writerow([formula_safe(without_controls(str(c))) for c in cells])
    return out.getvalue()
