"""Which values a conversation slot (or the entity that fills it) may hold: one copy of the rules for the
Rasa server (bot/rasa_patches.py, where every SlotSet is applied and every parsed message's entities are kept)
and the action server (actions/slot_values.py, where the actions read the slots).

Why: anyone can type `/inform{"age": NaN}` (or `1e999`, `"abc"`, -5, 1000). Rasa turns such a payload's
entities into slot values as they are, and a NaN age made every later benefits answer fail until
/restart, carried over into new sessions too. A value that breaks a rule here never becomes a slot.

    age            an integer 16-100 (bot/components/profile_extractor.py extracts the same range);
                   30, 30.0 and "30" are 30; NaN, infinities, booleans, fractions and words are not ages
    nationality    chinese | foreign (domain.yml's values; catalog/benefits.py's vocabulary)
    language       zh | en
    high_end       "true" | "false" (true/false, yes/no, 1/0 accepted and written so)
    qualification  the id of a row of the current catalog (R007); confirming, confirm: the same
    candidates     comma-separated row ids, at most MAX_CANDIDATES
    pending_intent an intent name (lower-case letters and "_")
    experience_years  a finite number of years, 0-60 (domain.yml's min/max)
    beijing_employer  "true" | "false", as high_end
    asked          comma-separated clause ids ("一.4,二.4"), each short and without spaces
    anything else  a short, printable string, a finite number, a boolean, or None
None always passes (it clears a slot). Pure Python, no Rasa: the catalog is read only for its row ids.
"""
from __future__ import annotations

import logging
import math
import re
import time
from typing import Any, Callable, Dict, Optional, Tuple

logger = logging.getLogger(__name__)

MIN_AGE, MAX_AGE = 16, 100
NATIONALITIES = ("chinese", "foreign")
LANGUAGES = ("zh", "en")
MAX_CANDIDATES = 200  # the options of an ambiguous name: "教师资格证书" has over 20
MAX_TEXT_CHARS = 4000  # answer_text of a 👍/👎 is the longest legitimate value
_ID = re.compile(r"[A-Z]\d{1,4}")
_INTENT = re.compile(r"[a-z][a-z_]{0,63}")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


class Invalid(ValueError):
    """A value a slot must not hold; str(e) says which rule it breaks (never the value itself)."""


def _age(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("an age is a number, not true/false")
    if isinstance(value, str):
        if not re.fullmatch(r"\s*\d{1,3}(?:\.0+)?\s*", value):
            raise Invalid("an age is a whole number")
        value = float(value)
    if not isinstance(value, (int, float)) or isinstance(value, float) and not math.isfinite(value):
        raise Invalid("an age is a finite number")
    if value != int(value):
        raise Invalid("an age is a whole number")
    if not MIN_AGE <= int(value) <= MAX_AGE:
        raise Invalid(f"an age is from {MIN_AGE} to {MAX_AGE}")
    return int(value)


def _one_of(values: Tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, str) and value in values:
            return value
        raise Invalid(f"the value must be one of {', '.join(values)}")

    return check


def _boolean(value: Any) -> str:
    word = str(value).strip().lower() if isinstance(value, (str, bool, int)) else ""
    if word in _TRUE:
        return "true"
    if word in _FALSE:
        return "false"
    raise Invalid("the value must be true or false")


RETRY_AFTER_FAILURE = 30.0  # seconds: while the catalog cannot be read, ids are checked by form only
_failed_at: Dict[str, float] = {}  # catalog database URL -> when reading it last failed


def row_exists(qid: str) -> Optional[bool]:
    """Whether the current catalog has row `qid`; None when the catalog cannot be read (ids are then
    checked by form only: a database hiccup must not wipe the conversation's qualification). After a
    failure the catalog is not asked again for RETRY_AFTER_FAILURE seconds (a SlotSet is applied at
    every replay of a conversation: each must not wait for a database that is down)."""
    from catalog import config, queries

    url = config.database_url()
    if time.monotonic() - _failed_at.get(url, float("-inf")) < RETRY_AFTER_FAILURE:
        return None
    try:
        return qid in queries.snapshot().qualifications
    except Exception as e:  # noqa: BLE001 - not loaded, unreachable
        _failed_at[url] = time.monotonic()
        logger.warning("slot values: catalog ids unavailable (%s); checking ids by form only for %.0f s",
                       type(e).__name__, RETRY_AFTER_FAILURE)
        return None


def _qualification(value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise Invalid("a qualification is a row id such as R007")
    if row_exists(value) is False:
        raise Invalid("no such row in the catalog")
    return value


def _candidates(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("candidates are comma-separated row ids")
    ids = [part for part in value.split(",") if part]
    if not ids or len(ids) > MAX_CANDIDATES:
        raise Invalid(f"candidates are 1 to {MAX_CANDIDATES} row ids")
    return ",".join(_qualification(i) for i in ids)


MAX_YEARS = 60
_CLAUSE_ID = re.compile(r"[^\s,\x00-\x1f\x7f]{1,16}")


def _years(value: Any) -> float:
    if isinstance(value, bool):
        raise Invalid("years are a number, not true/false")
    if isinstance(value, str):
        if not re.fullmatch(r"\s*\d{1,2}(?:\.\d{1,2})?\s*", value):
            raise Invalid("years are a number")
        value = float(value)
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 <= value <= MAX_YEARS:
        raise Invalid(f"years are a number from 0 to {MAX_YEARS}")
    return float(value)


def _clause_ids(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("clause ids are a text")
    ids = [part for part in value.split(",") if part]
    if len(ids) > 30 or not all(_CLAUSE_ID.fullmatch(i) for i in ids):
        raise Invalid("clause ids are short words separated by commas")
    return ",".join(ids)


def _intent(value: Any) -> str:
    if isinstance(value, str) and _INTENT.fullmatch(value):
        return value
    raise Invalid("an intent name is lower-case letters and _")


def _plain(value: Any) -> Any:
    """A value of a slot or entity without a rule of its own: a scalar fit for JSON and a log line."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("a number must be finite")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS or not value.replace("\n", " ").replace("\t", " ").isprintable():
            raise Invalid(f"a text of at most {MAX_TEXT_CHARS} printable characters")
        return value
    raise Invalid("the value must be a text, a number or true/false")


RULES: Dict[str, Callable[[Any], Any]] = {
    "age": _age,
    "nationality": _one_of(NATIONALITIES),
    "language": _one_of(LANGUAGES),
    "high_end": _boolean,
    "qualification": _qualification,
    "confirming": _qualification,
    "confirm": _qualification,
    "candidates": _candidates,
    "pending_intent": _intent,
    "experience_years": _years,
    "beijing_employer": _boolean,
    "asked": _clause_ids,
}


def check(name: str, value: Any) -> Any:
    """`value` as slot (or entity) `name` holds it (30.0 -> 30, "yes" -> "true"); raises Invalid."""
    if value is None:
        return None
    return RULES.get(name, _plain)(value)


def cleaned(name: str, value: Any) -> Tuple[bool, Any]:
    """(True, the value as it is held) when `value` may fill `name`, else (False, None). Never raises."""
    try:
        return True, check(name, value)
    except Invalid:
        return False, None
    except Exception:  # noqa: BLE001 - a rule's own bug must not break a turn
        logger.exception("slot values: checking %r failed", name)
        return False, None
