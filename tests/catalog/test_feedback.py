"""catalog/feedback.py: what enters the unanswered log is cleaned and masked, what leaves it too (rows
written before), every CSV cell is safe in a spreadsheet, and old entries can be purged.
Each test has a SQLite file of its own (tmp_path)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from catalog import feedback
from catalog.db import create_schema, get_engine, session_scope
from catalog.models import FeedbackEntry

ID18 = "440304198506153216"


@pytest.fixture
def url(tmp_path):
    u = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    create_schema(get_engine(u))
    yield u
    get_engine(u).dispose()


def raw_rows(url):
    with session_scope(url) as s:
        return [(r.conversation_id, r.kind, r.text, r.answer_kind, r.lang) for r in s.query(FeedbackEntry).all()]


def insert_raw(url, **values):
    """A row as an older version wrote it: nothing cleaned or masked."""
    with session_scope(url) as s:
        s.add(FeedbackEntry(**{"created_at": datetime.utcnow(), "conversation_id": "old", "kind": "fallback",
                               "text": "", **values}))


def as_rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_record_cleans_and_masks_at_the_door(url):
    feedback.record("web-1\x00", "fallback", f"我的身份证{ID18}\x00，手机13812345678\r\n谢谢\x1b", "recog\x07nized",
                    "zh", url=url)
    [(cid, kind, text, answer_kind, lang)] = raw_rows(url)
    assert cid == "web-1" and kind == "fallback" and lang == "zh"
    assert text == "我的身份证[ID-CARD]，手机[PHONE]\n谢谢"
    assert answer_kind == "recognized"


def test_record_bounds_every_field(url):
    feedback.record("c" * 500, "unhelpful", "x" * 10_000, "k" * 100, "fr", url=url)
    [(cid, _, text, answer_kind, lang)] = raw_rows(url)
    assert len(cid) == 128 and len(text) == feedback.MAX_TEXT and len(answer_kind) == 32 and lang is None
    with pytest.raises(ValueError):
        feedback.record("c", "other", url=url)


def test_a_number_at_the_length_limit_is_masked_before_the_cut(url):
    text = "x" * (feedback.MAX_TEXT - 5) + "13812345678"
    feedback.record("c", "fallback", text, url=url)
    assert raw_rows(url)[0][2] == "x" * (feedback.MAX_TEXT - 5) + "[PHON"


def test_rows_written_before_are_cleaned_and_masked_on_the_way_out(url):
    insert_raw(url, text=f"NUL\x00 here, card 4111111111111111, id {ID18}", answer_kind="=cmd|' /C calc'!A0")
    [e] = feedback.unanswered(url=url)
    assert e.text == "NUL here, card [BANK-CARD], id [ID-CARD]"
    assert e.answer_kind == "=cmd|' /C calc'!A0"  # still a formula: to_csv escapes it


def test_a_nul_in_the_log_does_not_break_the_csv(url):
    """Python's csv module refuses a NUL in a cell (3.10: "need to escape"); a NUL once made the export a 500."""
    insert_raw(url, text="before\x00after", answer_kind="x\x00y", conversation_id="c\x00d")
    with pytest.raises(csv.Error):  # what happened before: the raw row as csv.writer got it
        csv.writer(io.StringIO()).writerow(["before\x00after"])
    text = feedback.to_csv(feedback.unanswered(url=url), conversation=lambda cid: cid)
    assert as_rows(text)[1][1:5] == ["cd", "fallback", "beforeafter", "xy"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", " =", "  @"])
def test_every_user_supplied_cell_is_escaped_against_formulas(url, start):
    payload = start + "HYPERLINK(\"http://evil.example\",\"click\")"
    insert_raw(url, text=payload, answer_kind=payload[:32], lang="zh", conversation_id=payload)
    text = feedback.to_csv(feedback.unanswered(url=url), conversation=lambda cid: cid)
    row = as_rows(text)[1]
    for cell in row[1:5]:  # conversation, kind, text, answer_kind
        assert not cell.lstrip(" ").startswith(feedback.FORMULA_START) or cell.startswith("'"), repr(cell)
    assert row[3] == "'" + payload.replace("\r", "\n")  # the text keeps its words, behind the apostrophe


def test_csv_header_and_conversation_column(url):
    feedback.record("web-abc", "unhelpful", "Yes. It is listed.", "recognized", "en", url=url)
    rows = as_rows(feedback.to_csv(feedback.unanswered(url=url), conversation=lambda cid: "c-" + str(len(cid))))
    assert rows[0] == list(feedback.CSV_HEADER) == ["time_utc", "conversation", "kind", "text", "answer_kind", "lang"]
    assert rows[1][1:] == ["c-7", "unhelpful", "Yes. It is listed.", "recognized", "en"]


def test_purge_deletes_only_entries_older_than_the_cutoff(url):
    now = datetime.utcnow()
    for days, text in ((200, "oldest"), (181, "old"), (179, "recent"), (0, "today")):
        insert_raw(url, text=text, created_at=now - timedelta(days=days))
    assert feedback.purge(now - timedelta(days=180), url=url) == 2
    assert sorted(e.text for e in feedback.unanswered(url=url)) == ["recent", "today"]
    assert feedback.purge(now - timedelta(days=180), url=url) == 0
