"""The warm-up an action-server worker runs before serving (actions/warmup.py): every turn of it is answered by
the real routing, none fails, and nothing of it is stored (it writes no receipt)."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from actions import warmup


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def test_every_warm_up_turn_is_answered_without_a_failure(caplog):
    caplog.set_level(logging.WARNING, logger="actions")
    took = warmup.warm()
    assert len(took) == len(warmup.TURNS) and all(t >= 0 for t in took)
    assert not [r for r in caplog.records if r.name.startswith("actions")], [r.getMessage() for r in caplog.records]


def test_each_warm_up_turn_reaches_its_own_answer():
    from actions import context, routing

    kinds = []
    for text, intent, action, lang, slots in warmup.TURNS:
        replies, _ = routing.answer(action, context.read(warmup._tracker(text, intent, lang, slots)))
        assert replies and all(a.text for a in replies), text
        kinds.append(replies[0].kind)
    # a credential, its benefits, verification, a verdict, a staff query: more than one part of the path is warmed
    assert {"recognized", "benefits", "verification", "staff_query"} <= set(kinds), kinds


def test_a_failing_turn_is_logged_and_the_rest_still_run(monkeypatch, caplog):
    from actions import routing

    real = routing.answer
    calls = []

    def answer(action, ctx):
        calls.append(action)
        if len(calls) == 1:
            raise RuntimeError("no catalog yet")
        return real(action, ctx)

    monkeypatch.setattr(routing, "answer", answer)
    caplog.set_level(logging.WARNING, logger="actions.warmup")
    took = warmup.warm()
    assert len(took) == len(calls) == len(warmup.TURNS)
    assert any("warm-up turn" in r.getMessage() for r in caplog.records)


def test_warming_stores_no_receipt(catalog_db):
    engine = sa.create_engine(catalog_db, future=True)
    tables = [t for t in sa.inspect(engine).get_table_names() if "receipt" in t]
    assert tables

    def counts():
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in tables}

    before = counts()
    warmup.warm()
    assert counts() == before
    engine.dispose()
