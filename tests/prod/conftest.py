"""Fixtures for the production configuration: PostgreSQL and Redis on this machine, fault proxies."""
from __future__ import annotations

import os
import socket

import pytest

PG = (os.environ.get("QUALIBOT_PG_HOST", "127.0.0.1"), int(os.environ.get("QUALIBOT_PG_PORT", "5432")))
REDIS = (os.environ.get("QUALIBOT_REDIS_HOST", "127.0.0.1"), int(os.environ.get("QUALIBOT_REDIS_PORT", "6379")))


def reachable(addr) -> bool:
    try:
        socket.create_connection(addr, timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_addr():
    if not reachable(PG):
        pytest.skip(f"PostgreSQL is not running at {PG[0]}:{PG[1]}: the production tests need it "
                    "(set QUALIBOT_PG_HOST/PORT)")
    return PG


@pytest.fixture(scope="session")
def redis_addr():
    if not reachable(REDIS):
        pytest.skip(f"Redis is not running at {REDIS[0]}:{REDIS[1]}: the production tests need it "
                    "(set QUALIBOT_REDIS_HOST/PORT)")
    return REDIS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test of the production stack carries the last lines of each process's log (nginx, both replicas,
    the action server) in its report: CI keeps nothing else of the stack it ran, and a turn answered "temporarily
    unavailable" says why only there."""
    outcome = yield
    report = outcome.get_result()
    stack = getattr(item, "funcargs", {}).get("stack")
    if report.when != "call" or not report.failed or stack is None or not hasattr(stack, "log_tail"):
        return
    for name in ("rasa-0", "rasa-1", "actions", "nginx"):
        tail = stack.log_tail(name, 30)
        if tail:
            report.sections.append((f"log of {name} (last 30 lines)", tail))
