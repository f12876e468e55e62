"""What holders get: all benefits, or one of them (work permit, visas, titles, residence permit).

Answer functions only (`ctx -> (answers, events)`): which action or pending question they answer is
actions/routing.py's business, so this module imports no other topic."""
from __future__ import annotations

import re

from actions import context
from actions.answering import Reply, with_qualification
from actions.context import Context
from catalog import answers, benefits as rules
from catalog import facts as person_facts


def nationality_changed(ctx: Context) -> bool:
    """Whether this message, a follow-up, says the person's nationality: a new one ("I'm actually a Chinese national
    now" after "I'm a US citizen") or the first one after the benefits were asked ("Forgot to say: I'm a Chinese
    citizen"), so what it rules out is said."""
    if not ctx.text or ctx.text.startswith("/") or ctx.nationality not in ("chinese", "foreign") or not ctx.history:
        return False
    said = person_facts.nationality(ctx.text)
    if said is None:
        return False
    earlier = [n[0] for n in (person_facts.nationality(h) for h in ctx.history) if n is not None]
    if earlier:
        return earlier[-1] != said[0]
    # the first one said: only as a correction of what was assumed ("Forgot to say: I'm a Chinese citizen, not a
    # foreigner") or asking whether it matters ("She's a Malaysian citizen btw, does that matter?"), never a plain "作为外籍人员，我能享受什么？" (what it gets is the answer; nothing was taken back)
    return bool(_CORRECTED.search(ctx.text))


_CORRECTED = re.compile(r"(?<![a-z])(?:forgot to (?:say|mention)|should have said|not an? (?:foreigner|foreign national|chinese)|"
                        r"no longer|correction|actually|i meant|does (?:that|it|this|nationality) (?:matter|make a difference|change anything))(?![a-z])|"
                        r"有没有影响|有影响吗|有冇影响|有冇分别|有没有区别|忘了说|忘记说|其实|其實|不是外籍|不是中国籍|唔係外籍|更正|说错|說錯",
                        re.I)


def benefits(ctx: Context) -> Reply:
    def specific(q):
        return answers.benefits(rules.benefits_for(q.id, ctx.nationality, ctx.age, ctx.high_end), ctx.lang,
                                say_excluded=nationality_changed(ctx))

    # ("I work for a company in Shanghai, not Beijing": not yet, first)
    replies, events = _not_yet(ctx, with_qualification(
        ctx, "ask_benefits", specific, lambda: answers.general_benefits(ctx.lang, nationality=ctx.nationality)))
    if ctx.nationality == "unknown" and replies and replies[0].kind == "benefits":
        events.append(context.slot("pending_intent", "ask_benefits"))  # "我是外籍" continues this
    return replies, events


def work_permit(ctx: Context) -> Reply:
    if ctx.nationality == "chinese" and ctx.text and not ctx.text.startswith("/"):
        # "As a Chinese national, what's the main facilitation I get?" read as the work permit: that one is for
        # foreign nationals (Section 1 item 4); what the person gets is the benefits answer for Chinese nationals
        replies, events = benefits(ctx)
        return [answers.foreign_only_measure(ctx.lang)] + list(replies), events
    replies, events = with_qualification(
        ctx, "ask_work_permit",
        lambda q: answers.work_permit(ctx.age, ctx.high_end, ctx.lang, qualification=q),
        lambda: answers.work_permit(ctx.age, ctx.high_end, ctx.lang))
    if replies and replies[0].kind == "work_permit":
        verdict = rules.work_permit_age(ctx.age, ctx.high_end).verdict
        events = [e for e in events if e.get("name") != "pending_intent"]
        events.append(context.slot("pending_intent", "ask_work_permit" if verdict == "depends_on_high_end" else None))
    return _not_yet(ctx, (replies, events))


# the answers of a measure (or of every benefit) for a credential or in general: not "which one?" or "not listed"
_MEASURE_KINDS = ("benefits", "benefits_general", "work_permit", "visa", "title", "residence_card")


def _not_yet(ctx: Context, reply: Reply) -> Reply:
    """ "补充一下：我还没找到北京的工作单位" after "能办几年的签证？", "I work for a company in Shanghai": not yet, first
    (Section 1: the measures are for holders with a Beijing employer); what the measure would give with one, after."""
    replies, events = reply
    if ctx.facts.beijing_employer is False and replies and replies[0].kind in _MEASURE_KINDS:
        return [answers.no_beijing_employer(ctx.lang)] + list(replies), events
    return reply


def visa(ctx: Context) -> Reply:
    return _not_yet(ctx, with_qualification(ctx, "ask_visa", lambda q: answers.visa(ctx.lang, qualification=q),
                                            lambda: answers.visa(ctx.lang)))


def title(ctx: Context) -> Reply:
    return _not_yet(ctx, with_qualification(ctx, "ask_title", lambda q: answers.title(ctx.lang, qualification=q),
                                            lambda: answers.title(ctx.lang)))


def residence_card(ctx: Context) -> Reply:
    return _not_yet(ctx, with_qualification(ctx, "ask_residence_card",
                                            lambda q: answers.residence_card(ctx.lang, qualification=q),
                                            lambda: answers.residence_card(ctx.lang)))

