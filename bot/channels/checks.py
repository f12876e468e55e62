"""What every public channel (REST, the web page, socket.io, WeChat) checks and cleans before a message
reaches Rasa. Pure functions: no Sanic, no Rasa.

* `clean_text`: only text; control characters out (tab and newline kept; CR and CRLF become newline;
  U+2028/2029 become a space; the BOM goes: catalog.text.without_controls, the one copy of those classes);
  no lone surrogates; whitespace trimmed at the ends. What is left goes to the bot unchanged.
  `problem_with` then says whether it is empty or too long.
* `validate_sender`: a conversation id a log, a tracker store and a Redis key can carry.
* `conversation_id`: conversation ids are namespaced by channel ("web:<session id>", "rest:<sender>",
  "wechat:<openid>"), so one id is never one conversation on two channels (issue 12).
* `json_depth` / `check_depth`: how deeply a decoded JSON value nests (metadata 500 levels deep used to
  fail the turn with a 124 kB traceback; the channels refuse more than MAX_JSON_DEPTH with a 400).

The channels' wording is bot/channels/wording.py, the rate limits bot/channels/ratelimit.py, client
addresses bot/channels/addresses.py, body reading and JSON decoding bot/channels/http.py.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

from catalog.text import without_controls

MAX_TEXT_CHARS = 5000
MAX_SENDER_CHARS = 128
MAX_JSON_DEPTH = 32  # objects and arrays inside one another: Rasa's own payloads need 3 or 4
CHANNEL_PREFIXES = ("web", "rest", "wechat")


class BadInput(ValueError):
    """What a channel received is not a message it can pass on; str(e) says why (no internals)."""


def clean_text(value: Any) -> str:
    """The text a user sent, fit for the bot. Raises BadInput for a non-string or a lone surrogate."""
    if not isinstance(value, str):
        raise BadInput("the message must be a string")
    try:
        value.encode("utf-8")  # fails exactly on a lone surrogate
    except UnicodeEncodeError:
        raise BadInput("the message is not valid Unicode text") from None
    return without_controls(value).strip()


def problem_with(text: str) -> Optional[str]:
    """'empty' or 'too_long' for a cleaned text the bot should not get, else None."""
    if not text:
        return "empty"
    if len(text) > MAX_TEXT_CHARS:
        return "too_long"
    return None


def validate_sender(value: Any) -> str:
    """A sender (conversation) id: a string or an integer, 1..128 printable characters."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInput("the sender must be a string or a number")
    sender = str(value)
    if not 1 <= len(sender) <= MAX_SENDER_CHARS or not sender.strip():
        raise BadInput(f"the sender must have 1 to {MAX_SENDER_CHARS} characters")
    if not sender.isprintable():
        raise BadInput("the sender must not contain control or invisible characters")
    return sender


def conversation_id(channel: str, raw_id: str) -> str:
    """The conversation id of `raw_id` on `channel` ("web", "rest", "wechat"): "<channel>:<raw_id>".

    Rasa keys trackers, locks and replays by this id; with the channel in it, a REST sender "abc", a web
    session "abc" and a WeChat OpenID "abc" are three conversations, never one."""
    if channel not in CHANNEL_PREFIXES:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{channel}:{raw_id}"


def json_depth(value: Any, stop_at: int = MAX_JSON_DEPTH + 2) -> int:
    """How many objects/arrays deep `value` nests (a scalar: 0), counted without recursion and no further
    than `stop_at`, so a hostile value costs no stack and little time."""
    deepest = 0
    stack: List[Tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest >= stop_at:
            return deepest
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


def check_depth(value: Any, what: str = "the metadata") -> None:
    """BadInput when `value` nests more than MAX_JSON_DEPTH levels."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise BadInput(f"{what} is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
