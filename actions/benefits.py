"""What holders get: all benefits, or one of them (work permit, visas, titles, residence permit).

Answer functions only (`ctx -> (answers, events)`): which action or pending question they answer is
actions/routing.py's business, so this module imports no other topic."""
from __future__ import annotations

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
    return said is not None and all(
        (before := person_facts.nationality(h)) is None or before[0] != said[0] for h in ctx.history)


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

