"""Help, handoff to a person, fallback (logged as unanswered), chitchat, out of scope, and 👍/👎 feedback.

Answer functions only, each the plain answer of its intent: when a credential, a field or a list named in the
same message is answered instead (the fallback's "急需紧缺清单里有哪些证书？", chitchat's "thanks — and is my CFA
listed?") is decided in actions/routing.py, so this module imports no other topic."""
from __future__ import annotations

import logging

from actions.answering import Reply, one
from actions.context import Context
from catalog import answers, feedback

logger = logging.getLogger(__name__)
NEGATIVE_FEEDBACK = ("没", "不", "错", "答非所问", "👎", "not", "n't", "wrong", "useless", "down")
# the domain's response of each chitchat intent (greetings, thanks, goodbye, "are you a bot?"), unless the message
# also names a credential ("你好，我想问一下CKA证书"): actions/routing.chitchat answers that first
RESPONSES = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
             "bot_challenge": "utter_bot_challenge"}


def help_text(ctx: Context) -> Reply:
    return one(answers.help_text(ctx.lang))


def human(ctx: Context) -> Reply:
    return one(answers.human(ctx.lang))


def log_unanswered(ctx: Context) -> None:
    """The fallback's question, logged for staff whatever answers it (a staff query, a credential named…): NLU
    did not understand it, and it stays in the log for the trainers. The log never costs the user an answer."""
    try:
        feedback.record(ctx.sender, "fallback", ctx.text, None, ctx.lang)
    except Exception:
        logger.exception("could not log the unanswered question")


def fallback(ctx: Context) -> Reply:
    """Say what I can do and point to a person."""
    return [answers.fallback(ctx.lang), answers.human(ctx.lang)], []


def chitchat(ctx: Context) -> Reply:
    """Goodbye and "are you a bot?": the domain's response."""
    name = RESPONSES.get(ctx.intent, "utter_greet")
    return [answers.Answer("response", ctx.lang, name)], []


def out_of_scope(ctx: Context) -> Reply:
    """Outside the catalog ("上海认不认？" is answered by the silent-topics check of actions/routing.py first)."""
    return [answers.simple("out_of_scope", ctx.lang)], []


def record_feedback(ctx: Context) -> Reply:
    """`/feedback{"helpful":"yes|no", ...}` from the web page's 👍/👎."""
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
