"""The data files against the notice: counts, every row complete, every clause present."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalog import config
from catalog.schema import load_dataset

SOURCE = Path(config.PROJECT_ROOT).parent / "shared" / "source" / "beijing-overseas-qualifications-catalog-3.0.txt"


@pytest.fixture(scope="module")
def ds():
    return load_dataset(config.DATA_DIR)


def test_counts_match_the_notice(ds):
    quals = ds.qualifications
    assert len(quals) == 122
    assert sum(q.list == "urgent" for q in quals) == 7
    assert sum(q.list == "regular" for q in quals) == 115
    assert [q.id for q in quals if q.list == "urgent"] == [f"U{i:02d}" for i in range(1, 8)]
    assert [q.id for q in quals if q.list == "regular"] == [f"R{i:03d}" for i in range(1, 116)]


def test_every_row_is_complete(ds):
    for q in ds.qualifications:
        assert q.name_zh and q.name_en, q.id
        assert q.issuer_zh or q.issuer_en, q.id
        assert q.fields and q.countries, q.id
        assert q.remark_zh and q.remark_en, q.id
        assert len(q.aliases) + len(q.generic_aliases) + len(q.issuer_aliases) >= 3, q.id
        if q.country_filled:
            assert q.notes, f"{q.id}: a filled country must say why"


def test_names_are_those_of_the_source(ds):
    """Every Chinese name appears in the source (whitespace removed on both sides)."""
    if not SOURCE.exists():
        pytest.skip("shared/source not present")
    source = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
    for q in ds.qualifications:
        assert re.sub(r"\s+", "", q.name_zh) in source, q.id


def test_counts_by_field(ds):
    from collections import Counter

    by_field = Counter(f for q in ds.qualifications for f in q.fields)
    # read off the source table: rows 79–86 sports, 87–90 culture, 91–95 business, 96–114 medical…
    assert by_field["体育"] == 8
    assert by_field["文化旅游及娱乐服务"] == 4
    assert by_field["商业服务"] == 5
    assert by_field["医疗健康服务"] == 19
    assert by_field["现代农业"] == 1
    assert by_field["新能源汽车"] == 1
    assert by_field["云计算"] == 5
    assert by_field["互联网信息"] == 2
    assert by_field["教育"] == 34


def test_counts_by_country(ds):
    from collections import Counter

    by_country = Counter(c for q in ds.qualifications for c in q.countries)
    assert by_country["加拿大"] == 3
    assert by_country["新西兰"] == 1
    assert by_country["爱尔兰"] == 1
    assert by_country["瑞士"] == 2
    assert by_country["中国台湾"] == 3
    assert by_country["中国澳门"] == 1
    assert by_country["日本"] == 1 and by_country["韩国"] == 1 and by_country["法国"] == 1


def test_remark_facts(ds):
    by_id = {q.id: q for q in ds.qualifications}
    assert all(by_id[f"U{i:02d}"].title_level == "副高级" for i in range(1, 8))
    assert by_id["R007"].title_level == "中级"
    assert by_id["R022"].title_level is None
    assert by_id["R021"].experience_years == 3
    assert by_id["R029"].experience_years == 2
    assert by_id["R077"].experience_years == 2 and by_id["R077"].experience_unit == "school_year"
    assert by_id["R007"].experience_years is None
    assert "短期行医许可" in by_id["R096"].registration_zh
    assert "药监" in by_id["R112"].registration_zh
    assert any(c.kind == "universal_studios" for c in by_id["R087"].conditions)
    assert any("B" in c.zh for c in by_id["R080"].conditions if c.kind == "level_limit")
    # garbled source text corrected, and the correction recorded
    assert "学龄" not in by_id["R015"].remark_zh and "学历" in by_id["R015"].remark_zh
    assert "称称" not in by_id["R016"].remark_zh
    assert any("学龄" in n for n in by_id["R015"].notes)


CLAUSE_IDS = ["一.1", "一.2", "一.3", "一.4", "一.5", "一.6", "二.1", "二.2", "二.3", "二.4", "二.5", "二.6",
              "三", "四", "五", "附件2.1", "附件2.2", "附件2.3", "附件2.4"]


def test_every_clause_is_present_in_both_languages(ds):
    assert [c.id for c in ds.clauses] == CLAUSE_IDS
    for c in ds.clauses:
        assert c.text_zh and c.text_en and c.cite_zh and c.cite_en


def test_clause_text_is_verbatim(ds):
    if not SOURCE.exists():
        pytest.skip("shared/source not present")
    source = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
    for c in ds.clauses:
        assert re.sub(r"\s+", "", c.text_zh) in source, c.id


def test_clause_facts(ds):
    by_id = {c.id: c for c in ds.clauses}
    assert by_id["一.3"].facts["visa_max_years"] == 5
    assert by_id["一.4"].facts["age_limit"] == 65
    assert by_id["一.4"].facts["age_limit_high_end"] == 70
    assert by_id["一.1"].nationality == "chinese" and by_id["一.4"].nationality == "foreign"
    assert all(by_id[f"二.{i}"].lists == ["urgent"] for i in range(1, 7))


def test_notice_metadata(ds):
    n = ds.notice
    assert n.document_number == "京人社事业发〔2023〕24号"
    assert n.date == "2023-08-28"
    assert n.replaces["document_number"] == "京人社事业发〔2022〕19号"
    assert n.verification_platform["url"] == "http://easybeijing.fesco.com.cn"
    assert n.code_check["url"] == "http://rsj.beijing.gov.cn"
    assert [i["zh"] for i in n.issuers] == ["北京市人力资源和社会保障局", "北京市人才工作局"]
