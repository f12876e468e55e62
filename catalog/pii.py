"""Personal data in free text, found and masked before staff or a log line see it (China's PIPL).

What members of the public type reaches the unanswered-question log, its CSV and the servers' logs;
some of them type their numbers. `mask(text)` replaces each of these with a label:

| kind | label | found by |
| --- | --- | --- |
| ID card, 18 digits | `[ID-CARD]` | python-stdnum's `cn.ric`: ISO 7064 MOD 11-2 check character and a real birth date |
| ID card, 15 digits (first generation) | `[ID-CARD]` | its 18-digit form (19 + YY, check character added) valid for `cn.ric`, birth place included (no checksum of its own) |
| bank card | `[BANK-CARD]` | 13-19 digits (one run, or groups of 4, Amex 4-6-5) of a card scheme's prefix and length (UnionPay 62…, Visa 4…, Mastercard, Amex, JCB…), Luhn valid (python-stdnum's `luhn`) |
| phone | `[PHONE]` | libphonenumber (phonenumberslite): numbers valid for mainland China (mobile, landline with area code, 400/800) or any country when written with +; and any 1[3-9]xxxxxxxxx mobile, even next to letters |
| e-mail | `[EMAIL]` | an ASCII address with a dotted domain |
| passport | `[PASSPORT]` | Chinese formats (E/G/D/S/P + 8 digits, E + letter + 7 digits, H/M permits), or any 6-12 letters and digits right after 护照 / passport (号码, No., :) |
| certificate number | `[CERT-NO]` | letters and digits (with one digit at least) right after 证书编号, 执照号, 注册号, 会员号, licence/certificate/member/charter No. (a holder's number names a person in the issuer's register; the chat page asks not to type them) |

Not masked, on purpose (tests/catalog/test_pii.py): years and dates, catalog row ids (R077, U07), clause
and document numbers (第一条第4项, 京人社事业发〔2023〕24号), exam and credential codes (SAA-C03, AZ-104,
ISO 27001): they name a credential, not a person; prices, ages, counts; numbers that fail their checksum
(an 18-digit number with a wrong check character, a 16-digit number that fails Luhn).

Full-width characters (１３８…, ＠) are found as their ASCII forms, and JSON escapes (\\u7535) count as
separators, so a number inside a JSON log line is found too. Offsets are the original text's.

`install_log_masking()` puts `MaskingFilter` on every log record the process creates (through the
record factory: a filter on a logger misses its children's records, one on a handler misses handlers
made later), so every line the bot and the action server write is masked, tracebacks included.
Pure Python: imports nothing from Rasa or bot/.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric

__all__ = ["LABELS", "Found", "find", "mask", "MaskingFilter", "install_log_masking"]

LABELS = {
    "id_card": "[ID-CARD]",
    "bank_card": "[BANK-CARD]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "passport": "[PASSPORT]",
    "cert_no": "[CERT-NO]",
}
MAX_PHONE_TRIES = 50  # libphonenumber gives up on a text after this many invalid candidates

# U+FF01-FF5E are the ASCII characters 0x21-0x7E in full width; U+3000 is the ideographic space
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
_ANY_CANDIDATE = re.compile(r"[0-9@\uff10-\uff19\uff20]")

# digit groups separated by one space or hyphen; the last may end in the ID card's X
_DIGIT_GROUPS = re.compile(r"(?<![0-9])[0-9]+[Xx]?(?:[ -][0-9]+[Xx]?)*(?![0-9])")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_CARD_GROUPINGS = ((4, 6, 5), (4, 6, 4))  # Amex, Diners; the rest is 4-4-4-4(-1..4)
# card number lengths by first digit: Mastercard 2-series; Amex, Diners, JCB; Visa; Mastercard, Maestro;
# UnionPay (62), Discover, Maestro
_CARD_LENGTHS = {"2": (16,), "3": (14, 15, 16, 17, 18, 19), "4": (13, 16, 19), "5": (16, 17, 18, 19),
                 "6": (16, 17, 18, 19)}

_MOBILE = re.compile(r"(?<![0-9+])(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
_PHONE_HINT = re.compile(r"[0-9](?:[\s\-().]{0,3}[0-9]){5,}")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
                    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:[EGDSP][0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|[HM][0-9]{8}(?:[0-9]{2})?)"
                       r"(?![A-Za-z0-9])", re.IGNORECASE)
_AFTER_KEYWORD = r"\s*(?:[:：#]\s*)?(?:(?:是|为|is)\s*)?([A-Za-z0-9][A-Za-z0-9-]{{{lo},{hi}}})(?![A-Za-z0-9-])"
_PASSPORT_KEYWORD = re.compile(r"(?:护照|passport)\s*(?:号码|号|number|no\.?|#)?" + _AFTER_KEYWORD.format(lo=5, hi=11),
                               re.IGNORECASE)
_CERT_KEYWORD = re.compile(
    r"(?:证书编号|证书号码|证书号|执业证书编号|执业证号|执照号码|执照号|注册号|会员号|"
    r"(?:licen[cs]e|certificate|cert|member(?:ship)?|charter)\s*(?:no\.?|number|id|#))" + _AFTER_KEYWORD.format(lo=3, hi=24),
    re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    kind: str  # a key of LABELS
    start: int  # offsets in the original text
    end: int


def _view(text: str) -> str:
    """The text as the patterns read it, with the same length: full width as ASCII, JSON escapes blank."""
    view = text.translate(_FULL_WIDTH)
    return _JSON_ESCAPE.sub(lambda m: " " * len(m.group()), view) if "\\u" in view else view


# --- numbers with a check -----------------------------------------------------------------------------

def _is_id18(digits: str) -> bool:
    if len(digits) != 18 or not digits[:17].isdigit() or digits[0] == "0":
        return False
    try:
        born = ric.get_birth_date(digits)
    except Exception:  # noqa: BLE001 - stdnum's InvalidComponent: no such date
        return False
    return ric.calc_check_digit(digits) == digits[17].upper() and born <= date.today()


def _is_id15(digits: str) -> bool:
    """A first-generation number: valid when its 18-digit form is (birth date, and birth place, since the
    15-digit form has no check character)."""
    if len(digits) != 15 or not digits.isdigit():
        return False
    upgraded = digits[:6] + "19" + digits[6:] + "0"
    upgraded = upgraded[:17] + ric.calc_check_digit(upgraded)
    return bool(ric.is_valid(upgraded))


def _is_bank_card(digits: str) -> bool:
    if not digits.isdigit() or len(digits) not in _CARD_LENGTHS.get(digits[0], ()):
        return False
    if digits[0] == "2" and not "2221" <= digits[:4] <= "2720":  # Mastercard's 2-series only
        return False
    return bool(luhn.is_valid(digits))


def _card_grouping(sizes: Sequence[int]) -> bool:
    if len(sizes) == 1:
        return True
    if tuple(sizes) in _CARD_GROUPINGS:
        return True
    return all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4 and len(sizes) >= 4


def _checked_numbers(view: str) -> Iterator[Found]:
    """ID cards and bank cards: each run of digit groups, or the longest valid stretch of its groups."""
    for run in _DIGIT_GROUPS.finditer(view):
        groups = [(m.start() + run.start(), m.end() + run.start(), m.group()) for m in _GROUP.finditer(run.group())]
        i = 0
        while i < len(groups):
            for j in range(min(len(groups), i + 6) - 1, i - 1, -1):
                part = groups[i:j + 1]
                if any(g[2][-1] in "Xx" for g in part[:-1]):
                    continue
                digits = "".join(g[2] for g in part)
                sizes = [len(g[2]) for g in part]
                kind = None
                if (len(part) == 1 or sizes == [6, 8, 4]) and (_is_id18(digits) or _is_id15(digits)):
                    kind = "id_card"
                elif digits.isdigit() and _card_grouping(sizes) and _is_bank_card(digits):
                    kind = "bank_card"
                if kind:
                    yield Found(kind, part[0][0], part[-1][1])
                    i = j
                    break
            i += 1


# --- phones, e-mail, passports, certificate numbers --------------------------------------------------------

def _phones(view: str) -> Iterator[Found]:
    for m in _MOBILE.finditer(view):
        yield Found("phone", m.start(), m.end())
    if not _PHONE_HINT.search(view):
        return
    matcher = phonenumbers.PhoneNumberMatcher(view, "CN", leniency=phonenumbers.Leniency.VALID,
                                              max_tries=MAX_PHONE_TRIES)
    for pm in matcher:
        yield Found("phone", pm.start, pm.end)


def _patterns(view: str) -> Iterator[Found]:
    for m in _EMAIL.finditer(view):
        yield Found("email", m.start(), m.end())
    for kind, keyword in (("passport", _PASSPORT_KEYWORD), ("cert_no", _CERT_KEYWORD)):
        for m in keyword.finditer(view):
            if any(ch.isdigit() for ch in m.group(1)):
                yield Found(kind, m.start(1), m.end(1))
    for m in _PASSPORT.finditer(view):
        yield Found("passport", m.start(), m.end())


def _blank(view: str, found: Sequence[Found]) -> str:
    """The view with what was found blanked out, so the next finders don't see it again."""
    chars = list(view)
    for f in found:
        chars[f.start:f.end] = "_" * (f.end - f.start)
    return "".join(chars)


def find(text: str) -> List[Found]:
    """Every piece of personal data in `text`, in order, none overlapping (the first finder wins:
    checked numbers, then e-mail and keyword-named numbers, then phones, then passport formats)."""
    if not text or not _ANY_CANDIDATE.search(text):
        return []
    view = _view(text)
    found: List[Found] = []
    finders: Tuple[Callable[[str], Iterator[Found]], ...] = (_checked_numbers, _patterns, _phones)
    for finder in finders:
        current = _blank(view, found) if found else view
        for f in finder(current):
            if f.end > f.start and not any(f.start < g.end and g.start < f.end for g in found):
                found.append(f)
    return sorted(found, key=lambda f: f.start)


def mask(text: str) -> str:
    """`text` with every piece of personal data replaced by its label ("[PHONE]", "[ID-CARD]", …)."""
    found = find(text)
    if not found:
        return text
    out, last = [], 0
    for f in found:
        out.append(text[last:f.start])
        out.append(LABELS[f.kind])
        last = f.end
    out.append(text[last:])
    return "".join(out)


def mask_optional(text: Optional[str]) -> Optional[str]:
    return mask(text) if text else text


# --- logs ---------------------------------------------------------------------------------------------------

class MaskingFilter(logging.Filter):
    """Masks a record's message (its arguments formatted in), its traceback and its stack in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: logging reports it when the record is emitted
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(_TRACEBACK_FORMATTER.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


_TRACEBACK_FORMATTER = logging.Formatter()
_FILTER = MaskingFilter()


@functools.lru_cache(maxsize=1)
def install_log_masking() -> None:
    """Mask every log record this process creates from now on (idempotent)."""
    previous = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:  # type: ignore[no-untyped-def]
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    masked_record.qualibot_pii = True  # type: ignore[attr-defined]
    if not getattr(previous, "qualibot_pii", False):
        logging.setLogRecordFactory(masked_record)
