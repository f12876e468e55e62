"""Warm an action-server worker before it serves its first request.

The catalog matcher is not the only thing built on first use: the facts lexicon, the sentence index, the staff
queries' tables, the refusals, the silent topics, the pinyin table, the answer texts and the catalog rows are each
read and compiled the first time a turn needs them, in the process that serves it. With several workers on one
port, each worker's first turn paid for all of it; on a loaded 2-core machine that passed the production stack
test's 3-second action timeout (the reply was "temporarily unavailable": test_context_survives_turns_landing_on_
alternate_replicas, the second turn landing on the worker that had not answered yet).

`warm(registered)` answers a few representative turns (zh and en: a credential, its benefits, work permit,
practice, verification, a staff query, a count, a fallback) through the actions rasa-sdk's executor registered
(`ActionExecutor.actions`: each action's `run`, whose action's `answer` is the real routing), on trackers made
here: nothing is sent, stored or receipted (it calls `answer`, not `run`). actions/server.py runs it before the
worker accepts connections, after the matcher is built. It imports no action module: it is given them, as
rasa-sdk's executor is (only actions/routing.py imports the topics, and nothing imports it).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from rasa_sdk import Tracker

from actions import context

logger = logging.getLogger(__name__)

# (text, intent, action, language, slots): each reaches a different part of the answer path
TURNS: Tuple[Tuple[str, str, str, str, Dict[str, Any]], ...] = (
    ("我有CFA证书", "inform", "action_answer_inform", "zh", {}),
    ("外籍人士能享受什么", "ask_benefits", "action_answer_benefits", "zh", {"qualification": "R001"}),
    ("How is it verified?", "ask_verification", "action_answer_verification", "en", {}),
    ("我是外籍，67岁，单位不属于高精尖，工作许可年龄能放宽吗？", "ask_work_permit", "action_answer_work_permit", "zh", {}),
    ("Can I practise as a physician in Beijing with my licence?", "ask_practice", "action_answer_practice", "en", {}),
    ("哪些体育类证书要求两年工作经验", "ask_catalog_browse", "action_browse_catalog", "zh", {}),
    ("How many rows are from the UK, and which?", "ask_catalog_stats", "action_answer_catalog_stats", "en", {}),
    ("係咪有教師資格證書", "ask_recognized", "action_answer_recognition", "zh", {}),
    ("what is the processing fee", "out_of_scope", "action_answer_fallback", "en", {}),
)


def _tracker(text: str, intent: str, lang: str, slots: Dict[str, Any]) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": [{"entity": "language", "value": lang}]}
    return Tracker("qualibot-warm-up", {"language": lang, **slots}, latest, [], False, None, {}, "action_listen")


def answerer(registered: Mapping[str, Callable[..., Any]], action: str) -> Optional[Callable[[context.Context], Any]]:
    """The `answer` of the registered action `action` (rasa-sdk keeps its bound `run`), or None."""
    return getattr(getattr(registered.get(action), "__self__", None), "answer", None)


def warm(registered: Mapping[str, Callable[..., Any]],
         turns: Optional[Tuple[Tuple[str, str, str, str, Dict[str, Any]], ...]] = None) -> List[float]:
    """Answer `turns` (default TURNS) once each with the `registered` actions; the seconds each took. A turn that
    fails, or whose action is not registered, is logged and skipped: warming never stops a worker from serving
    (its /health/ready says what is wrong)."""
    took: List[float] = []
    for text, intent, action, lang, slots in turns or TURNS:
        t0 = time.perf_counter()
        answer = answerer(registered, action)
        try:
            if answer is None:
                raise LookupError(f"no action {action!r} registered")
            answer(context.read(_tracker(text, intent, lang, slots)))
        except Exception:  # noqa: BLE001 - e.g. no catalog yet: the first real turn says so
            logger.warning("warm-up turn %r failed", text, exc_info=True)
        took.append(time.perf_counter() - t0)
    return took
