"""bot/channels/checks.py's client addresses and shared limits, and the development tracker store's bound
(issue 12: 100 sender ids from one address all passed; a conversation got the limit once per channel;
the in-memory store grew with every made-up conversation id)."""
from __future__ import annotations

import asyncio
import ipaddress

import pytest

from bot.channels.addresses import client_address, trusted_proxies
from bot.channels.checks import MAX_JSON_DEPTH, conversation_id, json_depth
from bot.channels.ratelimit import Limits, RateLimiter, rate_limit_config


def run(coro):
    return asyncio.run(coro)


LOOPBACK = trusted_proxies({})


@pytest.mark.parametrize("peer, forwarded, client", [
    ("203.0.113.9", None, "203.0.113.9"),
    ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from a trusted front: the header is ignored
    ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # nginx on loopback: the address it saw
    ("127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry (left) is not believed
    ("::1", "2001:db8::1", "2001:db8::1"),
    ("127.0.0.1", "127.0.0.1, 198.51.100.1", "198.51.100.1"),
    ("127.0.0.1", "garbage", "127.0.0.1"),
    ("::ffff:127.0.0.1", "198.51.100.2", "198.51.100.2"),
    ("", None, "unknown"),
])
def test_the_client_address(peer, forwarded, client):
    assert client_address(peer, forwarded, LOOPBACK) == client


def test_trusted_proxies_are_configurable():
    nets = trusted_proxies({"QUALIBOT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"})
    assert nets == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.1/32"))
    assert client_address("10.4.5.6", "198.51.100.3", nets) == "198.51.100.3"
    assert client_address("127.0.0.1", "198.51.100.3", nets) == "127.0.0.1"
    with pytest.raises(ValueError):
        trusted_proxies({"QUALIBOT_TRUSTED_PROXIES": "not-an-address"})


def test_json_depth_counts_without_recursion():
    assert json_depth("x") == 0 and json_depth({}) == 1 and json_depth({"a": [{"b": 1}]}) == 3
    deep: object = 1
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    assert json_depth(deep) > MAX_JSON_DEPTH


def test_conversation_ids_are_namespaced_by_channel():
    assert {conversation_id(c, "abc") for c in ("web", "rest", "wechat")} == {"web:abc", "rest:abc", "wechat:abc"}
    with pytest.raises(ValueError):
        conversation_id("default", "abc")


def test_the_address_limit_defaults_and_config():
    assert (rate_limit_config({}, "address").limit, rate_limit_config({}, "address").window) == (120, 60.0)
    c = rate_limit_config({"QUALIBOT_ADDRESS_RATE_LIMIT": "0"}, "address")
    assert c.limit == 0


def test_limits_per_address_and_per_conversation():
    limits = Limits(RateLimiter(2, 60), RateLimiter(3, 60))
    assert run(limits.check("web:a", "198.51.100.1")) is None
    assert run(limits.check("web:a", "198.51.100.1")) is None
    assert run(limits.check("web:a", "198.51.100.2")) == "conversation"  # the conversation, from anywhere
    assert run(limits.check("web:b", "198.51.100.1")) is None  # the 3rd from this address
    assert run(limits.check("web:c", "198.51.100.1")) == "address"  # a 4th, in a new conversation
    assert run(limits.check("web:c", "198.51.100.3")) is None


def test_one_shared_limiter_per_process_for_every_channel(monkeypatch):
    monkeypatch.setenv("QUALIBOT_RATE_LIMIT", "7/60")
    monkeypatch.delenv("QUALIBOT_REDIS_URL", raising=False)
    assert RateLimiter.shared("conversation") is RateLimiter.shared("conversation")
    assert RateLimiter.shared("conversation").limit == 7
    assert RateLimiter.shared("address") is not RateLimiter.shared("conversation")


# --- the development tracker store ---------------------------------------------------------------------------

def test_the_in_memory_tracker_store_forgets_the_least_recent_conversation_first(monkeypatch):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.stores.memory_store import BoundedInMemoryTrackerStore

    store = BoundedInMemoryTrackerStore(Domain.empty(), max_conversations=3)

    def save(sender: str) -> None:
        run(store.save(DialogueStateTracker.from_events(sender, [UserUttered("hi")])))

    for s in ("a", "b", "c"):
        save(s)
    assert run(store.retrieve("a")) is not None  # read: now the most recent
    save("d")
    assert sorted(store.store) == ["a", "c", "d"] and store.evicted == 1
    for i in range(1000):
        save(f"flood-{i}")
    assert len(store.store) == 3
    monkeypatch.setenv("QUALIBOT_MEMORY_CONVERSATIONS", "5")
    assert BoundedInMemoryTrackerStore(Domain.empty()).max_conversations == 5
    monkeypatch.setenv("QUALIBOT_MEMORY_CONVERSATIONS", "0")
    with pytest.raises(ValueError):
        BoundedInMemoryTrackerStore(Domain.empty())


def test_endpoints_yml_uses_the_bounded_store():
    from pathlib import Path

    import yaml

    endpoints = yaml.safe_load((Path(__file__).resolve().parents[2] / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "bot.stores.memory_store.BoundedInMemoryTrackerStore"
