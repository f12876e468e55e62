"""AnswerAction: the rasa-sdk side every answer action shares. Read the context, get the reply, send it; on a
catalog failure, say so politely in the user's language.

Abstract, so that rasa-sdk's executor does not register it: `_register_all_actions` registers every subclass of
Action it finds unless `inspect.isabstract` says it is abstract, and the concrete base it was before issue 11 was
registered as an action named "". Which function answers (and the checks before it) is actions/routing.py's,
which makes the concrete classes from its table: this module imports no topic.
"""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import context, reply
from actions.answering import Reply
from actions.context import Context
from catalog import answers
from catalog.queries import CatalogNotLoaded

logger = logging.getLogger(__name__)


class AnswerAction(Action, metaclass=ABCMeta):
    """An action of domain.yml: `name()` and `answer(ctx) -> (answers, events)`."""

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abstractmethod
    def answer(self, ctx: Context) -> Reply:
        """The answers to send and the events to return for this turn."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        ctx = context.read(tracker)
        try:
            replies, events = self.answer(ctx)
        except (CatalogNotLoaded, SQLAlchemyError, OSError):
            logger.exception("catalog unavailable in %s", self.name())
            dispatcher.utter_message(text=answers.t("unavailable", ctx.lang))
            return []
        for a in replies:
            reply.send(dispatcher, a)
        return events
