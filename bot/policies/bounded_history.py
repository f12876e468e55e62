"""Rasa's RulePolicy and MemoizationPolicy, looking back over the last few turns only.

Rasa 3.6 turns the *whole* conversation into dialogue states before every prediction (two per
turn), even though MemoizationPolicy keeps only `max_history` of them and our rules span at most two
turns. A turn's cost so grows with the length of the conversation: measured with
scripts/profile_turn.py --users 8 --n 60, the two policies took 40% of the server's time by the 60th
turn. These subclasses predict from a copy of the tracker that holds the last RECENT_TURNS user turns
(with every slot's current value), which gives the same states for every rule and memorized story
that is shorter than that. None of our slots influences the conversation, no rule uses
`conversation_start`, and we have no forms; tests/stories checks the predictions.

The full tracker is used when the window would contain a restart, session start, rewind, reverted
utterance or an active loop, so the semantics of those events stay Rasa's own.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

RECENT_TURNS = 6
MIN_EVENTS_TO_TRIM = 40  # shorter trackers are used as they are
_UNTOUCHABLE = (Restarted, SessionStarted, UserUtteranceReverted, ActionReverted, AllSlotsReset, ActiveLoop)


def recent_tracker(tracker: DialogueStateTracker, turns: int = RECENT_TURNS) -> DialogueStateTracker:
    """A copy holding the last `turns` user turns (from the action_listen before the first of them)."""
    events = list(tracker.events)
    if len(events) < MIN_EVENTS_TO_TRIM or tracker.active_loop_name:
        return tracker
    seen = 0
    start = None
    for i in range(len(events) - 1, -1, -1):
        event = events[i]
        if isinstance(event, _UNTOUCHABLE):
            return tracker
        if isinstance(event, UserUttered):
            seen += 1
            if seen == turns:
                start = i
                break
    if start is None:
        return tracker
    while start > 0 and not isinstance(events[start], ActionExecuted):
        start -= 1
    if start == 0:
        return tracker
    slots = [SlotSet(name, slot.value) for name, slot in tracker.slots.items() if slot.value != slot.initial_value]
    return DialogueStateTracker.from_events(tracker.sender_id, slots + events[start:], list(tracker.slots.values()))


class RecentTurnsOnly:
    """Predicts from `recent_tracker(tracker)`: mixed in before a Rasa policy that has `_prediction_states`."""

    def _prediction_states(self, tracker: DialogueStateTracker, domain: Domain,
                           use_text_for_last_user_input: bool = False,
                           rule_only_data: Optional[Dict[Text, Any]] = None) -> List[State]:
        return super()._prediction_states(recent_tracker(tracker), domain,  # type: ignore[misc]
                                          use_text_for_last_user_input, rule_only_data)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class BoundedRulePolicy(RecentTurnsOnly, RulePolicy):
    pass


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class BoundedMemoizationPolicy(RecentTurnsOnly, MemoizationPolicy):
    pass
