"""Load one catalog version from the data files into the database.

Idempotent: loading the same data again changes nothing. Loading changed data for an existing
version replaces that version's rows; loading a new version adds it beside the old ones and
(by default) makes it current, so "as of version 3.0" stays answerable.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog import config
from catalog.db import create_schema, get_engine, session_scope
from catalog.models import Alias, CatalogVersion, Clause, MatchingData, Qualification, UnlistedCredential
from catalog.schema import Dataset, load_dataset
from catalog.text import normalize


@dataclass(frozen=True)
class LoadResult:
    version: str
    status: str  # loaded | unchanged | replaced
    qualifications: int
    clauses: int
    aliases: int
    current: bool


def dataset_hash(dataset: Dataset) -> str:
    payload = json.dumps(dataset.dict(), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def load(data_dir: Optional[Path] = None, url: Optional[str] = None, make_current: bool = True) -> LoadResult:
    """Validate the data files in `data_dir` and load them as one catalog version."""
    dataset = load_dataset(Path(data_dir or config.data_dir()))
    digest = dataset_hash(dataset)
    version = dataset.notice.version
    create_schema(get_engine(url))
    alias_count = sum(len(q.aliases) + len(q.generic_aliases) + len(q.issuer_aliases) for q in dataset.qualifications)
    with session_scope(url) as session:
        existing = session.execute(
            select(CatalogVersion).where(CatalogVersion.version == version)
        ).scalar_one_or_none()
        status = "loaded"
        if existing is not None:
            if existing.source_hash == digest:
                if make_current and not existing.is_current:
                    _make_current(session, existing)
                return LoadResult(version, "unchanged", len(dataset.qualifications), len(dataset.clauses),
                                  alias_count, existing.is_current)
            session.delete(existing)
            session.flush()
            status = "replaced"
        row = _build_version(dataset, digest)
        session.add(row)
        session.flush()
        has_current = session.execute(
            select(CatalogVersion.id).where(CatalogVersion.is_current.is_(True))
        ).first()
        if make_current or has_current is None:
            _make_current(session, row)
        return LoadResult(version, status, len(dataset.qualifications), len(dataset.clauses), alias_count,
                          bool(row.is_current))


def _make_current(session: Session, row: CatalogVersion) -> None:
    session.execute(update(CatalogVersion).values(is_current=False))
    row.is_current = True


def _build_version(dataset: Dataset, digest: str) -> CatalogVersion:
    notice = dataset.notice
    row = CatalogVersion(
        version=notice.version,
        document_number=notice.document_number,
        date=notice.date,
        is_current=False,
        source_hash=digest,
        loaded_at=datetime.utcnow(),
        notice=json.loads(notice.json()),
        sections=[s.dict() for s in dataset.sections],
        fields=dict(dataset.fields),
        countries=dict(dataset.countries),
    )
    for q in dataset.qualifications:
        data = q.dict(exclude={"id", "aliases", "generic_aliases", "issuer_aliases", "conditions"})
        qual = Qualification(qid=q.id, conditions=[c.dict() for c in q.conditions], **data)
        seen = set()
        kinds = [(a, "specific", None) for a in q.aliases] + [(g.alias, "generic", g.why) for g in q.generic_aliases] \
            + [(a, "issuer", None) for a in q.issuer_aliases]
        for text, kind, why in kinds:
            key = normalize(text)
            if key and key not in seen:
                seen.add(key)
                qual.aliases.append(Alias(text=text, normalized=key, kind=kind, why=why))
        row.qualifications.append(qual)
    for position, c in enumerate(dataset.clauses):
        data = c.dict(exclude={"id"})
        row.clauses.append(Clause(cid=c.id, position=position, **data))
    for u in dataset.unlisted:
        row.unlisted.append(UnlistedCredential(**u.dict()))
    row.matching = MatchingData(families=json.loads(dataset.families.json()), places=json.loads(dataset.places.json()))
    return row
