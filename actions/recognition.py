"""Is my certificate recognised? And the turn that answers a question the bot asked (inform /
affirm / deny): a pick among options, a nationality, an age, a yes/no on the high-end industry."""
from __future__ import annotations

import re

from actions import context
from actions.base import AnswerAction, Reply
from actions.context import Context
from catalog import answers, queries
from actions.catalog_info import names_a_list
from typing import Optional

from catalog import matching as matcher
from catalog.matching import MatchResult


PRACTISING_WORDS = ("执业", "行医", "practise", "practice medicine", "practice law", "practicing", "practising")


def asks_about_practising(text: str) -> bool:
    return any(w in text.lower() for w in PRACTISING_WORDS)


def recognition(ctx: Context) -> Reply:
    whole = None
    if ctx.text and not ctx.text.startswith("/") and not ctx.candidates:
        each = matcher.get_matcher().match_each(ctx.text)
        whole = each[0] if len(each) == 1 else None  # the whole-text verdict: resolve needs no second pass
        if len(each) >= 2:  # "我有PMP和ITIL Foundation": every credential gets its own verdict
            listed = [r.ids[0] for r in each if r.status == "listed"]
            events = [context.slot("qualification", listed[0])] if listed else []
            return answers.several(each, ctx.lang), events + [context.slot("candidates", None),
                                                               context.slot("confirming", None),
                                                               context.slot("pending_intent", None)]
    res = context.resolve(ctx, whole)
    if res.status in ("listed", "context"):
        q = queries.get(res.qid or "")
        if q is not None:
            replies = [answers.qualification_answer(q, ctx.lang)]
            if asks_about_practising(ctx.text):  # "我有美国行医执照，可以在北京行医吗？": answer that too
                replies.append(answers.practice(ctx.lang, qualification=q))
            return replies, context.slot_events(context.Resolution("listed", q.id))
    if res.result is not None:
        return [answers.recognition(res.result, ctx.lang)], context.slot_events(res, pending="ask_recognized")
    if "field" in ctx.entities or "country" in ctx.entities or names_a_list(ctx.text):
        # no credential, but a field, a country or a list: "急需紧缺清单里有哪些？", "Which IT certificates…";
        # a credential named beside them that the catalog does not hold ("the US PE", "HKIE 電機工程師") is
        # said to be not listed first
        from actions.catalog_info import browse

        replies, events = browse(ctx)
        from catalog import staff_query

        named = "" if names_a_list(ctx.text) or staff_query.asks_for_rows(ctx.text) else _unknown_name(ctx.text)
        if named:
            replies = [answers.Answer("unlisted", ctx.lang, answers.t("not_found_named", ctx.lang, name=named))] + \
                list(replies)
        return replies, events
    return [answers.recognition(MatchResult("none"), ctx.lang)], [context.slot("pending_intent", "ask_recognized")]


def answer_confirmation(ctx: Context, qid: str) -> Optional[Reply]:
    """The reply to "is yours from <issuer>?": yes -> the listed answer (and the question that was pending);
    no -> not listed; another issuer, place or grade -> not listed; another credential -> about that one.
    None when the message is about something else (the confirmation is then dropped)."""
    from actions.dispatch import ANSWERERS

    q = queries.get(qid)
    if q is None:
        return None
    done = [context.slot("confirming", None)]
    result = None
    if ctx.text and not ctx.text.startswith("/"):
        result = matcher.match(ctx.text, restrict_to=[qid])
    said_no = ctx.intent == "deny" or context.answers_no(ctx.text)
    yes = (ctx.intent == "affirm" and not said_no) or (result is not None and result.status in ("listed", "confirm")
                                                       and result.ids == [qid])
    if result is not None and result.status == "unlisted":
        # another issuer, place or grade: not listed; with nothing nearer to name, say what is listed
        reply = answers.recognition(result, ctx.lang) if result.ids else answers.confirm_denied(q, ctx.lang)
        return [reply], done + [context.slot("pending_intent", None)]
    if result is not None and result.status in ("listed", "confirm", "ambiguous") and not yes:
        return None  # a new credential: answered as a new question
    if yes:
        pending = ctx.slots.get("pending_intent")
        events = [*done, context.slot("qualification", qid), context.slot("candidates", None),
                  context.slot("pending_intent", None)]
        if pending in ANSWERERS and pending != "ask_recognized":
            ctx.slots["qualification"] = qid
            ctx.slots["confirming"] = None
            ctx.entities["qualification"] = qid
            replies, more = ANSWERERS[pending](ctx)
            return replies, events + more
        return [answers.qualification_answer(q, ctx.lang)], events
    if said_no:
        return [answers.confirm_denied(q, ctx.lang)], done + [context.slot("pending_intent", None)]
    return None



class ActionAnswerRecognition(AnswerAction):
    action_name = "action_answer_recognition"
    answerer = staticmethod(recognition)


class ActionAnswerInform(AnswerAction):
    """The user answers: continue the pending question with what they said."""

    action_name = "action_answer_inform"

    @staticmethod
    def answerer(ctx: Context) -> Reply:
        from actions.dispatch import ANSWERERS

        pending = ctx.slots.get("pending_intent")
        if ctx.slots.get("confirming"):
            answered = answer_confirmation(ctx, ctx.slots["confirming"])
            if answered is not None:
                return answered
        if ctx.intent in ("affirm", "deny"):
            if pending == "ask_work_permit" and ctx.age is not None and ctx.high_end is None:
                ctx.slots["high_end"] = "true" if ctx.intent == "affirm" else "false"
                replies, events = ANSWERERS["ask_work_permit"](ctx)
                return replies, [context.slot("high_end", ctx.slots["high_end"]), *events]
            return [answers.simple(ctx.intent, ctx.lang)], []
        if pending in ANSWERERS and pending != "ask_recognized":
            return ANSWERERS[pending](ctx)
        res = context.resolve(ctx)
        if "age" in ctx.entities and ctx.nationality != "chinese":
            # "我68岁，外籍，持有PMP，单位属于高精尖产业": an age only matters for the work permit
            first, first_events = recognition(ctx) if res.new else ([], [])
            replies, events = ANSWERERS["ask_work_permit"](ctx)
            return first + replies, first_events + events
        if res.status == "context" and any(k in ctx.entities for k in ("nationality", "age", "high_end")):
            # "我是外籍" / "I'm 68" after a credential: what that means for them
            return ANSWERERS["ask_benefits"](ctx)
        return recognition(ctx)


_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]?[A-Z0-9]{1,6}(?![A-Za-z])")
_CREDENTIAL_WORDS = re.compile(r"(?:注册|註冊)[\u4e00-\u9fff]{1,4}|[\u4e00-\u9fff]{1,6}(?:执照|執照|牌照|社工|工程师|工程師)")


def _unknown_name(text: str) -> str:
    """The name of a credential the message asks about that the matcher found nowhere in the catalog."""
    from catalog import vocabulary

    data = matcher.get_matcher().data
    for m in _ACRONYM.finditer(text or ""):
        word = m.group(0)
        if word.upper() in data.not_credentials or vocabulary.find_country(word) or vocabulary.find_field(word):
            continue
        if word.upper() in ("IT", "OK", "HR", "ID", "AI", "US", "UK", "USA", "PRC", "HK"):
            continue
        return word
    m = _CREDENTIAL_WORDS.search(text or "")
    return m.group(0) if m else ""
