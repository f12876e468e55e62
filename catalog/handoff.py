"""Handing a conversation to a person (issue 14): when to offer one, and the offer's words.

`asked(text)`: the message asks for a person in so many words ("转人工", "talk to a person": catalog/data/
handoff.yaml's `asked`), checked here rather than by the NLU model so that a phrase added retrains nothing.
`offer(lang, receipt)`: the approved "a person can help" answer (answers.yaml's `human`, which already names the
hotline when one is configured), then the hotline, its hours and the receipt code, from the configuration only
(QUALIBOT_HOTLINE, QUALIBOT_HOTLINE_HOURS): without a hotline it says none is configured and where to set it,
never a number of its own. Whether the last answers helped is catalog/receipts.py's (`unhelpful_streak`).
"""
from __future__ import annotations

import functools
import os
import re
from typing import Any, Dict, Mapping, Optional

import yaml

from catalog import answers
from catalog.config import DATA_DIR
from catalog.answers import Answer

HANDOFF_FILE = DATA_DIR / "handoff.yaml"
KIND = "human"  # the kind of answers.human: the offer is that answer with the hotline and the receipt code


@functools.lru_cache(maxsize=1)
def wording() -> Dict[str, Any]:
    with HANDOFF_FILE.open(encoding="utf-8") as fh:
        data: Dict[str, Any] = yaml.safe_load(fh) or {}
    for key in ("with_hotline", "hours_unknown", "no_hotline", "to_desk"):
        texts = data.get(key)
        if not isinstance(texts, dict) or not all(isinstance(texts.get(lang), str) for lang in ("zh", "en")):
            raise ValueError(f"{HANDOFF_FILE.name}: '{key}' needs a zh and an en text")
    return data


@functools.lru_cache(maxsize=1)
def _asked() -> "re.Pattern[str]":
    phrases = [str(p) for p in wording().get("asked") or [] if str(p).strip()]
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)), re.I)


def asked(text: Optional[str]) -> bool:
    """Does the message ask for a person ("转人工", "can I talk to a person?")? A typed payload is not."""
    text = text or ""
    return bool(text) and not text.startswith("/") and bool(_asked().search(text))


def hotline(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    env = os.environ if environ is None else environ
    return {"hotline": (env.get("QUALIBOT_HOTLINE") or "").strip(), "hours": (env.get("QUALIBOT_HOTLINE_HOURS") or "").strip()}


def _lang(lang: Optional[str]) -> str:
    return lang if lang in ("zh", "en") else "zh"


def line(lang: str, receipt: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The hotline (or that none is configured) and the receipt code, in `lang`."""
    lang = _lang(lang)
    w = wording()
    h = hotline(environ)
    if h["hotline"]:
        return str(w["with_hotline"][lang]).format(hotline=h["hotline"], hours=h["hours"] or w["hours_unknown"][lang],
                                                   receipt=receipt)
    return str(w["no_hotline"][lang]).format(receipt=receipt)


def desk(lang: str, receipt: str) -> str:
    """What WeChat says when it passes the conversation to the account's customer-service desk."""
    return str(wording()["to_desk"][_lang(lang)]).format(receipt=receipt)


def offer(lang: str, receipt: str, environ: Optional[Mapping[str, str]] = None) -> Answer:
    """The handoff answer: who can help (answers.yaml `human`, without its own hotline line, which this one
    replaces with the hotline, its hours and the receipt code)."""
    lang = _lang(lang)
    human = answers.human(lang)
    base = human.text.split("\n", 1)[0]
    return Answer(KIND, lang, base + "\n" + line(lang, receipt, environ), (), (), human.version)

