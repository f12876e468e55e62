"""Practising in Beijing (section 3): the answer function (actions/routing.py routes to it)."""
from __future__ import annotations

from actions import context
from actions.answering import Reply, with_qualification
from actions.context import Context
from catalog import answers


def practice(ctx: Context) -> Reply:
    replies, events = with_qualification(ctx, "ask_practice", lambda q: answers.practice(ctx.lang, qualification=q),
                                         lambda: answers.practice(ctx.lang))
    asked_which = next((a for a in replies if a.kind in ("ambiguous", "several_options")), None)
    res = context.resolve(ctx)
    if asked_which is not None and res.result is not None:
        # "外国医师资格能不能在北京直接执业": what every row asked about requires, before "which one is yours?"
        common = answers.common_registration(res.result.ids, ctx.lang)
        if common is not None:
            return [answers.practice(ctx.lang), common] + list(replies), events
    return replies, events

