"""Practising in Beijing (section 3): the answer function (actions/routing.py routes to it)."""
from __future__ import annotations

from actions.answering import Reply, with_qualification
from actions.context import Context
from catalog import answers


def practice(ctx: Context) -> Reply:
    return with_qualification(ctx, "ask_practice", lambda q: answers.practice(ctx.lang, qualification=q),
                              lambda: answers.practice(ctx.lang))

