"""Rasa 3.6 patched where it does not expose a setting or hides a failure (applied once, by bot/__init__.py).

- The action server call: Rasa waits up to 5 minutes for a custom action (rasa.core.constants.
  DEFAULT_REQUEST_TIMEOUT). A slow or hung action server would leave the user waiting that long, so
  the wait is bounded by QUALIBOT_ACTION_TIMEOUT seconds (default 8).
- A failed custom action: Rasa logs "Encountered an exception while running action ..." and goes on
  with no reply. A log filter records the failure in the current turn (a context variable set by
  bot/turn.py) so the channel can answer "temporarily unavailable" instead of silence.

- A message that was already answered: a client or the front (nginx `proxy_next_upstream ...
  non_idempotent`, deploy/nginx/qualibot.conf.template) re-sends a message whose response it lost, e.g.
  when the replica that ran it died before answering. Rasa 3.6 would run the turn again: a second user
  event, a second answer, slots set twice. Each message carries an id (the REST channel takes it from
  the body or nginx's X-Request-Id, bot/channels/rest.py; WeChat from MsgId), which Rasa stores on the
  `user` event. `MessageProcessor.handle_message` runs inside the conversation lock (Agent.handle_message
  takes it first), so there it now first reads the stored conversation: if a `user` event has this id,
  the bot messages that followed it are sent to the output channel again as Rasa sent them (text,
  buttons, custom, ...) and nothing is stored. A retry that arrives while the first try still runs
  waits for the lock, then finds the finished turn and replays it. The cost is one more read of the
  conversation per turn. The read goes to the tracker store itself, not through Rasa's
  FailSafeTrackerStore (which would turn a failed read into "new conversation"): a conversation that
  cannot be read cannot be checked, so the turn fails and the channel answers "temporarily unavailable"
  (bot/turn.py), as it would have after running the turn on an empty history.
  A turn in which a custom action failed is not stored at all (`save_tracker` skipped): the user was
  told it did not happen, and its retry with the same id must run it, not replay an empty answer.

- Speed (measured with scripts/profile_turn.py; two-thirds of a turn went here):
  * Rasa validates each action server response with `jsonschema.validate`, which first checks the
    schema itself against the JSON Schema meta-schema: ~75 ms per custom action with jsonschema 4.17.
    The validator is now built (and its schema checked) once; every response is still validated, each
    event against its own type's schema (bot/action_calls.py, which also trims what a call carries).
  * `Event.resolve_by_type` walks all Event subclasses for every stored event it deserialises; the
    class found for a type name is now remembered.
  * DIETClassifier runs TensorFlow for every message (~3.6 ms of a turn, mostly call overhead). When DIET is
    trained, its intent network is also exported to numpy arrays beside the checkpoint, checked against
    TensorFlow's own confidences; a model that has them predicts intents with numpy
    (bot/components/diet_numpy.py) and its TensorFlow model is not even loaded. QUALIBOT_DIET_TF=1 loads
    and runs TensorFlow as before.
  * Rasa runs its graph (NLU, then the policies once per action) through dask, which cuts, builds and orders
    the graph anew on every run; the order is now computed once and the nodes called in it
    (bot/graph_runner.py).
  * `EndpointConfig.request` opens a new aiohttp session, hence a new TCP connection, for every call;
    calls to the action server now share one session (keep-alive) per event loop. A kept-alive
    connection the action server has closed fails as "server disconnected", which the retry below
    already sends once more.

- A message can set slots (issue 12). Rasa parses any text that starts with "/" as an intent with
  entities, and entities become slots: `/inform{"age": NaN}` typed on the web page made every later
  benefits answer fail until /restart. Two checks, both here in `MessageProcessor.parse_message` and in
  `DialogueStateTracker._set_slot`, the one place every SlotSet is applied:
  * on a public channel (the web page, socket.io, WeChat, and REST callers without the token: see
    `is_public`) a "/…" text counts as a payload only when it is one of the buttons of the bot's last
    turn in this conversation (read from the tracker). Anything else is read as the words it contains
    (the leading "/" dropped): "/inform{"age":NaN}" reaches NLU as plain text, so the user gets a normal
    answer to what they typed, never a slot. (A refusal would also do; plain text is kinder to someone
    who typed "/help", and WeChat's numbered options still work: they are sent as the offered payload.)
  * every entity of every parsed message and every slot value, wherever it comes from (extraction,
    actions, the HTTP API, events replayed from the store), must pass catalog/slot_values.py: an age is
    an integer 16-100, a nationality one of its values, a qualification an existing row id, ... An
    entity that fails is dropped; a SlotSet that fails leaves the slot as it was (an old conversation
    holding such a value is read without it).

Applied once by bot/__init__.py, so every Rasa process that loads our model, one of our channels or
stores (server, shell, tests) has it. The action server never imports bot/ (import-linter contract).
"""
from __future__ import annotations

import contextvars
import logging
import os
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from rasa.shared.core.events import BotUttered
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT = 8.0
ACTION_FAILED_PREFIX = "Encountered an exception while running action"
ACTION_NAME = re.compile(r"running action '([A-Za-z0-9_]{1,64})'")  # Rasa's message names the action

PUBLIC_CHANNELS = ("webchat", "socketio", "wechat")  # input channels anyone can write to
_PUBLIC_ATTR = "qualibot_public"

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
            from bot import health, metrics  # late: health imports Rasa pieces

            health.ACTION_FAILURES.record(record.exc_info[1] if record.exc_info else None)
            named = ACTION_NAME.search(record.getMessage())
            metrics.ACTION_CALL_FAILURES.labels(named.group(1) if named else "unknown").inc()
        return True


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


def replies_to(tracker: Optional["DialogueStateTracker"], message_id: Optional[str]) -> Optional[List["BotUttered"]]:
    """The bot messages that answered the user message `message_id` in `tracker`, in order (perhaps
    none); None when the tracker holds no user message with that id."""
    from rasa.shared.core.events import BotUttered, UserUttered

    if tracker is None or not message_id:
        return None
    replies: Optional[List[BotUttered]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break  # the next user message: its turn is over
            if event.message_id == message_id:
                replies = []
        elif replies is not None and isinstance(event, BotUttered):
            replies.append(event)
    return replies


def _patch_replayed_messages(processor: type) -> None:
    from rasa.core.channels.channel import CollectingOutputChannel

    original = processor.handle_message

    async def handle_message(self: Any, message: Any) -> Optional[List[Dict[str, Any]]]:
        if message.message_id:
            store = getattr(self.tracker_store, "_tracker_store", self.tracker_store)  # past the FailSafe
            tracker = await store.retrieve(message.sender_id)
            replies = replies_to(tracker, message.message_id)
            if replies is not None:
                logger.info("message %r of %r was already answered: %d message(s) sent again, the turn "
                            "is not run twice", message.message_id, message.sender_id, len(replies))
                for event in replies:
                    await message.output_channel.send_response(message.sender_id, event.message())
                if isinstance(message.output_channel, CollectingOutputChannel):
                    return message.output_channel.messages
                return None
            # the turn's own read of the conversation (Rasa's get_tracker, still inside the lock) is this one
            token = _read_this_turn.set((self.tracker_store, message.sender_id, tracker))
            try:
                return await original(self, message)
            finally:
                _read_this_turn.reset(token)
        return await original(self, message)

    handle_message.__doc__ = original.__doc__
    processor.handle_message = handle_message


# the conversation the replay check just read (tracker store, sender id, tracker or None), until the turn reads it
_read_this_turn: contextvars.ContextVar[Optional[Tuple[Any, str, Any]]] = contextvars.ContextVar(
    "qualibot_read_this_turn", default=None)


def _patch_tracker_read_once(failsafe_class: type) -> None:
    """The turn reads its conversation from the store once (issue 15): the replay check above has just read it
    (deserialised and replayed every event), under the conversation's lock, and Rasa's `get_tracker` would read
    it again; the FailSafe store's first `retrieve` of that conversation in the turn returns that tracker
    (the same object the primary store returned, unchanged since). Any later read goes to the store."""
    original = failsafe_class.retrieve

    async def retrieve(self: Any, sender_id: str) -> Any:
        read = _read_this_turn.get()
        if read is not None and read[0] is self and read[1] == sender_id:
            _read_this_turn.set(None)
            return read[2]
        return await original(self, sender_id)

    retrieve.__doc__ = original.__doc__
    failsafe_class.retrieve = retrieve


def _patch_action_call_retry(endpoint_class: type) -> None:
    """A call to the action server whose connection broke (the worker answering it died: reset, server
    disconnected; or refused) is sent once more. The action server's workers share one socket and a dead
    one is replaced (actions/supervisor.py), so the second try reaches a live worker; without it the
    user of every call in flight got "temporarily unavailable" (make bench-chaos, fault "action": 2-4 per
    kill). Only the action server's calls (a JSON body with `next_action`), only broken connections (not
    a timeout or an HTTP error: the action may still be running), and only once. Re-running an action is
    safe: it computes events from the tracker it is sent; the one side effect, the unanswered-question
    log of the fallback, may then hold the question twice."""
    import aiohttp

    original = endpoint_class.request

    async def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if not (isinstance(body, dict) and "next_action" in body):
            return await original(self, *args, **kwargs)
        token = _shared_session.set(True)
        try:
            try:
                return await original(self, *args, **kwargs)
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as e:
                logger.warning("action server connection broke (%s): sending %r once more", type(e).__name__,
                               body.get("next_action"))
                return await original(self, *args, **kwargs)
        finally:
            _shared_session.reset(token)

    request.__doc__ = original.__doc__
    endpoint_class.request = request


# set while an action server call runs: its `EndpointConfig.session()` is the shared one
_shared_session: contextvars.ContextVar[bool] = contextvars.ContextVar("qualibot_shared_session", default=False)


class _KeptSession:
    """`async with` around a shared aiohttp session that leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _close_quietly(session: Any) -> None:
    """Close a shared session without an event loop (at exit, or its loop closed): its connector closes its
    transports synchronously, and a session without a connector counts as closed (no "unclosed" warning)."""
    connector = getattr(session, "_connector", None)
    if connector is not None:
        connector._close()
        session._connector = None


def _patch_shared_action_session(endpoint_class: type) -> None:
    """Action server calls reuse one aiohttp session (its connection pool) per endpoint and event loop."""
    import asyncio
    import atexit

    original = endpoint_class.session
    sessions: Dict[Any, Dict[Any, Any]] = {}  # event loop -> endpoint key -> session

    def close_all() -> None:
        for by_key in sessions.values():
            for shared in by_key.values():
                _close_quietly(shared)
        sessions.clear()

    atexit.register(close_all)

    def session(self: Any) -> Any:
        if not _shared_session.get():
            return original(self)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original(self)
        if loop not in sessions:
            for old in [lp for lp in sessions if lp.is_closed()]:  # e.g. the tests' asyncio.run, one loop each
                for shared in sessions.pop(old).values():
                    _close_quietly(shared)
        by_key = sessions.setdefault(loop, {})
        key = (self.url, tuple(sorted((self.headers or {}).items())), tuple(sorted((self.basic_auth or {}).items())))
        shared = by_key.get(key)
        if shared is None or shared.closed:
            shared = by_key[key] = original(self)
        return _KeptSession(shared)

    session.__doc__ = original.__doc__
    endpoint_class.session = session


def _patch_failed_turn_not_saved(processor: type) -> None:
    """A turn in which a custom action failed is not stored. The channel answers it with "temporarily
    unavailable" (bot/turn.py) and the client sends it again with the same message id; had the
    turn been stored (its user event with that id, no bot message), the retry would have been "already
    answered" and replayed an empty reply (found by `make bench-chaos`, fault "action"). Not stored, the
    retry runs the turn for real, once. Rasa calls `save_tracker` once, at the end of the turn."""
    original = processor.save_tracker

    async def save_tracker(self: Any, tracker: Any) -> None:
        problems = turn_problems.get()
        if problems and "action_failed" in problems:
            logger.warning("turn of %r not stored: a custom action failed (the user is told to try again)",
                           tracker.sender_id)
            return
        await original(self, tracker)

    save_tracker.__doc__ = original.__doc__
    processor.save_tracker = save_tracker


def _patch_diet_numpy(diet_class: type) -> None:
    import functools
    from pathlib import Path

    from bot.components import diet_numpy

    original_train, original_load, original_process = diet_class.train, diet_class.load, diet_class.process

    # functools.wraps: Rasa checks the type hints of a component's methods (the original's, resolved in its module)
    @functools.wraps(original_train)
    def train(self: Any, training_data: Any) -> Any:
        resource = original_train(self, training_data)
        if self.model is not None:
            try:
                predictor = diet_numpy.export(self, training_data.intent_examples)
            except Exception:  # noqa: BLE001 - the TensorFlow model is stored: it is used instead
                logger.exception("DIET not exported to numpy")
                predictor = None
            if predictor is not None:
                with self._model_storage.write_to(self._resource) as directory:
                    predictor.save(Path(directory))
        return resource

    @functools.wraps(original_load.__func__)
    def load(cls: Any, config: Dict[str, Any], model_storage: Any, resource: Any, execution_context: Any,
             *args: Any, **kwargs: Any) -> Any:
        if os.environ.get("QUALIBOT_DIET_TF", "") != "1":
            try:
                with model_storage.read_from(resource) as directory:
                    predictor = diet_numpy.NumpyDIET.load(Path(directory))
                    mapping = diet_numpy.load_mapping(Path(directory)) if predictor is not None else {}
            except (ValueError, FileNotFoundError):
                predictor = None
            if predictor is not None:
                diet = cls.__new__(cls)  # no TensorFlow model: what process() and Rasa read of it
                diet.component_config = config
                diet._model_storage, diet._resource, diet._execution_context = model_storage, resource, execution_context
                diet.index_label_id_mapping, diet.model = mapping, None
                diet._numpy = predictor
                return diet
        return original_load.__func__(cls, config, model_storage, resource, execution_context, *args, **kwargs)

    @functools.wraps(original_process)
    def process(self: Any, messages: Any) -> Any:
        predictor = getattr(self, "_numpy", None)
        if predictor is None:
            return original_process(self, messages)
        return diet_numpy.process(self, predictor, messages)

    diet_class.train, diet_class.process = train, process
    diet_class.load = classmethod(load)


def mark_public(message: Any, public: bool) -> None:
    """Say whether `message` came from anyone (True) or from a trusted caller (False); the channel knows."""
    setattr(message, _PUBLIC_ATTR, bool(public))


def is_public(message: Any) -> bool:
    """Is `message` from a channel anyone can write to? The channel's mark, else its input channel's name
    (WeChat and socket.io messages are public; `rasa shell`, the tests' own processors are not)."""
    marked = getattr(message, _PUBLIC_ATTR, None)
    if marked is not None:
        return bool(marked)
    return getattr(message, "input_channel", None) in PUBLIC_CHANNELS


def offered_payloads(tracker: Optional["DialogueStateTracker"]) -> List[str]:
    """The payloads of the buttons in the bot's last turn (the bot messages after the last user message)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    payloads: List[str] = []
    for event in reversed(list(tracker.events) if tracker is not None else []):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    payloads.append(button["payload"].strip())
    return payloads


def as_public_text(text: Optional[str], tracker: Optional["DialogueStateTracker"]) -> Optional[str]:
    """`text` as Rasa should read it from a public channel: unchanged unless it starts with "/" and is no
    button of the bot's last turn; then without the leading slashes (plain words for NLU)."""
    stripped = (text or "").strip()
    if not stripped.startswith("/") or stripped in offered_payloads(tracker):
        return text
    return stripped.lstrip("/").strip() or text


def valid_entities(entities: Any) -> List[Dict[str, Any]]:
    """The entities whose values pass catalog/slot_values.py (values as the rules hold them)."""
    from catalog import slot_values

    kept: List[Dict[str, Any]] = []
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, dict) or not isinstance(entity.get("entity"), str):
            continue
        ok, value = slot_values.cleaned(entity["entity"], entity.get("value"))
        if not ok:
            logger.info("entity %r dropped: its value breaks its rule (catalog/slot_values.py)", entity["entity"])
            continue
        kept.append(entity if value == entity.get("value") else {**entity, "value": value})
    return kept


def _patch_payload_gate(processor: type) -> None:
    original = processor.parse_message

    async def parse_message(self: Any, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        if tracker is not None and is_public(message):
            text = as_public_text(message.text, tracker)
            if text != message.text:
                logger.info("a '/' message of %r is not a button of the last turn: read as plain text",
                            message.sender_id)
                message.text = text
        parse_data = await original(self, message, tracker, only_output_properties)
        parse_data["entities"] = valid_entities(parse_data.get("entities"))
        if tracker is not None:  # a user message (not the HTTP API's /model/parse): counted once
            from bot import metrics

            metrics.count_parse(parse_data, getattr(getattr(self, "domain", None), "intents", ()) or ())
        return parse_data

    parse_message.__doc__ = original.__doc__
    processor.parse_message = parse_message


def _patch_slot_values(tracker_class: type) -> None:
    from catalog import slot_values

    original = tracker_class._set_slot

    def _set_slot(self: Any, key: str, value: Any) -> None:
        if key in slot_values.RULES:
            ok, value = slot_values.cleaned(key, value)
            if not ok:
                logger.info("slot %r not set: the value breaks its rule (catalog/slot_values.py)", key)
                return
        original(self, key, value)

    _set_slot.__doc__ = original.__doc__
    tracker_class._set_slot = _set_slot


_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    import rasa.core.actions.action as rasa_action
    from rasa.core.processor import MessageProcessor

    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout()  # read by RemoteAction.run at call time
    logging.getLogger("rasa.core.processor").addFilter(ActionFailureFilter())
    from rasa.engine.runner.dask import DaskGraphRunner

    from bot import action_calls, graph_runner

    action_calls.apply(rasa_action.RemoteAction)  # what the calls carry, how their answers are checked
    graph_runner.patch(DaskGraphRunner)  # the graph's nodes in a fixed order, without dask's bookkeeping
    _patch_event_type_lookup()
    _patch_replayed_messages(MessageProcessor)
    _patch_failed_turn_not_saved(MessageProcessor)
    from rasa.utils.endpoints import EndpointConfig

    _patch_action_call_retry(EndpointConfig)
    _patch_shared_action_session(EndpointConfig)
    _patch_payload_gate(MessageProcessor)
    from rasa.shared.core.trackers import DialogueStateTracker

    _patch_slot_values(DialogueStateTracker)
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    _patch_diet_numpy(DIETClassifier)
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot import metrics

    metrics.patch_lock_wait(LockStore)  # the lock wait time (/metrics)
    metrics.patch_memory_fallback(FailSafeTrackerStore)  # trackers put in memory (/metrics)
    _patch_tracker_read_once(FailSafeTrackerStore)
