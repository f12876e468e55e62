"""Queries and the benefit rules, with the clauses they rest on."""
from __future__ import annotations

from catalog import answers, benefits, queries


def test_get_and_list(catalog_db):
    cfa = queries.get("r007")
    assert cfa.id == "R007" and cfa.list == "regular" and cfa.row == 7
    assert queries.get("R999") is None
    cloud = queries.list_qualifications(field="cloud computing")
    assert sorted(q.id for q in cloud) == ["R004", "R030", "R031", "R032", "R033"]
    assert len(queries.list_qualifications(list_name="urgent")) == 7
    assert {q.id for q in queries.list_qualifications(country="Ireland")} == {"R072"}
    assert {q.id for q in queries.list_qualifications(issuer="Information Systems Audit")} == {"R003"}
    assert queries.list_qualifications(field="no such field") == []


def test_stats(catalog_db):
    s = queries.stats()
    assert (s.total, s.urgent, s.regular, s.version) == (122, 7, 115, "3.0")
    assert sum(1 for _ in s.by_field) >= 15


def _clause_ids(b, status=None):
    return [i.clause.id for i in b.items if status is None or i.status == status]


def test_benefits_regular_foreign(catalog_db):
    b = benefits.benefits_for("R007", "foreign", 40)
    applying = [i.clause.id for i in b.applying()]
    assert applying == ["一.2", "一.3", "一.4", "一.5", "一.6"]  # CFA: 中级 title stated in its remark
    assert "一.1" not in applying  # 工作居住证 is for Chinese nationals
    assert not any(c.startswith("二") for c in _clause_ids(b))  # section 2 is for the urgent list only
    assert not b.needs_nationality


def test_benefits_without_title_correspondence(catalog_db):
    b = benefits.benefits_for("R022", "chinese")  # USCPA: remark states no title
    assert [i.clause.id for i in b.applying()] == ["一.1", "一.5", "一.6"]


def test_benefits_urgent_chinese(catalog_db):
    b = benefits.benefits_for("U07", "chinese")
    applying = [i.clause.id for i in b.applying()]
    assert applying == ["一.1", "一.5", "一.6", "二.1", "二.2", "二.3", "二.5", "二.6"]


def test_benefits_unknown_nationality_asks(catalog_db):
    b = benefits.benefits_for("U01")
    assert b.needs_nationality
    for_whom = {i.clause.id: i.for_nationality for i in b.applying()}
    assert for_whom["一.1"] == "chinese" and for_whom["一.4"] == "foreign" and for_whom["二.4"] == "foreign"


def test_work_permit_age(catalog_db):
    assert benefits.work_permit_age(64).verdict == "within"
    assert benefits.work_permit_age(65).verdict == "within"
    assert benefits.work_permit_age(66).verdict == "depends_on_high_end"
    assert benefits.work_permit_age(68, True).verdict == "within"
    assert benefits.work_permit_age(68, False).verdict == "over"
    assert benefits.work_permit_age(71, True).verdict == "over"
    b = benefits.benefits_for("R014", "foreign", 71, True)
    item = next(i for i in b.items if i.clause.id == "一.4")
    assert item.status == "conditional" and item.reason == "age_over_limit"


def test_practice(catalog_db):
    assert benefits.practice_for("R096").profession == "physician"
    assert benefits.practice_for("R057").profession == "teacher"
    assert benefits.practice_for("R005").profession == "accounting"
    assert benefits.practice_for("R007").profession == "finance"
    assert benefits.practice_for("R093").profession is None  # Le Cordon Bleu
    assert benefits.practice_for("R112").registration.zh.startswith("执业药师")


def test_answers_cite_their_clauses(catalog_db):
    a = answers.work_permit(68, True, "zh")
    assert "70" in a.text and "65" in a.text and "第一条第4项" in a.source
    a = answers.work_permit(68, None, "en")
    assert "high-end" in a.text and "Section 1, item 4" in a.source
    a = answers.verification("zh")
    assert "用人单位" in a.text and "easybeijing.fesco.com.cn" in a.text and "验证码" in a.text
    assert "附件2第一步" in a.source and "<" not in a.text
    a = answers.notice_info("en")
    assert "京人社事业发〔2023〕24号" in a.text and "28 August 2023" in a.text and "京人社事业发〔2022〕19号" in a.text
    a = answers.stats("zh")
    assert "122" in a.text and "7" in a.text and "115" in a.text


def test_answers_for_a_row(catalog_db):
    a = answers.qualification_answer(queries.get("R029"), "en")
    assert "item 29" in a.text and "2 years" in a.text and "Annex 1, list (2), item 29" in a.source
    a = answers.qualification_answer(queries.get("U07"), "zh")
    assert "急需紧缺" in a.text and "副高级" in a.text and "注册" in a.text
    a = answers.title("zh", qualification=queries.get("R022"))
    assert "没有写明" in a.text


def test_options_of_one_place_are_told_apart_by_their_issuer(catalog_db):
    from catalog import answers, matching
    a = answers.ambiguity(matching.match("测量师"), "zh")
    assert [b[0] for b in a.buttons] == ["名誉会员级（香港测量师学会）", "专业会员级 (资深专业会员/专业会员)（香港测量师学会）"]
    teachers = answers.ambiguity(matching.match("加拿大的教师资格证书"), "en")
    assert all("(" in b[0] for b in teachers.buttons)  # by province, as before
