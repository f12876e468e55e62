"""Score catalog.matcher on tests/data/matcher_cases.yaml (shared by the test and the benchmark)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import yaml

CASES = Path(__file__).resolve().parent.parent / "data" / "matcher_cases.yaml"


def load_cases(name: str = "matcher_cases.yaml") -> List[Dict[str, Any]]:
    with (CASES.parent / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass
class Score:
    total: int = 0
    correct: int = 0
    unlisted_reported_listed: List[str] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def judge(case: Dict[str, Any], result) -> bool:
    exp = case["expect"]
    status = exp["status"]
    if status == "listed":
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
        else:
            score.failures.append(f"{case['expect']} got {result.status} {result.ids[:6]} <- {case['text'][:80]!r}")
        if case["expect"]["status"] == "unlisted" and result.status == "listed":
            score.unlisted_reported_listed.append(case["text"][:80])
    return score
