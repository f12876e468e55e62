"""bot/action_calls.py: an action call carries the user messages and session starts of the conversation (what
our actions read), not every event; a response is judged valid or invalid exactly as Rasa's full schema check
judges it, and an invalid one is still refused with Rasa's error."""
from __future__ import annotations

import copy

import pytest
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

import bot.channels  # noqa: F401 - applies bot/rasa_patches.py, as in the Rasa server
from bot import action_calls
from tests.support.servers import ROOT

PARSE = {"intent": {"name": "ask_recognized", "confidence": 0.99}, "entities": [], "text": "我有CFA证书",
         "intent_ranking": [{"name": "ask_recognized", "confidence": 0.99}]}


def tracker() -> DialogueStateTracker:
    slot = TextSlot("qualification", mappings=[{"type": "from_entity", "entity": "qualification"}])
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
              UserUttered("我有CFA证书", PARSE["intent"], [], PARSE, input_channel="rest", message_id="m1"),
              SlotSet("qualification", "R007"), ActionExecuted("action_answer_recognition"),
              BotUttered("是的……", {"custom": {"kind": "recognized"}}), ActionExecuted("action_listen"),
              UserUttered("能办工作许可吗", PARSE["intent"], [], dict(PARSE, text="能办工作许可吗"),
                          input_channel="rest", message_id="m2")]
    return DialogueStateTracker.from_events("rest:me", events, [slot])


def test_a_call_carries_the_user_messages_and_session_starts_only() -> None:
    action = RemoteAction("action_answer_work_permit",
                          EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True))
    t = tracker()
    call = action._action_call_format(t, Domain.load(str(ROOT / "domain.yml")))
    state = call["tracker"]
    assert "domain" not in call and call["next_action"] == "action_answer_work_permit"
    assert [e["event"] for e in state["events"]] == ["session_started", "user", "user"]
    assert [(e["text"], e["input_channel"], e["message_id"]) for e in state["events"][1:]] == [
        ("我有CFA证书", "rest", "m1"), ("能办工作许可吗", "rest", "m2")]
    assert all("parse_data" not in e for e in state["events"])
    full = t.current_state()
    for key in ("sender_id", "slots", "latest_message", "latest_input_channel", "latest_action_name",
                "active_loop", "paused", "followup_action", "latest_event_time"):
        assert state[key] == full[key], key  # Rasa's own state otherwise
    assert state["latest_message"]["intent"]["name"] == "ask_recognized"


def test_what_the_actions_read_is_the_same_on_the_slim_tracker() -> None:
    from rasa_sdk import Tracker

    from actions import context, receipt

    t = tracker()
    whole = Tracker.from_dict(t.current_state(EventVerbosity.ALL))
    slim = Tracker.from_dict(action_calls.slim_state(t))
    assert receipt.turn_of(slim) == receipt.turn_of(whole) == 2
    assert slim.get_latest_input_channel() == whole.get_latest_input_channel() == "rest"
    a, b = context.read(slim), context.read(whole)
    assert (a.text, a.history, a.slots, a.intent, a.lang) == (b.text, b.history, b.slots, b.intent, b.lang)


def _responses() -> list:
    slot = {"event": "slot", "timestamp": None, "name": "qualification", "value": "R007"}
    good = {"events": [slot, {"event": "followup", "name": "action_listen"}],
            "responses": [{"text": "是的", "custom": {"kind": "recognized"}}]}
    bad = []
    for change in (lambda r: r["events"][0].pop("name"), lambda r: r["events"][0].update(name=5),
                   lambda r: r["events"][0].update(event="no such event"), lambda r: r["events"][0].pop("event"),
                   lambda r: r["events"][0].update(timestamp="now"), lambda r: r.update(events={}),
                   lambda r: r.update(responses=[1]), lambda r: r["events"].append([]),
                   lambda r: r["events"][0].update(event=3), lambda r: r["events"][0].update(event="user")):
        r = copy.deepcopy(good)
        change(r)
        bad.append(r)
    return [good, {"events": [], "responses": []}, {}] + bad


@pytest.mark.parametrize("response", _responses())
def test_a_response_is_judged_as_the_full_schema_judges_it(response: dict) -> None:
    schema = RemoteAction.action_response_format_spec()
    full = validator_for(schema)(schema).is_valid(response)
    action = RemoteAction("action_x", None)
    if full:
        assert action._validate_action_result(response) is True
    else:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(response)
