"""A message can no longer set slots at will (issue 12; bot/rasa_patches.py, catalog/slot_values.py).

The REST channel on a real Sanic server with the trained model's real Agent behind it (in-memory stores;
instead of an action server, every custom action answers with one fixed message: the slots are what counts here,
tests/e2e asks the same with the action server. A turn whose action failed is not stored at all,
bot/rasa_patches.py, so the turns here must be sound). A caller without the token is public: a "/…" text is a
payload only when the bot's last turn offered it as a button. A trusted caller's payloads are parsed,
and still no invalid value reaches a slot.
"""
from __future__ import annotations

import math
import uuid
from typing import Any, Dict, List

import pytest

from bot.channels.ratelimit import RateLimiter
from bot.channels.rest import QualibotRestInput
from tests.support.channel_server import background
from tests.support.rest_server import RestServer

TOKEN = "slot-test-token-0123456789"
BUTTONS = [{"title": "CFA (US)", "payload": '/inform{"qualification":"R001"}'},
           {"title": "CPA Australia", "payload": '/inform{"qualification":"R007"}'}]


@pytest.fixture(autouse=True)
def silent_actions(monkeypatch):
    from rasa.core.actions.action import RemoteAction

    async def run(self, output_channel, nlg, tracker, domain):
        from rasa.shared.core.events import BotUttered

        return [BotUttered(f"answered by {self.name()}")]

    monkeypatch.setattr(RemoteAction, "run", run)


@pytest.fixture(scope="module")
def server(rasa_agent):
    s = RestServer(agent=rasa_agent, channel=QualibotRestInput(RateLimiter(0, 60), token=TOKEN, open_on_loopback=True))
    yield s
    s.close()


def who() -> str:
    return f"slots-{uuid.uuid4().hex[:8]}"


def tracker_of(agent: Any, sender: str) -> Any:
    return background().run(agent.tracker_store.retrieve(f"rest:{sender}"))


def last_user(agent: Any, sender: str) -> Dict[str, Any]:
    return [e for e in tracker_of(agent, sender).as_dialogue().as_dict()["events"] if e["event"] == "user"][-1]


def payload_entities(event: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [e for e in event["parse_data"]["entities"] if e.get("extractor") == "RegexMessageHandler"]


def offer_buttons(agent: Any, sender: str) -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(f"rest:{sender}", [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("CFA", {"name": "inform", "confidence": 1.0}),
        ActionExecuted("action_answer_recognition"),
        BotUttered("Which one do you mean?", {"buttons": BUTTONS}),
        ActionExecuted("action_listen"),
    ], agent.domain.slots)
    background().run(agent.tracker_store.save(tracker))


@pytest.mark.parametrize("text", ['/inform{"age":NaN}', '/inform{"qualification":"R005"}', "/ask_benefits",
                                  '/inform{"nationality":"foreign","age":30}'])
def test_a_payload_the_bot_did_not_offer_is_read_as_plain_text(server, rasa_agent, text):
    sender = who()
    offer_buttons(rasa_agent, sender)
    status, _, data = server.send({"sender": sender, "message": text})  # loopback, no token: public
    assert status == 200 and data
    event = last_user(rasa_agent, sender)
    assert not event["text"].startswith("/") and event["text"] == text.lstrip("/")
    assert payload_entities(event) == []
    assert tracker_of(rasa_agent, sender).get_slot("age") is None


def test_a_button_the_bot_offered_is_still_a_payload(server, rasa_agent):
    sender = who()
    offer_buttons(rasa_agent, sender)
    status, _, _ = server.send({"sender": sender, "message": BUTTONS[1]["payload"]})
    assert status == 200
    event = last_user(rasa_agent, sender)
    assert event["text"] == BUTTONS[1]["payload"] and event["parse_data"]["intent"]["name"] == "inform"
    assert [(e["entity"], e["value"]) for e in payload_entities(event)] == [("qualification", "R007")]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999", '"abc"', "-5", "1000", "30.5", "true", '{"a": 1}'])
def test_a_trusted_payload_with_an_invalid_age_sets_no_slot(server, rasa_agent, value):
    sender = who()
    status, _, _ = server.send({"sender": sender, "message": f'/inform{{"age":{value}}}'},
                               headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    event = last_user(rasa_agent, sender)
    assert event["parse_data"]["intent"]["name"] == "inform"  # the payload was parsed (trusted caller) ...
    assert payload_entities(event) == []  # ... and its invalid entity dropped
    assert tracker_of(rasa_agent, sender).get_slot("age") is None


def test_a_trusted_payload_with_valid_values_sets_them(server, rasa_agent):
    sender = who()
    server.send({"sender": sender, "message": '/inform{"age":"66","nationality":"foreign"}'},
                headers={"Authorization": f"Bearer {TOKEN}"})
    tracker = tracker_of(rasa_agent, sender)
    assert tracker.get_slot("age") == 66 and tracker.get_slot("nationality") == "foreign"
    server.send({"sender": sender, "message": '/inform{"age":NaN,"nationality":"martian"}'},
                headers={"Authorization": f"Bearer {TOKEN}"})
    tracker = tracker_of(rasa_agent, sender)  # the invalid values leave the slots as they were
    assert tracker.get_slot("age") == 66 and tracker.get_slot("nationality") == "foreign"


def test_no_slot_event_sets_an_invalid_value_wherever_it_comes_from(rasa_agent):
    # events from the store (a conversation saved before this check), an action, the HTTP API
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("rest:old", [
        SlotSet("age", float("nan")), SlotSet("nationality", "martian"), SlotSet("qualification", "R9999"),
        SlotSet("high_end", "maybe"), SlotSet("language", "fr"), SlotSet("candidates", "R001,<script>"),
    ], rasa_agent.domain.slots)
    assert {k: tracker.get_slot(k) for k in ("age", "nationality", "qualification", "high_end", "language",
                                            "candidates")} == dict.fromkeys(
        ("age", "nationality", "qualification", "high_end", "language", "candidates"))
    tracker.update(SlotSet("age", 30.0))
    tracker.update(SlotSet("qualification", "R007"))
    tracker.update(SlotSet("age", float("inf")))
    assert tracker.get_slot("age") == 30 and not math.isnan(tracker.get_slot("age"))
    assert tracker.get_slot("qualification") == "R007"


def test_which_messages_are_public():
    from rasa.core.channels.channel import UserMessage

    from bot import rasa_patches

    for channel, public in (("webchat", True), ("socketio", True), ("wechat", True), ("cmdline", False),
                            ("rest", False), (None, False)):
        assert rasa_patches.is_public(UserMessage("hi", input_channel=channel)) is public, channel
    trusted = UserMessage("hi", input_channel="wechat")  # a REST integration claiming another channel's name
    rasa_patches.mark_public(trusted, False)
    assert rasa_patches.is_public(trusted) is False
    untrusted = UserMessage("hi", input_channel="kiosk")  # a REST caller without the token, whatever it claims
    rasa_patches.mark_public(untrusted, True)
    assert rasa_patches.is_public(untrusted) is True
