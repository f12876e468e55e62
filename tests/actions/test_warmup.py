"""The warm-up an action-server worker runs before serving (actions/warmup.py): every turn of it is answered by
the real routing, none fails, and nothing of it is stored (it writes no receipt)."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from rasa_sdk.executor import ActionExecutor

from actions import warmup


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


@pytest.fixture(scope="module")
def registered():
    """The actions as the action server's rasa-sdk executor registers them."""
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor.actions


def test_every_warm_up_turn_is_answered_without_a_failure(registered, caplog):
    caplog.set_level(logging.WARNING, logger="actions")
    took = warmup.warm(registered)
    assert len(took) == len(warmup.TURNS) and all(t >= 0 for t in took)
    assert not [r for r in caplog.records if r.name.startswith("actions")], [r.getMessage() for r in caplog.records]


def test_each_warm_up_turn_reaches_its_own_answer(registered):
    from actions import context

    kinds = []
    for text, intent, action, lang, slots in warmup.TURNS:
        replies, _ = warmup.answerer(registered, action)(context.read(warmup._tracker(text, intent, lang, slots)))
        assert replies and all(a.text for a in replies), text
        kinds.append(replies[0].kind)
    # a credential, its benefits, verification, a verdict, a staff query: more than one part of the path is warmed
    assert {"recognized", "benefits", "verification", "staff_query"} <= set(kinds), kinds


def test_a_failing_or_missing_action_is_logged_and_the_rest_still_run(registered, caplog):
    first = warmup.TURNS[0][2]
    calls = []

    class Failing:
        def answer(self, ctx):
            calls.append(ctx.text)
            raise RuntimeError("no catalog yet")

        async def run(self, dispatcher, tracker, domain):
            return []

    some = {**registered, first: Failing().run}
    some.pop(warmup.TURNS[1][2])
    caplog.set_level(logging.WARNING, logger="actions.warmup")
    took = warmup.warm(some)
    assert len(took) == len(warmup.TURNS) and calls == [warmup.TURNS[0][0]]
    failed = [r.getMessage() for r in caplog.records if "warm-up turn" in r.getMessage()]
    assert len(failed) == 2, failed


def test_warming_stores_no_receipt(registered, catalog_db):
    engine = sa.create_engine(catalog_db, future=True)
    tables = [t for t in sa.inspect(engine).get_table_names() if "receipt" in t]
    assert tables

    def counts():
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in tables}

    before = counts()
    warmup.warm(registered)
    assert counts() == before
    engine.dispose()
