"""Shared fixtures: a catalog database of our own for each test session (SQLite under tmp)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


@pytest.fixture(scope="session")
def catalog_db(tmp_path_factory):
    """CATALOG_DB_URL pointing at a fresh SQLite file with catalog/data loaded."""
    from catalog import db, loader, queries

    path = tmp_path_factory.mktemp("catalog") / "catalog.sqlite3"
    url = f"sqlite:///{path}"
    old = os.environ.get("CATALOG_DB_URL")
    os.environ["CATALOG_DB_URL"] = url
    queries.clear_cache()
    loader.load()
    yield url
    queries.clear_cache()
    db.dispose_all()
    if old is None:
        os.environ.pop("CATALOG_DB_URL", None)
    else:
        os.environ["CATALOG_DB_URL"] = old


@pytest.fixture(scope="session")
def matcher(catalog_db):
    from catalog.matching import get_matcher

    return get_matcher()


@pytest.fixture(scope="session")
def rasa_agent(catalog_db):
    """The trained model's real Agent (in-memory stores, no action server), loaded once per session."""
    from pathlib import Path

    import bot.channels  # noqa: F401 - applies bot/rasa_patches.py, as in the Rasa server
    from rasa.core.agent import Agent

    model = Path(__file__).resolve().parents[1] / "models" / "qualibot.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    return Agent.load(str(model))
