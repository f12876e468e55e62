"""Is my certificate recognised? The verdict on the credential(s) a message names, or on the one of the
conversation; with no credential but a field, a country or a list, the rows the catalog has there.

An answer function only: the turns that continue a question the bot asked (inform / affirm / deny, the reply to
"is yours from <issuer>?") and every topic that falls back on this verdict are actions/routing.py's, so this
module imports no other topic (it imported actions.base, actions.catalog_info and actions.dispatch before issue 11,
two of them inside functions to hide the cycles)."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

from actions import context
from actions.answering import Reply, browsed, experience, names_a_list, unknown_name
from actions.context import Context
from catalog import answers, queries, staff_query
from catalog import matching as matcher
from catalog.matching import MatchResult

PRACTISING_WORDS = ("执业", "行医", "practise", "practice medicine", "practice law", "practicing", "practising")


def asks_about_practising(text: str) -> bool:
    return any(w in text.lower() for w in PRACTISING_WORDS)


def nearest(ctx: Context) -> Optional[MatchResult]:
    """No alias in the message, but the words of one row or a few ("dga diamond grading uk", "瑞士雪联单板三级"):
    the question "is yours this one?", never a yes; None for a browse or a staff query."""
    text = ctx.text or ""
    if not text or text.startswith("/") or ctx.candidates or ctx.slots.get("confirming") or names_a_list(text) \
            or staff_query.asks_for_rows(text):
        return None
    if ("field" in ctx.entities or "country" in ctx.entities) and not _ASKS_IF_LISTED.search(text):
        return None  # "Show me the cloud computing certificates": a browse, whatever words the rows share
    return matcher.get_matcher().nearest_result(text)


# a question whether one credential counts ("dga diamond grading uk - listed?", "瑞士单板三级 有用吗", "ccsp ok??")
_ASKS_IF_LISTED = re.compile(r"listed|recogni[sz]|covered|\bcounts?\b|\bok\b|okay|valid|legit|accepted|any good|on (?:the|your) list|"
                             r"有用|有冇用|有没有用|认吗|認嗎|认不认|認唔認|算吗|算嗎|算不算|算唔算|得唔得|行不行|可以吗|可以嗎|"
                             r"在目录|在目錄|喺目錄|喺唔喺|在不在|有冇|有没有", re.I)


# a question about what the row asks ("is there an experience condition?", "does that meet the requirement?")
_ASKS_CONDITIONS = re.compile(r"experience|requirement|condition|require|经验|經驗|要求|条件|條件|年限", re.I)


# a yes/no question whether the person is covered ("Am I covered?", "Do I qualify?", "我是二级的，符合吗？")
_ASKS_COVERED = re.compile(r"(?<![a-z])(?:am i|are we|is (?:it|that|mine|he|she)|would i be|will i be|does (?:it|that|mine) still)\s+"
                           r"(?:still\s+)?(?:covered|eligible|included|ok|okay|good enough|enough)(?![a-z])|"
                           r"(?<![a-z])(?:do|does|would|will) (?:i|it|that|mine|he|she) (?:still )?(?:qualify|count)(?![a-z])|"
                           r"(?<![a-z])is [a-z0-9 .'-]{1,40}? (?:enough|sufficient|good enough)(?![a-z])|"  # "is ITIL 4 Foundation enough"
                           r"够吗|夠嗎|够用吗|夠用嗎|可唔可以用|"
                           r"符合吗|符合嗎|符唔符合|算不算|算唔算|够不够|夠唔夠|够唔够|得唔得|行不行|行唔行", re.I)


def recognition(ctx: Context) -> Reply:
    whole = None
    if ctx.text and not ctx.text.startswith("/") and not ctx.candidates:
        each = matcher.get_matcher().match_each(ctx.text)
        whole = each[0] if len(each) == 1 else None  # the whole-text verdict: resolve needs no second pass
        if len(each) >= 2:  # "我有PMP和ITIL Foundation": every credential gets its own verdict
            listed = [r.ids[0] for r in each if r.status == "listed"]
            events = [context.slot("qualification", listed[0])] if listed else []
            replies = answers.several(each, ctx.lang)
            for qid in listed:  # "only 1yr exp": each listed row that asks for years, for this person
                replies += experience(ctx, queries.get(qid))
            return replies, events + [context.slot("candidates", None),
                                                               context.slot("confirming", None),
                                                               context.slot("pending_intent", None)]
    res = context.resolve(ctx, whole)
    if res.status in ("listed", "context"):
        q = queries.get(res.qid or "")
        if q is not None:
            replies = [answers.qualification_answer(q, ctx.lang)] + experience(ctx, q)  # "做咗1年雲計算"
            if asks_about_practising(ctx.text):  # "我有美国行医执照，可以在北京行医吗？": answer that too
                replies.append(answers.practice(ctx.lang, qualification=q))
            return replies, context.slot_events(context.Resolution("listed", q.id))
    if res.result is not None:
        replies = [answers.recognition(res.result, ctx.lang)]
        if res.status == "unlisted" and _ASKS_COVERED.search(ctx.text or "") and replies[0].kind == "unlisted":
            # "I'm level 2. Am I covered?": "No, you are not covered:" before the "not listed"
            lead = answers.t("unlisted_lead", ctx.lang) + ("" if ctx.lang == "zh" else " ")
            said = replies[0].text
            if ctx.lang != "zh" and said.startswith("The "):
                said = "t" + said[1:]  # ("No, you are not covered: the credential or level you mention…")
            replies[0] = replace(replies[0], text=lead + said)
        if res.status in ("unlisted", "confirm") and _ASKS_CONDITIONS.search(ctx.text or "") \
                and 1 <= len(res.result.ids) <= 2:
            # "KNSB Level 3 … does that meet the requirement? is there an experience condition?": the listed
            # row's own conditions, after its "not listed" (or its "is yours that one?")
            replies += [answers.row_conditions(q, ctx.lang) for q in (queries.get(i) for i in res.result.ids)
                        if q is not None and (answers.conditions_lines(q, ctx.lang) or res.status == "confirm")]
        return replies, context.slot_events(res, pending="ask_recognized")
    near = nearest(ctx) if res.status == "none" else None
    if near is not None:
        named = unknown_name(ctx.text)  # "ccsp ok?? cloud security one": CCSP is not listed; the nearest is asked
        first = [answers.Answer("unlisted", ctx.lang, answers.t("not_found_named", ctx.lang, name=named))] if named else []
        return first + [answers.recognition(near, ctx.lang)], \
            context.slot_events(context.Resolution(near.status, None, near), pending="ask_recognized")
    if "field" in ctx.entities or "country" in ctx.entities or names_a_list(ctx.text):
        # no credential, but a field, a country or a list: "急需紧缺清单里有哪些？", "Which IT certificates…";
        # a credential named beside them that the catalog does not hold ("the US PE", "HKIE 電機工程師") is
        # said to be not listed first
        replies = [browsed(ctx)]
        named = "" if names_a_list(ctx.text) or staff_query.asks_for_rows(ctx.text) else unknown_name(ctx.text)
        if named:
            replies = [answers.Answer("unlisted", ctx.lang, answers.t("not_found_named", ctx.lang, name=named))] + \
                list(replies)
        return replies, []
    return [answers.recognition(MatchResult("none"), ctx.lang)], [context.slot("pending_intent", "ask_recognized")]
