"""Answer receipts: a short code under every answer ("Q7K-3F2") that a person reads to a hotline agent, and what
it stands for: the conversation and turn, the time, the language, the catalog version, the rows and clauses, the
exact text sent and why it was said (intent, matcher verdict, facts, rule verdicts: actions/receipt.py).

The code: six characters of a 30-letter alphabet without look-alikes (no 0/O, 1/I/L, U; 30^6 = 729 million
codes), shown as two groups of three; random (`secrets`), so it says nothing about the person or the
conversation and cannot be guessed from another one. Staff type it with or without the dash, in any case.

Stored in the catalog database's `receipts` table, next to the unanswered log (`feedback`): both servers reach
that database (SQLite in development, PostgreSQL in production), it is kept as long as conversations are
(`purge`, run by `python -m ops.purge`), and staff see it masked (`catalog.pii`): the user's words are masked
before they are stored, the answer's text when it is shown (`shown`).

    new_code()                              a fresh code ("Q7K3F2"); `display(code)` gives "Q7K-3F2"
    normalise(text)                         what staff typed, as a stored code, or None
    record(Receipt fields)                  store one (a new code on the rare collision); the code stored
    get(code) / find(words)                 one receipt / the newest whose question or answer has the words
    mark_unhelpful(code, conversation_id)   a 👎 on that answer (only from its own conversation)
    unhelpful_streak(conversation_id, n)    were the last n answers of the conversation no help?
"""
from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Set

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from catalog import config
from catalog.db import create_schema, get_engine, session_scope
from catalog.models import Receipt as ReceiptRow
from catalog.pii import mask
from catalog.text import without_controls

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6
MAX_TEXT = 8000
MAX_QUESTION = 2000
MAX_FIND_WORDS = 200
_TYPED = re.compile(r"[\s\-–—_.·]+")
_schema_done: Set[str] = set()
_schema_lock = threading.Lock()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """ "Q7K3F2" -> "Q7K-3F2" (easier to read aloud and to type)."""
    return f"{code[:3]}-{code[3:]}" if len(code) == LENGTH else code


def normalise(text: str) -> Optional[str]:
    """The stored code of what staff typed ("q7k 3f2", "Q7K-3F2"), or None when it cannot be one."""
    raw = _TYPED.sub("", (text or "").strip().upper())
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


@dataclass(frozen=True)
class Receipt:
    code: str
    conversation_id: str
    turn: int
    text: str
    created_at: datetime = field(default_factory=datetime.utcnow)
    message_id: Optional[str] = None
    lang: Optional[str] = None
    catalog_version: Optional[str] = None
    action: Optional[str] = None
    intent: Optional[str] = None
    helped: bool = True
    question: str = ""
    kinds: Sequence[str] = ()
    rows: Sequence[str] = ()
    clauses: Sequence[str] = ()
    why: Dict[str, Any] = field(default_factory=dict)

    def shown(self) -> Dict[str, Any]:
        """What staff see (the conversation id is the caller's to replace: bot/channels/web shows a keyed hash)."""
        return {"code": display(self.code), "time": self.created_at.isoformat(timespec="seconds") + "Z",
                "turn": self.turn, "lang": self.lang, "catalog_version": self.catalog_version,
                "action": self.action, "intent": self.intent, "helped": self.helped,
                "question": mask(self.question), "text": mask(self.text), "kinds": list(self.kinds),
                "rows": list(self.rows), "clauses": list(self.clauses), "why": self.why}


def _schema(url: Optional[str]) -> None:
    key = url or config.database_url()
    if key in _schema_done:
        return
    with _schema_lock:
        if key not in _schema_done:
            create_schema(get_engine(url))
            _schema_done.add(key)


def _short(value: Optional[str], n: int) -> Optional[str]:
    return without_controls(str(value))[:n] if value else None


_INSERT = insert(ReceiptRow)  # the values are parameters: one compiled statement, cached


def record(receipt: Receipt, url: Optional[str] = None, attempts: int = 3) -> str:
    """Store `receipt`; the code it was stored under (a fresh one if its code was taken: one in hundreds of
    millions). The user's words are masked here, so no stored question holds an ID-card or phone number."""
    _schema(url)
    code = receipt.code
    for _ in range(attempts):
        try:
            # one Core INSERT, not an ORM unit of work (its flush was most of the write's time on every turn)
            with get_engine(url).begin() as conn:
                conn.execute(_INSERT, dict(
                    code=code, created_at=receipt.created_at, conversation_id=receipt.conversation_id[:128],
                    turn=int(receipt.turn), message_id=_short(receipt.message_id, 128), lang=_short(receipt.lang, 4),
                    catalog_version=_short(receipt.catalog_version, 16), action=_short(receipt.action, 64),
                    intent=_short(receipt.intent, 64), helped=bool(receipt.helped),
                    question=mask(without_controls(receipt.question[:MAX_QUESTION * 2]))[:MAX_QUESTION],
                    text=without_controls(receipt.text)[:MAX_TEXT], kinds=list(receipt.kinds),
                    rows=list(receipt.rows), clauses=list(receipt.clauses), why=receipt.why))
            return code
        except IntegrityError:
            code = new_code()
    raise RuntimeError("no free receipt code")


def _of(r: ReceiptRow) -> Receipt:
    return Receipt(r.code, r.conversation_id, r.turn, r.text or "", r.created_at, r.message_id, r.lang,
                   r.catalog_version, r.action, r.intent, bool(r.helped), r.question or "", tuple(r.kinds or ()),
                   tuple(r.rows or ()), tuple(r.clauses or ()), dict(r.why or {}))


def get(code: str, url: Optional[str] = None) -> Optional[Receipt]:
    raw = normalise(code)
    if raw is None:
        return None
    _schema(url)
    with session_scope(url) as s:
        row = s.get(ReceiptRow, raw)
        return _of(row) if row is not None else None


def find(words: str, limit: int = 20, url: Optional[str] = None) -> List[Receipt]:
    """The newest receipts whose question or answer contains `words` (what an applicant says the bot told them,
    or what they asked), at most `limit`."""
    words = without_controls(words or "").strip()[:MAX_FIND_WORDS]
    if not words:
        return []
    _schema(url)
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with session_scope(url) as s:
        rows = s.execute(select(ReceiptRow).where(or_(ReceiptRow.question.like(pattern, escape="\\"),
                                                      ReceiptRow.text.like(pattern, escape="\\")))
                         .order_by(ReceiptRow.created_at.desc()).limit(limit)).scalars().all()
        return [_of(r) for r in rows]


# answers about an answer ("thanks for your feedback"): not one of the answers a streak counts
NOT_ANSWERS = ("action_record_feedback",)


def last(conversation_id: str, n: int = 1, url: Optional[str] = None) -> List[Receipt]:
    """The conversation's last `n` answers' receipts, newest first (feedback acknowledgements left out)."""
    _schema(url)
    with session_scope(url) as s:
        rows = s.execute(select(ReceiptRow).where(ReceiptRow.conversation_id == conversation_id,
                                                  or_(ReceiptRow.action.is_(None), ReceiptRow.action.notin_(NOT_ANSWERS)))
                         .order_by(ReceiptRow.created_at.desc(), ReceiptRow.turn.desc()).limit(n)).scalars().all()
        return [_of(r) for r in rows]


def unhelpful_streak(conversation_id: str, n: int = 2, url: Optional[str] = None) -> bool:
    """Were the conversation's last `n` answers no help (a fallback, or rated 👎)?"""
    found = last(conversation_id, n, url)
    return len(found) == n and not any(r.helped for r in found)


def mark_unhelpful(code: str, conversation_id: str, url: Optional[str] = None) -> bool:
    """A 👎 on the answer of `code`, only when it belongs to `conversation_id` (a page rates its own answers)."""
    raw = normalise(code)
    if raw is None:
        return False
    _schema(url)
    with session_scope(url) as s:
        done = s.execute(update(ReceiptRow).where(ReceiptRow.code == raw,
                                                  ReceiptRow.conversation_id == conversation_id)
                         .values(helped=False))
        return bool(done.rowcount)


def purge(before: datetime, url: Optional[str] = None) -> int:
    """Delete every receipt created before `before` (UTC, naive as stored); how many were deleted."""
    _schema(url)
    with session_scope(url) as s:
        return int(s.execute(delete(ReceiptRow).where(ReceiptRow.created_at < before)).rowcount or 0)
