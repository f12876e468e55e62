"""How a certificate is verified (section 4 and Annex 2): the answer function (actions/routing.py routes to it)."""
from __future__ import annotations

from actions.answering import Reply, one
from actions.context import Context
from catalog import answers


def verification(ctx: Context) -> Reply:
    return one(answers.verification(ctx.lang))

