"""Every text a channel says itself, never Rasa: one module, so a channel never words a refusal its own way.

* The situations every public channel shares (catalog/data/channel_messages.yaml: empty, too long, rate
  limited, bad request, unavailable, still working), zh and en: `wording(situation, lang)`, and
  `reply_for(situation, text)` in the language of the user's text (catalog/language.py), both languages
  (Chinese first) when the text doesn't tell.
* WeChat's fixed replies (welcome, text only, voice not heard, menu, scan, "more" hint, error): the user's
  language is not known there, so each is Chinese first, then English.
"""
from __future__ import annotations

import functools
from typing import Dict, Optional

import yaml

from catalog.config import DATA_DIR
from catalog.language import detect
from catalog.privacy import notice as privacy_notice

LANGS = ("zh", "en")
SITUATIONS = ("empty", "too_long", "rate_limited", "bad_request", "unavailable", "still_working")
MESSAGES_FILE = DATA_DIR / "channel_messages.yaml"


@functools.lru_cache(maxsize=1)
def wordings() -> Dict[str, Dict[str, str]]:
    """channel_messages.yaml: {situation: {zh, en}}; a missing situation or language stops start-up."""
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

# Fixed replies of the channel itself (the user's language is not known here): Chinese first, then English.
# The welcome also says what is kept and for how long (catalog/privacy.py: QUALIBOT_RETENTION_DAYS).
WELCOME = (
    "您好！我可以解答北京市境外职业资格认可目录(3.0版)的问题：证书是否被认可、可享受哪些便利、如何查验。"
    "请直接发送证书名称，如“CFA”。" + privacy_notice("zh") + "\n"
    "Hello! I answer questions about Beijing's Catalog of Recognized Overseas Professional Qualifications "
    "(Version 3.0): whether a certificate is recognized, which facilitation measures it brings, and how it "
    "is verified. Just send the certificate's name, e.g. \"CFA\". " + privacy_notice("en")
)
TEXT_ONLY = (
    "抱歉，我目前只能阅读文字消息。请用文字发送您的问题，如证书名称“CFA”。\n"
    "Sorry, I can only read text messages. Please type your question, e.g. a certificate's name such as \"CFA\"."
)
VOICE_UNHEARD = (  # a voice message without the platform's transcript (speech recognition off, or nothing heard)
    "抱歉，我没能识别这条语音。请用文字发送您的问题，如证书名称“CFA”。\n"
    "Sorry, I could not make out that voice message. Please type your question, e.g. a certificate's name "
    "such as \"CFA\"."
)
MENU_REPLY = (  # a menu click (CLICK event): the account's menu keys are not ours to know
    "请直接发送您的问题，如证书名称“CFA”，或“能享受哪些便利”。\n"
    "Please type your question, e.g. a certificate's name such as \"CFA\", or \"what benefits do I get\"."
)
SCAN_REPLY = (  # a follower scanned one of the account's QR codes (SCAN event)
    "欢迎回来！请发送证书名称，如“CFA”，我来告诉您它是否在《目录》内。\n"
    "Welcome back! Send a certificate's name, e.g. \"CFA\", and I will tell you whether the catalog lists it."
)
MORE_HINT = (  # the end of every page of a long reply but the last
    "\n\n（回复“更多”查看后续内容）\n(Reply \"more\" for the rest.)"
)
ERROR = (
    "抱歉，系统暂时出了点问题，请稍后再试。\n"
    "Sorry, something went wrong on our side. Please try again in a moment."
)
