"""Process-wide settings of the Rasa server that Rasa 3.6 does not expose, applied once on import.

- The action server call: Rasa waits up to 5 minutes for a custom action (rasa.core.constants.
  DEFAULT_REQUEST_TIMEOUT). A slow or hung action server would leave the user waiting that long, so
  the wait is bounded by QUALIBOT_ACTION_TIMEOUT seconds (default 8).
- A failed custom action: Rasa logs "Encountered an exception while running action ..." and goes on
  with no reply. A log filter records the failure in the current turn (a context variable set by
  bot/channels/turn.py) so the channel can answer "temporarily unavailable" instead of silence.

Imported by bot/channels/__init__.py, so every server that loads one of our channels has it.
"""
from __future__ import annotations

import contextvars
import logging
import os
from typing import List, Optional

DEFAULT_ACTION_TIMEOUT = 8.0
ACTION_FAILED_PREFIX = "Encountered an exception while running action"

# the problems of the turn being processed (None outside a guarded turn)
turn_problems: contextvars.ContextVar[Optional[List[str]]] = contextvars.ContextVar("turn_problems",
                                                                                     default=None)


def action_timeout() -> float:
    try:
        value = float(os.environ.get("QUALIBOT_ACTION_TIMEOUT", "") or DEFAULT_ACTION_TIMEOUT)
    except ValueError:
        value = DEFAULT_ACTION_TIMEOUT
    return max(0.5, min(value, 300.0))


class ActionFailureFilter(logging.Filter):
    """Marks the current turn when Rasa's processor reports a failed custom action."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(ACTION_FAILED_PREFIX):
            problems = turn_problems.get()
            if problems is not None:
                problems.append("action_failed")
            from bot import health  # late: health imports Rasa pieces

            health.ACTION_FAILURES.record(record.exc_info[1] if record.exc_info else None)
        return True


_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout()  # read by RemoteAction.run at call time
    logging.getLogger("rasa.core.processor").addFilter(ActionFailureFilter())
    _applied = True
