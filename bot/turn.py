"""One user turn, guarded: the channel asks `run_turn`, which tells whether the turn really happened.

Rasa 3.6 hides three failures from the channel: a custom action that failed (logged, no reply), a
tracker read that failed (a new, empty conversation is used), a tracker save that failed (the turn is
kept in one process's memory only). `run_turn`
  1. refuses the turn at once when the tracker store or the lock store does not answer (cached probe,
     bot/health.py), so nothing is half-processed while PostgreSQL or Redis is down;
  2. runs it with a per-turn record of problems (bot/rasa_patches.py marks failed actions);
  3. afterwards asks the tracker store whether this conversation's read or save failed during it.
It returns None when the turn is sound, else a reason; the channel then answers with the
"temporarily unavailable" wording in the user's language instead of what Rasa produced.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Optional

import contextvars
from typing import List, Tuple

from rasa.core.channels.channel import UserMessage

from bot import health, metrics, rasa_patches
from catalog import logs

logger = logging.getLogger(__name__)

UNAVAILABLE = "unavailable"
REFUSED = "refused"  # inside this module: the stores were down, the turn did not start (told as UNAVAILABLE)
# the receipt codes of the answers of the turn just run in this task (a channel puts them in a response header
# for nginx's log: bot/channels/rest.py)
turn_receipts: contextvars.ContextVar[Tuple[str, ...]] = contextvars.ContextVar("turn_receipts", default=())


def receipts_of(messages: Any) -> List[str]:
    """The receipt codes in a turn's collected messages (the custom payload of actions/reply.py), in order."""
    out: List[str] = []
    for m in messages if isinstance(messages, list) else []:
        custom = m.get("custom") if isinstance(m, dict) else None
        code = custom.get("receipt") if isinstance(custom, dict) else None
        if isinstance(code, str) and code not in out:
            out.append(code)
    return out


def agent_of(request: Any) -> Any:
    """The Rasa agent serving this request (None before the model is loaded)."""
    ctx = getattr(getattr(request, "app", None), "ctx", None)
    return getattr(ctx, "agent", None)


def current_agent() -> Any:
    """The agent of this process's Rasa server (rasa.core.run names its Sanic app "rasa_server")."""
    from sanic import Sanic

    try:
        return getattr(Sanic.get_app("rasa_server").ctx, "agent", None)
    except Exception:  # noqa: BLE001 - no Rasa server in this process (unit tests)
        return None


def guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[None]]:
    """`on_new_message` for a channel: a turn that did not really happen is answered with the
    "temporarily unavailable" wording (bot/channels/wording.py) in the user's language, in place of
    whatever Rasa collected for it."""
    from bot.channels.wording import reply_for

    async def handler(message: UserMessage) -> None:
        reason = await run_turn(on_new_message, message, current_agent())
        if reason is None:
            return
        out = message.output_channel
        if isinstance(getattr(out, "messages", None), list):
            out.messages.clear()
        try:
            await out.send_text_message(message.sender_id, reply_for(reason, message.text or ""))
        except Exception:  # noqa: BLE001 - the channel itself is gone; nothing more to tell
            logger.exception("could not tell %r that the service is unavailable", message.sender_id)

    return handler


async def run_turn(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                   agent: Any) -> Optional[str]:
    """None when the turn was sound, else the reason (UNAVAILABLE). Timed and counted by channel (/metrics)."""
    channel = metrics.channel_label(getattr(message, "input_channel", None))
    t0 = time.perf_counter()
    reason = await _run_turn(on_new_message, message, agent)
    if reason != REFUSED:  # a refused turn never ran: no latency of its own
        metrics.TURN_SECONDS.labels(channel).observe(time.perf_counter() - t0)
    metrics.TURNS.labels(channel, "ok" if reason is None else "refused" if reason == REFUSED else "unavailable").inc()
    return None if reason is None else UNAVAILABLE


async def _run_turn(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                    agent: Any) -> Optional[str]:
    if agent is not None and not await health.STORE_GATE.ready(agent):
        health.TURN_FAILURES.record(RuntimeError("stores unreachable: turn refused"))
        logger.warning("turn of %r refused: tracker store or lock store unreachable", message.sender_id)
        return REFUSED
    problems: list = []
    token = rasa_patches.turn_problems.set(problems)
    started = time.time()
    with logs.bound(conversation=message.sender_id, message_id=message.message_id,
                    channel=message.input_channel):
        try:
            await on_new_message(message)
        except Exception as exc:  # noqa: BLE001 - e.g. the lock store failed mid-turn
            logger.exception("turn of %r failed", message.sender_id)
            health.TURN_FAILURES.record(exc)
            return UNAVAILABLE
        finally:
            rasa_patches.turn_problems.reset(token)
        codes = receipts_of(getattr(message.output_channel, "messages", None))
        turn_receipts.set(tuple(codes))
        logger.info("turn", extra={"receipt": codes[-1] if codes else None, "receipts": codes,
                                   "ms": round((time.time() - started) * 1000, 1)})
    store = health.inner_tracker_store(agent)
    if hasattr(store, "turn_failed") and store.turn_failed(message.sender_id, started):
        problems.append("tracker_store")
        _forget_unsaved(agent, message.sender_id)
    if problems:
        health.TURN_FAILURES.record(RuntimeError(", ".join(problems)))
        logger.error("turn of %r not sound: %s", message.sender_id, ", ".join(problems))
        return UNAVAILABLE
    return None


def _forget_unsaved(agent: Any, sender_id: str) -> None:
    """Rasa's FailSafeTrackerStore keeps a tracker whose save failed in an in-memory fallback that it
    never reads again. The user is told this turn did not happen (and sends it again, with its id), so
    that copy is dropped: left there, it kept /health/ready at 503 for good after every PostgreSQL
    outage (bot/health.py counts `held_in_memory_only`), found by `make bench-chaos`."""
    fallback = getattr(getattr(agent, "tracker_store", None), "_fallback_tracker_store", None)
    held = getattr(fallback, "store", None)
    if isinstance(held, dict):
        held.pop(sender_id, None)
