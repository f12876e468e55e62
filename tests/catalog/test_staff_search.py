"""Staff search (CLI `search`, console search box): every row an issuer, field, country or keyword names,
in both scripts, while the applicant-facing verdict stays strict."""
from __future__ import annotations

import pytest

from catalog import queries, staff_search


@pytest.fixture(autouse=True)
def _db(catalog_db):
    yield


def ids(found):
    return [r.qualification.id for r in found.rows]


@pytest.mark.parametrize("text, expected", [
    ("国际篮球联合会", {"R082", "R083"}),
    ("國際籃球聯合會", {"R082", "R083"}),      # traditional script
    ("Microsoft", {"R004", "R034"}),
    ("Siemens", {"R038"}),
    ("ISACA", {"R003"}),
])
def test_an_issuer_lists_its_rows(text, expected):
    found = staff_search.search(text)
    assert expected <= set(ids(found)), (text, ids(found))
    assert found.status != "listed"  # a bare issuer is no proof of one credential


def test_a_field_lists_every_row_of_the_field_first():
    found = staff_search.search("金融")
    finance = {q.id for q in queries.all_qualifications() if "金融" in q.field_keys}
    got = ids(found)
    assert finance <= set(got) and set(got[: len(finance)]) == finance
    assert all(r.reason == "field" for r in found.rows[: len(finance)])


def test_a_country_lists_its_rows():
    found = staff_search.search("加拿大")
    canada = {q.id for q in queries.all_qualifications() if "加拿大" in q.country_keys}
    assert canada and canada <= set(ids(found))


def test_an_id_opens_the_row():
    found = staff_search.search("r7")
    assert found.source == "id" and ids(found) == ["R007"]


def test_a_near_miss_is_never_shown_as_listed():
    found = staff_search.search("公共营养师")
    assert found.status == "unlisted"
    assert all(r.reason == "nearest" for r in found.rows)
    found = staff_search.search("营养师")
    assert found.status == "confirm" and ids(found)[0] == "R109"


def test_empty_and_junk():
    assert staff_search.search("   ").status == "empty"
    assert staff_search.search("'; DROP TABLE x; --").rows == []


def test_an_attribute_query_lists_every_matching_row():
    found = staff_search.search("哪些体育类证书要求两年工作经验")
    sports = {q.id for q in queries.all_qualifications() if "体育" in q.field_keys and q.experience_years == 2
              and q.experience_unit == "year"}
    assert found.status == "query" and set(ids(found)) == sports
