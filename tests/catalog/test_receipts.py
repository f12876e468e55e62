"""catalog/receipts.py: codes easy to read aloud, stored and resolved on SQLite and the machine's PostgreSQL (in a
schema of its own), the user's words masked, 👎 only from the receipt's own conversation, the streak of answers
that did not help, the purge, and a taken code replaced."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import receipts


def test_codes_use_an_alphabet_without_look_alikes():
    assert not set("01ILOU") & set(receipts.ALPHABET) and len(receipts.ALPHABET) == 30
    codes = {receipts.new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 6 and set(c) <= set(receipts.ALPHABET) for c in codes)
    assert receipts.display("Q7K3F2") == "Q7K-3F2"
    for typed in ("Q7K-3F2", "q7k3f2", " q7k 3f2 ", "Q7K–3F2", "Q7K.3F2"):
        assert receipts.normalise(typed) == "Q7K3F2"
    for bad in ("", "Q7K-3F", "Q7K-3F22", "O7K-3F2", "Q1K-3F2", "DROP TABLE", "Q7K-3F2;--"):
        assert receipts.normalise(bad) is None


@given(st.text(max_size=40))
def test_normalise_never_fails_and_gives_a_code_or_none(text):
    out = receipts.normalise(text)
    assert out is None or (len(out) == 6 and set(out) <= set(receipts.ALPHABET))


def _postgres_url():
    import psycopg2

    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=2).close()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {exc}")
    return "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'receipts.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    base = _postgres_url()
    schema = f"qualibot_receipts_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, future=True)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base + f"?options=-csearch_path%3D{schema}"
    finally:
        from catalog import db

        db.dispose_all()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def receipt(code: str, conversation: str, turn: int, helped: bool = True, age_days: float = 0, **kw):
    return receipts.Receipt(code=code, conversation_id=conversation, turn=turn, text=kw.pop("text", "是的，CFA在目录内。"),
                            created_at=datetime.utcnow() - timedelta(days=age_days, seconds=-turn), helped=helped,
                            **kw)


def test_store_resolve_find_and_mark(url):
    why = {"intent": {"name": "ask_recognized", "confidence": 0.97}, "rules": [{"clause": "一.4", "outcome": "applies"}]}
    code = receipts.record(receipt("Q7K3F2", "rest:a", 1, question="我的手机13812345678，CFA能认可吗", lang="zh",
                                   rows=("R007",), clauses=("附件1（二）第7项",), why=why, intent="ask_recognized"),
                           url=url)
    assert code == "Q7K3F2"
    r = receipts.get("q7k-3f2", url=url)
    assert r is not None and r.rows == ("R007",) and r.why == why and r.intent == "ask_recognized"
    assert "13812345678" not in r.question and "[PHONE]" in r.question  # masked before it was stored
    assert receipts.get("Q7K-3F3", url=url) is None and receipts.get("nonsense", url=url) is None
    assert [x.code for x in receipts.find("CFA能认可", url=url)] == ["Q7K3F2"]
    assert [x.code for x in receipts.find("CFA在目录内", url=url)] == ["Q7K3F2"]  # the answer's words too
    assert receipts.find("100%_", url=url) == []  # LIKE's wildcards are the words typed, not patterns
    shown = r.shown()
    assert shown["code"] == "Q7K-3F2" and "conversation_id" not in shown
    # a 👎 only from the receipt's own conversation
    assert not receipts.mark_unhelpful("Q7K-3F2", "rest:b", url=url)
    assert receipts.get("Q7K3F2", url=url).helped is True
    assert receipts.mark_unhelpful("Q7K-3F2", "rest:a", url=url)
    assert receipts.get("Q7K3F2", url=url).helped is False


def test_the_streak_of_answers_that_did_not_help(url):
    receipts.record(receipt("AAAAA2", "rest:s", 1, helped=False), url=url)
    assert not receipts.unhelpful_streak("rest:s", 2, url=url)  # one is no streak
    receipts.record(receipt("AAAAA3", "rest:s", 2, helped=True), url=url)
    receipts.record(receipt("AAAAA4", "rest:s", 3, helped=False), url=url)
    assert not receipts.unhelpful_streak("rest:s", 2, url=url)  # not in a row
    receipts.record(receipt("AAAAA5", "rest:s", 4, helped=False), url=url)
    assert receipts.unhelpful_streak("rest:s", 2, url=url)
    receipts.record(receipt("AAAAA6", "rest:s", 5, action="action_record_feedback"), url=url)  # "thanks for that"
    assert receipts.unhelpful_streak("rest:s", 2, url=url)  # an acknowledgement breaks no streak
    assert [r.code for r in receipts.last("rest:s", 2, url=url)] == ["AAAAA5", "AAAAA4"]


def test_a_taken_code_gets_a_new_one_and_the_purge_keeps_the_recent(url):
    receipts.record(receipt("BBBBB2", "rest:p", 1, age_days=200), url=url)
    other = receipts.record(receipt("BBBBB2", "rest:p", 2), url=url)
    assert other != "BBBBB2" and receipts.get(other, url=url).turn == 2
    assert receipts.purge(datetime.utcnow() - timedelta(days=180), url=url) == 1
    assert receipts.get("BBBBB2", url=url) is None and receipts.get(other, url=url) is not None
