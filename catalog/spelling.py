"""English words misspelt as people type on a phone ("recongized", "expereince", "teachng") and abbreviations
typed letter by letter ("u s c p a"), read as the word meant before a message is answered (catalog/data/spelling.yaml): a small reviewed table, whole words only, so a
word that is itself English is never changed. The reply quotes the person's own words from the original message."""
from __future__ import annotations

import functools
import re
from typing import Dict, Match, Pattern, Tuple

from catalog import wordlists


@functools.lru_cache(maxsize=1)
def _table() -> Tuple[Pattern[str], Dict[str, str]]:
    words = {str(k).lower(): str(v) for k, v in (wordlists.load("spelling.yaml").get("words") or {}).items()}
    alts = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z])(?:{alts})(?![A-Za-z])", re.I), words


# an abbreviation typed letter by letter ("u s c p a recognised in bj??", "C. F. A."): three or more single letters
_SPACED = re.compile(r"(?<![A-Za-z.])[A-Za-z]\.?(?: [A-Za-z]\.?){2,}(?![A-Za-z])")


def corrected(text: str) -> str:
    """`text` with the table's misspellings replaced (a typed "/intent" payload is left as it is)."""
    if not text or text.startswith("/") or not re.search(r"[A-Za-z]{4}", text):
        return text
    text = _SPACED.sub(lambda m: re.sub(r"[ .]", "", m.group(0)), text)  # "u s c p a" -> "uscpa"
    pattern, words = _table()

    def one(m: Match[str]) -> str:
        return words.get(re.sub(r"\s+", " ", m.group(0).lower()), m.group(0))

    return pattern.sub(one, text)
