"""Shared fixtures: a catalog database of our own for each test session (SQLite under tmp), the trained model's
Agent loaded once; and how the tests are shared out when pytest runs them in parallel (scripts/test.sh:
`pytest -n 2 --dist loadgroup`, pytest-xdist).

In parallel, each worker is a session of its own, so every session-scoped fixture it needs is built once in
that worker. To build each expensive one only once per run, the tests are put into groups that one worker
runs whole (`pytest_collection_modifyitems`): a module whose tests use the Agent (`rasa_agent`) joins the
group "agent"; a module that uses a session fixture of its directory's conftest (the servers of tests/web
and tests/e2e, PostgreSQL and Redis of tests/prod) joins that directory's group; every other module is a
group of its own (its module-scoped servers start once). The longest groups are handed out first.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

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


# session fixtures of tests/conftest.py that are expensive: the modules using one share a worker
SHARED_SESSION_FIXTURES = {"rasa_agent": "agent"}
# the longest groups (pytest --durations, summed per group), handed out first so that the last group to start
# is a short one; the others follow in collection order
LONGEST_FIRST = ("tests/prod", "tests/web", "agent", "tests/catalog/test_version_diff.py",
                 "tests/actions/test_supervisor.py", "tests/e2e")


def _module_group(item: pytest.Item) -> str:
    """The group one test asks for: a shared fixture's ("agent"), else its directory's (it uses a session
    fixture of that directory's conftest, e.g. "tests/web"), else '' (none: its module's own)."""
    names = getattr(item, "fixturenames", ())
    for name in names:
        if name in SHARED_SESSION_FIXTURES:
            return SHARED_SESSION_FIXTURES[name]
    infos = getattr(item, "_fixtureinfo", None)
    here = Path(__file__).resolve().parent.relative_to(item.config.rootpath).as_posix()  # "tests"
    for name in names:
        for fixturedef in (infos.name2fixturedefs.get(name, ()) if infos else ()):
            if fixturedef.scope == "session" and fixturedef.baseid not in ("", here):  # not this file's or a plugin's
                return fixturedef.baseid.split("::")[0]
    return ""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if not hasattr(config, "workerinput") and config.getoption("dist", "no") == "no":
        return  # a serial run: collection order as written
    module_of = {item: item.nodeid.split("::")[0] for item in items}
    groups: Dict[str, str] = {}
    for item in items:  # a module goes where any of its tests must go (a shared fixture's group first)
        asked = _module_group(item)
        if asked and (module_of[item] not in groups or asked in SHARED_SESSION_FIXTURES.values()):
            groups[module_of[item]] = asked
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups.get(module_of[item], module_of[item])))
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def order(item: pytest.Item) -> int:
        return rank.get(groups.get(module_of[item], module_of[item]), len(rank))

    items.sort(key=order)  # stable: collection order within a group and among the rest
