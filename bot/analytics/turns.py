"""One turn read from Rasa's events: a user message and what the assistant did with it.

What the tracker store records, and how each figure is read from it:

- **a question** is a `user` event (button presses included: they are messages too); its turn is every
  event of the same conversation after it, up to the next `user` event;
- **channel**: the conversation id's namespace (`web:`, `rest:`, `wechat:`; bot/channels/guard.py), else
  `other`;
- **language**: the `language` entity NLU set (bot/components/language.py), else the `lang` of the first
  answer (the `custom` payload actions/reply.py sends with every catalog answer), else `unknown`;
- **intent**: the `user` event's `intent_name` column;
- **outcome**: `fallback` when the turn's answers include the fallback answer (`custom.kind == "fallback"`,
  actions/support.py) or Rasa's own `action_default_fallback` ran; `answered` otherwise;
- **credentials asked about**: the `qualification` and `confirm` entities (one row id each) and
  `candidates` (the ids an ambiguous mention may mean, counted as that group) of the catalog extractor
  (bot/components/catalog_extractor.py);
- **not listed (the demand radar)**: every answer of kind `unlisted` (catalog/answers.py) names one: the
  `unlisted` entity carries a known unlisted credential's English name; the answer text names the others
  (the "“{matched}”（{name}）不在《目录》内" and "“{name}”不在《目录》内" templates of answers.yaml, read
  back). Only when a turn has an `unlisted` answer and none of these names it, the name is derived from the
  user's text with the catalog matcher (`match_each`).
  Not recorded, so not counted: a second credential named beside a listed one in a message that NLU read as
  one verdict, and a "not found" answer (no credential named at all).

The text is kept only where a view shows it (fallbacks and radar phrasings), masked first (catalog/pii.py
through catalog.feedback.clean).
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from catalog import answers
from catalog.feedback import clean
from catalog.text import normalize

from bot.analytics.schema import KEY_CHARS, LABEL_CHARS, day_of

CHANNELS = ("web", "rest", "wechat")
LANGS = ("zh", "en")
FALLBACK_KINDS = ("fallback",)
FALLBACK_ACTIONS = ("action_default_fallback",)
CREDENTIAL_ENTITIES = ("qualification", "confirm")


@dataclass(frozen=True)
class Event:
    """One row of Rasa's `events` (data parsed for `user` and `bot` events only)."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: Optional[str]
    action_name: Optional[str]
    data: Optional[Dict[str, Any]]


@dataclass(frozen=True)
class Turn:
    event_id: int  # the user event's id
    timestamp: float
    day: date  # Beijing
    channel: str  # web | rest | wechat | other
    lang: str  # zh | en | unknown
    intent: str
    outcome: str  # answered | fallback
    credentials: Tuple[str, ...]  # "R007", or "R046,R047" for an ambiguous mention
    radar: Tuple[Tuple[str, str], ...]  # (key, name as asked) of credentials asked about that are not listed
    text: str  # masked; "" unless the turn is a fallback or names a credential that is not listed

    @property
    def text_key(self) -> str:
        return text_key(self.text)


def channel_of(sender_id: str) -> str:
    prefix = (sender_id or "").split(":", 1)[0]
    return prefix if prefix in CHANNELS and ":" in sender_id else "other"


@functools.lru_cache(maxsize=65536)  # people ask the same things: normalising is a third of a refresh
def text_key(text: str) -> str:
    """The same message typed twice is one key (case, width, spacing and punctuation ignored)."""
    return hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=65536)
def radar_key(name: str) -> str:
    return normalize(name)[:KEY_CHARS]


@functools.lru_cache(maxsize=1)
def _answer_patterns() -> Tuple[re.Pattern, ...]:
    """The answers.yaml templates that name a credential that is not listed, as patterns that read it back."""
    out = []
    marks = {"matched": "\x01", "name": "\x02", "reason": "\x03"}
    for key in ("unlisted", "not_found_named"):
        for lang in LANGS:
            text = re.escape(answers.t(key, lang, **{k: v for k, v in marks.items()}))
            text = text.replace(re.escape("\x01"), r"(?P<matched>[^\n]+?)").replace(re.escape("\x02"),
                                                                                   r"(?P<name>[^\n]+?)")
            text = text.split(re.escape("\x03"))[0]  # the reason runs to the end of the line
            out.append(re.compile(text))
    return tuple(out)


def names_in_answer(text: str) -> List[str]:
    """The names of credentials that are not listed in an answer's text ("“CAIA”不在《目录》内…")."""
    found = []
    for pattern in _answer_patterns():
        for m in pattern.finditer(text or ""):
            found.append(m.group("name").strip())
    return found


class Reader:
    """Turns from events. `unlisted_names` maps a known unlisted credential's zh or en name to its English name
    (the catalog's unlisted.yaml); `derive(text)` gives the names the matcher finds not listed in a text."""

    def __init__(self, unlisted_names: Optional[Dict[str, str]] = None,
                 derive: Optional[Callable[[str], Sequence[str]]] = None):
        self.unlisted_names = {radar_key(k): v for k, v in (unlisted_names or {}).items()}
        self.derive = derive

    def turns(self, events: Sequence[Event], start: float, end: float) -> List[Turn]:
        """The turns of one conversation's events (in order) whose message came at `start` <= t < `end`."""
        out: List[Turn] = []
        for i, e in enumerate(events):
            if e.type_name != "user" or not start <= e.timestamp < end:
                continue
            rest = []
            for f in events[i + 1:]:
                if f.type_name == "user":
                    break
                rest.append(f)
            out.append(self.turn(e, rest))
        return out

    def turn(self, user: Event, after: Iterable[Event]) -> Turn:
        data = user.data or {}
        parse = data.get("parse_data") or {}
        entities = [x for x in parse.get("entities") or [] if isinstance(x, dict)]
        bots = [f.data or {} for f in after if f.type_name == "bot"]
        actions = [f.action_name for f in after if f.type_name == "action"]
        customs = [b.get("data", {}).get("custom") or {} for b in bots]
        customs = [c for c in customs if isinstance(c, dict)]
        lang = next((str(x.get("value")) for x in entities if x.get("entity") == "language"
                     and x.get("value") in LANGS), None)
        lang = lang or next((c["lang"] for c in customs if c.get("lang") in LANGS), "unknown")
        kinds = [c.get("kind") for c in customs]
        fallback = any(k in FALLBACK_KINDS for k in kinds) or any(a in FALLBACK_ACTIONS for a in actions)
        credentials: List[str] = []
        for x in entities:
            if x.get("entity") in CREDENTIAL_ENTITIES and x.get("value"):
                credentials.append(str(x["value"]).strip().upper())
            elif x.get("entity") == "candidates" and x.get("value"):
                credentials.append(",".join(sorted({v.strip().upper() for v in str(x["value"]).split(",")})))
        text = str(data.get("text") or "")
        radar = self._radar(entities, bots, kinds, text)
        keep = fallback or bool(radar)
        return Turn(
            event_id=user.id, timestamp=user.timestamp, day=day_of(user.timestamp),
            channel=channel_of(user.sender_id), lang=lang, intent=str(user.intent_name or parse.get(
                "intent", {}).get("name") or "unknown")[:KEY_CHARS], outcome="fallback" if fallback else "answered",
            credentials=tuple(dict.fromkeys(c[:KEY_CHARS] for c in credentials)),
            radar=radar, text=clean(text, LABEL_CHARS) if keep else "",
        )

    def _radar(self, entities: List[Dict[str, Any]], bots: List[Dict[str, Any]], kinds: List[Any],
               text: str) -> Tuple[Tuple[str, str], ...]:
        if "unlisted" not in kinds:
            return ()
        names = [str(x["value"]) for x in entities if x.get("entity") == "unlisted" and x.get("value")]
        for b, kind in zip(bots, kinds, strict=True):
            if kind == "unlisted":
                names += names_in_answer(str(b.get("text") or ""))
        if not names and self.derive is not None:
            names = list(self.derive(text))
        out: Dict[str, str] = {}
        for name in names:
            name = clean(self.unlisted_names.get(radar_key(name), name), KEY_CHARS).strip()
            key = radar_key(name)
            if key and key not in out:
                out[key] = name
        return tuple(out.items())


def parse(data: Optional[str]) -> Optional[Dict[str, Any]]:
    if not data:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def catalog_reader(version: Optional[str] = None, url: Optional[str] = None) -> Reader:
    """A Reader that knows the catalog's unlisted credentials and derives names with its matcher; without a
    loaded catalog, one that reads what the events record only."""
    from catalog import queries
    from catalog.matching import get_matcher

    try:
        snap = queries.snapshot(version, url)
        matcher = get_matcher(version, url)
    except Exception:  # noqa: BLE001 - no catalog database: count what is recorded
        return Reader()
    names = {}
    for u in snap.unlisted:
        names[u.name.zh] = u.name.en
        names[u.name.en] = u.name.en

    @functools.lru_cache(maxsize=20000)
    def derive(text: str) -> Tuple[str, ...]:
        found = []
        for r in matcher.match_each(text):
            if r.unlisted is not None:
                found.append(r.unlisted.name_en if r.unlisted.kind == "known" else r.unlisted.matched)
        return tuple(found)

    return Reader(names, derive)
