"""Read-only queries over the catalog database, returning plain frozen dataclasses (no ORM objects).

A catalog version is read once into a `Snapshot` and cached; "current" is re-checked at most
every few seconds, so a newly loaded version takes over without a restart.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.db import session_scope
from catalog.models import CatalogVersion, Clause, Qualification
from catalog.text import normalize

CURRENT_RECHECK_SECONDS = 5.0


class CatalogNotLoaded(RuntimeError):
    """No catalog version in the database (run `python -m catalog load`)."""


class UnknownVersion(LookupError):
    pass


@dataclass(frozen=True)
class Named:
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Condition:
    kind: str
    zh: str
    en: str


@dataclass(frozen=True)
class QualificationInfo:
    id: str
    version: str
    list: str  # urgent | regular
    row: int
    name: Named
    issuer: Named
    countries: Tuple[Named, ...]
    country_filled: bool
    region: Optional[Named]
    fields: Tuple[Named, ...]
    remark: Named
    experience_years: Optional[int]
    experience_unit: str
    title_level: Optional[str]
    registration: Optional[Named]
    conditions: Tuple[Condition, ...]
    aliases: Tuple[str, ...]  # specific: enough for "listed"
    notes: Tuple[str, ...]
    generic_aliases: Tuple[Tuple[str, str], ...] = ()  # (alias, why): asks a confirming question
    issuer_aliases: Tuple[str, ...] = ()  # the issuing body's names

    @property
    def all_aliases(self) -> Tuple[str, ...]:
        return self.aliases + tuple(a for a, _ in self.generic_aliases) + self.issuer_aliases

    @property
    def field_keys(self) -> Tuple[str, ...]:
        return tuple(f.zh for f in self.fields)

    @property
    def country_keys(self) -> Tuple[str, ...]:
        return tuple(c.zh for c in self.countries)


@dataclass(frozen=True)
class ClauseInfo:
    id: str
    section: str
    item: Optional[int]
    cite: Named
    topic: str
    lists: Tuple[str, ...]
    nationality: str
    fields: Tuple[str, ...]
    title: Named
    summary: Named
    text: Named
    facts: Dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class SectionInfo:
    id: str
    cite: Named
    title: Named
    intro: Optional[Named]


@dataclass(frozen=True)
class UnlistedInfo:
    name: Named
    aliases: Tuple[str, ...]
    nearest: Tuple[str, ...]
    reason: Named


@dataclass(frozen=True)
class Stats:
    version: str
    total: int
    urgent: int
    regular: int
    by_field: Dict[str, int] = field(hash=False, compare=False)
    by_country: Dict[str, int] = field(hash=False, compare=False)


@dataclass
class Snapshot:
    """One catalog version in memory."""

    version: str
    source_hash: str
    is_current: bool
    notice: Dict[str, Any]
    sections: Dict[str, SectionInfo]
    fields: Dict[str, str]
    countries: Dict[str, str]
    qualifications: Dict[str, QualificationInfo]
    clauses: Dict[str, ClauseInfo]
    unlisted: Tuple[UnlistedInfo, ...]
    families: Dict[str, Any] = field(default_factory=dict)  # families.yaml of this version
    places: Dict[str, Any] = field(default_factory=dict)  # places.yaml of this version


_cache: Dict[Tuple[str, str], Snapshot] = {}
_current: Dict[str, Tuple[float, str]] = {}
_lock = threading.Lock()


def _url_key(url: Optional[str]) -> str:
    from catalog import config

    return url or config.database_url()


def snapshot(version: Optional[str] = None, url: Optional[str] = None) -> Snapshot:
    """The catalog `version` (default: the current one) as an in-memory snapshot."""
    key_url = _url_key(url)
    if version is None:
        version = _current_version(key_url)
    with _lock:
        snap = _cache.get((key_url, version))
    if snap is not None:
        return snap
    snap = _read_snapshot(key_url, version)
    with _lock:
        _cache[(key_url, version)] = snap
    return snap


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _current.clear()


def _current_version(url: str) -> str:
    now = time.monotonic()
    with _lock:
        cached = _current.get(url)
    if cached and now - cached[0] < CURRENT_RECHECK_SECONDS:
        return cached[1]
    try:
        with session_scope(url) as s:
            row = s.execute(
                select(CatalogVersion.version, CatalogVersion.source_hash).where(CatalogVersion.is_current.is_(True))
            ).first()
    except Exception as exc:  # the table does not exist yet
        raise CatalogNotLoaded("the catalog database is empty: run `python -m catalog load`") from exc
    if row is None:
        raise CatalogNotLoaded("the catalog database is empty: run `python -m catalog load`")
    version, digest = row
    with _lock:
        old = _cache.get((url, version))
        if old is not None and old.source_hash != digest:  # the version was reloaded with new data
            del _cache[(url, version)]
        _current[url] = (now, version)
    return str(version)


def versions(url: Optional[str] = None) -> List[Tuple[str, bool, str]]:
    """(version, is_current, document number) of every loaded version, oldest first."""
    with session_scope(_url_key(url)) as s:
        rows = s.execute(
            select(CatalogVersion.version, CatalogVersion.is_current, CatalogVersion.document_number).order_by(
                CatalogVersion.id
            )
        ).all()
    return [(v, bool(c), d) for v, c, d in rows]


def _read_snapshot(url: str, version: str) -> Snapshot:
    with session_scope(url) as s:
        cv = s.execute(select(CatalogVersion).where(CatalogVersion.version == version)).scalar_one_or_none()
        if cv is None:
            raise UnknownVersion(f"catalog version {version!r} is not loaded")
        fields_map: Dict[str, str] = dict(cv.fields)
        countries_map: Dict[str, str] = dict(cv.countries)
        quals = s.execute(
            select(Qualification)
            .where(Qualification.version_id == cv.id)
            .options(selectinload(Qualification.aliases))
            .order_by(Qualification.list.desc(), Qualification.row)
        ).scalars()
        qualifications = {q.qid: _qualification(q, version, fields_map, countries_map) for q in quals}
        clause_rows = s.execute(select(Clause).where(Clause.version_id == cv.id).order_by(Clause.position)).scalars()
        clauses = {c.cid: _clause(c) for c in clause_rows}
        sections = {
            sec["id"]: SectionInfo(
                id=sec["id"],
                cite=Named(sec["cite_zh"], sec["cite_en"]),
                title=Named(sec["title_zh"], sec["title_en"]),
                intro=Named(sec["intro_zh"], sec["intro_en"]) if sec.get("intro_zh") else None,
            )
            for sec in cv.sections
        }
        unlisted = tuple(
            UnlistedInfo(
                name=Named(u.name_zh, u.name_en),
                aliases=tuple(u.aliases),
                nearest=tuple(u.nearest),
                reason=Named(u.reason_zh, u.reason_en),
            )
            for u in cv.unlisted
        )
        return Snapshot(
            version=cv.version,
            source_hash=cv.source_hash,
            is_current=bool(cv.is_current),
            notice=dict(cv.notice),
            sections=sections,
            fields=fields_map,
            countries=countries_map,
            qualifications=qualifications,
            clauses=clauses,
            unlisted=unlisted,
            families=dict(cv.matching.families) if cv.matching is not None else {},
            places=dict(cv.matching.places) if cv.matching is not None else {},
        )


def _qualification(q: Qualification, version: str, fields_map: Dict[str, str],
                   countries_map: Dict[str, str]) -> QualificationInfo:
    return QualificationInfo(
        id=q.qid,
        version=version,
        list=q.list,
        row=q.row,
        name=Named(q.name_zh, q.name_en),
        issuer=Named(q.issuer_zh, q.issuer_en),
        countries=tuple(Named(c, countries_map.get(c, c)) for c in q.countries),
        country_filled=bool(q.country_filled),
        region=Named(q.region_zh, q.region_en or q.region_zh) if q.region_zh else None,
        fields=tuple(Named(f, fields_map.get(f, f)) for f in q.fields),
        remark=Named(q.remark_zh, q.remark_en),
        experience_years=q.experience_years,
        experience_unit=q.experience_unit or "year",
        title_level=q.title_level,
        registration=Named(q.registration_zh, q.registration_en or q.registration_zh) if q.registration_zh else None,
        conditions=tuple(Condition(c["kind"], c["zh"], c["en"]) for c in q.conditions),
        aliases=tuple(a.text for a in q.aliases if (a.kind or "specific") == "specific"),
        notes=tuple(q.notes),
        generic_aliases=tuple((a.text, a.why or "") for a in q.aliases if a.kind == "generic"),
        issuer_aliases=tuple(a.text for a in q.aliases if a.kind == "issuer"),
    )


def _clause(c: Clause) -> ClauseInfo:
    return ClauseInfo(
        id=c.cid,
        section=c.section,
        item=c.item,
        cite=Named(c.cite_zh, c.cite_en),
        topic=c.topic,
        lists=tuple(c.lists),
        nationality=c.nationality,
        fields=tuple(c.fields),
        title=Named(c.title_zh, c.title_en),
        summary=Named(c.summary_zh, c.summary_en),
        text=Named(c.text_zh, c.text_en),
        facts=dict(c.facts),
    )


# --- queries ------------------------------------------------------------------------------------


def get(qid: str, version: Optional[str] = None, url: Optional[str] = None) -> Optional[QualificationInfo]:
    """One qualification by id (case-insensitive: 'r007' works), or None."""
    return snapshot(version, url).qualifications.get((qid or "").strip().upper())


def all_qualifications(version: Optional[str] = None, url: Optional[str] = None) -> List[QualificationInfo]:
    return list(snapshot(version, url).qualifications.values())


def list_qualifications(
    list_name: Optional[str] = None,
    field: Optional[str] = None,
    country: Optional[str] = None,
    issuer: Optional[str] = None,
    version: Optional[str] = None,
    url: Optional[str] = None,
) -> List[QualificationInfo]:
    """Filter by list (urgent/regular), field and country (zh key or en name, case-insensitive)
    and issuer (a substring of its zh or en name)."""
    snap = snapshot(version, url)
    field_key = vocab_key(field, snap.fields) if field else None
    country_key = vocab_key(country, snap.countries) if country else None
    if field and field_key is None or country and country_key is None:
        return []
    issuer_norm = normalize(issuer) if issuer else None
    out = []
    for q in snap.qualifications.values():
        if list_name and q.list != list_name:
            continue
        if field_key and field_key not in q.field_keys:
            continue
        if country_key and country_key not in q.country_keys:
            continue
        if issuer_norm and issuer_norm not in normalize(q.issuer.zh + " " + q.issuer.en):
            continue
        out.append(q)
    return out


def vocab_key(value: str, vocab: Dict[str, str], exact: bool = False) -> Optional[str]:
    """The zh key of a field/country given as the zh key, the en name, or a unique part of either
    (normalised). `exact`: only the zh key itself or the en name in any case (the console's filters,
    whose values come from its own facets), nothing else."""
    if exact:
        return next((zh for zh, en in vocab.items() if value == zh or value.lower() == en.lower()), None)
    v = normalize(value)
    for zh, en in vocab.items():
        if v in (normalize(zh), normalize(en)):
            return zh
    partial = [zh for zh, en in vocab.items() if v and (v in normalize(zh) or v in normalize(en))]
    return partial[0] if len(partial) == 1 else None


def stats(version: Optional[str] = None, url: Optional[str] = None) -> Stats:
    snap = snapshot(version, url)
    quals = snap.qualifications.values()
    by_field: Counter[str] = Counter(f for q in quals for f in q.field_keys)
    by_country: Counter[str] = Counter(c for q in quals for c in q.country_keys)
    return Stats(
        version=snap.version,
        total=len(snap.qualifications),
        urgent=sum(1 for q in quals if q.list == "urgent"),
        regular=sum(1 for q in quals if q.list == "regular"),
        by_field=dict(by_field.most_common()),
        by_country=dict(by_country.most_common()),
    )


def clause(cid: str, version: Optional[str] = None, url: Optional[str] = None) -> ClauseInfo:
    return snapshot(version, url).clauses[cid]


def clauses(topic: Optional[str] = None, version: Optional[str] = None, url: Optional[str] = None) -> List[ClauseInfo]:
    return [c for c in snapshot(version, url).clauses.values() if topic is None or c.topic == topic]


def sections(version: Optional[str] = None, url: Optional[str] = None) -> Dict[str, SectionInfo]:
    return snapshot(version, url).sections


def verification_steps(version: Optional[str] = None, url: Optional[str] = None) -> List[ClauseInfo]:
    """Annex 2's four steps, in order."""
    return [c for c in clauses("verification", version, url) if c.section != "四"]


def notice(version: Optional[str] = None, url: Optional[str] = None) -> Dict[str, Any]:
    return dict(snapshot(version, url).notice)


def unlisted(version: Optional[str] = None, url: Optional[str] = None) -> Sequence[UnlistedInfo]:
    return snapshot(version, url).unlisted
