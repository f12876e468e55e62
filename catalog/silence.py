"""Where the notice is silent (catalog/data/silent_topics.yaml): fees, processing times, salary, tax, housing,
other cities. `silent_topics(text)` finds what a question asks that the notice does not settle; `answer(...)`
says so plainly and names a person to ask. The wording is data; nothing here states a number."""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Tuple

from catalog import wordlists
from catalog.text import normalize


def _topics() -> Dict[str, Any]:
    return wordlists.load("silent_topics.yaml")


def silent_topics(text: str) -> List[str]:
    """The topics of `text` the notice is silent on, in the file's order."""
    return list(_silent_topics(text or ""))


@functools.lru_cache(maxsize=4096)  # asked twice a turn of the same text; the word list is read once per process
def _silent_topics(text: str) -> Tuple[str, ...]:
    norm = normalize(text)
    found = []
    for name, topic in _topics()["topics"].items():
        if wordlists.has_any(norm, topic.get("unless") or ()):
            continue
        if topic.get("unless_pattern") and re.search(topic["unless_pattern"], norm):
            continue
        if wordlists.has_any(norm, topic["words"]) or (topic.get("pattern") and re.search(topic["pattern"], norm)):
            found.append(name)  # (`pattern`: a regular expression on the same text, for what words cannot list)
    return tuple(found)


def _place(topic: Dict[str, Any], norm: str, lang: str) -> str:
    """The city `norm` names among the topic's `places` (zh: en), in the reply's language; else its default."""
    for zh, en in (topic.get("places") or {}).items():
        if wordlists.has(norm, normalize(zh)) or wordlists.has(norm, normalize(en)):
            place: str = zh if lang == "zh" else en
            return place
    default: str = (topic.get("place_default") or {}).get(lang, "")
    return default


def answer(topics: List[str], lang: str, text: str = "") -> Tuple[str, Tuple[str, ...]]:
    """(text, clause ids): "the notice does not say …; ask …", with what the notice does say nearby.
    `text`, the message, fills a topic's {place} ("上海是否认可…")."""
    lang = "en" if lang == "en" else "zh"
    data = _topics()
    norm = normalize(text or "")
    parts = [data["topics"][t][lang].replace("{place}", _place(data["topics"][t], norm, lang)) for t in topics]
    sep = "；" if lang == "zh" else "; "
    end = "。" if lang == "zh" else "."
    lines = [sep.join(parts) + end]
    clauses: List[str] = []
    for t in topics:
        also = data["topics"][t].get("also")
        if also:
            lines.append(also[lang])
            clauses.extend(data["topics"][t].get("clauses") or [])
    for t in topics:
        ask = data["topics"][t].get("ask")
        if ask:
            lines.append(ask[lang])
    lines.append(data["ask_person"][lang])
    return "\n".join(lines), tuple(clauses)
