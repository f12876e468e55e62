"""How a certificate is verified (section 4 and Annex 2): the answer function (actions/routing.py routes to it)."""
from __future__ import annotations

import re

from actions.answering import Reply, one
from actions.context import Context
from catalog import answers

# "do I still need it notarised if it's verified?": Section 4's answer (reduced or waived) before the steps
_NOTARISATION = re.compile(r"notar|authenticat|legali[sz]|apostille|公证|公證|认证材料|認證材料|认证件|領事认证|领事认证|"
                           r"(?:办|辦|用来|用嚟|用於|用于)[^。？?]{0,6}(?:哪些|边啲|邊啲|什么|什麼|咩)(?:业务|業務|事)|"
                           r"(?:used|use it|use the result) for|what (?:can|does) (?:the|a|my)? ?(?:verification )?result", re.I)


def verification(ctx: Context) -> Reply:
    return one(answers.verification(ctx.lang, uses_first=bool(_NOTARISATION.search(ctx.text or ""))))
