"""What the Rasa server sends to the action server and how it checks the answer (Rasa 3.6 patched; applied by
bot/rasa_patches.py with the rest).

- The call carries only what our actions read (issue 15). Rasa sends the whole conversation with every call:
  every event with everything it holds (each user message's full parse, every bot message with its data,
  each action and slot event), about 5.5 KB per turn, so 44 KB by a conversation's 8th turn, serialised from
  the event objects, written to the socket and parsed again on the other side on every turn. Our action
  server reads of a tracker its slots, `latest_message`, the latest input channel and, from the events, only
  the user messages' texts and where sessions start (actions/context.py `read`: the earlier messages of the
  session; actions/receipt.py `turn_of`: the turn's number; rasa-sdk's `get_latest_input_channel`). So the
  events sent are the user messages (event, timestamp, text, input channel, message id: no parse data, the
  latest message's is in `latest_message`) and the `session_started` events, in order; everything else of
  the tracker state is Rasa's own. An action that needs more must say so here (tests/channels and
  tests/e2e run the actions on these trackers).
- Rasa validates every action server response with jsonschema against its events schema: a `oneOf` over
  about twenty event types, each event tried against all of them (~1 ms of a turn, scripts/profile_turn.py).
  The events of a type can only match that type's branch (every branch fixes `event` with a `const`), so each
  event is validated against its own type's branches alone, which is the same verdict; a response the
  shortcut does not cover (an unknown event type, not a list) gets the full check, and any failure is
  reported by the full check, with Rasa's message.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker

VALIDATION_HINT = (". Failed to validate Action server response from API, make sure your response "
                   "from the Action endpoint is valid.")


def slim_state(tracker: "DialogueStateTracker") -> Dict[str, Any]:
    """The tracker state our action server needs: Rasa's own state without events, and of the events the user
    messages (without their parse data) and the session starts."""
    from rasa.shared.core.events import SessionStarted, UserUttered
    from rasa.shared.core.trackers import EventVerbosity

    state: Dict[str, Any] = tracker.current_state(EventVerbosity.NONE)
    events: List[Dict[str, Any]] = []
    for event in tracker.events:
        if isinstance(event, UserUttered):
            events.append({"event": "user", "timestamp": event.timestamp, "text": event.text,
                           "input_channel": event.input_channel, "message_id": event.message_id})
        elif isinstance(event, SessionStarted):
            events.append(event.as_dict())
    state["events"] = events
    return state


def _patch_call_format(remote_action: type) -> None:
    original = remote_action._action_call_format

    def _action_call_format(self: Any, tracker: "DialogueStateTracker", domain: Any) -> Dict[str, Any]:
        from rasa.shared.core.trackers import DialogueStateTracker

        if not isinstance(tracker, DialogueStateTracker):
            return original(self, tracker, domain)  # type: ignore[no-any-return]
        # Rasa's own format (the domain when it is asked for), with a tracker state without the full events:
        # the state is built from a stand-in whose `current_state` gives the slim one
        result: Dict[str, Any] = original(self, _SlimView(tracker), domain)
        return result

    _action_call_format.__doc__ = original.__doc__
    remote_action._action_call_format = _action_call_format


class _SlimView:
    """The tracker as `_action_call_format` sees it: its `current_state` is `slim_state`, the rest the tracker's."""

    def __init__(self, tracker: "DialogueStateTracker") -> None:
        self._tracker = tracker

    def current_state(self, *_args: Any, **_kwargs: Any) -> Dict[str, Any]:
        return slim_state(self._tracker)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracker, name)


def _fast_validator(schema: Dict[str, Any], cls: Any) -> Optional[Callable[[Any], bool]]:
    """A check giving the full validator's verdict on responses of known event types, or None when the schema
    is not of the shape this relies on (then only the full check runs)."""
    try:
        events = schema["properties"]["events"]
        items = events["items"]
        branches = items["oneOf"]
        consts = [b["properties"]["event"]["const"] for b in branches]
    except (KeyError, TypeError):
        return None
    if set(schema["properties"]) != {"events", "responses"} or "event" not in items.get("required", ()):
        return None
    by_type: Dict[str, List[Dict[str, Any]]] = {}
    for const, branch in zip(consts, branches):
        by_type.setdefault(const, []).append(branch)
    event_validators = {t: cls({**items, "oneOf": bs}) for t, bs in by_type.items()}
    rest = cls({k: v for k, v in schema.items() if k != "properties"} |
               {"properties": {"responses": schema["properties"]["responses"]}})
    outer = {k: v for k, v in events.items() if k != "items"}  # "type": "array"
    outer_validator = cls(outer)

    def valid(result: Any) -> bool:
        """True: valid (as the full check would say); False: not decided here."""
        if not isinstance(result, dict) or not rest.is_valid(result):
            return False
        evts = result.get("events", [])
        if "events" in result and not outer_validator.is_valid(evts):
            return False
        for e in evts:
            kind = e.get("event") if isinstance(e, dict) else None
            v = event_validators.get(kind) if isinstance(kind, str) else None
            if v is None or not v.is_valid(e):
                return False
        return True

    return valid


def _patch_response_validation(remote_action: type) -> None:
    """Rasa validates each response with `jsonschema.validate`, which first checks the schema itself against the
    meta-schema (~75 ms with jsonschema 4.17): the validators are built once; the events checked per type."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for

    schema = remote_action.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    fast = _fast_validator(schema, cls)
    original_doc = remote_action._validate_action_result.__doc__

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        if fast is not None and fast(result):
            return True
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += VALIDATION_HINT
            raise e

    _validate_action_result.__doc__ = original_doc
    remote_action._validate_action_result = _validate_action_result


def apply(remote_action: type) -> None:
    _patch_response_validation(remote_action)
    _patch_call_format(remote_action)
