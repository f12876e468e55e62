"""Process-wide settings of the Rasa server that Rasa 3.6 does not expose, applied once on import.

- The action server call: Rasa waits up to 5 minutes for a custom action (rasa.core.constants.
  DEFAULT_REQUEST_TIMEOUT). A slow or hung action server would leave the user waiting that long, so
  the wait is bounded by QUALIBOT_ACTION_TIMEOUT seconds (default 8).
- A failed custom action: Rasa logs "Encountered an exception while running action ..." and goes on
  with no reply. A log filter records the failure in the current turn (a context variable set by
  bot/channels/turn.py) so the channel can answer "temporarily unavailable" instead of silence.

- Speed (measured with scripts/profile_turn.py; two-thirds of a turn went here):
  * Rasa validates each action server response with `jsonschema.validate`, which first checks the
    schema itself against the JSON Schema meta-schema: ~75 ms per custom action with jsonschema 4.17.
    The validator is now built (and its schema checked) once; every response is still validated.
  * `Event.resolve_by_type` walks all Event subclasses for every stored event it deserialises; the
    class found for a type name is now remembered.

Applied by bot/channels/__init__.py and bot/components/__init__.py, so every Rasa process that loads
our model or one of our channels (server, shell, tests) has it. The action server never imports it.
"""
from __future__ import annotations

import contextvars
import logging
import os
from typing import Any, Dict, List, Optional

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


def _patch_response_validation(remote_action: type) -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for

    schema = remote_action.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    original_doc = remote_action._validate_action_result.__doc__

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (". Failed to validate Action server response from API, make sure your response "
                          "from the Action endpoint is valid.")
            raise e

    _validate_action_result.__doc__ = original_doc
    remote_action._validate_action_result = _validate_action_result


def _patch_event_type_lookup() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Optional[type] = None) -> Optional[type]:
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout()  # read by RemoteAction.run at call time
    logging.getLogger("rasa.core.processor").addFilter(ActionFailureFilter())
    _patch_response_validation(rasa_action.RemoteAction)
    _patch_event_type_lookup()
