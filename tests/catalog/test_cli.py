"""The staff CLI, run in-process as an agent would type it."""
from __future__ import annotations

from catalog.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_search_show_list_stats_benefits(catalog_db, capsys):
    code, out = run(capsys, "search", "我有CFA证书")
    assert code == 0 and "[listed]" in out and "R007" in out and "附件1（二）第7项" in out
    code, out = run(capsys, "search", "teaching certificate", "--lang", "en")
    assert "[ambiguous]" in out and "Which country" in out and "United States (17)" in out
    code, out = run(capsys, "show", "U07", "--lang", "en")
    assert code == 0 and "urgent" in out and "Annex 1, list (1), item 7" in out
    code, out = run(capsys, "list", "--field", "金融")
    assert code == 0 and "R007" in out and "23 项" in out
    code, out = run(capsys, "stats", "--lang", "en")
    assert "122" in out and "7 items on the urgent list" in out and "115" in out
    code, out = run(capsys, "benefits", "R014", "--nationality", "foreign", "--age", "66", "--high-end", "--lang", "en")
    assert code == 0 and "Section 1, item 4" in out and "At 66, you are within it" in out
    code, out = run(capsys, "clauses", "四")
    assert "外籍医师" in out and "notarization" in out.lower() or "notaris" in out.lower()


def test_errors_are_clear(catalog_db, capsys):
    code, out = run(capsys, "show", "R999")
    assert code == 1 and "no qualification" in out
    code, out = run(capsys, "stats", "--as-of", "9.9")
    assert code == 3 and "not loaded" in out
