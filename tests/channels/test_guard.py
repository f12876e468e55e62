"""bot/channels/checks.py, wording.py, ratelimit.py (once guard.py): cleaning text, checking senders, the channels' wording, the rate limiter
(in memory, and through the machine's Redis at 127.0.0.1:6379 when it runs)."""
from __future__ import annotations

import asyncio
import logging
import socket
import uuid

import pytest
import yaml

from bot.channels import wording as channel_wording
from bot.channels.checks import MAX_TEXT_CHARS, BadInput, clean_text, problem_with, validate_sender
from bot.channels.ratelimit import MemoryCounter, RateLimiter, parse_rate_limit, rate_limit_config
from bot.channels.wording import reply_for, wording

REDIS_URL = "redis://127.0.0.1:6379/0"


def run(coro):
    return asyncio.run(coro)


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- clean_text ------------------------------------------------------------------------------------------

def test_control_characters_go_tabs_and_newlines_stay():
    assert clean_text("CFA\x00\x07 证书\x1b[31m\x7f\x9b") == "CFA 证书[31m"
    assert clean_text("第一行\n\t第二行") == "第一行\n\t第二行"
    assert clean_text("a\r\nb\rc") == "a\nb\nc"
    assert clean_text("\ufeffCFA") == "CFA"


def test_separators_become_spaces_so_words_stay_apart():
    assert clean_text("CFA\u2028FRM\u2029ACCA") == "CFA FRM ACCA"
    assert clean_text("CFA\x0bFRM\x0cACCA\x85PMP") == "CFA FRM ACCA PMP"


def test_whitespace_is_trimmed_at_the_ends_only():
    assert clean_text(" \u3000\t CFA   and  FRM \n ") == "CFA   and  FRM"


def test_non_strings_and_lone_surrogates_are_bad_input():
    for value in (None, 3, 2.5, True, b"CFA", ["CFA"], {"text": "CFA"}):
        with pytest.raises(BadInput, match="string"):
            clean_text(value)
    with pytest.raises(BadInput, match="Unicode"):
        clean_text("CFA\ud800")
    assert clean_text("😀 CFA 𠀀") == "😀 CFA 𠀀"  # astral characters are fine


def test_a_pasted_resume_goes_through_unchanged():
    resume = ("姓名：张三\nEducation: MSc Finance, 2015\n\tCFA charterholder (2019); FRM part I\n"
              "Experience: 8 years in asset management, Beijing & Hong Kong <b>'; DROP TABLE users; --</b>\n") * 30
    resume = resume[:2999] + "。"
    assert len(resume) == 3000 and clean_text(resume) == resume and problem_with(resume) is None


def test_problems():
    assert problem_with("") == "empty"
    assert problem_with(clean_text(" \x00\u2028\t\n")) == "empty"
    assert problem_with("x" * MAX_TEXT_CHARS) is None
    assert problem_with("x" * (MAX_TEXT_CHARS + 1)) == "too_long"


# --- validate_sender ----------------------------------------------------------------------------------------

def test_valid_senders():
    assert validate_sender("oyORnuP8q7ou2gfYjqLzSIWZf0rs") == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert validate_sender(12345) == "12345"
    assert validate_sender("用户 42") == "用户 42"
    assert validate_sender("x" * 128) == "x" * 128


@pytest.mark.parametrize("value", ["", "   ", "x" * 129, "a\nb", "a\x00b", "a\u200bb", "a\ud800", True, None,
                                   1.5, ["a"], {"id": 1}])
def test_invalid_senders(value):
    with pytest.raises(BadInput):
        validate_sender(value)


# --- wording --------------------------------------------------------------------------------------------------

def test_every_situation_has_both_languages():
    data = yaml.safe_load(channel_wording.MESSAGES_FILE.read_text(encoding="utf-8"))
    assert set(data) == set(channel_wording.SITUATIONS)
    for key in channel_wording.SITUATIONS:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in data[key]["zh"]), key
        assert data[key]["en"].isascii(), key


def test_wording_follows_the_language_of_the_message():
    assert reply_for("too_long", "我有CFA证书" * 2000) == wording("too_long", "zh")
    assert "too long" in reply_for("too_long", "I have a CFA and " * 500)
    both = reply_for("empty", "")
    assert both == wording("empty", "zh") + "\n" + wording("empty", "en")
    assert "请" in both and "Please" in both
    assert reply_for("rate_limited", "CFA") == wording("rate_limited")  # "CFA" doesn't tell: both
    assert "unavailable" in wording("unavailable", "en") and "hotline" in wording("unavailable", "en")


# --- rate limit configuration -------------------------------------------------------------------------------------

def test_rate_limit_settings():
    assert parse_rate_limit(None) == (30, 60.0) and parse_rate_limit("") == (30, 60.0)
    assert parse_rate_limit("5/10") == (5, 10.0) and parse_rate_limit(" 100 / 3600 ") == (100, 3600.0)
    assert parse_rate_limit("0")[0] == 0
    for bad in ("30", "abc", "30/0", "-1/60", "30/60/2", "1e3/60"):
        with pytest.raises(ValueError, match="QUALIBOT_RATE_LIMIT"):
            parse_rate_limit(bad)
    c = rate_limit_config({"QUALIBOT_RATE_LIMIT": "2/5", "QUALIBOT_REDIS_URL": " redis://h:1/0 "})
    assert (c.limit, c.window, c.redis_url) == (2, 5.0, "redis://h:1/0")
    assert rate_limit_config({}).redis_url == ""


def test_from_env_reads_the_variables(monkeypatch):
    monkeypatch.setenv("QUALIBOT_RATE_LIMIT", "7/9")
    monkeypatch.delenv("QUALIBOT_REDIS_URL", raising=False)
    limiter = RateLimiter.from_env()
    assert (limiter.limit, limiter.window, limiter.redis) == (7, 9.0, None)


# --- the in-memory limiter ---------------------------------------------------------------------------------------

def test_limit_per_sender_and_window():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)

    async def burst(sender, n):
        return [await limiter.allow(sender) for _ in range(n)]

    assert run(burst("alice", 5)) == [True, True, True, False, False]
    assert run(burst("bob", 3)) == [True, True, True]  # another sender is not affected
    assert 1 <= limiter.retry_after() <= 60
    clock.now += limiter.retry_after()  # the next window
    assert run(burst("alice", 4)) == [True, True, True, False]


def test_zero_disables_the_limit():
    limiter = RateLimiter(0, 60)
    assert not limiter.enabled

    async def burst():
        return [await limiter.allow("x") for _ in range(1000)]

    assert run(burst()) == [True] * 1000
    assert len(limiter.memory) == 0


def test_memory_is_bounded_and_drops_the_least_recent_senders():
    counter = MemoryCounter(max_senders=100)
    for i in range(1000):
        counter.hit(f"s{i}", 1)
    assert len(counter) == 100
    assert counter.hit("s999", 1) == 2  # recent: still counted
    assert counter.hit("s0", 1) == 1  # evicted long ago: counts afresh


def test_retry_after_counts_down_to_the_window_end():
    clock = Clock(120.0)
    limiter = RateLimiter(1, 60, clock=clock)
    assert limiter.retry_after() == 60
    clock.now = 170.5
    assert limiter.retry_after() == 10


# --- Redis ---------------------------------------------------------------------------------------------------

needs_redis = pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379 (apt-get install "
                                                                "redis-server, or start it) for the shared limit")


@needs_redis
def test_two_limiters_share_the_limit_through_redis():
    sender = f"test-{uuid.uuid4().hex}"
    one, two = RateLimiter(4, 60, REDIS_URL), RateLimiter(4, 60, REDIS_URL)

    async def main():
        results = []
        for i in range(6):  # alternate, as two server replicas would see them
            results.append(await (one if i % 2 == 0 else two).allow(sender))
        other = await two.allow(sender + "-other")
        import redis.asyncio as aioredis

        client = aioredis.from_url(REDIS_URL)
        window = int(one.clock() // one.window)
        key = f"qualibot:rl:{sender}:{window}"
        stored, ttl = await client.get(key), await client.ttl(key)
        await client.delete(key, f"qualibot:rl:{sender}-other:{window}")
        await client.close()
        return results, other, stored, ttl

    results, other, stored, ttl = run(main())
    assert results == [True, True, True, True, False, False]
    assert other is True
    assert int(stored) == 6 and 0 < ttl <= 60
    assert len(one.memory) == 0 and len(two.memory) == 0  # nothing was counted in memory


def test_unreachable_redis_falls_back_to_memory_with_a_warning(caplog):
    limiter = RateLimiter(2, 60, f"redis://127.0.0.1:{closed_port()}/0")

    async def burst():
        return [await limiter.allow("carol") for _ in range(4)]

    with caplog.at_level(logging.WARNING, logger="bot.channels.ratelimit"):
        assert run(burst()) == [True, True, False, False]
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once, not once per message
    assert "127.0.0.1" not in warnings[0].getMessage()  # no address in the log line
    assert len(limiter.memory) == 1


def test_a_bad_redis_url_also_falls_back():
    limiter = RateLimiter(1, 60, "not-a-redis-url")
    assert run(limiter.allow("dave")) is True
    assert run(limiter.allow("dave")) is False
