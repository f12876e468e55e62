"""Finding catalog qualifications in free text, and deciding whether they are listed.

    index.py    find: exact alias hits, typos, place / grade / mainland words (no decisions)
    verdict.py  decide: listed / confirm / ambiguous / unlisted / none, with the reason
    levels.py   level limits ("二级及以上") and the levels a message names
    build.py    MatcherData from one catalog version (aliases by kind, families, places)
    matcher.py  Matcher (index + verdict), one per version, cached
    results.py  MatchResult, Candidate, UnlistedHit
"""
from catalog.matching.build import MatcherData, data_from_snapshot
from catalog.matching.levels import Level, parse_level
from catalog.matching.matcher import Matcher, get_matcher, match, named_credential
from catalog.matching.results import STATUSES, Candidate, MatchResult, UnlistedHit
from catalog.matching.verdict import id_order

__all__ = ["Candidate", "Level", "MatchResult", "Matcher", "MatcherData", "STATUSES", "UnlistedHit",
           "data_from_snapshot", "get_matcher", "id_order", "match", "named_credential", "parse_level"]
