"""Where a catalog version comes from, read into one comparable form (`VersionData`).

A version is named on the command line (`python -m catalog diff OLD NEW`) in one of two ways:

- **a version loaded in the database** (`python -m catalog versions` lists them): `3.0`;
- **a data directory** in catalog/data's layout: `notice.yaml`, `clauses.yaml`, `qualifications/*.yaml`,
  `unlisted.yaml`, `fields.yaml`, `countries.yaml`, `families.yaml`, `places.yaml` (catalog/data/README.md says
  what each holds). A *draft* may hold only the files it changes: a file it lacks is read from catalog/data
  (`CATALOG_DATA_DIR`), and so is each `qualifications/*.yaml` it lacks; one of the same name replaces
  catalog/data's. `load` and `check` want the complete directory: copy catalog/data, edit the copy.

A name that is not a directory is looked up among the loaded versions, then compared with catalog/data's own
version (a version not loaded yet is read from its files). Both sides become plain dicts with the same keys
whether they come from the database or from YAML (aliases de-duplicated as `catalog.loader` does), so the
same data gives no difference either way.

A draft is compared even when it does not validate: its problems (`catalog.schema.Dataset`'s checks, e.g. a
removed row still named in families.yaml) are listed with the differences, since they are what a policy owner
has to fix next. `repaired()` drops references to rows the draft no longer has and recounts the notice, so
that a matcher can be built from an unfinished draft (catalog/versioning/impact.py).
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from catalog import config
from catalog.db import session_scope
from catalog.models import Alias, CatalogVersion, Clause, Qualification
from catalog.schema import (ClauseRow, Dataset, Families, Notice, Places, QualificationRow, Section, UnlistedRow,
                            read_dataset)
from catalog.text import normalize

# the files of one version (catalog/schema.read_dataset reads these and qualifications/*.yaml)
DATA_FILES = ("notice.yaml", "clauses.yaml", "unlisted.yaml", "fields.yaml", "countries.yaml", "families.yaml",
              "places.yaml")
ROW_FIELDS = tuple(f for f in QualificationRow.__fields__ if f != "id")
CLAUSE_FIELDS = tuple(f for f in ClauseRow.__fields__ if f != "id")
UNLISTED_FIELDS = tuple(UnlistedRow.__fields__)


class VersionNotFound(LookupError):
    """The name is neither a data directory nor a loaded version nor catalog/data's version."""


@dataclass
class VersionData:
    """One catalog version as plain values, keyed for comparison."""

    version: str
    kind: str  # database | directory
    source: str  # what to print: the database URL or the directory
    notice: Dict[str, Any]
    sections: Dict[str, Dict[str, Any]]
    clauses: Dict[str, Dict[str, Any]]  # id -> CLAUSE_FIELDS
    rows: Dict[str, Dict[str, Any]]  # id -> ROW_FIELDS
    unlisted: Dict[str, Dict[str, Any]]  # name_en -> UNLISTED_FIELDS
    fields: Dict[str, str]
    countries: Dict[str, str]
    matching: Dict[str, Any]  # {"families": families.yaml, "places": places.yaml}
    problems: List[str] = field(default_factory=list)  # why it does not validate (a draft)
    inherited: Tuple[str, ...] = ()  # files a draft took from catalog/data
    url: Optional[str] = None  # the database, for kind == database
    raw: Optional[Dict[str, Any]] = None  # schema.read_dataset's dict, for kind == directory

    @property
    def document_number(self) -> str:
        return str(self.notice.get("document_number", ""))


def resolve(name: str, url: Optional[str] = None) -> VersionData:
    """The version `name` names: a directory, a version loaded in the database at `url`, or catalog/data's."""
    path = Path(name).expanduser()
    if path.is_dir():
        return from_directory(path)
    loaded = loaded_versions(url)
    if name in loaded:
        return from_database(name, url)
    data_dir = Path(config.data_dir())
    try:
        own = str(read_dataset(data_dir)["notice"].get("version"))
    except (OSError, KeyError, TypeError, AttributeError):
        own = None
    if own == name:
        return from_directory(data_dir)
    where = ", ".join(loaded) or "none"
    raise VersionNotFound(f"{name!r} is neither a data directory nor a loaded catalog version (loaded: {where}; "
                          f"catalog/data is {own})")


def loaded_versions(url: Optional[str] = None) -> List[str]:
    try:
        with session_scope(url) as s:
            return [v for (v,) in s.execute(select(CatalogVersion.version).order_by(CatalogVersion.id))]
    except SQLAlchemyError:  # no database, or no catalog loaded into it yet
        return []


# --- from files ----------------------------------------------------------------------------------


def merged_raw(path: Path, base: Optional[Path] = None) -> Tuple[Dict[str, Any], Tuple[str, ...]]:
    """schema.read_dataset of `path`, a file it lacks read from `base` (catalog/data); and those files."""
    path = Path(path).resolve()
    base = Path(base or config.data_dir()).resolve()
    if path == base:
        return read_dataset(path), ()
    inherited: List[str] = []
    with tempfile.TemporaryDirectory(prefix="catalog-version-") as tmp:
        merged = Path(tmp)
        (merged / "qualifications").mkdir()
        for name in DATA_FILES:
            src = path / name
            if not src.is_file():
                src = base / name
                inherited.append(name)
            if src.is_file():
                shutil.copyfile(src, merged / name)
        own = {p.name: p for p in sorted((path / "qualifications").glob("*.yaml"))}
        for p in sorted((base / "qualifications").glob("*.yaml")):
            if p.name not in own:
                own[p.name] = p
                inherited.append(f"qualifications/{p.name}")
        for name, p in own.items():
            shutil.copyfile(p, merged / "qualifications" / name)
        return read_dataset(merged), tuple(inherited)


def from_directory(path: Path, base: Optional[Path] = None) -> VersionData:
    raw, inherited = merged_raw(path, base)
    problems = validation_problems(raw)
    notice = _model_dict(Notice, raw.get("notice") or {})
    clauses_raw = raw.get("clauses") or []
    return VersionData(
        version=str(notice.get("version", "?")),
        kind="directory",
        source=str(path),
        notice=notice,
        sections={str(s.get("id")): _model_dict(Section, s) for s in raw.get("sections") or []},
        clauses={str(c.get("id")): _without_id(_model_dict(ClauseRow, c)) for c in clauses_raw},
        rows={str(q.get("id")): row_from_file(q) for q in raw.get("qualifications") or []},
        unlisted=_keyed_unlisted(_model_dict(UnlistedRow, u) for u in raw.get("unlisted") or []),
        fields=dict(raw.get("fields") or {}),
        countries=dict(raw.get("countries") or {}),
        matching={"families": _model_dict(Families, raw.get("families") or {}),
                  "places": _model_dict(Places, raw.get("places") or {})},
        problems=problems,
        inherited=inherited,
        raw=raw,
    )


def validation_problems(raw: Dict[str, Any]) -> List[str]:
    try:
        Dataset(**raw)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"] if x != "__root__")
            for msg in str(err["msg"]).split("; "):
                out.append(f"{loc}: {msg}" if loc else msg)
        return out
    except TypeError as exc:  # a file that is not the mapping it should be
        return [str(exc)]
    return []


def _model_dict(model: Any, raw: Dict[str, Any]) -> Dict[str, Any]:
    """The validated form (defaults filled, whitespace stripped), or the raw one when it does not validate."""
    try:
        loaded: Dict[str, Any] = json.loads(model(**raw).json())
        return loaded
    except (ValidationError, TypeError):
        return dict(raw)


def _without_id(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if k != "id"}


def row_from_file(raw: Dict[str, Any]) -> Dict[str, Any]:
    """A qualification row as the loader stores it: aliases de-duplicated by their normalised form across the
    three kinds, the first text kept (catalog/loader.py)."""
    row = _without_id(_model_dict(QualificationRow, raw))
    seen: Set[str] = set()

    def keep(text: str) -> bool:
        key = normalize(text)
        if not key or key in seen:
            return False
        seen.add(key)
        return True

    row["aliases"] = [a for a in row.get("aliases") or [] if keep(str(a))]
    row["generic_aliases"] = [{"alias": g["alias"], "why": g.get("why")} for g in row.get("generic_aliases") or []
                              if isinstance(g, dict) and keep(str(g.get("alias", "")))]
    row["issuer_aliases"] = [a for a in row.get("issuer_aliases") or [] if keep(str(a))]
    return {f: row.get(f) for f in ROW_FIELDS}


def _keyed_unlisted(items: Any) -> Dict[str, Dict[str, Any]]:
    out: Dict[str, Dict[str, Any]] = {}
    for u in items:
        key = str(u.get("name_en", ""))
        n = 2
        while key in out:  # the same English name twice: keep both
            key = f"{u.get('name_en', '')} #{n}"
            n += 1
        out[key] = {f: u.get(f) for f in UNLISTED_FIELDS}
    return out


# --- from the database ---------------------------------------------------------------------------


def from_database(version: str, url: Optional[str] = None) -> VersionData:
    with session_scope(url) as s:
        cv = s.execute(select(CatalogVersion).where(CatalogVersion.version == version)).scalar_one()
        quals = s.execute(select(Qualification).where(Qualification.version_id == cv.id)
                          .options(selectinload(Qualification.aliases))
                          .order_by(Qualification.list.desc(), Qualification.row)).scalars().all()
        rows = {q.qid: _row_from_db(q) for q in quals}
        clauses = {c.cid: {f: getattr(c, f) for f in CLAUSE_FIELDS}
                   for c in s.execute(select(Clause).where(Clause.version_id == cv.id)
                                      .order_by(Clause.position)).scalars()}
        unlisted = _keyed_unlisted({f: getattr(u, f) for f in UNLISTED_FIELDS} for u in cv.unlisted)
        matching = {"families": dict(cv.matching.families) if cv.matching is not None else {},
                    "places": dict(cv.matching.places) if cv.matching is not None else {}}
        return VersionData(
            version=cv.version, kind="database", source=_shown_url(url), notice=dict(cv.notice),
            sections={str(sec["id"]): dict(sec) for sec in cv.sections}, clauses=clauses, rows=rows,
            unlisted=unlisted, fields=dict(cv.fields), countries=dict(cv.countries), matching=matching, url=url)


def _row_from_db(q: Qualification) -> Dict[str, Any]:
    aliases: List[Alias] = sorted(q.aliases, key=lambda a: a.id)
    row = {f: getattr(q, f) for f in ROW_FIELDS if f not in ("aliases", "generic_aliases", "issuer_aliases")}
    row["aliases"] = [a.text for a in aliases if (a.kind or "specific") == "specific"]
    row["generic_aliases"] = [{"alias": a.text, "why": a.why} for a in aliases if a.kind == "generic"]
    row["issuer_aliases"] = [a.text for a in aliases if a.kind == "issuer"]
    return {f: row.get(f) for f in ROW_FIELDS}


def _shown_url(url: Optional[str]) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url or config.database_url()).render_as_string(hide_password=True))


# --- a draft made loadable -----------------------------------------------------------------------


def repaired(raw: Dict[str, Any]) -> Dict[str, Any]:
    """`raw` without references to rows it does not have (families, distinguishers, unlisted `nearest`) and
    with the notice's counts recounted: enough to build a matcher from an unfinished draft. Other problems
    stay (the caller validates)."""
    import copy

    out = copy.deepcopy(raw)
    ids = {str(q.get("id")) for q in out.get("qualifications") or []}
    fam = out.get("families") or {}
    families = []
    for f in fam.get("families") or []:
        f["ids"] = [i for i in f.get("ids") or [] if i in ids]
        if f["ids"]:
            families.append(f)
    fam["families"] = families
    fam["distinguishers"] = {w: kept for w, v in (fam.get("distinguishers") or {}).items()
                             if (kept := [i for i in v if i in ids])}
    for u in out.get("unlisted") or []:
        u["nearest"] = [i for i in u.get("nearest") or [] if i in ids]
    quals = out.get("qualifications") or []
    counts = (out.get("notice") or {}).setdefault("counts", {})
    for lst in ("urgent", "regular"):
        counts[lst] = sum(1 for q in quals if q.get("list") == lst)
    counts["total"] = len(quals)
    return out


def write_directory(raw: Dict[str, Any], path: Path) -> None:
    """Write schema.read_dataset's dict back as a data directory (for catalog.loader.load)."""
    import yaml

    def dump(name: str, value: Any) -> None:
        with (path / name).open("w", encoding="utf-8") as fh:
            yaml.safe_dump(value, fh, allow_unicode=True, sort_keys=False)

    (path / "qualifications").mkdir(parents=True, exist_ok=True)
    dump("notice.yaml", raw["notice"])
    dump("clauses.yaml", {"sections": raw["sections"], "clauses": raw["clauses"]})
    dump("qualifications/all.yaml", raw["qualifications"])
    for key in ("unlisted", "fields", "countries", "families", "places"):
        dump(f"{key}.yaml", raw[key])
