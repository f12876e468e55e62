"""Practising in Beijing (section 3)."""
from __future__ import annotations

from actions.base import AnswerAction, Reply, with_qualification
from actions.context import Context
from catalog import answers


def practice(ctx: Context) -> Reply:
    return with_qualification(ctx, "ask_practice", lambda q: answers.practice(ctx.lang, qualification=q),
                              lambda: answers.practice(ctx.lang))


class ActionAnswerPractice(AnswerAction):
    action_name = "action_answer_practice"
    answerer = staticmethod(practice)
