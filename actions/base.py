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
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import context, receipt, reply
from actions.answering import Reply
from actions.context import Context
from catalog import answers, logs, receipts
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
        message_id = (tracker.latest_message or {}).get("message_id")
        with logs.bound(conversation=ctx.sender, message_id=message_id):
            try:
                replies, events = self.answer(ctx)
            except (CatalogNotLoaded, SQLAlchemyError, OSError):
                logger.exception("catalog unavailable in %s", self.name())
                dispatcher.utter_message(text=answers.t("unavailable", ctx.lang))
                return []
            minted = self._receipt(tracker, ctx, replies, domain)
            code = receipts.display(minted[0]) if minted else None
            offer = minted[2] if minted else None
            if minted:
                replies = minted[1]
            with logs.bound(receipt=code):
                logger.info("answered", extra={"action": self.name(), "kinds": [a.kind for a in replies],
                                               "rows": [a.qualification for a in replies if a.qualification],
                                               "handoff": offer is not None})
                for a in replies:
                    reply.send(dispatcher, a, code, handoff=a is offer)
        return events

    def _receipt(self, tracker: Tracker, ctx: Context, replies: List[answers.Answer],
                 domain: Dict[str, Any]) -> "Optional[Tuple[str, List[answers.Answer], Optional[answers.Answer]]]":
        """Mint and store this answer's receipt (actions/receipt.py), offering a person when the user asks for
        one or this is the second answer in a row that did not help: the code, the answers to send and the offer
        among them (None: no offer). None when it could not be stored: the answer is given all the same, without
        a code."""
        code = receipts.new_code()
        offer: Optional[answers.Answer] = None
        try:
            if receipt.needs_person(self.name(), ctx, replies):
                replies = receipt.with_offer(list(replies), ctx.lang, code)
                offer = replies[-1]
            stored = receipts.record(receipt.build(code, self.name(), tracker, ctx, replies, domain))
        except Exception:  # noqa: BLE001 - the receipt never costs the user the answer
            logger.exception("could not store the receipt of %s", self.name())
            return None
        if stored != code:  # the code was taken (one in hundreds of millions): the one stored is shown
            replies = [replace(a, text=a.text.replace(receipts.display(code), receipts.display(stored)))
                       for a in replies]
            offer = replies[-1] if offer is not None else None
        return stored, replies, offer
