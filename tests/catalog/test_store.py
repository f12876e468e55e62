"""Loading is idempotent, versions live side by side, and the same code runs on PostgreSQL."""
from __future__ import annotations

import shutil

import pytest
import yaml

from catalog import config, loader, queries


def _future_version(tmp_path):
    """A copy of the data as a hypothetical 4.0 that drops R115 and renumbers nothing else."""
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    notice = yaml.safe_load((data / "notice.yaml").read_text(encoding="utf-8"))
    notice.update(version="4.0", document_number="京人社事业发〔2099〕1号", date="2099-01-01")
    notice["counts"] = {"total": 121, "urgent": 7, "regular": 114}
    (data / "notice.yaml").write_text(yaml.safe_dump(notice, allow_unicode=True), encoding="utf-8")
    path = data / "qualifications" / "regular-058-115.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump([r for r in rows if r["id"] != "R115"], allow_unicode=True), encoding="utf-8")
    unlisted = yaml.safe_load((data / "unlisted.yaml").read_text(encoding="utf-8"))
    for u in unlisted:
        u["nearest"] = [n for n in u["nearest"] if n != "R115"]
    (data / "unlisted.yaml").write_text(yaml.safe_dump(unlisted, allow_unicode=True), encoding="utf-8")
    families = yaml.safe_load((data / "families.yaml").read_text(encoding="utf-8"))  # versioned with the rows
    families["families"] = [dict(f, ids=[i for i in f["ids"] if i != "R115"]) for f in families["families"]]
    families["families"] = [f for f in families["families"] if f["ids"]]
    (data / "families.yaml").write_text(yaml.safe_dump(families, allow_unicode=True), encoding="utf-8")
    return data


def test_load_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    first = loader.load(url=url)
    second = loader.load(url=url)
    assert first.status == "loaded" and second.status == "unchanged"
    assert first.qualifications == second.qualifications == 122
    assert queries.versions(url) == [("3.0", True, "京人社事业发〔2023〕24号")]


def test_a_new_version_becomes_current_and_the_old_stays_queryable(tmp_path):
    url = f"sqlite:///{tmp_path / 'v.sqlite3'}"
    loader.load(url=url)
    result = loader.load(_future_version(tmp_path), url=url)
    assert result.version == "4.0" and result.current
    queries.clear_cache()
    assert queries.stats(url=url).total == 121
    assert queries.get("R115", url=url) is None
    assert queries.get("R115", version="3.0", url=url) is not None  # "as of version 3.0"
    assert queries.stats(version="3.0", url=url).total == 122
    # the matching data is versioned too: 4.0's families no longer name R115, 3.0's still do
    fam_ids = lambda v: {i for f in queries.snapshot(v, url).families["families"] for i in f["ids"]}  # noqa: E731
    assert "R115" not in fam_ids("4.0") and "R115" in fam_ids("3.0")
    assert [v for v, _c, _d in queries.versions(url)] == ["3.0", "4.0"]
    with pytest.raises(queries.UnknownVersion):
        queries.stats(version="9.9", url=url)


def test_reloading_changed_data_replaces_that_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    loader.load(url=url)
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    path = data / "qualifications" / "urgent.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows[0]["aliases"].append("一个新别名")
    path.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    assert loader.load(data, url=url).status == "replaced"
    queries.clear_cache()
    assert "一个新别名" in queries.get("U01", url=url).aliases


def test_empty_database_says_how_to_fix_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    queries.clear_cache()
    with pytest.raises(queries.CatalogNotLoaded, match="python -m catalog load"):
        queries.stats(url=url)


def _postgres_url():
    import psycopg2

    url = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=2).close()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {exc}")
    return url


def test_postgresql_load_and_query():
    """Runs where the machine's PostgreSQL is up (it is on these machines; CI says so when it isn't)."""
    from sqlalchemy import create_engine, text

    url = _postgres_url()
    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS qualibot_test CASCADE"))
        conn.execute(text("CREATE SCHEMA qualibot_test"))
    engine.dispose()
    schema_url = url + "?options=-csearch_path%3Dqualibot_test"
    try:
        first = loader.load(url=schema_url)
        assert loader.load(url=schema_url).status == "unchanged"
        assert first.qualifications == 122
        queries.clear_cache()
        s = queries.stats(url=schema_url)
        assert (s.total, s.urgent, s.regular) == (122, 7, 115)
        assert queries.get("R007", url=schema_url).name.zh.startswith("CFA")
        assert len(queries.list_qualifications(field="云计算", url=schema_url)) == 5
    finally:
        from catalog import db

        db.dispose_all()
        engine = create_engine(url, future=True)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS qualibot_test CASCADE"))
        engine.dispose()
