"""Catalog versions for the policy owner: what a new version changes, and what that change touches.

    sources.py  a version by name: loaded in the database, or a data directory (a draft may hold only the
                files it changes); both read into the same plain form
    compare.py  the differences: notice, rows (added / removed / renumbered / changed field by field),
                clauses, sections, unlisted credentials, vocabularies, the matcher's data
    render.py   the differences as text a terminal shows, zh or en (catalog/data/version_diff.yaml)
    impact.py   which approved answers (口径) and which recent questions of the unanswered log a change touches

`python -m catalog diff 3.0 DIR [--json] [--impact]` (catalog/cli.py) is the command; the console can call
`diff()` and `impact()` directly.
"""
from catalog.versioning.compare import FieldChange, RowChange, RowRef, VersionDiff, compare, diff
from catalog.versioning import render
from catalog.versioning.sources import VersionData, VersionNotFound, resolve

__all__ = ["FieldChange", "RowChange", "RowRef", "VersionData", "VersionDiff", "VersionNotFound", "compare", "diff",
           "render", "resolve"]
