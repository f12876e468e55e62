"""How a certificate is verified (section 4 and Annex 2)."""
from __future__ import annotations

from actions.base import AnswerAction, Reply, one
from actions.context import Context
from catalog import answers


def verification(ctx: Context) -> Reply:
    return one(answers.verification(ctx.lang))


class ActionAnswerVerification(AnswerAction):
    action_name = "action_answer_verification"
    answerer = staticmethod(verification)
