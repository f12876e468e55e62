"""Evaluate the trained model on the held-out NLU test set (tests/nlu/zh.yml, en.yml).

    python -m tests.nlu.evaluate [--model models/qualibot.tar.gz]

Prints, and writes to results/nlu_report.json: intent accuracy per language, qualification
resolution (the catalog extractor's `qualification` entity equals the annotated row id, or its `confirm`
entity does: generic evidence of that row, which the bot asks about instead of saying yes), and
every error. The pytest test tests/test_nlu_eval.py asserts the thresholds on the same numbers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LANGS = ("zh", "en")


def load_examples(lang: str) -> List[Dict[str, Any]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HERE / f"{lang}.yml"))
    out = []
    for m in data.training_examples:
        quals = [e["value"] for e in m.get("entities") or [] if e.get("entity") == "qualification"]
        out.append({"text": m.get("text"), "intent": m.get("intent"), "qualification": quals[0] if quals else None})
    return out


async def _parse_all(agent, examples: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    results = []
    for ex in examples:
        parsed = await agent.parse_message(ex["text"])
        ents = {e["entity"]: e["value"] for e in parsed.get("entities", [])}
        results.append({**ex, "predicted": parsed["intent"]["name"],
                        "confidence": round(parsed["intent"].get("confidence", 0.0), 3),
                        "predicted_qualification": ents.get("qualification") or ents.get("confirm"),
                        "confirmed": "confirm" in ents,
                        "predicted_language": ents.get("language")})
    return results


def evaluate(model: str = str(ROOT / "models" / "qualibot.tar.gz"), agent: Any = None) -> Dict[str, Any]:
    """The report of `model`; `agent`: that model already loaded (the tests' shared one), else it is loaded here."""
    if agent is None:
        from rasa.core.agent import Agent

        agent = Agent.load(model)
    report: Dict[str, Any] = {"model": model, "languages": {}}
    for lang in LANGS:
        examples = load_examples(lang)
        t0 = time.perf_counter()
        results = asyncio.run(_parse_all(agent, examples))
        elapsed = time.perf_counter() - t0
        correct = sum(r["predicted"] == r["intent"] for r in results)
        with_q = [r for r in results if r["qualification"]]
        q_ok = sum(r["predicted_qualification"] == r["qualification"] for r in with_q)
        per_intent: Dict[str, Counter] = defaultdict(Counter)
        for r in results:
            per_intent[r["intent"]]["total"] += 1
            per_intent[r["intent"]]["correct"] += r["predicted"] == r["intent"]
        report["languages"][lang] = {
            "messages": len(results),
            "intent_accuracy": correct / len(results),
            "qualification_messages": len(with_q),
            "qualification_resolution": q_ok / len(with_q) if with_q else None,
            # of which the right row was named in a confirming question (generic evidence, per the reviewed data)
            "qualification_confirmed": sum(r["predicted_qualification"] == r["qualification"] and r["confirmed"]
                                           for r in with_q),
            "per_intent": {k: round(v["correct"] / v["total"], 3) for k, v in sorted(per_intent.items())},
            "ms_per_message": 1000 * elapsed / len(results),
            "intent_errors": [{k: r[k] for k in ("text", "intent", "predicted", "confidence")}
                              for r in results if r["predicted"] != r["intent"]],
            "qualification_errors": [{k: r[k] for k in ("text", "qualification", "predicted_qualification")}
                                     for r in with_q if r["predicted_qualification"] != r["qualification"]],
        }
    out = ROOT / "results" / "nlu_report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default=str(ROOT / "models" / "qualibot.tar.gz"))
    p.add_argument("--errors", action="store_true", help="print every error")
    args = p.parse_args()
    report = evaluate(args.model)
    for lang, r in report["languages"].items():
        print(f"{lang}: intent accuracy {r['intent_accuracy']:.3f} ({r['messages']} messages), "
              f"qualification resolution {r['qualification_resolution']:.3f} ({r['qualification_messages']}), "
              f"{r['ms_per_message']:.1f} ms/message")
        if args.errors:
            for e in r["intent_errors"]:
                print(f"   intent {e['intent']} -> {e['predicted']} ({e['confidence']}): {e['text']}")
            for e in r["qualification_errors"]:
                print(f"   qual {e['qualification']} -> {e['predicted_qualification']}: {e['text']}")
    print("report: results/nlu_report.json")


if __name__ == "__main__":
    main()
