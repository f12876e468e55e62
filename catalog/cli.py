"""The staff command line: `python -m catalog <command>`. Output a hotline agent can read aloud. Search, show
and list use the staff console's lookups (catalog/console.py: find, qualification, qualifications).

    load                    build/refresh the database from catalog/data (idempotent)
    check                   validate the data files
    search "TEXT"           what the matcher finds in TEXT
    show ID                 every fact of one qualification, with the clauses
    list [--list urgent|regular] [--field 金融] [--country 英国] [--issuer ISACA]
    stats                   counts by list, field and country
    benefits ID [--nationality chinese|foreign] [--age N] [--high-end]
    clauses [ID]            the notice's clauses, full text
    notice                  the notice's metadata
    versions                the catalog versions loaded
    diff OLD NEW [--json] [--impact [--days N]]
                            what NEW changes from OLD; each a loaded version (3.0) or a data directory
                            in catalog/data's layout (a draft may hold only the files it changes)
    interactive             type a question, get the approved answer (Ctrl-D to leave)
Options for all: --lang zh|en, --as-of VERSION.
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from catalog import answers, benefits, console, loader, queries
from catalog.matching import get_matcher
from catalog.schema import load_dataset


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except queries.CatalogNotLoaded as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except queries.UnknownVersion as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("zh", "en"), default="zh", help="answer language (default zh)")
    common.add_argument("--as-of", dest="as_of", default=None, help="catalog version, e.g. 3.0 (default: current)")
    p = argparse.ArgumentParser(prog="python -m catalog", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command")

    s = sub.add_parser("load", parents=[common], help="load catalog/data into the database")
    s.add_argument("--data", default=None, help="data directory (default catalog/data)")
    s.add_argument("--not-current", action="store_true", help="load without making it the current version")
    s.set_defaults(func=_load)

    s = sub.add_parser("check", parents=[common], help="validate the data files")
    s.add_argument("--data", default=None)
    s.set_defaults(func=_check)

    s = sub.add_parser("search", parents=[common], help="find qualifications in free text")
    s.add_argument("text", nargs="+")
    s.set_defaults(func=_search)

    s = sub.add_parser("show", parents=[common], help="one qualification, every fact")
    s.add_argument("id")
    s.set_defaults(func=_show)

    s = sub.add_parser("list", parents=[common], help="list qualifications by list/field/country/issuer")
    s.add_argument("--list", dest="list_name", choices=("urgent", "regular"))
    s.add_argument("--field")
    s.add_argument("--country")
    s.add_argument("--issuer")
    s.set_defaults(func=_list)

    s = sub.add_parser("stats", parents=[common], help="counts")
    s.set_defaults(func=_stats)

    s = sub.add_parser("benefits", parents=[common], help="benefits for a holder, with clauses")
    s.add_argument("id")
    s.add_argument("--nationality", choices=("chinese", "foreign", "unknown"), default="unknown")
    s.add_argument("--age", type=int)
    s.add_argument("--high-end", dest="high_end", action="store_true", default=None,
                   help="employer is in a 高精尖 (high-end) industry")
    s.set_defaults(func=_benefits)

    s = sub.add_parser("clauses", parents=[common], help="the notice's clauses")
    s.add_argument("id", nargs="?")
    s.set_defaults(func=_clauses)

    s = sub.add_parser("notice", parents=[common], help="the notice's metadata")
    s.set_defaults(func=_notice)

    s = sub.add_parser("versions", parents=[common], help="catalog versions loaded")
    s.set_defaults(func=_versions)

    s = sub.add_parser("diff", parents=[common], help="compare two catalog versions",
                       description=DIFF_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("old", help="a loaded version (python -m catalog versions), e.g. 3.0, or a data directory")
    s.add_argument("new", help="a data directory in catalog/data's layout, or a loaded version")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    s.add_argument("--impact", action="store_true",
                   help="also the approved answers and the recent questions of the unanswered log the change touches")
    s.add_argument("--days", type=int, default=90, help="how far back --impact reads the log (default 90)")
    s.set_defaults(func=_diff)

    s = sub.add_parser("interactive", parents=[common], help="type questions, read answers")
    s.set_defaults(func=_interactive)
    return p


def _print(answer: answers.Answer) -> None:
    print(answer.text)
    for i, (title, _payload) in enumerate(answer.buttons, 1):
        print(f"  {i}. {title}")
    if answer.source:
        print(answer.source)


def _load(args: argparse.Namespace) -> int:
    r = loader.load(args.data, make_current=not args.not_current)
    print(f"catalog {r.version}: {r.status}; {r.qualifications} qualifications, {r.aliases} aliases, "
          f"{r.clauses} clauses{' (current)' if r.current else ''}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pydantic import ValidationError

    from catalog import config

    try:
        ds = load_dataset(Path(args.data or config.data_dir()))
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"ok: {len(ds.qualifications)} qualifications, {len(ds.clauses)} clauses, {len(ds.unlisted)} unlisted")
    return 0


def _search(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    found = console.find(text, args.as_of)
    zh = args.lang == "zh"
    v = found.verdict
    print(f"[{found.status}]" + (f" evidence={v.evidence}" if v is not None and v.evidence else "")
          + (f" ({v.why})" if v is not None and v.why else ""))
    label = STAFF_REASONS_ZH if zh else STAFF_REASONS_EN
    for r in found.rows:
        q = r.qualification
        score = f"  score={r.score:.0f}" if r.score is not None else ""
        print(f"  {q.id}  {q.name.zh} / {q.name.en}  [{label.get(r.reason, r.reason)}"
              f"{': ' + r.matched if r.matched and r.reason in ('field', 'country') else ''}]{score}")
    if found.rows:
        print(("共 " if zh else "rows: ") + str(len(found.rows)))
    if v is not None:
        _print(answers.recognition(v, args.lang, args.as_of))
    return 0


STAFF_REASONS_ZH = {"query": "符合条件", "id": "编号", "verdict": "识别结果", "nearest": "最接近的目录内证书", "alias": "别名", "issuer": "颁发机构",
                    "name": "名称", "field": "领域", "country": "国家(地区)", "keyword": "备注关键词"}
STAFF_REASONS_EN = {"query": "matches", "id": "id", "verdict": "verdict", "nearest": "nearest listed", "alias": "alias", "issuer": "issuer",
                    "name": "name", "field": "field", "country": "country/region", "keyword": "remark keyword"}


def _show(args: argparse.Namespace) -> int:
    try:
        q = console.qualification(args.id, args.as_of)
    except console.NotFound:
        print(f"no qualification {args.id!r}; try: python -m catalog search \"{args.id}\"", file=sys.stderr)
        return 1
    zh = args.lang == "zh"
    _print(answers.qualification_answer(q, args.lang))
    print(("颁发机构：" if zh else "Issuer: ") + f"{q.issuer.zh} / {q.issuer.en}")
    countries = ", ".join(f"{c.zh} / {c.en}" for c in q.countries)
    print(("国家(地区)：" if zh else "Country/region: ") + countries
          + (("（原表此栏为空或错位，据颁发机构补全）" if zh else " (empty or shifted in the source; filled from the issuer)")
             if q.country_filled else ""))
    print(("备注：" if zh else "Remark: ") + q.remark.text(args.lang))
    if q.aliases:
        print(("别名（足以认定）：" if zh else "Aliases (specific): ") + ", ".join(q.aliases))
    for alias, why in q.generic_aliases:
        print(("通用名称（需确认）：" if zh else "Generic name (asks to confirm): ") + f"{alias} — {why}")
    if q.issuer_aliases:
        print(("颁发机构名称（需确认）：" if zh else "Issuer names (ask to confirm): ") + ", ".join(q.issuer_aliases))
    for note in q.notes:
        print(("校订：" if zh else "Correction: ") + note)
    return 0


def _list(args: argparse.Namespace) -> int:
    quals = console.qualifications(args.list_name, args.field, args.country, args.issuer, args.as_of)
    for q in quals:
        print(f"{q.id}  {q.name.text(args.lang)}  ({answers.where(q, args.lang)}; "
              f"{', '.join(f.text(args.lang) for f in q.fields)})")
    print(f"{len(quals)} " + ("项" if args.lang == "zh" else "qualifications"))
    return 0


def _stats(args: argparse.Namespace) -> int:
    s = queries.stats(args.as_of)
    _print(answers.stats(args.lang, args.as_of))
    snap = queries.snapshot(args.as_of)
    print("by field:" if args.lang == "en" else "按领域：")
    for k, v in s.by_field.items():
        print(f"  {k if args.lang == 'zh' else snap.fields.get(k, k)}: {v}")
    print("by country/region:" if args.lang == "en" else "按国家(地区)：")
    for k, v in s.by_country.items():
        print(f"  {k if args.lang == 'zh' else snap.countries.get(k, k)}: {v}")
    return 0


def _benefits(args: argparse.Namespace) -> int:
    try:
        b = benefits.benefits_for(args.id, args.nationality, args.age, args.high_end, args.as_of)
    except KeyError:
        print(f"no qualification {args.id!r}", file=sys.stderr)
        return 1
    _print(answers.benefits(b, args.lang))
    if args.nationality == "foreign" and args.age is not None:
        _print(answers.work_permit(args.age, args.high_end, args.lang, args.as_of, b.qualification))
    return 0


def _clauses(args: argparse.Namespace) -> int:
    items = queries.clauses(None, args.as_of)
    if args.id:
        items = [c for c in items if c.id == args.id]
        if not items:
            print(f"no clause {args.id!r}", file=sys.stderr)
            return 1
    for c in items:
        print(f"[{c.id}] {c.cite.text(args.lang)} {c.title.text(args.lang)}")
        print(f"  {c.text.zh}")
        print(f"  {c.text.en}")
    return 0


def _notice(args: argparse.Namespace) -> int:
    _print(answers.notice_info(args.lang, args.as_of))
    return 0


def _versions(args: argparse.Namespace) -> int:
    for v, current, doc in queries.versions():
        print(f"{v}  {doc}{'  (current)' if current else ''}")
    return 0


DIFF_HELP = """Compare two catalog versions: the notice, rows added, removed, renumbered and changed field by field,
clauses, section headings, unlisted credentials, vocabularies and the matcher's data.

OLD and NEW are each
  - a version loaded in the database (python -m catalog versions), e.g. 3.0; or
  - a data directory in catalog/data's layout: notice.yaml, clauses.yaml, qualifications/*.yaml, unlisted.yaml,
    fields.yaml, countries.yaml, families.yaml, places.yaml. A draft may hold only the files it changes: a file
    it lacks (and each qualifications/*.yaml it lacks) is read from catalog/data; one of the same name replaces
    it. A draft that does not validate is compared all the same; what is left to fix is listed.
Rows are paired by name, issuer and region, not by id (a removed row renumbers those after it).

Exit status: 0 the versions are the same, 1 they differ, 2 bad arguments, 3 a version not found.
Example: python -m catalog diff 3.0 tests/data/catalog-3.1 --impact   (a made-up 3.1, see its README.md)
More: docs/catalog-versions.md"""


def _diff(args: argparse.Namespace) -> int:
    import json

    from catalog.versioning import VersionNotFound, diff, render
    from catalog.versioning.impact import impact as impact_of

    try:
        d = diff(args.old, args.new)
    except VersionNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    found = impact_of(d, args.days) if args.impact else None
    if args.json:
        out = d.to_dict()
        if found is not None:
            out["impact"] = found.to_dict()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(render.render(d, args.lang, found))
    return 1 if d.changed else 0


def _interactive(args: argparse.Namespace) -> int:
    matcher = get_matcher(args.as_of)
    prompt = "问题> " if args.lang == "zh" else "question> "
    while True:
        try:
            line = input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.strip():
            _print(answers.recognition(matcher.match(line), args.lang, args.as_of))
