"""Grading one blind evaluation case (tests/eval/blind_*.jsonl) against the assistant's last reply.

A case holds `all` (groups of alternatives: at least one alternative of EVERY group must be in the reply's
text or button titles, case-insensitively), `none` (phrases only a wrong answer contains) and `lang` (the
reply's language: the share of CJK characters among CJK characters and Latin letters is >= 0.3 for zh,
<= 0.3 for en). Every case also carries the writer's `ideal` and `wrong` replies: the grader must pass the
first and fail the second (tests/eval/test_grader.py), which catches graders that are too loose or too strict.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List

HERE = Path(__file__).resolve().parent
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


def load(paths: Iterable[Path] = ()) -> List[Dict[str, Any]]:
    cases: List[Dict[str, Any]] = []
    for path in sorted(paths or HERE.glob("blind_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                case["_file"] = path.name
                cases.append(case)
    return cases


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def language_of(text: str) -> str:
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    if cjk + latin == 0:
        return "?"
    return "zh" if cjk / (cjk + latin) >= 0.3 else "en"


@dataclass
class Grade:
    ok: bool
    missing: List[List[str]] = field(default_factory=list)
    wrong: List[str] = field(default_factory=list)
    language: str = ""


def grade(case: Dict[str, Any], reply: str) -> Grade:
    """Whether `reply` (the last reply's text and button titles) is a correct answer to `case`."""
    text = _norm(reply)
    missing = [group for group in case.get("all") or [] if not any(_norm(a) in text for a in group)]
    wrong = [p for p in case.get("none") or [] if _norm(p) and _norm(p) in text]
    # the language is judged on the reply's own words (the source line and ids are Latin in both)
    lang = language_of(re.sub(r"(?:依据|Source)[:：].*$", "", reply or "", flags=re.M))
    ok = not missing and not wrong and lang == case.get("lang")
    return Grade(ok, missing, wrong, lang)


def reply_text(messages: List[Dict[str, Any]]) -> str:
    """What the user sees of one turn's messages: texts and button titles."""
    parts: List[str] = []
    for m in messages:
        if m.get("text"):
            parts.append(m["text"])
        for b in m.get("buttons") or []:
            parts.append(b.get("title", ""))
    return "\n".join(parts)
