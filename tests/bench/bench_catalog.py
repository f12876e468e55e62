"""Catalog benchmark: `make bench-catalog` (python -m tests.bench.bench_catalog). Prints figures.

- load: building a fresh SQLite catalog from the data files (and reloading, unchanged);
- matcher build: from the loaded catalog;
- matcher time per message: the typical (non-long) test-set messages, and 3,000-character texts;
- accuracy on the test set and on the blind hold-out set (confirming questions counted where the evidence is
  generic are shown apart), and on the near-miss sets (reported listed / sent to a wrong row / strict), by kind
  and language.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time


def _ms(samples):
    samples = sorted(samples)
    return (statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000)


def main() -> None:
    from catalog import loader, queries
    from catalog.matching import Matcher, data_from_snapshot
    from tests.catalog.matcher_eval import CASES, evaluate, evaluate_nearmiss, load_cases

    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["CATALOG_DB_URL"] = url
    t0 = time.perf_counter()
    r = loader.load(url=url)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    loader.load(url=url)
    t_reload = time.perf_counter() - t0
    queries.clear_cache()
    t0 = time.perf_counter()
    snap = queries.snapshot(url=url)
    t_snap = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = Matcher(data_from_snapshot(snap))
    t_build = time.perf_counter() - t0

    cases = load_cases()
    typical = [c["text"] for c in cases if c["kind"] != "long"]
    long_texts = [c["text"] for c in cases if c["kind"] == "long"]
    filler = ("我曾在新加坡和伦敦负责预算管理，带领分析师团队完成年度审计与风险评估工作。"
              "Responsible for budgeting, audits and risk reviews across three regions. ")
    long_texts += [(filler * 40)[:1500] + " 持有FRM证书。 " + (filler * 40)[:1500],
                   (filler * 40)[:3000]]
    for t in typical[:50]:
        m.match(t)  # warm up
    per_msg = []
    for _ in range(5):
        for t in typical:
            t0 = time.perf_counter()
            m.match(t)
            per_msg.append(time.perf_counter() - t0)
    per_long = []
    for _ in range(10):
        for t in long_texts:
            t0 = time.perf_counter()
            m.match(t)
            per_long.append(time.perf_counter() - t0)
    med, p95 = _ms(per_msg)
    lmed, lp95 = _ms(per_long)
    score = evaluate(m)
    print(f"catalog load (fresh SQLite, {r.qualifications} rows, {r.aliases} aliases): {t_load * 1000:.0f} ms")
    print(f"catalog reload (unchanged): {t_reload * 1000:.0f} ms; snapshot read: {t_snap * 1000:.0f} ms")
    print(f"matcher build: {t_build * 1000:.0f} ms")
    print(f"matcher, typical message ({len(typical)} texts x5): median {med:.3f} ms, p95 {p95:.3f} ms")
    print(f"matcher, long message ({len(long_texts)} texts of {min(map(len, long_texts))}-"
          f"{max(map(len, long_texts))} chars x10): median {lmed:.2f} ms, p95 {lp95:.2f} ms")
    print(f"test set: top-1 {score.correct}/{score.total} = {score.accuracy:.1%}; "
          f"unlisted reported as listed: {len(score.unlisted_reported_listed)}")
    try:
        holdout = evaluate(m, "matcher_holdout.yaml")
        print(f"hold-out set (written blind to the matcher): top-1 {holdout.correct}/{holdout.total} = {holdout.accuracy:.1%}; "
              f"unlisted reported as listed: {len(holdout.unlisted_reported_listed)}")
    except FileNotFoundError:
        pass
    print(f"  of which a confirming question (generic evidence): test set {len(score.confirmed)}")
    import glob

    for path in sorted(glob.glob(str(CASES.parent / "nearmiss_*.yaml"))):
        name = os.path.basename(path)
        nm = evaluate_nearmiss(m, [name])
        print(f"near-miss {name}: {nm.total} cases, reported listed {len(nm.false_yes)}, sent to a wrong row "
              f"{len(nm.wrong_row)}, strict verdict {nm.correct}/{nm.total} = {nm.accuracy:.1%}")
        worst = min(nm.by.items(), key=lambda kv: kv[1][0] / kv[1][1])
        print(nm.table())
        print(f"  worst: {worst[0]} {worst[1][0]}/{worst[1][1]}")


if __name__ == "__main__":
    main()
