"""Every text a channel says itself, never Rasa: one module, so a channel never words a refusal its own way.

* The situations every public channel shares (catalog/data/channel_messages.yaml: empty, too long, rate
  limited, bad request, unavailable, still working), zh and en: `wording(situation, lang)`, and
  `reply_for(situation, text)` in the language of the user's text (catalog/language.py), both languages
  (Chinese first) when the text doesn't tell.
* WeChat's fixed replies (welcome, text only, voice not heard, menu, scan, "more" hint, error), from the same
  file: the user's language is not known there, so each is Chinese first, then English (module constants).
"""
from __future__ import annotations

import functools
from typing import Dict, Optional

import yaml

from catalog.config import DATA_DIR
from catalog.language import detect
from catalog.privacy import notice as privacy_notice

LANGS = ("zh", "en")
SHARED = ("empty", "too_long", "rate_limited", "bad_request", "unavailable", "still_working")
WECHAT = ("welcome", "text_only", "voice_unheard", "menu", "scan", "more_hint", "error", "receipt")
SITUATIONS = SHARED + WECHAT  # every key of channel_messages.yaml
MESSAGES_FILE = DATA_DIR / "channel_messages.yaml"


@functools.lru_cache(maxsize=1)
def wordings() -> Dict[str, Dict[str, str]]:
    """channel_messages.yaml: {situation: {zh, en}}, read once; a missing situation or language stops start-up."""
    with MESSAGES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    for key in SITUATIONS:
        texts = data.get(key)
        if not isinstance(texts, dict) or not all(isinstance(texts.get(lang), str) for lang in LANGS):
            raise ValueError(f"{MESSAGES_FILE.name}: '{key}' needs a zh and an en text")
    return data


def wording(situation: str, lang: Optional[str] = None) -> str:
    """The reply for `situation` in `lang`; in both languages (Chinese first) when lang is None."""
    texts = wordings()[situation]
    if lang in LANGS:
        return texts[lang]
    return texts["zh"] + "\n" + texts["en"]


def reply_for(situation: str, text: str = "") -> str:
    """The reply for `situation`, in the language of the user's `text` (both when it doesn't tell)."""
    return wording(situation, detect(text[:1000]) if text else None)


# --- WeChat's fixed replies ----------------------------------------------------------------------------

# The channel's own replies (the user's language is not known there): Chinese first, then English.
# The welcome also says what is kept and for how long (catalog/privacy.py: QUALIBOT_RETENTION_DAYS).
_W = wordings()
WELCOME = (_W["welcome"]["zh"] + privacy_notice("zh") + "\n" + _W["welcome"]["en"] + " " + privacy_notice("en"))
TEXT_ONLY = wording("text_only")
VOICE_UNHEARD = wording("voice_unheard")  # a voice message without the platform's transcript
MENU_REPLY = wording("menu")  # a menu click (CLICK event)
SCAN_REPLY = wording("scan")  # a follower scanned one of the account's QR codes (SCAN event)
MORE_HINT = "\n\n" + wording("more_hint")  # the end of every page of a long reply but the last
ERROR = wording("error")
