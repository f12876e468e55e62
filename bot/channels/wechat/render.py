"""Rasa's messages as WeChat text: one reply, numbered options for buttons, parts and pages by bytes.

Several bot messages are joined with blank lines; "custom" payloads (the web page's citation data) are left
out; buttons become numbered options ("1. …") appended to the text (their payloads, in order, are what a
bare number picks: channel.py). A reply is at most MAX_CONTENT_BYTES (2,048) UTF-8 bytes: `split_text` cuts
a long one into parts for the customer-service API, `paginate` into pages for passive replies (each but the
last ending with the "more" hint), at a paragraph, a line or a sentence end.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from bot.channels.wording import MORE_HINT, wording

MAX_CONTENT_BYTES = 2048  # longer user text is refused; longer replies go out in parts or pages
# where a page may end: after a sentence's end mark (CJK ones anywhere, Latin ones before a space)
_SENTENCE_END = re.compile(r"[。！？；…](?:[”’」』）)])?|[.!?;](?:[\"')\]])?(?=\s)")


@dataclass
class Rendered:
    text: str
    payloads: List[str] = field(default_factory=list)  # what option n (1-based) stands for
    receipt: str = ""  # the receipt code of the turn's answers (actions/receipt.py), already at the end of text
    handoff: bool = False  # the answers offer a person (catalog/handoff.py): the customer-service desk may take it
    lang: str = ""  # the answers' language


def render(messages: List[Dict[str, Any]]) -> Rendered:
    """Join the bot's messages with blank lines; number the buttons across the whole reply; end with the
    receipt code of the answers (their custom payload's `receipt`), in their language."""
    parts: List[str] = []
    payloads: List[str] = []
    receipt, lang, handoff = "", "", False
    for m in messages:
        custom = m.get("custom") if isinstance(m.get("custom"), dict) else {}
        if isinstance(custom.get("receipt"), str):
            receipt = custom["receipt"]
            lang = custom.get("lang") if custom.get("lang") in ("zh", "en") else lang
        handoff = handoff or custom.get("handoff") is True
        lines: List[str] = []
        text = (m.get("text") or "").strip()
        if text:
            lines.append(text)
        for b in m.get("buttons") or []:
            title = str(b.get("title") or b.get("payload") or "").strip()
            if not title:
                continue
            payloads.append(str(b.get("payload") or title))
            lines.append(f"{len(payloads)}. {title}")
        for key in ("image", "attachment"):
            if isinstance(m.get(key), str) and m[key].strip():
                lines.append(m[key].strip())
        # m["custom"]: structured data for the web page; nothing a WeChat user can read
        if lines:
            parts.append("\n".join(lines))
    if receipt and parts:
        parts.append(receipt_line(receipt, lang or None))
    return Rendered("\n\n".join(parts), payloads, receipt, handoff, lang)


def receipt_line(code: str, lang: Optional[str]) -> str:
    """ "回执 Q7K-3F2" / "Receipt: Q7K-3F2" (channel_messages.yaml), both languages when `lang` is unknown."""
    return wording("receipt", lang).format(code=code)


def split_text(text: str, limit: int = MAX_CONTENT_BYTES) -> List[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at blank lines, else line ends, else characters."""
    if len(text.encode("utf-8")) <= limit:
        return [text] if text else []
    parts: List[str] = []
    rest = text
    while rest:
        if len(rest.encode("utf-8")) <= limit:
            parts.append(rest)
            break
        cut = _fit(rest, limit)
        window = rest[:cut]
        for sep in ("\n\n", "\n"):
            i = window.rfind(sep)
            if i > 0:
                cut = i
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    return [p for p in parts if p]


def paginate(text: str, limit: int = MAX_CONTENT_BYTES, hint: str = MORE_HINT) -> List[str]:
    """Pages of at most `limit` UTF-8 bytes for passive replies; each page but the last ends with `hint`.

    A page ends at a paragraph (blank line), else a line end, else a sentence end in its second half,
    else at the last character that fits: no page is cut short for a separator near its start."""
    if len(text.encode("utf-8")) <= limit:
        return [text] if text else []
    room = limit - len(hint.encode("utf-8"))
    pages: List[str] = []
    rest = text
    while len(rest.encode("utf-8")) > limit:
        cut = _page_end(rest, room)
        pages.append(rest[:cut].rstrip() + hint)
        rest = rest[cut:].lstrip()
    if rest:
        pages.append(rest)
    return pages


def _page_end(text: str, room: int) -> int:
    window = text[:_fit(text, room)]
    half = len(window) // 2
    for sep in ("\n\n", "\n"):
        i = window.rfind(sep)
        if i >= half:
            return i
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() >= half]
    return ends[-1] if ends else len(window)


def _fit(text: str, limit: int) -> int:
    """The largest number of leading characters whose UTF-8 form fits in `limit` bytes."""
    size = 0
    for i, ch in enumerate(text):
        size += len(ch.encode("utf-8"))
        if size > limit:
            return max(i, 1)
    return len(text)


def encode_rendered(r: Rendered) -> str:
    return json.dumps({"text": r.text, "payloads": r.payloads, "receipt": r.receipt, "handoff": r.handoff,
                       "lang": r.lang}, ensure_ascii=False)


def decode_rendered(stored: str) -> Rendered:
    data = json.loads(stored)
    return Rendered(str(data.get("text") or ""), [str(p) for p in data.get("payloads") or []],
                    str(data.get("receipt") or ""), data.get("handoff") is True, str(data.get("lang") or ""))
