"""How a certificate is verified (section 4 and Annex 2): the answer function (actions/routing.py routes to it)."""
from __future__ import annotations

import re

from actions.answering import Reply, one
from actions.context import Context
from catalog import answers

# "do I still need it notarised if it's verified?": Section 4's answer (reduced or waived) before the steps
_NOTARISATION = re.compile(r"notar|authenticat|legali[sz]|apostille|公证|公證|认证材料|認證材料|认证件|領事认证|领事认证", re.I)


def verification(ctx: Context) -> Reply:
    return one(answers.verification(ctx.lang, uses_first=bool(_NOTARISATION.search(ctx.text or ""))))
