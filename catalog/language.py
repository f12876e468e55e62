"""The small language primitives every process shares, written once: which characters are Chinese, which
language a message is in, and which option a bare number picks. No Rasa imports (the action server, the
Rasa server's NLU component and its channels all read this module).

Language rule (`detect`): a message with Chinese characters and no English function words is Chinese,
whatever credential names it contains ("我有AWS solutions architect professional证书"); a message with
English function words is English unless its Chinese outweighs them. A message with neither (an emoji,
"CFA", "68") gives None, so the conversation keeps its language.

Pick rule (`picked_number`): "2", "第2个", "选 3", "option 1", "#4." pick an option by its 1-based
number; anything else picks nothing. The WeChat channel (numbered options) and the actions (rows shown as
buttons) read a bare number the same way.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional, Tuple

# CJK Unified Ideographs Extension A, the Unified Ideographs and the Compatibility Ideographs
CJK_RANGES = (
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uf900", "\ufaff"),
)
CJK_CLASS = "".join(f"{lo}-{hi}" for lo, hi in CJK_RANGES)  # for a regex character class: [{CJK_CLASS}]
CJK_CHAR = re.compile(rf"[{CJK_CLASS}]")
_LATIN_WORD = re.compile(rf"[^\W\d_{CJK_CLASS}]+")

ENGLISH_FUNCTION_WORDS = frozenset(
    """a an the i i'm im my me we our you your is are am was be been do does did can could will would
    should may might have has had what which who whom whose when where why how if or and but not no yes
    of in on at to for from with about as by this that these those it its there any some get got
    hi hello hey thanks thank please bye goodbye ok okay sorry""".split()
)
_WORD = re.compile(r"[A-Za-z']+")

_PICK = re.compile(r"^\s*(?:第|选|no\.?|number|option|#)?\s*(\d{1,2})\s*(?:个|项|号)?\s*[.。!！]?\s*$", re.I)


def is_cjk(ch: str) -> bool:
    """Is this one character a Chinese (CJK) ideograph?"""
    return any(lo <= ch <= hi for lo, hi in CJK_RANGES)


def has_cjk(text: str) -> bool:
    """Does `text` contain a Chinese (CJK) ideograph?"""
    return CJK_CHAR.search(text) is not None


def script_counts(text: str) -> Tuple[int, int]:
    """(number of CJK characters, number of Latin words) in `text`."""
    norm = unicodedata.normalize("NFKC", text)
    return len(CJK_CHAR.findall(norm)), len(_LATIN_WORD.findall(norm))


_NAME_RUN = re.compile(r"(?<![A-Za-z])[A-Z][\w&'’.-]*(?:\s+(?:(?:of|for|and|the|in|&)\s+)?[A-Z][\w&'’.-]*)+")


def _name_or_sentence(m: "re.Match[str]") -> str:
    """A run of capitalised words is a name ("Texas State Board for Educator Certification") unless it holds an
    English function word outside the joiners ("Is the HK", "Can I", "Do you"): then it is a sentence, kept."""
    words = m.group(0).split()
    if any(w.lower() in ENGLISH_FUNCTION_WORDS and w.lower() not in ("of", "for", "and", "the", "in", "&")
           for w in words):
        return m.group(0)
    return " "


def detect(text: Optional[str]) -> Optional[str]:
    """'zh', 'en', or None when the message doesn't tell."""
    cjk, latin = script_counts(text or "")
    function_words = sum(1 for w in _WORD.findall(text or "") if w.lower() in ENGLISH_FUNCTION_WORDS)
    if cjk == 0:
        return "en" if function_words or latin >= 2 else None
    # a Chinese message naming a body in English ("是得克萨斯州的，Texas State Board for Educator Certification发的"):
    # the name's words ("for", "of") are no English sentence
    rest = _NAME_RUN.sub(_name_or_sentence, text or "")
    cjk, latin = script_counts(rest)
    function_words = sum(1 for w in _WORD.findall(rest) if w.lower() in ENGLISH_FUNCTION_WORDS)
    if function_words == 0:
        return "zh"
    return "zh" if cjk / 2 >= latin else "en"


def picked_number(text: Optional[str]) -> Optional[int]:
    """The option number a message picks ("2", "第2个", "option 1"), or None when it is not a bare pick."""
    m = _PICK.match(text or "")
    return int(m.group(1)) if m else None
