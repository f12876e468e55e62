"""The matcher: find mentions (catalog.matching.index), then decide (catalog.matching.verdict).

    text -> MatchResult(status, candidates, unlisted, evidence, why)

One matcher per catalog version, built once from the snapshot and cached.
"""
from __future__ import annotations

import threading
from typing import Dict, Iterable, List, Optional, Tuple

from catalog.matching.build import MatcherData, data_from_snapshot
from catalog.matching.index import Index
from catalog.matching.results import MatchResult
from catalog.matching.verdict import Verdict


class Matcher:
    def __init__(self, data: MatcherData):
        self.data = data
        self.index = Index(data)
        self.verdict = Verdict(data, frozenset(self.index.known_keys), frozenset(self.index.listed_keys))

    def match(self, text: str, restrict_to: Optional[Iterable[str]] = None) -> MatchResult:
        """The verdict on `text`.

        `restrict_to`: the candidates of an earlier question ("which one?"); a reply such as "纽约州的"
        or "the Texas one" then picks among them, and a place they don't cover is "not listed".
        """
        found = self.index.find(text)
        if found is None:
            return MatchResult("none")
        return self.verdict.decide(found, frozenset(restrict_to) if restrict_to else None)

    def mention_spans(self, text: str) -> List[Tuple[int, int, str]]:
        return self.index.mention_spans(text)

    def name(self, qid: str) -> Tuple[str, str]:
        return self.verdict.name(qid)


_matchers: Dict[Tuple[str, str], Matcher] = {}
_build_lock = threading.Lock()


def get_matcher(version: Optional[str] = None, url: Optional[str] = None) -> Matcher:
    """The matcher for a catalog version (default: current), built once and cached."""
    from catalog import queries

    snap = queries.snapshot(version, url)
    key = (snap.version, snap.source_hash)
    with _build_lock:
        m = _matchers.get(key)
        if m is None:
            m = Matcher(data_from_snapshot(snap))
            _matchers[key] = m
        return m


def match(text: str, restrict_to: Optional[Iterable[str]] = None, version: Optional[str] = None) -> MatchResult:
    return get_matcher(version).match(text, restrict_to)
