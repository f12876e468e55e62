"""A VersionDiff (and its impact) as text for a terminal, in zh or en; the wording is
catalog/data/version_diff.yaml. Names are shown in both languages whatever the language of the labels.

A long text that changed is shown as the part that differs, with a little context either side
("…目录(3.0 版)》…" -> "…目录(3.1 版)》…"); `--json` has the full values.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional, Tuple

import yaml

from catalog import config
from catalog.versioning.compare import FieldChange, ItemChanges, RowRef, VersionDiff

CONTEXT = 16  # characters shown either side of a change in a long text
SHORT = 60  # a value up to this long is shown whole on one line


@functools.lru_cache(maxsize=1)
def _wording() -> Dict[str, Any]:
    with (config.DATA_DIR / "version_diff.yaml").open(encoding="utf-8") as fh:
        data: Dict[str, Any] = yaml.safe_load(fh)
        return data


def wording() -> Dict[str, Any]:
    """Every label of version_diff.yaml, zh and en (the console's catalog-version view shows the same)."""
    return _wording()


def w(path: str, lang: str, **values: Any) -> str:
    node: Any = _wording()
    for part in path.split("."):
        node = node[part]
    text = node[lang] if isinstance(node, dict) else node
    return str(text.format(**values) if values else text)


def _label(path: str, lang: str) -> str:
    head = path.split(".")[0].split("[")[0]
    fields = _wording()["fields"]
    if head not in fields:
        return path
    name = fields[head][lang]
    return f"{name}（{path}）" if lang == "zh" else f"{name} ({path})"


def _value(v: Any, lang: str) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(_value(x, lang) for x in v) or w("empty", lang)
    if isinstance(v, dict):
        return "; ".join(f"{k}={_value(x, lang)}" for k, x in v.items())
    return str(v)


def excerpt(old: str, new: str, context: int = CONTEXT) -> Tuple[str, str]:
    """The parts of two texts that differ, each with `context` characters of what they share around it."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    a, b = max(0, start - context), end - context if end > context else 0

    def cut(text: str) -> str:
        stop = len(text) - max(0, end - context)
        return ("…" if a else "") + text[a:stop] + ("…" if b else "")

    return cut(old), cut(new)


def field_lines(f: FieldChange, lang: str, indent: str = "      ") -> List[str]:
    label = _label(f.field, lang)
    sep = "：" if lang == "zh" else ": "
    if f.is_list:
        parts = []
        if f.added:
            parts.append(f"+ {', '.join(_value(x, lang) for x in f.added)}")
        if f.removed:
            parts.append(f"- {', '.join(_value(x, lang) for x in f.removed)}")
        return [f"{indent}{label}{sep}{'  '.join(parts)}"]
    old, new = _value(f.old, lang), _value(f.new, lang)
    if isinstance(f.old, list) and isinstance(f.new, list):
        return [f"{indent}{label}{sep}{w('order', lang)}: {old} → {new}"]
    if len(old) <= SHORT and len(new) <= SHORT and "\n" not in old + new:
        return [f"{indent}{label}{sep}{old} → {new}"]
    if isinstance(f.old, str) and isinstance(f.new, str):
        old, new = excerpt(f.old, f.new)
    return [f"{indent}{label}{sep.rstrip()}", f"{indent}  - {old}", f"{indent}  + {new}"]


def _row(r: RowRef, lang: str) -> str:
    where = w("list_row", lang, list=w(f"lists.{r.list}", lang) if r.list in ("urgent", "regular") else r.list,
              row=r.row)
    return f"{r.id}  {r.name_zh} / {r.name_en}  [{where}]"


def _items(title: str, items: ItemChanges, lang: str) -> List[str]:
    if not items:
        return []
    out = [title]
    out += [f"  + {i.id}  {i.label_zh} / {i.label_en}" for i in items.added]
    out += [f"  - {i.id}  {i.label_zh} / {i.label_en}" for i in items.removed]
    for c in items.changed:
        out.append(f"  ~ {c.id}  {c.label_zh} / {c.label_en}")
        for f in c.fields:
            out += field_lines(f, lang)
    return out


def _side(d: VersionDiff, which: str, lang: str) -> str:
    s = getattr(d, which)
    return w("side", lang, version=s.version, source=w(f"source.{s.kind}", lang, where=s.source))


def render(d: VersionDiff, lang: str = "zh", impact: Optional[Any] = None) -> str:
    """The whole diff as lines of text (and the impact, when given: catalog/versioning/impact.Impact)."""
    lang = lang if lang in ("zh", "en") else "zh"
    out = [w("title", lang, old=_side(d, "old", lang), new=_side(d, "new", lang))]
    if d.new.inherited:
        out.append("  " + w("inherited", lang, n=len(d.new.inherited), files=", ".join(d.new.inherited)))
    if not d.changed:
        out.append(w("no_change", lang))
    else:
        out.append(w("summary", lang, **d.summary()))
    if d.notice:
        out.append(w("headings.notice", lang))
        for f in d.notice:
            out += field_lines(f, lang, "  ")
    if d.rows.added:
        out.append(w("headings.rows_added", lang))
        out += [f"  + {_row(r, lang)}" for r in d.rows.added]
    if d.rows.removed:
        out.append(w("headings.rows_removed", lang))
        out += [f"  - {_row(r, lang)}" for r in d.rows.removed]
    if d.rows.changed:
        out.append(w("headings.rows_changed", lang))
        for c in d.rows.changed:
            ids = c.old_id if c.old_id == c.new_id else w("renumbered", lang, old=c.old_id, new=c.new_id)
            out.append(f"  ~ {ids}  {c.name_zh} / {c.name_en}")
            for f in c.fields:
                out += field_lines(f, lang)
    if d.rows.renumbered:
        out.append(w("headings.rows_renumbered", lang))
        out.append("  " + ", ".join(w("renumbered", lang, old=c.old_id, new=c.new_id) for c in d.rows.renumbered))
    out += _items(w("headings.clauses", lang), d.clauses, lang)
    out += _items(w("headings.sections", lang), d.sections, lang)
    out += _items(w("headings.unlisted", lang), d.unlisted, lang)
    for title, fields in (("vocabularies", d.vocabularies), ("matching", d.matching)):
        if fields:
            out.append(w(f"headings.{title}", lang))
            for f in fields:
                out += field_lines(f, lang, "  ")
    for title, problems in (("problems", d.new.problems), ("old_problems", d.old.problems)):
        if problems:
            out.append(w(f"headings.{title}", lang))
            out += [f"  ! {p}" for p in problems]
    if impact is not None:
        out += impact_lines(impact, lang)
    return "\n".join(out)


def impact_lines(impact: Any, lang: str) -> List[str]:
    out = [w("headings.answers", lang)]
    if not impact.answers:
        out.append("  " + w("no_answers", lang))
    for a in impact.answers:
        name = w(f"answers.{a.answer}", lang) if a.answer in _wording()["answers"] else a.answer
        rows = w("answer_general", lang) if not a.rows else (
            ", ".join(a.rows) if len(a.rows) <= 8 else w("answer_rows", lang, n=len(a.rows)))
        because = ", ".join(a.because[:6]) + ("…" if len(a.because) > 6 else "")
        out.append(f"  [{w(f'answer_change.{a.change}', lang)}] {name} ({a.answer}): {rows} — "
                   f"{w('because', lang)} {because}")
    out.append(w("headings.questions", lang, days=impact.days))
    if not impact.questions:
        out.append("  " + w("no_questions", lang))
    for q in impact.questions:
        text = q.text if len(q.text) <= 80 else q.text[:79] + "…"
        out.append("  " + w("question", lang, time=q.created_at.strftime("%Y-%m-%d %H:%M"), kind=q.kind, text=text))
        out.append(f"      {', '.join(q.because)}")
    if impact.notes:
        out.append(w("headings.notes", lang))
        out += [f"  {n}" for n in impact.notes]
    return out
