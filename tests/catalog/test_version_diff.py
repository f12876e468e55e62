"""`python -m catalog diff` and catalog/versioning: the real 3.0 against the made-up 3.1 of
tests/data/catalog-3.1 (README.md there lists its edits), an unchanged run, pairing of renumbered rows,
and what a change touches (approved answers, recent questions of the unanswered log)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from catalog.cli import main

ROOT = Path(__file__).resolve().parents[2]
DRAFT = ROOT / "tests" / "data" / "catalog-3.1"
DATA = ROOT / "catalog" / "data"


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def diff31(catalog_db):
    from catalog.versioning import diff

    return diff("3.0", str(DRAFT))


def by_field(fields):
    return {f["field"]: f for f in fields}


def test_the_made_up_31_as_json(catalog_db, capsys):
    code, out, _ = run(capsys, "diff", "3.0", str(DRAFT), "--json")
    assert code == 1
    d = json.loads(out)
    assert d["changed"] is True
    assert d["old"]["version"] == "3.0" and d["old"]["kind"] == "database"
    assert d["new"]["version"] == "3.1" and d["new"]["kind"] == "directory"
    assert "families.yaml" in d["new"]["inherited"] and "qualifications/regular-001-057.yaml" in d["new"]["inherited"]

    rows = d["rows"]
    assert [(r["id"], r["list"], r["row"], r["name_en"]) for r in rows["added"]] == [
        ("R116", "regular", 116, "Certified ScrumMaster (CSM)")]
    assert [(r["id"], r["list"], r["row"]) for r in rows["removed"]] == [("U07", "urgent", 7)]
    assert rows["renumbered"] == []
    assert [(c["old_id"], c["new_id"]) for c in rows["changed"]] == [("U03", "U03")]
    fields = by_field(rows["changed"][0]["fields"])
    assert set(fields) == {"experience_years", "aliases"}
    assert fields["experience_years"] == {"field": "experience_years", "old": None, "new": 5}
    assert fields["aliases"] == {"field": "aliases", "added": ["ACM Fellowship"], "removed": []}

    clauses = d["clauses"]
    assert clauses["added"] == [] and clauses["removed"] == []
    assert [c["id"] for c in clauses["changed"]] == ["一.4"]
    cf = by_field(clauses["changed"][0]["fields"])
    assert set(cf) == {"summary_zh", "summary_en", "text_zh", "text_en", "facts.age_limit"}
    assert cf["facts.age_limit"] == {"field": "facts.age_limit", "old": 65, "new": 68}
    assert "65 周岁" in cf["text_zh"]["old"] and "68 周岁" in cf["text_zh"]["new"]

    notice = by_field(d["notice"])
    assert notice["version"]["old"] == "3.0" and notice["version"]["new"] == "3.1"
    assert notice["counts.urgent"]["new"] == 6 and notice["counts.regular"]["new"] == 116
    assert "counts.total" not in notice  # 122 either way
    assert d["unlisted"] == {"added": [], "removed": [], "changed": []}
    assert d["sections"] == {"added": [], "removed": [], "changed": []}
    assert d["vocabularies"] == [] and d["matching"] == []
    # the draft still names U07 in files it took from catalog/data: what is left to fix, listed
    problems = d["new"]["problems"]
    assert any("family 'ACCA'" in p and "U07" in p for p in problems)
    assert any(p.startswith("unlisted ") and "U07" in p for p in problems)
    assert d["old"]["problems"] == []
    assert d["summary"]["rows_added"] == 1 and d["summary"]["clauses_changed"] == 1


def test_the_made_up_31_as_text_in_both_languages(catalog_db, capsys):
    code, zh, _ = run(capsys, "diff", "3.0", str(DRAFT))
    assert code == 1
    assert "《目录》版本比较：3.0（数据库" in zh and "3.1（数据目录" in zh
    assert "条目：新增 1，删除 1，变更 1，仅序号变化 0" in zh
    assert "+ R116  Scrum 联盟认证 Scrum 主管 / Certified ScrumMaster (CSM)  [境外职业资格清单第116项]" in zh
    assert "- U07  ACCA 资深会员证书 (Fcca)" in zh and "[急需紧缺清单第7项]" in zh
    assert "工作年限（experience_years）：— → 5" in zh
    assert "别名（足以认定）（aliases）：+ ACM Fellowship" in zh
    assert "要点（facts.age_limit）：65 → 68" in zh
    assert "年龄可放宽至 65 周岁" in zh and "年龄可放宽至 68 周岁" in zh  # the changed part, with context
    assert "新版本尚未通过校验" in zh and "family 'ACCA': U07 is not a catalog id" in zh
    code, en, _ = run(capsys, "diff", "3.0", str(DRAFT), "--lang", "en")
    assert "Catalog versions compared: 3.0 (database" in en
    assert "Rows: 1 added, 1 removed, 1 changed, 0 renumbered only" in en
    assert "[regular list item 116]" in en and "years of experience (experience_years): — → 5" in en
    assert "facts (facts.age_limit): 65 → 68" in en
    assert not any(line != line.rstrip() for line in en.splitlines())


def test_no_change_reports_no_change(catalog_db, capsys):
    code, out, _ = run(capsys, "diff", "3.0", str(DATA))  # the loaded 3.0 against its own files
    assert code == 0 and "两个版本没有差别。" in out and "条目" not in out
    code, out, _ = run(capsys, "diff", "3.0", "3.0", "--json", "--lang", "en")
    d = json.loads(out)
    assert code == 0 and d["changed"] is False and set(d["summary"].values()) == {0}
    assert d["rows"] == {"added": [], "removed": [], "changed": [], "renumbered": []}
    code, out, _ = run(capsys, "diff", str(DRAFT), str(DRAFT), "--lang", "en")
    assert code == 0 and "The two versions are the same." in out


def test_unknown_version_is_a_clear_error(catalog_db, capsys):
    code, _, err = run(capsys, "diff", "3.0", "9.9")
    assert code == 3 and "'9.9' is neither a data directory nor a loaded catalog version" in err and "3.0" in err


def test_rows_are_paired_by_what_they_are_not_by_id():
    """Removing R002 renumbers R003 -> R002 and R004 -> R003: renumbered, not 'changed'; a renamed row stays one row."""
    from catalog.versioning.compare import compare_rows

    def row(n, name, issuer, aliases=(), remark="r"):
        return {"list": "regular", "row": n, "name_zh": name, "name_en": name, "issuer_zh": issuer,
                "issuer_en": issuer, "region_zh": None, "aliases": list(aliases), "remark_zh": remark}

    old = {"R001": row(1, "甲", "A"), "R002": row(2, "乙", "B"), "R003": row(3, "丙", "C"),
           "R004": row(4, "丁", "D", remark="old"), "R005": row(5, "戊", "E", ["EEE"])}
    new = {"R001": row(1, "甲", "A"), "R002": row(2, "丙", "C"), "R003": row(3, "丁", "D", remark="new"),
           "R004": row(4, "戊 (renamed)", "E2", ["EEE"]), "R005": row(5, "己", "F")}
    c = compare_rows(old, new)
    assert [r.id for r in c.removed] == ["R002"] and [r.id for r in c.added] == ["R005"]
    assert [(x.old_id, x.new_id) for x in c.renumbered] == [("R003", "R002")]
    changed = {(x.old_id, x.new_id): {f.field for f in x.fields} for x in c.changed}
    assert changed == {("R004", "R003"): {"row", "remark_zh"},
                       ("R005", "R004"): {"row", "name_zh", "name_en", "issuer_zh", "issuer_en"}}


def test_values_are_compared_as_data():
    from catalog.versioning.compare import changes

    assert changes({"a": [1, 2], "b": {"c": 1}}, {"a": [2, 3], "b": {"c": 2}}) == [
        changes([1, 2], [2, 3], "a")[0], changes(1, 2, "b.c")[0]]
    f = changes([{"name": "X", "ids": ["R1"]}], [{"name": "X", "ids": ["R1", "R2"]}, {"name": "Y", "ids": []}], "fam")
    assert [(x.field, x.added, x.removed) for x in f] == [("fam", ("Y",), ()), ("fam[X].ids", ("R2",), ())]
    assert changes(["a", "b"], ["b", "a"], "l")[0].old == ["a", "b"]  # order only


# --- what a change touches -----------------------------------------------------------------------


def test_touched_answers(diff31):
    from catalog.versioning.impact import touched_answers

    got = {(a.answer, a.change): a for a in touched_answers(diff31)}
    assert got[("recognized", "changed")].rows == ("U03",)
    assert got[("recognized", "changed")].because == ("U03.experience_years",)
    assert got[("matching", "changed")].rows == ("U03",)  # the new alias: a verdict, not a wording
    assert ("practice", "changed") not in got  # nothing practice reads changed
    assert got[("work_permit", "changed")].because == ("clause 一.4",) and got[("work_permit", "changed")].rows == ()
    benefits = got[("benefits", "changed")]  # 一.4 is for both lists: every row's benefits answer lists it
    assert len(benefits.rows) == 122 and benefits.because == ("clause 一.4",)
    assert {a for a, c in got if c == "removed"} >= {"recognized", "benefits", "practice"}
    assert all(got[(a, "removed")].rows == ("U07",) for a, c in got if c == "removed")
    assert {a for a, c in got if c == "new"} == {"recognized", "benefits", "practice"}
    assert got[("recognized", "new")].rows == ("R116",)
    assert "notice.document_number" in got[("source_line", "changed")].because
    assert ("visa", "changed") not in got and ("verification", "changed") not in got


def test_the_clause_table_matches_the_answers_the_catalog_gives(catalog_db):
    """impact.general_answers / benefit_applies against the citations of catalog/answers.py's real answers."""
    from catalog import answers, benefits, queries
    from catalog.versioning.impact import benefit_applies, general_answers
    from catalog.versioning.sources import from_database

    v = from_database("3.0")
    cid = {c.cite.zh: c.id for c in queries.clauses(None)}
    made = {
        "benefits_general": answers.general_benefits("zh"),
        "work_permit": answers.work_permit(None, None, "zh"),
        "visa": answers.visa("zh"),
        "residence_card": answers.residence_card("zh"),
        "title": answers.title("zh"),
        "practice": answers.practice("zh"),
        "verification": answers.verification("zh"),
    }
    for name, answer in made.items():
        cited = {cid[c] for c in answer.cites if c in cid}
        table = {k for k, c in v.clauses.items() if name in general_answers(c)}
        assert cited == table, name
    for qid, row in v.rows.items():
        answer = answers.benefits(benefits.benefits_for(qid, "unknown"), "zh")
        cited = {cid[c] for c in answer.cites if c in cid}
        assert cited == {k for k, c in v.clauses.items() if benefit_applies(c, row)}, qid


@pytest.fixture()
def feedback_log(tmp_path):
    """An unanswered log of its own (never the shared catalog database), entries dated as given."""
    from catalog.db import create_schema, forget, get_engine, session_scope
    from catalog.models import FeedbackEntry

    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    create_schema(get_engine(url))
    now = datetime(2030, 6, 1, 12, 0)

    def add(days_ago, kind, text, answer_kind=None, lang="zh"):
        with session_scope(url) as s:
            e = FeedbackEntry(created_at=now - timedelta(days=days_ago), conversation_id="web:abc", kind=kind,
                              text=text, answer_kind=answer_kind, lang=lang)
            s.add(e)
            s.flush()
            return e.id

    ids = {
        "scrum": add(1, "fallback", "我有Certified ScrumMaster证书，电话13812345678，能认可吗"),
        "fcca": add(2, "fallback", "我是FCCA，能享受什么政策", lang="zh"),
        "weather": add(3, "fallback", "今天天气怎么样"),
        "cfa": add(4, "fallback", "我有CFA证书"),
        "cite": add(5, "unhelpful", "外籍人员办理工作许可……（第一条第4项）\n出处：…", "benefits"),
        "kind": add(6, "unhelpful", "Your age is within the limit.", "work_permit", "en"),
        "cfa_answer": add(7, "unhelpful", "CFA 在《目录》内（附件1（二）第7项）", "recognized"),
        "old": add(120, "fallback", "Certified ScrumMaster算吗"),
    }
    yield url, now, ids
    forget(url)


def test_touched_questions(diff31, feedback_log):
    from catalog.versioning.impact import touched_questions

    url, now, ids = feedback_log
    notes = []
    got = {q.id: q for q in touched_questions(diff31, days=90, url=url, now=now, notes=notes)}
    assert set(got) == {ids["scrum"], ids["fcca"], ids["cite"], ids["kind"]}, [q.text for q in got.values()]
    scrum = got[ids["scrum"]]
    assert scrum.because == ("none → listed R116", "R116 added")
    assert "[PHONE]" in scrum.text and "13812345678" not in scrum.text  # masked
    assert "U07 removed" in got[ids["fcca"]].because
    assert got[ids["cite"]].because == ("clause 一.4",)
    assert got[ids["kind"]].because == ("answer work_permit",)
    assert notes == []
    assert [q.id for q in touched_questions(diff31, days=90, url=url, now=now)] == sorted(
        {ids["scrum"], ids["fcca"], ids["cite"], ids["kind"]})  # newest first = lowest id first here


def test_impact_in_the_cli(catalog_db, capsys):
    code, out, _ = run(capsys, "diff", "3.0", str(DRAFT), "--impact", "--lang", "en")
    assert code == 1 and "Approved answers (口径) touched" in out
    assert "[to review] work permit (work_permit): general answer — because clause 一.4" in out
    assert "[new] recognized (recognized): R116 — because R116 added" in out
    assert "Recent questions touched" in out
    code, out, _ = run(capsys, "diff", "3.0", str(DRAFT), "--impact", "--json")
    d = json.loads(out)
    assert d["impact"]["days"] == 90 and any(a["answer"] == "benefits" for a in d["impact"]["answers"])


def test_the_made_up_copies_are_fresh():
    """The draft's copied files equal catalog/data's except for the edits its README lists."""
    def load(path):
        return yaml.safe_load(path.read_text(encoding="utf-8"))

    stale = "tests/data/catalog-3.1/{} is stale: copy catalog/data/{} again and re-apply the edit in README.md"
    real = {q["id"]: q for q in load(DATA / "qualifications" / "urgent.yaml")}
    draft = {q["id"]: q for q in load(DRAFT / "qualifications" / "urgent.yaml")}
    assert set(real) - set(draft) == {"U07"}, stale.format("qualifications/urgent.yaml", "qualifications/urgent.yaml")
    for qid, q in draft.items():
        if qid == "U03":
            q = {**q, "experience_years": None, "experience_unit": None,
                 "aliases": [a for a in q["aliases"] if a != "ACM Fellowship"]}
        assert q == real[qid], stale.format("qualifications/urgent.yaml", "qualifications/urgent.yaml")
    real_c, draft_c = load(DATA / "clauses.yaml"), load(DRAFT / "clauses.yaml")
    assert real_c["sections"] == draft_c["sections"], stale.format("clauses.yaml", "clauses.yaml")
    for a, b in zip(real_c["clauses"], draft_c["clauses"], strict=True):
        if a["id"] == "一.4":
            b = json.loads(json.dumps(b, ensure_ascii=False).replace("68", "65"))
        assert a == b, stale.format("clauses.yaml", "clauses.yaml")
    real_n, draft_n = load(DATA / "notice.yaml"), load(DRAFT / "notice.yaml")
    edited = {"title_zh", "title_en", "catalog_title_zh", "catalog_title_en", "version", "document_number",
              "document_number_en", "date", "date_zh", "purpose_zh", "purpose_en", "counts", "annexes"}
    assert {k: v for k, v in real_n.items() if k not in edited} == {k: v for k, v in draft_n.items()
                                                                    if k not in edited}, stale.format("notice.yaml",
                                                                                                      "notice.yaml")
