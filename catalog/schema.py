"""Validation of the data files in catalog/data (pydantic): what a row, a clause and the notice must hold.

`python -m catalog check` runs `load_dataset()` and reports every problem with its file and row.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from pydantic import BaseModel, Field, root_validator, validator

QUALIFICATION_ID = re.compile(r"^(U\d{2}|R\d{3})$")
CONDITION_KINDS = {"level_limit", "exemption", "universal_studios", "scope", "native_language"}
CLAUSE_TOPICS = {"benefit", "practice", "verification", "adjustment"}
NATIONALITIES = {"any", "chinese", "foreign"}
LISTS = ("urgent", "regular")
REASON_KINDS = {"below_level", "other_jurisdiction", "other_issuer", "other_credential", "below_grade", "domestic",
                "not_yet", "comparison"}


class Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class Condition(Strict):
    kind: str
    zh: str
    en: str

    @validator("kind")
    def _kind(cls, v: str) -> str:
        if v not in CONDITION_KINDS:
            raise ValueError(f"kind must be one of {sorted(CONDITION_KINDS)}")
        return v


class GenericAlias(Strict):
    """An alias that is not enough for "listed" on its own: an occupation word, a designation several
    bodies use, a generic credential name. `why` says who else uses it (for staff and reviewers)."""

    alias: str = Field(..., min_length=1)
    why: str = Field(..., min_length=1)


class QualificationRow(Strict):
    id: str
    list: str
    row: int = Field(..., ge=1)
    name_zh: str = Field(..., min_length=1)
    name_en: str = Field(..., min_length=1)
    issuer_zh: str = ""
    issuer_en: str = ""
    countries: List[str] = Field(..., min_items=1)
    country_filled: bool = False
    region_zh: Optional[str] = None
    region_en: Optional[str] = None
    fields: List[str] = Field(..., min_items=1)
    remark_zh: str = Field(..., min_length=1)
    remark_en: str = Field(..., min_length=1)
    experience_years: Optional[int] = None
    experience_unit: Optional[str] = "year"
    title_level: Optional[str] = None
    registration_zh: Optional[str] = None
    registration_en: Optional[str] = None
    conditions: List[Condition] = []
    aliases: List[str] = []  # specific: on its own it means this row (or a few listed rows that share it)
    generic_aliases: List[GenericAlias] = []  # needs a confirming question naming this row's issuer
    issuer_aliases: List[str] = []  # names the issuing body only
    notes: List[str] = []

    @validator("id")
    def _id(cls, v: str) -> str:
        if not QUALIFICATION_ID.match(v):
            raise ValueError("id must be U01..U07 or R001..R115 style")
        return v

    @validator("list")
    def _list(cls, v: str) -> str:
        if v not in LISTS:
            raise ValueError("list must be urgent or regular")
        return v

    @validator("experience_unit")
    def _unit(cls, v: Optional[str]) -> str:
        v = v or "year"
        if v not in ("year", "school_year"):
            raise ValueError("experience_unit must be year or school_year")
        return v

    @validator("title_level")
    def _title(cls, v: Optional[str]) -> Optional[str]:
        if v not in (None, "中级", "副高级"):
            raise ValueError("title_level must be 中级, 副高级 or null")
        return v

    @validator("aliases", "issuer_aliases", each_item=True)
    def _alias(cls, v: str) -> str:
        if not str(v).strip():
            raise ValueError("empty alias")
        return str(v).strip()

    @root_validator(skip_on_failure=True)
    def _one_kind_per_alias(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        from catalog.text import normalize

        seen: Dict[str, str] = {}
        kinds = (("specific", values["aliases"]), ("generic", [g.alias for g in values["generic_aliases"]]),
                 ("issuer", values["issuer_aliases"]))
        for kind, aliases in kinds:
            for a in aliases:
                key = normalize(a)
                if key in seen and seen[key] != kind:
                    raise ValueError(f"alias {a!r} is both {seen[key]} and {kind}")
                seen[key] = kind
        return values

    @root_validator(skip_on_failure=True)
    def _id_matches_row(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        expected = f"U{values['row']:02d}" if values["list"] == "urgent" else f"R{values['row']:03d}"
        if values["id"] != expected:
            raise ValueError(f"id {values['id']} does not match list/row (expected {expected})")
        return values


class UnlistedRow(Strict):
    name_en: str
    name_zh: str
    aliases: List[str] = Field(..., min_items=1)
    nearest: List[str] = []
    reason_zh: str
    reason_en: str


class Family(Strict):
    """A generic name shared by several rows: alone it asks which; narrowed by a place or issuer it may be one."""

    name: str
    ids: List[str] = Field(..., min_items=1)
    aliases: List[str] = Field(..., min_items=1)


class Families(Strict):
    """families.yaml: what the matcher knows beyond single rows (see the file's comments)."""

    families: List[Family]
    distinguishers: Dict[str, List[str]] = {}
    domestic: List[str] = []
    reasons: Dict[str, Dict[str, str]]
    case_sensitive: List[str] = []
    issuer_aliases: List[str] = []
    grade_words: List[str] = []
    not_yet_words: List[str] = []
    comparison_before: List[str] = []
    comparison_after: List[str] = []
    jurisdictional_fields: List[str] = []
    not_credentials: List[str] = []

    @validator("reasons")
    def _reasons(cls, v: Dict[str, Dict[str, str]]) -> Dict[str, Dict[str, str]]:
        missing = REASON_KINDS - set(v)
        if missing:
            raise ValueError(f"reasons lack {sorted(missing)}")
        for kind, texts in v.items():
            if set(texts) != {"zh", "en"}:
                raise ValueError(f"reason {kind} needs zh and en")
        return v


class Places(Strict):
    """places.yaml: everyday place words (see the file's comments)."""

    regions: Dict[str, List[str]] = {}
    countries: Dict[str, List[str]] = {}
    other_jurisdictions: Dict[str, Optional[str]] = {}  # word -> country key (null: a country no row is from)


class Section(Strict):
    id: str
    cite_zh: str
    cite_en: str
    title_zh: str
    title_en: str
    intro_zh: Optional[str] = None
    intro_en: Optional[str] = None


class ClauseRow(Strict):
    id: str
    section: str
    item: Optional[int] = None
    cite_zh: str
    cite_en: str
    topic: str
    lists: List[str]
    nationality: str = "any"
    fields: List[str] = []
    professions_zh: List[str] = []
    professions_en: List[str] = []
    title_zh: str
    title_en: str
    summary_zh: str = Field(..., min_length=1)  # one line, for lists of benefits; text_* is the full clause
    summary_en: str = Field(..., min_length=1)
    text_zh: str = Field(..., min_length=1)
    text_en: str = Field(..., min_length=1)
    facts: Dict[str, Any] = {}

    @validator("topic")
    def _topic(cls, v: str) -> str:
        if v not in CLAUSE_TOPICS:
            raise ValueError(f"topic must be one of {sorted(CLAUSE_TOPICS)}")
        return v

    @validator("nationality")
    def _nationality(cls, v: str) -> str:
        if v not in NATIONALITIES:
            raise ValueError(f"nationality must be one of {sorted(NATIONALITIES)}")
        return v

    @validator("lists", each_item=True)
    def _lists(cls, v: str) -> str:
        if v not in LISTS:
            raise ValueError("lists may hold urgent and regular")
        return v


class Notice(BaseModel):
    """The notice's metadata; free-form beyond the keys the code relies on."""

    title_zh: str
    title_en: str
    catalog_title_zh: str
    catalog_title_en: str
    version: str
    document_number: str
    date: str
    issuers: List[Dict[str, str]]
    replaces: Dict[str, Any]
    counts: Dict[str, int]
    lists: Dict[str, Dict[str, str]]
    verification_platform: Dict[str, str]
    code_check: Dict[str, str]

    class Config:
        extra = "allow"


class Dataset(BaseModel):
    """One catalog version, validated as a whole."""

    notice: Notice
    sections: List[Section]
    clauses: List[ClauseRow]
    qualifications: List[QualificationRow]
    unlisted: List[UnlistedRow]
    fields: Dict[str, str]
    countries: Dict[str, str]
    families: Families
    places: Places

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        problems: List[str] = []
        quals: List[QualificationRow] = values["qualifications"]
        ids = [q.id for q in quals]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"duplicate ids: {dupes}")
        counts = values["notice"].counts
        for lst in LISTS:
            n = sum(1 for q in quals if q.list == lst)
            if n != counts.get(lst):
                problems.append(f"{lst} list has {n} rows, the notice says {counts.get(lst)}")
            rows = sorted(q.row for q in quals if q.list == lst)
            if rows != list(range(1, len(rows) + 1)):
                problems.append(f"{lst} rows are not 1..{len(rows)} without gaps")
        if len(quals) != counts.get("total"):
            problems.append(f"{len(quals)} rows, the notice says {counts.get('total')}")
        for q in quals:
            for f in q.fields:
                if f not in values["fields"]:
                    problems.append(f"{q.id}: field {f!r} not in fields.yaml")
            for c in q.countries:
                if c not in values["countries"]:
                    problems.append(f"{q.id}: country {c!r} not in countries.yaml")
        known = set(ids)
        for u in values["unlisted"]:
            for n in u.nearest:
                if n not in known:
                    problems.append(f"unlisted {u.name_en!r}: nearest {n} is not a catalog id")
        fam: Families = values["families"]
        for family in fam.families:
            for rid in family.ids:
                if rid not in known:
                    problems.append(f"family {family.name!r}: {rid} is not a catalog id")
        for word, ids_ in fam.distinguishers.items():
            for rid in ids_:
                if rid not in known:
                    problems.append(f"distinguisher {word!r}: {rid} is not a catalog id")
        for jf in fam.jurisdictional_fields:
            if jf not in values["fields"]:
                problems.append(f"jurisdictional field {jf!r} not in fields.yaml")
        places: Places = values["places"]
        regions = {q.region_en for q in quals if q.region_en}
        for r in places.regions:
            if r not in regions:
                problems.append(f"places.yaml region {r!r} is no row's region_en")
        for c in places.countries:
            if c not in values["countries"]:
                problems.append(f"places.yaml country {c!r} not in countries.yaml")
        region_words = {w for q in quals for w in (q.region_zh, q.region_en) if w}
        region_words |= {w for ws in places.regions.values() for w in ws}
        for word, other in places.other_jurisdictions.items():
            if other is not None and other not in values["countries"]:
                problems.append(f"places.yaml other jurisdiction {word!r}: country {other!r} not in countries.yaml")
            if word in region_words:
                problems.append(f"places.yaml: {word!r} is both a listed region and another jurisdiction")
        section_ids = {s.id for s in values["sections"]}
        for c in values["clauses"]:
            if c.section not in section_ids:
                problems.append(f"clause {c.id}: unknown section {c.section}")
        if problems:
            raise ValueError("; ".join(problems))
        return values


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def read_dataset(data_dir: Path) -> Dict[str, Any]:
    """Read the raw YAML of one catalog version (no validation)."""
    quals: List[Dict[str, Any]] = []
    for path in sorted((data_dir / "qualifications").glob("*.yaml")):
        quals.extend(_read_yaml(path) or [])
    clauses = _read_yaml(data_dir / "clauses.yaml")
    return {
        "notice": _read_yaml(data_dir / "notice.yaml"),
        "sections": clauses["sections"],
        "clauses": clauses["clauses"],
        "qualifications": sorted(quals, key=lambda q: (q.get("list") != "urgent", q.get("row", 0))),
        "unlisted": _read_yaml(data_dir / "unlisted.yaml") or [],
        "fields": _read_yaml(data_dir / "fields.yaml"),
        "countries": _read_yaml(data_dir / "countries.yaml"),
        "families": _read_yaml(data_dir / "families.yaml"),
        "places": _read_yaml(data_dir / "places.yaml"),
    }


def load_dataset(data_dir: Path) -> Dataset:
    """Read and validate one catalog version; raises pydantic.ValidationError with every problem."""
    return Dataset(**read_dataset(data_dir))
