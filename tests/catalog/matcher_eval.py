"""Score catalog.matching on tests/data/matcher_cases.yaml (shared by the test and the benchmark)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import yaml

GENERIC = ("generic", "issuer")  # evidence kinds that make the matcher ask instead of saying yes
CASES = Path(__file__).resolve().parent.parent / "data" / "matcher_cases.yaml"


def load_cases(name: str = "matcher_cases.yaml") -> List[Dict[str, Any]]:
    with (CASES.parent / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass
class Score:
    total: int = 0
    correct: int = 0
    confirmed: List[str] = field(default_factory=list)  # listed cases answered with a confirming question
    unlisted_reported_listed: List[str] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def judge(case: Dict[str, Any], result) -> bool:
    exp = case["expect"]
    status = exp["status"]
    if status == "listed":
        if result.status in ("confirm", "ambiguous") and exp["id"] in result.ids and result.evidence in GENERIC:
            return True  # only generic evidence (per the reviewed data): asking is right, saying yes would not be
        return result.status == "listed" and result.candidates[0].id == exp["id"]
    if status == "ambiguous":
        return result.status == "ambiguous" and set(result.ids) == set(exp["ids"])
    if status == "unlisted":
        return result.status == "unlisted" and set(exp.get("nearest", [])) <= set(result.ids)
    return result.status == "none"


def evaluate(matcher, name: str = "matcher_cases.yaml") -> Score:
    score = Score()
    for case in load_cases(name):
        result = matcher.match(case["text"])
        score.total += 1
        if judge(case, result):
            score.correct += 1
            if case["expect"]["status"] == "listed" and result.status != "listed":
                score.confirmed.append(f"{result.status} {result.ids[:3]} ({result.evidence}) <- {case['text'][:80]!r}")
        else:
            score.failures.append(f"{case['expect']} got {result.status} {result.ids[:6]} <- {case['text'][:80]!r}")
        if case["expect"]["status"] == "unlisted" and result.status == "listed":
            score.unlisted_reported_listed.append(case["text"][:80])
    return score


# --- near-miss sets (tests/data/nearmiss_*.yaml): credentials that are NOT listed but look like one --------


@dataclass
class NearMissScore:
    """How the matcher does on credentials that are not in the catalog.

    false_yes: reported as listed (the failure this product must never make).
    wrong_row: a question ("is yours X?" / "which one?") about rows the case's writer did not name as
    the nearest or plausible ones.
    correct: the verdict the writer expected (unlisted for a contradicted mention, none when nothing
    near is listed; confirm/ambiguous about a plausible row, or unlisted, for a generic mention).
    """

    total: int = 0
    correct: int = 0
    false_yes: List[str] = field(default_factory=list)
    wrong_row: List[str] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)
    by: Dict[str, List[int]] = field(default_factory=dict)  # "kind:x" / "lang:x" -> [correct, total]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def table(self) -> str:
        rows = [f"  {k:<32} {c:>4}/{n:<4} {c / n:6.1%}" for k, (c, n) in sorted(self.by.items())]
        return "\n".join(rows)


def judge_nearmiss(case: Dict[str, Any], result) -> str:
    """'ok', 'false_yes', 'wrong_row' or 'miss' (not the expected verdict, but no harm)."""
    exp = case["expect"]
    if exp["status"] == "listed":  # a positive control inside a near-miss file
        if result.status == "listed" and result.candidates[0].id == exp["id"]:
            return "ok"
        return "wrong_row" if result.status == "listed" else "miss"
    if result.status == "listed":
        return "false_yes"
    expected = set(exp.get("nearest") or []) | set(exp.get("candidates") or [])
    if result.status in ("confirm", "ambiguous") and not (set(result.ids) & expected):
        return "wrong_row"
    if exp["status"] == "generic":
        return "ok" if result.status in ("confirm", "ambiguous", "unlisted") else "miss"
    if result.status == "unlisted" or (result.status == "none" and not expected):
        return "ok"
    return "miss"


def evaluate_nearmiss(matcher, names: List[str]) -> NearMissScore:
    score = NearMissScore()
    for name in names:
        for case in load_cases(name):
            result = matcher.match(case["text"])
            verdict = judge_nearmiss(case, result)
            score.total += 1
            line = f"{case['expect']} got {result.status} {result.ids[:6]} <- {case['text'][:90]!r}"
            for key in (f"kind:{case.get('kind', '?')}", f"lang:{case.get('lang', '?')}"):
                score.by.setdefault(key, [0, 0])[1] += 1
            if verdict == "ok":
                score.correct += 1
                for key in (f"kind:{case.get('kind', '?')}", f"lang:{case.get('lang', '?')}"):
                    score.by[key][0] += 1
            else:
                score.failures.append(f"[{verdict}] {line}")
            if verdict == "false_yes":
                score.false_yes.append(line)
            elif verdict == "wrong_row":
                score.wrong_row.append(line)
    return score
