"""catalog/logs.py: JSON log lines with the turn's keys (receipt, conversation, message id), extras, and personal
data masked in the message, the bound values, the extras and tracebacks."""
from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from catalog import logs
from catalog.pii import install_log_masking


@pytest.fixture
def captured():
    install_log_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter())
    log = logging.getLogger("qualibot.test.logs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    log.removeHandler(handler)


def test_a_line_is_json_with_the_turn_s_keys_and_extras(captured):
    log, lines = captured
    with logs.bound(conversation="rest:me", message_id="m-1", receipt="Q7K-3F2", unused=None):
        log.info("answered %s", "R007", extra={"rows": ["R007"], "ms": 12.5})
    log.info("after the turn")
    first, second = lines()
    assert first["event"] == "answered R007" and first["level"] == "info" and first["logger"] == "qualibot.test.logs"
    assert first["receipt"] == "Q7K-3F2" and first["conversation"] == "rest:me" and first["message_id"] == "m-1"
    assert first["rows"] == ["R007"] and first["ms"] == 12.5 and first["time"].endswith("Z")
    assert "unused" not in first
    assert "receipt" not in second and "conversation" not in second  # the keys end with the turn


def test_personal_data_is_masked_everywhere_in_a_line(captured):
    log, lines = captured
    with logs.bound(conversation="rest:13812345678"):
        log.info("user said 我的手机13812345678", extra={"text": "mail me at someone@example.com"})
        try:
            raise ValueError("bad phone 13987654321")
        except ValueError:
            log.exception("failed for 13812345678")
    raw = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines())
    for secret in ("13812345678", "someone@example.com", "13987654321"):
        assert secret not in raw
    assert "[PHONE]" in raw and "[EMAIL]" in raw and "ValueError" in raw


def test_concurrent_turns_keep_their_own_keys(captured):
    log, lines = captured

    async def turn(code: str) -> None:
        with logs.bound(receipt=code):
            await asyncio.sleep(0)
            log.info("turn")

    async def both() -> None:
        await asyncio.gather(turn("AAA-AAA"), turn("BBB-BBB"))

    asyncio.run(both())
    assert sorted(line["receipt"] for line in lines()) == ["AAA-AAA", "BBB-BBB"]


def test_configure_switches_the_root_handlers_to_json_only_when_asked():
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    before = logging.Formatter("%(message)s")
    handler.setFormatter(before)
    root.addHandler(handler)
    try:
        logs.configure(environ={})
        assert handler.formatter is before
        logs.configure(environ={"QUALIBOT_LOG_FORMAT": "json"})
        assert handler.formatter is not before and logs.wants_json({"QUALIBOT_LOG_FORMAT": "JSON"})
    finally:
        root.removeHandler(handler)
        logging.captureWarnings(False)
