"""The log of unanswered questions and of 👍/👎 on answers, so the knowledge can be fixed."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select

from catalog.db import create_schema, get_engine, session_scope
from catalog.models import FeedbackEntry

KINDS = ("fallback", "helpful", "unhelpful")
MAX_TEXT = 2000


@dataclass(frozen=True)
class Feedback:
    id: int
    created_at: datetime
    conversation_id: str
    kind: str
    text: str
    answer_kind: Optional[str]
    lang: Optional[str]


def record(conversation_id: str, kind: str, text: str = "", answer_kind: Optional[str] = None,
           lang: Optional[str] = None, url: Optional[str] = None) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    create_schema(get_engine(url))
    with session_scope(url) as s:
        s.add(FeedbackEntry(created_at=datetime.utcnow(), conversation_id=conversation_id[:128], kind=kind,
                            text=(text or "")[:MAX_TEXT], answer_kind=answer_kind, lang=lang))


def unanswered(limit: int = 500, url: Optional[str] = None) -> List[Feedback]:
    """Fallbacks and 👎, newest first."""
    create_schema(get_engine(url))
    with session_scope(url) as s:
        rows = s.execute(
            select(FeedbackEntry).where(FeedbackEntry.kind.in_(("fallback", "unhelpful")))
            .order_by(FeedbackEntry.created_at.desc(), FeedbackEntry.id.desc()).limit(limit)
        ).scalars().all()
        return [Feedback(r.id, r.created_at, r.conversation_id, r.kind, r.text, r.answer_kind, r.lang) for r in rows]


def to_csv(entries: List[Feedback]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["time_utc", "conversation_id", "kind", "text", "answer_kind", "lang"])
    for e in entries:
        w.writerow([e.created_at.isoformat(timespec="seconds"), e.conversation_id, e.kind, e.text,
                    e.answer_kind or "", e.lang or ""])
    return out.getvalue()
