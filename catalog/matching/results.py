"""What the matcher returns: the verdict and the evidence behind it (plain frozen values)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

STATUSES = ("listed", "confirm", "ambiguous", "unlisted", "none")


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float  # 100 for an exact alias, the rapidfuzz ratio for a fuzzy one
    span: Tuple[int, int]  # in the original text
    matched: str  # the text at that span
    alias: str  # the alias it matched


@dataclass(frozen=True)
class UnlistedHit:
    name_zh: str
    name_en: str
    nearest: Tuple[str, ...]
    reason_zh: str
    reason_en: str
    span: Tuple[int, int]
    matched: str
    kind: str = "known"  # known (unlisted.yaml) | below_level | below_grade | not_yet | other_jurisdiction |
    #                      other_issuer | other_credential | domestic


@dataclass(frozen=True)
class MatchResult:
    """The verdict on one text.

    status:
    - "listed":    specific evidence of one row (candidates[0]);
    - "confirm":   only generic evidence (an occupation word, a bare issuer, a designation several bodies
                   use) of one row: ask whether it is that row's credential, never say yes (candidates[0]);
    - "ambiguous": the evidence fits several rows: ask which (candidates);
    - "unlisted":  a credential or level that is NOT in the catalog (unlisted), with the nearest rows;
    - "none":      no credential found.
    evidence: specific | generic | issuer | place (an answer naming a place among offered options) | ""
    why: for "confirm" and a generic "ambiguous", who else uses the word (from the data), for staff.
    """

    status: str
    candidates: Tuple[Candidate, ...] = ()
    unlisted: Optional[UnlistedHit] = None
    others: Tuple[Candidate, ...] = ()  # further, different qualifications mentioned in the same text
    evidence: str = ""
    why: str = ""

    @property
    def ids(self) -> List[str]:
        return [c.id for c in self.candidates]

    @property
    def best(self) -> Optional[str]:
        return self.candidates[0].id if self.status == "listed" else None
