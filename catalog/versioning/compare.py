"""Two catalog versions compared: the notice, rows added / removed / renumbered / changed field by field,
clauses and sections, unlisted credentials, the field and country vocabularies, the matcher's data.

Rows are paired by what they are, not by their id: an id is the row's place in its list (R046 = list (二),
row 46), so removing R010 renumbers every row after it, and pairing by id would call them all changed. A
row pairs with the row of the other version that has
  1. the same id and the same Chinese name, issuer and region; else
  2. the same Chinese name, issuer and region under another id (renumbered, or moved to the other list); else
  3. the same id and a name, an issuer or a specific alias in common (renamed or re-issued in place); else
  4. a specific alias in common, one row on each side.
What pairs with nothing was removed or added. A pair whose only difference is its place (`row`, and so its
id) is "renumbered", listed apart, so the real changes stand out.

Values are compared as data (catalog/versioning/sources.py gives both sides the same form): a text or number
as old -> new, a list of words as items added and removed, a list of mappings by their `id` / `name` /
`alias` when they have one, a mapping key by key (`facts.age_limit`).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from catalog.text import normalize
from catalog.versioning.sources import VersionData

_MISSING = None
_LIST_KEYS = ("id", "name", "alias", "name_en")


@dataclass(frozen=True)
class FieldChange:
    """One difference: `old` -> `new`, or, for a list, the items `added` and `removed`."""

    field: str  # "remark_en", "facts.age_limit", "families[FIBA].ids"
    old: Any = None
    new: Any = None
    added: Tuple[Any, ...] = ()
    removed: Tuple[Any, ...] = ()

    @property
    def is_list(self) -> bool:
        return bool(self.added or self.removed)

    def to_dict(self) -> Dict[str, Any]:
        if self.is_list:
            return {"field": self.field, "added": list(self.added), "removed": list(self.removed)}
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class RowRef:
    id: str
    list: str
    row: int
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class RowChange:
    old_id: str
    new_id: str
    name_zh: str  # the new version's
    name_en: str
    fields: Tuple[FieldChange, ...]

    @property
    def ids(self) -> Tuple[str, ...]:
        return tuple(dict.fromkeys((self.old_id, self.new_id)))


@dataclass(frozen=True)
class ItemRef:
    """A clause, section or unlisted credential: its key and what to call it."""

    id: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class ItemChange:
    id: str
    label_zh: str
    label_en: str
    fields: Tuple[FieldChange, ...]


@dataclass
class ItemChanges:
    added: List[ItemRef] = field(default_factory=list)
    removed: List[ItemRef] = field(default_factory=list)
    changed: List[ItemChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class RowChanges:
    added: List[RowRef] = field(default_factory=list)
    removed: List[RowRef] = field(default_factory=list)
    changed: List[RowChange] = field(default_factory=list)
    renumbered: List[RowChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.renumbered)


@dataclass(frozen=True)
class Side:
    version: str
    kind: str  # database | directory
    source: str
    document_number: str
    date: str
    inherited: Tuple[str, ...]  # files a draft took from catalog/data
    problems: Tuple[str, ...]  # why it does not validate


@dataclass
class VersionDiff:
    old: Side
    new: Side
    notice: List[FieldChange]
    rows: RowChanges
    clauses: ItemChanges
    sections: ItemChanges
    unlisted: ItemChanges
    vocabularies: List[FieldChange]  # fields.X, countries.X
    matching: List[FieldChange]  # families.…, places.…
    # the compared data itself, for catalog/versioning/impact.py (not part of to_dict)
    old_data: Optional[VersionData] = field(default=None, repr=False, compare=False)
    new_data: Optional[VersionData] = field(default=None, repr=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.notice or self.rows or self.clauses or self.sections or self.unlisted
                    or self.vocabularies or self.matching)

    def summary(self) -> Dict[str, int]:
        return {
            "notice_fields": len(self.notice),
            "rows_added": len(self.rows.added), "rows_removed": len(self.rows.removed),
            "rows_changed": len(self.rows.changed), "rows_renumbered": len(self.rows.renumbered),
            "clauses_added": len(self.clauses.added), "clauses_removed": len(self.clauses.removed),
            "clauses_changed": len(self.clauses.changed),
            "sections_changed": len(self.sections.added) + len(self.sections.removed) + len(self.sections.changed),
            "unlisted_added": len(self.unlisted.added), "unlisted_removed": len(self.unlisted.removed),
            "unlisted_changed": len(self.unlisted.changed),
            "vocabulary_entries": len(self.vocabularies), "matching_fields": len(self.matching),
        }

    def to_dict(self) -> Dict[str, Any]:
        def rows(items: Iterable[Any]) -> List[Dict[str, Any]]:
            return [_plain(x) for x in items]

        return {
            "old": asdict(self.old), "new": asdict(self.new), "changed": self.changed, "summary": self.summary(),
            "notice": [f.to_dict() for f in self.notice],
            "rows": {"added": rows(self.rows.added), "removed": rows(self.rows.removed),
                     "changed": rows(self.rows.changed), "renumbered": rows(self.rows.renumbered)},
            "clauses": _items(self.clauses), "sections": _items(self.sections), "unlisted": _items(self.unlisted),
            "vocabularies": [f.to_dict() for f in self.vocabularies],
            "matching": [f.to_dict() for f in self.matching],
        }


def _plain(x: Any) -> Dict[str, Any]:
    d = asdict(x)
    if "fields" in d:
        d["fields"] = [f.to_dict() for f in x.fields]
    return d


def _items(c: ItemChanges) -> Dict[str, Any]:
    return {"added": [asdict(x) for x in c.added], "removed": [asdict(x) for x in c.removed],
            "changed": [_plain(x) for x in c.changed]}


# --- values ----------------------------------------------------------------------------------------


def changes(old: Any, new: Any, path: str = "") -> List[FieldChange]:
    """The differences between two values, as FieldChanges named from `path`."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: List[FieldChange] = []
        for key in list(old) + [k for k in new if k not in old]:
            out += changes(old.get(key, _MISSING), new.get(key, _MISSING), f"{path}.{key}" if path else str(key))
        return out
    if isinstance(old, list) and isinstance(new, list):
        return _list_changes(old, new, path)
    return [FieldChange(path, old=old, new=new)]


def _list_changes(old: List[Any], new: List[Any], path: str) -> List[FieldChange]:
    items = old + new
    key = next((k for k in _LIST_KEYS if items and all(isinstance(i, dict) and k in i for i in items)), None)
    if key is not None:
        before = {str(i[key]): i for i in old}
        after = {str(i[key]): i for i in new}
        if len(before) == len(old) and len(after) == len(new):  # keys are unique: compare item by item
            out: List[FieldChange] = []
            added = tuple(k for k in after if k not in before)
            removed = tuple(k for k in before if k not in after)
            if added or removed:
                out.append(FieldChange(path, added=added, removed=removed))
            for k in before:
                if k in after:
                    out += changes(before[k], after[k], f"{path}[{k}]")
            return out
    shown_old = [_shown(i) for i in old]
    shown_new = [_shown(i) for i in new]
    added = tuple(i for i in shown_new if i not in shown_old)
    removed = tuple(i for i in shown_old if i not in shown_new)
    if not added and not removed:  # the same items in another order (or repeated)
        return [FieldChange(path, old=old, new=new)]
    return [FieldChange(path, added=added, removed=removed)]


def _shown(item: Any) -> Any:
    if isinstance(item, dict):
        return "; ".join(f"{k}={v}" for k, v in item.items())
    if isinstance(item, list):
        return json.dumps(item, ensure_ascii=False)
    return item


# --- rows ----------------------------------------------------------------------------------------


def _identity(r: Dict[str, Any]) -> Tuple[str, str, str]:
    return (normalize(str(r.get("name_zh") or "")), normalize(str(r.get("issuer_zh") or "")),
            normalize(str(r.get("region_zh") or "")))


def _words(r: Dict[str, Any]) -> Set[str]:
    words = {normalize(str(a)) for a in r.get("aliases") or []}
    words |= {normalize(str(r.get(k) or "")) for k in ("name_zh", "name_en")}
    return {w for w in words if w}


def pair_rows(old: Dict[str, Dict[str, Any]], new: Dict[str, Dict[str, Any]]) -> List[Tuple[str, str]]:
    """(old id, new id) of the rows that are the same row in both versions (see the module docstring)."""
    pairs: List[Tuple[str, str]] = []
    left, right = dict(old), dict(new)

    def take(a: str, b: str) -> None:
        pairs.append((a, b))
        left.pop(a)
        right.pop(b)

    for qid in list(left):
        if qid in right and _identity(left[qid]) == _identity(right[qid]):
            take(qid, qid)
    by_identity: Dict[Tuple[str, str, str], List[str]] = {}
    for qid, r in right.items():
        by_identity.setdefault(_identity(r), []).append(qid)
    olds_by_identity: Dict[Tuple[str, str, str], List[str]] = {}
    for qid, r in left.items():
        olds_by_identity.setdefault(_identity(r), []).append(qid)
    for ident, olds in olds_by_identity.items():
        news = by_identity.get(ident, [])
        if len(olds) == 1 and len(news) == 1:
            take(olds[0], news[0])
    for qid in list(left):
        if qid in right:
            a, b = left[qid], right[qid]
            same_issuer = bool(a.get("issuer_zh")) and normalize(str(a.get("issuer_zh"))) == normalize(
                str(b.get("issuer_zh") or ""))
            if same_issuer or _words(a) & _words(b):
                take(qid, qid)
    for qid in list(left):
        shared = [b for b in right if _words(left[qid]) & _words(right[b])]
        if len(shared) == 1 and sum(1 for a in left if _words(left[a]) & _words(right[shared[0]])) == 1:
            take(qid, shared[0])
    return pairs


def _ref(qid: str, r: Dict[str, Any]) -> RowRef:
    return RowRef(qid, str(r.get("list")), int(r.get("row") or 0), str(r.get("name_zh")), str(r.get("name_en")))


def compare_rows(old: Dict[str, Dict[str, Any]], new: Dict[str, Dict[str, Any]]) -> RowChanges:
    out = RowChanges()
    pairs = pair_rows(old, new)
    paired_old = {a for a, _ in pairs}
    paired_new = {b for _, b in pairs}
    out.removed = [_ref(q, old[q]) for q in old if q not in paired_old]
    out.added = [_ref(q, new[q]) for q in new if q not in paired_new]
    for a, b in sorted(pairs, key=lambda p: _id_order(p[1])):
        fields = tuple(changes(old[a], new[b]))
        if not fields and a == b:
            continue
        change = RowChange(a, b, str(new[b].get("name_zh")), str(new[b].get("name_en")), fields)
        if all(f.field == "row" for f in fields):
            out.renumbered.append(change)
        else:
            out.changed.append(change)
    return out


def _id_order(qid: str) -> Tuple[int, int]:
    return (0 if qid.startswith("U") else 1, int("".join(ch for ch in qid if ch.isdigit()) or 0))


# --- the rest --------------------------------------------------------------------------------------


def compare_items(old: Dict[str, Dict[str, Any]], new: Dict[str, Dict[str, Any]], label: Any) -> ItemChanges:
    out = ItemChanges()
    for key, item in old.items():
        if key not in new:
            out.removed.append(ItemRef(key, *label(key, item)))
    for key, item in new.items():
        if key not in old:
            out.added.append(ItemRef(key, *label(key, item)))
        else:
            fields = changes(old[key], item)
            if fields:
                zh, en = label(key, item)
                out.changed.append(ItemChange(key, zh, en, tuple(fields)))
    return out


def _clause_label(key: str, c: Dict[str, Any]) -> Tuple[str, str]:
    return (f"{c.get('cite_zh', '')} {c.get('title_zh', '')}".strip(),
            f"{c.get('cite_en', '')} {c.get('title_en', '')}".strip())


def _unlisted_label(key: str, u: Dict[str, Any]) -> Tuple[str, str]:
    return str(u.get("name_zh") or key), str(u.get("name_en") or key)


def _side(v: VersionData) -> Side:
    return Side(v.version, v.kind, v.source, v.document_number, str(v.notice.get("date", "")), tuple(v.inherited),
                tuple(v.problems))


def compare(old: VersionData, new: VersionData) -> VersionDiff:
    """Everything that differs from `old` to `new`."""
    vocab = changes(old.fields, new.fields, "fields") + changes(old.countries, new.countries, "countries")
    return VersionDiff(
        old=_side(old), new=_side(new),
        notice=changes(old.notice, new.notice),
        rows=compare_rows(old.rows, new.rows),
        clauses=compare_items(old.clauses, new.clauses, _clause_label),
        sections=compare_items(old.sections, new.sections, _clause_label),
        unlisted=compare_items(old.unlisted, new.unlisted, _unlisted_label),
        vocabularies=vocab,
        matching=changes(old.matching, new.matching),
        old_data=old, new_data=new,
    )


def diff(old: str, new: str, url: Optional[str] = None) -> VersionDiff:
    """`python -m catalog diff OLD NEW`: each a loaded version or a data directory (sources.resolve)."""
    from catalog.versioning.sources import resolve

    return compare(resolve(old, url), resolve(new, url))


def row_ids(d: VersionDiff) -> Dict[str, Sequence[str]]:
    """The rows a diff touches, by what happened to them (old ids for removed, new ids for added)."""
    return {"added": [r.id for r in d.rows.added], "removed": [r.id for r in d.rows.removed],
            "changed": [c.old_id for c in d.rows.changed], "renumbered": [c.old_id for c in d.rows.renumbered]}
