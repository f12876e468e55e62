"""The blind evaluation (issue 11): every conversation of tests/eval/blind_*.jsonl sent to the real bot over
REST, each in a fresh conversation, the last reply graded (tests/eval/grader.py). Prints the score per category
and per language, the worst one, and writes results/eval_report.json with every failure.

    python -m tests.eval.run_eval [--limit N] [--file blind_e1.jsonl]

A benchmark-style script: it prints figures and asserts nothing (the bar is in issue 11).
"""
from __future__ import annotations

import argparse
import json
import time
import uuid
from collections import defaultdict
from typing import Any, Dict, List

from tests.bench.bench_bot import ROOT, Stack, post

MODEL = ROOT / "models" / "qualibot.tar.gz"
from tests.eval import grader


def run(cases: List[Dict[str, Any]], port: int) -> List[Dict[str, Any]]:
    out = []
    for case in cases:
        sender = f"eval-{uuid.uuid4().hex[:12]}"
        messages: List[Dict[str, Any]] = []
        for turn in case["turns"]:
            _, messages = post(port, sender, turn, timeout=60)
        reply = grader.reply_text(messages)
        g = grader.grade(case, reply)
        out.append({"id": case["id"], "category": case["category"], "lang": case["lang"], "ok": g.ok,
                    "missing": g.missing, "wrong": g.wrong, "reply_lang": g.language, "turns": case["turns"],
                    "reply": reply, "note": case.get("note", "")})
    return out


def table(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    by: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        for key in (f"category:{r['category']}", f"lang:{r['lang']}"):
            by[key][0] += r["ok"]
            by[key][1] += 1
    return {k: {"correct": c, "total": n, "score": round(c / n, 3)} for k, (c, n) in sorted(by.items())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--file", action="append", default=[])
    args = ap.parse_args()
    paths = [grader.HERE / f for f in args.file] if args.file else []
    cases = grader.load(paths)
    if args.limit:
        cases = cases[: args.limit]
    stack = Stack(ROOT, MODEL, "actions", ROOT / "endpoints.yml")
    stack.start()
    try:
        t0 = time.perf_counter()
        results = run(cases, stack.rport)
        elapsed = time.perf_counter() - t0
    finally:
        stack.stop()
    summary = table(results)
    total = sum(r["ok"] for r in results)
    print(f"blind evaluation: {total}/{len(results)} = {total / max(1, len(results)):.1%} "
          f"({elapsed:.0f} s, {len(results)} conversations)")
    for k, v in summary.items():
        print(f"  {k:<32} {v['correct']:>4}/{v['total']:<4} {v['score']:.1%}")
    worst = min(summary.items(), key=lambda kv: kv[1]["score"]) if summary else None
    if worst:
        print(f"  worst: {worst[0]} {worst[1]['score']:.1%}")
    out = ROOT / "results" / "eval_report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "failures": [r for r in results if not r["ok"]]},
                              ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"report: {out}")


if __name__ == "__main__":
    main()
