"""Text normalisation and tokens shared by the matcher, the loader and the bot's tokenizer.

Full-width to half-width (NFKC), case folding, one kind of dash and space; tokens are single
CJK characters and runs of Latin letters/digits, each with its span in the *original* text.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Iterable, List, NamedTuple, Tuple

# the CJK ranges, the CJK test and the script counts live in catalog/language.py (one copy)
from catalog.language import CJK_CLASS as _CJK_CLASS
from catalog.language import CJK_RANGES, is_cjk, script_counts

__all__ = ["CJK_RANGES", "Token", "is_cjk", "normalize", "normalize_with_offsets", "script_counts", "to_simplified",
           "token_key", "tokens", "without_controls"]

_TOKEN = re.compile(rf"[{_CJK_CLASS}]|[^\W_{_CJK_CLASS}]+")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"), "-")


class Token(NamedTuple):
    text: str  # normalised
    start: int  # offsets in the original text
    end: int


@functools.lru_cache(maxsize=8192)
def _normalize_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).casefold().translate(_DASHES)


@functools.lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese (註冊會計師 -> 注册会计师), only where lengths stay equal."""
    if not any(is_cjk(ch) for ch in text):
        return text
    converted = _t2s().convert(text)
    return converted if len(converted) == len(text) else text


@functools.lru_cache(maxsize=8192)
def _char_out(ch: str) -> str:
    """What one original character becomes: normalised, or a space (whitespace, control characters)."""
    norm = _normalize_char(ch)
    if norm.isspace() or (unicodedata.category(ch)[0] == "C" and ch not in "\t\n"):
        return " "
    return norm


@functools.lru_cache(maxsize=4096)
def _normalized(text: str) -> Tuple[str, Tuple[int, ...]]:
    # a pure function of the text, asked for the same message ~40 times per action call (the word lists, the
    # clause words, the facts, the matcher): remembered for the last 4,096 texts
    text = to_simplified(text)
    out: List[str] = []
    offsets: List[int] = []
    for i, ch in enumerate(text):
        norm = _char_out(ch)
        out.append(norm)
        offsets.extend([i] * len(norm))
    return "".join(out), tuple(offsets)


def normalize_with_offsets(text: str) -> Tuple[str, List[int]]:
    """The normalised text and, for each of its characters, the index of the original character."""
    norm, offsets = _normalized(text)
    return norm, list(offsets)


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """NFKC + casefold + single spaces; what aliases are stored and compared as."""
    norm, _ = _normalized(text)
    return " ".join(norm.split())


def tokens(text: str) -> List[Token]:
    """CJK characters one by one and Latin/digit runs, normalised, with original spans."""
    norm, offsets = _normalized(text)
    result: List[Token] = []
    for m in _TOKEN.finditer(norm):
        start = offsets[m.start()]
        end = offsets[m.end() - 1] + 1
        result.append(Token(m.group(), start, end))
    return result


def token_key(text: str) -> str:
    """The tokens of `text` joined by one space: two spellings with the same key match exactly."""
    return " ".join(t.text for t in tokens(text))


# what a stored or exported text keeps: the same classes as the channels' input check (bot/channels/checks.py)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE_LIKE = re.compile("[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufeff]")


def without_controls(text: str) -> str:
    """`text` fit to store, show and export: control characters (NUL included) and lone surrogates out,
    tab and newline kept, CR/CRLF as newline, other separators as a space. Never raises for a str."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACE_LIKE.sub(" ", text)
    return _SURROGATE.sub("", _CONTROL.sub("", text))


def without_spans(text: str, spans: Iterable[Tuple[int, int]]) -> str:
    """`text` with each (start, end) span replaced by one space (the spans of the text itself, not overlapping)."""
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + " " + text[b:]
    return text
