"""A message is answered once however often it arrives (bot/rasa_patches.py, ids from bot/channels/rest.py).

The REST channel on a real Sanic server (tests/support/rest_server.py) with the trained model's real Agent
behind it (in-memory tracker store and lock store) and our action server (greetings and thanks are answered
through it: a greeting may name a credential). A client's or the front's retry of a message re-sends its id:
the second request gets the stored answer and the tracker gains nothing.
"""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List

import pytest

from tests.support.channel_server import background
from tests.support.rest_server import RestServer

REQUEST_ID = "X-Request-Id"


@pytest.fixture(scope="module")
def agent(rasa_agent, tmp_path_factory):
    """The session's Agent, calling an action server of its own for this module (restored afterwards)."""
    from rasa.utils.endpoints import EndpointConfig

    from tests.support.servers import ServerFailed, bot_env, free_port, log_tail, spawn, stop_process, wait_until
    from tests.support.servers import VENV_PYTHON
    from tests.support.http import answers

    port = free_port()
    log = tmp_path_factory.mktemp("replay-actions") / "actions.log"
    proc = spawn([str(VENV_PYTHON), "-m", "actions.server", "--port", str(port)], log, bot_env())
    try:
        if not wait_until(lambda: answers(f"http://127.0.0.1:{port}/health"), 60, 0.2,
                          abort=lambda: "the action server exited" if proc.poll() is not None else None):
            raise ServerFailed("the action server did not start\n" + log_tail(log))
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        before = rasa_agent.action_endpoint, rasa_agent.processor.action_endpoint
        rasa_agent.action_endpoint = rasa_agent.processor.action_endpoint = endpoint
        try:
            yield rasa_agent
        finally:
            rasa_agent.action_endpoint, rasa_agent.processor.action_endpoint = before
    finally:
        stop_process(proc)


@pytest.fixture
def server(agent):
    s = RestServer(agent=agent)
    yield s
    s.close()


def sender() -> str:
    return f"replay-{uuid.uuid4().hex[:8]}"


def conversation(who: str) -> str:
    """The conversation id of REST sender `who` (namespaced by channel, bot/channels/checks.py)."""
    return f"rest:{who}"


def events(agent: Any, who: str) -> List[Dict[str, Any]]:
    tracker = background().run(agent.tracker_store.retrieve(conversation(who)))
    return [e.as_dict() for e in tracker.events] if tracker else []


def user_ids(agent: Any, who: str) -> List[str]:
    return [e["message_id"] for e in events(agent, who) if e["event"] == "user"]


def test_the_same_message_id_twice_is_one_turn_with_the_same_answer(server, agent):
    who = sender()
    first = server.send({"sender": who, "message": "hello", "message_id": "m-1"})
    stored = events(agent, who)
    again = server.send({"sender": who, "message": "hello", "message_id": "m-1"})
    assert first[0] == again[0] == 200
    assert first[2] == again[2] and "Hello" in first[2][0]["text"], (first, again)
    assert events(agent, who) == stored  # nothing new stored
    assert user_ids(agent, who) == ["m-1"]


def test_different_message_ids_are_two_turns(server, agent):
    who = sender()
    a = server.send({"sender": who, "message": "hello", "message_id": "m-1"})
    b = server.send({"sender": who, "message": "hello", "message_id": "m-2"})
    assert a[0] == b[0] == 200 and a[2] and b[2]
    assert user_ids(agent, who) == ["m-1", "m-2"]


def test_a_retry_of_an_earlier_message_gets_that_message_s_answer(server, agent):
    who = sender()
    _, _, hello = server.send({"sender": who, "message": "hello", "message_id": "m-1"})
    _, _, thanks = server.send({"sender": who, "message": "谢谢", "message_id": "m-2"})
    assert hello != thanks
    _, _, again = server.send({"sender": who, "message": "hello", "message_id": "m-1"})
    assert again == hello
    assert user_ids(agent, who) == ["m-1", "m-2"]


def test_without_a_message_id_the_front_s_request_id_identifies_the_message(server, agent):
    # nginx sends X-Request-Id (the same on its retry of one request); without it every request is new
    who = sender()
    rid = uuid.uuid4().hex
    a = server.send({"sender": who, "message": "hello"}, headers={REQUEST_ID: rid})
    b = server.send({"sender": who, "message": "hello"}, headers={REQUEST_ID: rid})
    assert a[2] == b[2] and user_ids(agent, who) == [rid]
    server.send({"sender": who, "message": "hello"})
    server.send({"sender": who, "message": "hello"})
    ids = user_ids(agent, who)
    assert len(ids) == 3 and len(set(ids)) == 3, ids


def test_stored_buttons_and_custom_payloads_are_sent_again_as_rasa_sent_them(server, agent):
    from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker

    who = sender()
    buttons = [{"title": "CFA (US)", "payload": '/inform{"qualification":"R001"}'},
               {"title": "CPA Australia", "payload": '/inform{"qualification":"R007"}'}]
    custom = {"kind": "recognized", "cites": ["一.4"]}
    tracker = DialogueStateTracker.from_events(conversation(who), [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("CFA", {"name": "inform", "confidence": 1.0}, message_id="m-1"),
        SlotSet("language", "en"),
        ActionExecuted("action_recognition"),
        BotUttered("Which one do you mean?", {"buttons": buttons}),
        BotUttered(None, {"custom": custom}),
        ActionExecuted("action_listen"),
        UserUttered("thanks", {"name": "thank", "confidence": 1.0}, message_id="m-2"),
        ActionExecuted("utter_thank"), BotUttered("You're welcome."), ActionExecuted("action_listen"),
    ], agent.domain.slots)
    background().run(agent.tracker_store.save(tracker))
    stored = events(agent, who)
    status, _, data = server.send({"sender": who, "message": "CFA", "message_id": "m-1"})
    assert status == 200 and data == [
        {"recipient_id": who, "text": "Which one do you mean?", "buttons": buttons},
        {"recipient_id": who, "custom": custom},
    ]
    _, _, streamed = server.send({"sender": who, "message": "CFA", "message_id": "m-1"}, query="?stream=true")
    assert "Which one do you mean?" in streamed and "recognized" in streamed
    assert events(agent, who) == stored


def test_a_retry_that_arrives_while_the_first_try_runs_waits_for_it_and_replays_it(agent):
    # the check is inside the conversation lock: a retry does not see "not there yet" and run again
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    class HeldOutput(CollectingOutputChannel):
        """Holds the first try inside its turn (the lock taken, nothing saved yet) until released."""

        def __init__(self, holding: asyncio.Event, release: asyncio.Event) -> None:
            super().__init__()
            self.holding, self.release = holding, release

        async def _persist_message(self, message: Dict[str, Any]) -> None:
            self.holding.set()
            await self.release.wait()
            await super()._persist_message(message)

    async def scenario(who: str) -> Any:
        holding, release = asyncio.Event(), asyncio.Event()
        first_out = HeldOutput(holding, release)
        first = asyncio.ensure_future(agent.handle_message(UserMessage("hello", first_out, conversation(who),
                                                                      message_id="m-1")))
        await asyncio.wait_for(holding.wait(), 30)
        retry = asyncio.ensure_future(agent.handle_message(UserMessage("hello", CollectingOutputChannel(),
                                                                       conversation(who), message_id="m-1")))
        done, _ = await asyncio.wait({retry}, timeout=0.5)
        waited = not done  # still waiting for the first try's lock
        release.set()
        return waited, await asyncio.wait_for(first, 30), await asyncio.wait_for(retry, 30)

    who = sender()
    waited, first, retry = background().run(scenario(who), timeout=90)
    assert waited
    assert first and retry == first
    assert user_ids(agent, who) == ["m-1"]


def test_a_conversation_that_cannot_be_read_is_not_run_but_answered_unavailable(server, agent, monkeypatch):
    # Rasa's FailSafeTrackerStore would read it as a new, empty conversation and run the turn on that;
    # the replay check reads past it, so the turn fails first and the channel says so
    from bot.channels.wording import wording

    class Unreadable:
        def __init__(self) -> None:
            self.saved: List[Any] = []

        async def retrieve(self, sender_id: str) -> Any:
            raise ConnectionError("the database does not answer")

        async def save(self, tracker: Any) -> None:
            self.saved.append(tracker)

    broken = Unreadable()
    monkeypatch.setattr(agent.tracker_store, "_tracker_store", broken)
    status, _, data = server.send({"sender": sender(), "message": "hello", "message_id": "m-1"})
    assert status == 200 and [m["text"] for m in data] == [wording("unavailable", "en")], data
    assert broken.saved == []


def test_a_turn_whose_action_failed_is_not_stored_and_its_retry_runs_for_real(server, agent, monkeypatch):
    # the action server is down (the endpoint points at a port nobody listens on): the channel answers
    # "temporarily unavailable" and nothing of the turn is stored, so the client's retry with the same id is run,
    # not replayed empty
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import BotUttered
    from rasa.utils.endpoints import EndpointConfig

    from bot.channels.wording import wording
    from tests.support.servers import free_port

    monkeypatch.setattr(agent.processor, "action_endpoint", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    who = sender()
    status, _, data = server.send({"sender": who, "message": "Is my CFA charter recognized?",
                                   "message_id": "m-1"})
    assert status == 200 and [m.get("text") for m in data] == [wording("unavailable", "en")], data
    assert user_ids(agent, who) == []

    async def run(self, output_channel, nlg, tracker, domain):  # the action server is back
        return [BotUttered(f"answered by {self.name()}")]

    monkeypatch.setattr(RemoteAction, "run", run)
    status, _, data = server.send({"sender": who, "message": "Is my CFA charter recognized?",
                                   "message_id": "m-1"})
    assert status == 200 and data and data[0]["text"].startswith("answered by action_"), data
    assert user_ids(agent, who) == ["m-1"]
    again = server.send({"sender": who, "message": "Is my CFA charter recognized?", "message_id": "m-1"})
    assert again[2] == data and user_ids(agent, who) == ["m-1"]  # now answered: replayed, not run again
