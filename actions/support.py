"""Help, handoff to a person, fallback (logged as unanswered) and 👍/👎 feedback."""
from __future__ import annotations

import logging

from actions import context
from actions.base import AnswerAction, Reply, one
from actions.context import Context
from catalog import answers, feedback

logger = logging.getLogger(__name__)
NEGATIVE_FEEDBACK = ("没", "不", "错", "答非所问", "👎", "not", "n't", "wrong", "useless", "down")


class ActionAnswerHelp(AnswerAction):
    action_name = "action_answer_help"
    answerer = staticmethod(lambda ctx: one(answers.help_text(ctx.lang)))


class ActionHandoffHuman(AnswerAction):
    action_name = "action_handoff_human"
    answerer = staticmethod(lambda ctx: one(answers.human(ctx.lang)))


class ActionAnswerFallback(AnswerAction):
    """Say what I can do, point to a person, and log the question for staff."""

    action_name = "action_answer_fallback"

    def answer(self, ctx: Context) -> Reply:
        try:  # logged whatever answers it (a staff query, a credential named…): NLU did not understand it
            feedback.record(ctx.sender, "fallback", ctx.text, None, ctx.lang)
        except Exception:  # the log must never cost the user an answer
            logger.exception("could not log the unanswered question")
        return super().answer(ctx)

    @staticmethod
    def answerer(ctx: Context) -> Reply:
        # the intent was unclear, but a credential, a field, a country or a list named in the message
        # is still worth answering ("急需紧缺清单里有哪些证书？"); it stays in the log for the trainers
        from actions.catalog_info import names_a_list
        from actions.recognition import recognition

        if ctx.text and (context.resolve(ctx).new or names_a_list(ctx.text) or
                         "field" in ctx.entities or "country" in ctx.entities):
            return recognition(ctx)
        return [answers.fallback(ctx.lang), answers.human(ctx.lang)], []


class ActionAnswerChitchat(AnswerAction):
    """Goodbye and "are you a bot?" (greetings and thanks stay the domain's responses, answered without the
    action server): the domain's response, unless the message also asks
    about the catalog ("你个傻X机器人 PMP到底在不在目录", "thanks — and is my CFA listed?"): then AnswerAction's
    checks (refusals, staff queries, measures, several credentials) or the credential's verdict answer it."""

    action_name = "action_answer_chitchat"
    RESPONSES = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
                 "bot_challenge": "utter_bot_challenge"}

    @staticmethod
    def answerer(ctx: Context) -> Reply:
        from actions.recognition import recognition

        if ctx.text and not ctx.text.startswith("/") and context.resolve(ctx).new:
            return recognition(ctx)
        name = ActionAnswerChitchat.RESPONSES.get(ctx.intent, "utter_greet")
        return [answers.Answer("response", ctx.lang, name)], []


class ActionAnswerOutOfScope(AnswerAction):
    """Outside the catalog ("上海认不认？" is answered by the silent-topics check of AnswerAction first)."""

    action_name = "action_answer_out_of_scope"

    @staticmethod
    def answerer(ctx: Context) -> Reply:
        return [answers.simple("out_of_scope", ctx.lang)], []


class ActionRecordFeedback(AnswerAction):
    """`/feedback{"helpful":"yes|no", ...}` from the web page's 👍/👎."""

    action_name = "action_record_feedback"

    @staticmethod
    def answerer(ctx: Context) -> Reply:
        if "helpful" in ctx.entities:
            helpful = str(ctx.entities["helpful"]).lower() in ("yes", "true", "1", "up")
        else:  # typed feedback: "没帮助", "not helpful", "👎"
            helpful = not any(w in ctx.text.lower() for w in NEGATIVE_FEEDBACK)
        try:
            feedback.record(ctx.sender, "helpful" if helpful else "unhelpful",
                            (str(ctx.entities.get("answer_text", "")) or ctx.text)[:2000],
                            str(ctx.entities.get("answer_kind", "")) or None, ctx.lang)
        except Exception:
            logger.exception("could not record feedback")
        return one(answers.simple("feedback_thanks", ctx.lang))
