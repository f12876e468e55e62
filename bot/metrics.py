"""The Rasa replica's Prometheus metrics (issue 14): what an operator watches without reading logs.

Every metric is defined here, once, in prometheus_client's default registry (so the process collector's
memory, CPU and open files come with them), and counted where the thing happens:

| metric | labels | counted in |
| --- | --- | --- |
| `qualibot_turn_seconds` (histogram) | channel | bot/turn.py `run_turn`: the whole turn, NLU to the last answer |
| `qualibot_turns_total` | channel, outcome (`ok`, `unavailable`, `refused`) | bot/turn.py |
| `qualibot_nlu_intents_total` | intent, lang | bot/rasa_patches.py `parse_message` (once per message) |
| `qualibot_nlu_fallbacks_total` | lang | the same, intent `nlu_fallback` (FallbackClassifier) |
| `qualibot_action_call_failures_total` | action | bot/rasa_patches.py (Rasa's "Encountered an exception while running action") |
| `qualibot_tracker_store_failures_total` | operation (`read`, `save`, `refused_save`) | bot/stores/tracker_store.py |
| `qualibot_tracker_store_memory_fallbacks_total` | | Rasa's FailSafeTrackerStore kept a tracker in memory (patched here) |
| `qualibot_trackers_held_in_memory` (gauge) | | trackers Rasa holds only in memory (read at scrape time) |
| `qualibot_lock_wait_seconds` (histogram) | | the wait for a conversation's ticket lock (any lock store) |
| `qualibot_lock_store_failures_total` | operation (`acquire`, `mutex`, `renew`) | rasa.core.lock_store, bot/stores/lock_store.py |
| `qualibot_redis_memory_fallbacks_total` | what (`rate limit`, `wechat state`) | bot/stores/fallback.py: an operation served from memory because Redis failed |
| `qualibot_rate_limited_total` | limit (`conversation`, `address`, `feedback`) | bot/channels/ratelimit.py |
| `qualibot_wechat_deferred_total` | result (`sent`, `failed`) | bot/channels/wechat/channel.py: answers sent later through the customer-service API |
| `qualibot_wechat_retries_total` | how (`joined`, `shared`) | a platform retry answered by the first delivery here, or from another replica's record |
| `qualibot_wechat_out_of_window_total` | | bot/channels/wechat/api.py: errcode 45015, the answer dropped |

Label values are bounded: channels and languages come from fixed sets (anything else is `other` /
`unknown`), intents from the domain (`other` for a name the domain lacks: a trusted REST caller may type
any "/intent"), actions from the action names Rasa ran. No conversation id, text or address is ever a label.

Exposed by bot/channels/metrics.py (`/metrics`, behind its token). The action server has its own
(actions/metrics.py): it never imports bot/.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterable, Optional

from prometheus_client import Counter, Gauge, Histogram

logger = logging.getLogger(__name__)

CHANNELS = ("rest", "webchat", "socketio", "wechat", "cmdline")
LANGS = ("zh", "en")
# a turn takes from some 50 ms (a rule) to the action timeout (8 s) and, on a loaded machine, more
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
LOCK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

TURN_SECONDS = Histogram("qualibot_turn_seconds", "Time of one user turn, from the channel's hand-over to the "
                         "last answer, by input channel", ["channel"], buckets=TURN_BUCKETS)
TURNS = Counter("qualibot_turns", "User turns by input channel and outcome (ok; unavailable: the user was told to "
                "try again; refused: a store was down before it started)", ["channel", "outcome"])
NLU_INTENTS = Counter("qualibot_nlu_intents", "Messages parsed by NLU, by intent and language", ["intent", "lang"])
NLU_FALLBACKS = Counter("qualibot_nlu_fallbacks", "Messages NLU could not read (nlu_fallback), by language", ["lang"])
ACTION_CALL_FAILURES = Counter("qualibot_action_call_failures", "Custom actions whose call failed (action server "
                               "down, timed out, or an error), seen from Rasa", ["action"])
TRACKER_STORE_FAILURES = Counter("qualibot_tracker_store_failures", "Tracker store reads and saves that failed, and "
                                 "saves refused because the stored history could not be read", ["operation"])
TRACKER_MEMORY_FALLBACKS = Counter("qualibot_tracker_store_memory_fallbacks", "Trackers Rasa kept in this process's "
                                   "memory because the tracker store did not take them")
TRACKERS_IN_MEMORY = Gauge("qualibot_trackers_held_in_memory", "Trackers held only in this process's memory (not in "
                           "the tracker store)")
LOCK_WAIT_SECONDS = Histogram("qualibot_lock_wait_seconds", "Wait for a conversation's lock before its turn runs",
                              buckets=LOCK_BUCKETS)
LOCK_STORE_FAILURES = Counter("qualibot_lock_store_failures", "Lock store failures: a lock not acquired, the ticket "
                              "mutex not taken (Redis down or busy), a ticket not renewed", ["operation"])
REDIS_MEMORY_FALLBACKS = Counter("qualibot_redis_memory_fallbacks", "Operations served from this process's memory "
                                 "because Redis did not answer", ["what"])
RATE_LIMITED = Counter("qualibot_rate_limited", "Messages refused by a rate limit", ["limit"])
WECHAT_DEFERRED = Counter("qualibot_wechat_deferred", "WeChat answers not ready within the platform's wait, sent "
                          "later through the customer-service API", ["result"])
WECHAT_RETRIES = Counter("qualibot_wechat_retries", "WeChat platform retries de-duplicated: joined the first "
                         "delivery in this process, or answered from another replica's record", ["how"])
WECHAT_OUT_OF_WINDOW = Counter("qualibot_wechat_out_of_window", "WeChat customer-service messages dropped with "
                               "errcode 45015 (48 h window over, or unsubscribed)")

# created at zero, so a dashboard shows 0 rather than "no data" before the first event of a kind
for _ch in CHANNELS:
    TURN_SECONDS.labels(_ch)
    for _outcome in ("ok", "unavailable", "refused"):
        TURNS.labels(_ch, _outcome)
for _lang in LANGS + ("unknown",):
    NLU_FALLBACKS.labels(_lang)
    NLU_INTENTS.labels("nlu_fallback", _lang)
ACTION_CALL_FAILURES.labels("unknown")
for _op in ("read", "save", "refused_save"):
    TRACKER_STORE_FAILURES.labels(_op)
for _op in ("acquire", "mutex", "renew"):
    LOCK_STORE_FAILURES.labels(_op)
for _what in ("rate limit", "wechat state"):
    REDIS_MEMORY_FALLBACKS.labels(_what)
for _limit in ("conversation", "address", "feedback"):
    RATE_LIMITED.labels(_limit)
for _result in ("sent", "failed"):
    WECHAT_DEFERRED.labels(_result)
for _how in ("joined", "shared"):
    WECHAT_RETRIES.labels(_how)


def channel_label(name: Optional[str]) -> str:
    return name if name in CHANNELS else "other"


def lang_label(lang: Any) -> str:
    return lang if lang in LANGS else "unknown"


def count_parse(parse_data: Any, known_intents: Iterable[str]) -> None:
    """One parsed message: its intent and language (the `language` entity of bot/components/language.py)."""
    if not isinstance(parse_data, dict):
        return
    intent = (parse_data.get("intent") or {}).get("name") or "none"
    if intent not in known_intents and intent != "nlu_fallback":
        intent = "other"
    lang = next((e.get("value") for e in parse_data.get("entities") or []
                 if isinstance(e, dict) and e.get("entity") == "language"), None)
    NLU_INTENTS.labels(intent, lang_label(lang)).inc()
    if intent == "nlu_fallback":
        NLU_FALLBACKS.labels(lang_label(lang)).inc()


def held_in_memory() -> float:
    """Trackers Rasa's FailSafeTrackerStore holds in its in-memory fallback (read when scraped)."""
    from bot.turn import current_agent

    fallback = getattr(getattr(current_agent(), "tracker_store", None), "_fallback_tracker_store", None)
    held = getattr(fallback, "store", None)
    return float(len(held)) if isinstance(held, dict) else 0.0


TRACKERS_IN_MEMORY.set_function(held_in_memory)


# --- patches of Rasa's classes (applied once by bot/rasa_patches.apply) ------------------------------


def patch_lock_wait(lock_store_class: type) -> None:
    """Time `LockStore._acquire_lock` (the wait for a conversation's ticket, every lock store class uses it)
    and count the waits that ended without the lock."""
    from rasa.core.lock_store import LockError

    original = lock_store_class._acquire_lock

    async def _acquire_lock(self: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        except LockError:
            LOCK_STORE_FAILURES.labels("acquire").inc()
            raise
        finally:
            LOCK_WAIT_SECONDS.observe(time.perf_counter() - t0)

    _acquire_lock.__doc__ = original.__doc__
    lock_store_class._acquire_lock = _acquire_lock


def patch_memory_fallback(failsafe_class: type) -> None:
    """Rasa's FailSafeTrackerStore.save, as Rasa wrote it, counting the trackers it puts in memory."""

    async def save(self: Any, tracker: Any) -> None:
        try:
            await self._tracker_store.save(tracker)
        except Exception as e:  # noqa: BLE001 - Rasa's own behaviour: any error goes to the fallback
            self.on_tracker_store_error(e)
            TRACKER_MEMORY_FALLBACKS.inc()
            await self.fallback_tracker_store.save(tracker)

    save.__doc__ = failsafe_class.save.__doc__
    failsafe_class.save = save
