"""The staff console's view of the catalog: what /web/api/search, facets, list, item and unanswered answer,
as plain JSON-ready dicts. No web framework here (bot/channels/web/ serves these; the staff surfaces' checks
are the channel's): a value the console cannot use raises BadValue (the channel's 400), an unknown row
NotFound (404).

    search(text)                      the strict verdict an applicant would get, and every row the words name
    facets()                          the lists, fields and countries with their counts
    list_rows(list, field, country)   rows by list, field and country (exact keys or English names)
    item(id)                          every fact of one row, the clauses that apply, the approved answers (口径)
    unanswered_rows(limit, ref)       fallbacks and 👎, newest first; `ref` turns a conversation id into what
    unanswered_csv(limit, ref)        staff may see (never the id itself)
    receipt(code) / receipt_view(r, ref)   "why this answer": one receipt (catalog/receipts.py), what was said and
                                      why, with the approved answer (口径) of the same question beside it
    receipts_found(words, ref)        the newest receipts whose question or answer has the words, or the strict
                                      verdict and approved answers of the words when none has

The lookups under them, also the staff CLI's (catalog/cli.py prints what they find), at any loaded version:

    find(text, as_of)                                    catalog.staff_search's rows and verdict
    qualification(id, as_of)                             one row, else NotFound
    qualifications(list, field, country, issuer, as_of)  rows by list, field, country (a zh key or an en
                                                         name, any case) and issuer; an unknown value: none
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional

from catalog import answers, benefits, feedback, queries, receipts, staff_search
from catalog.queries import QualificationInfo
from catalog.staff_search import StaffSearch

MAX_SEARCH_RESULTS = 50
_ID = re.compile(r"^[A-Za-z]\d{1,4}$")


class BadValue(ValueError):
    """A filter or query value the console cannot use; str(e) says which (HTTP 400)."""


class NotFound(LookupError):
    """No such row (HTTP 404)."""


def _named(n: Any) -> Optional[Dict[str, str]]:
    return {"zh": n.zh, "en": n.en} if n is not None else None


def _row(q: Any) -> Dict[str, Any]:
    """A qualification as one row of a result list."""
    return {
        "id": q.id,
        "list": q.list,
        "row": q.row,
        "name": _named(q.name),
        "issuer": _named(q.issuer),
        "where": {"zh": answers.where(q, "zh"), "en": answers.where(q, "en")},
        "fields": [_named(f) for f in q.fields],
        "field_keys": list(q.field_keys),
        "countries": [_named(c) for c in q.countries],
        "country_keys": list(q.country_keys),
    }


# --- the lookups (the console's and the CLI's) -----------------------------------------------------------

def find(text: str, as_of: Optional[str] = None) -> StaffSearch:
    """Staff search (catalog.staff_search): the strict verdict an applicant would get, and every row the
    words name (issuer, field, country, keyword), ranked, each with why it is listed."""
    return staff_search.search(text, as_of)


def qualification(qid: str, as_of: Optional[str] = None) -> QualificationInfo:
    """One row by id (any case, spaces around ignored); NotFound when there is none."""
    q = queries.get(qid, as_of)
    if q is None:
        raise NotFound(f"no qualification {qid[:20]!r}")
    return q


def qualifications(list_name: Optional[str] = None, field: Optional[str] = None, country: Optional[str] = None,
                   issuer: Optional[str] = None, as_of: Optional[str] = None) -> List[QualificationInfo]:
    """Rows by list, field, country and issuer (catalog.queries.list_qualifications)."""
    return queries.list_qualifications(list_name, field, country, issuer, as_of)


# --- what the console's API answers ------------------------------------------------------------------------

def search(text: str) -> Dict[str, Any]:
    """find(text) as JSON: the verdict, and the rows (at most MAX_SEARCH_RESULTS; `total` counts them all)."""
    found = find(text)
    out: Dict[str, Any] = {"query": found.query, "status": found.status, "source": found.source}
    v = found.verdict
    if v is not None:
        out["evidence"] = v.evidence
        if v.why:
            out["why"] = v.why
        if v.status == "unlisted" and v.unlisted is not None:
            u = v.unlisted
            out["unlisted"] = {"name": {"zh": u.name_zh, "en": u.name_en},
                               "reason": {"zh": u.reason_zh, "en": u.reason_en}, "kind": u.kind, "matched": u.matched}
    rows = [dict(_row(r.qualification), score=r.score, matched=r.matched, reason=r.reason,
                 **({"nearest": True} if r.reason == "nearest" else {})) for r in found.rows]
    out["total"] = len(rows)
    out["results"] = rows[:MAX_SEARCH_RESULTS]
    return out


def facets() -> Dict[str, Any]:
    s = queries.stats()
    snap = queries.snapshot()
    return {
        "version": s.version,
        "total": s.total,
        "lists": [{"key": k, "zh": answers.t(f"list_name.{k}", "zh"), "en": answers.t(f"list_name.{k}", "en"),
                   "count": getattr(s, k)} for k in ("urgent", "regular")],
        "fields": [{"key": k, "zh": k, "en": snap.fields.get(k, k), "count": n} for k, n in s.by_field.items()],
        "countries": [{"key": k, "zh": k, "en": snap.countries.get(k, k), "count": n}
                      for k, n in s.by_country.items()],
    }


def list_rows(list_name: str, field: str, country: str) -> Dict[str, Any]:
    """Rows by list, field and country; a value that is no key of its vocabulary is a 400."""
    snap = queries.snapshot()
    if list_name and list_name not in ("urgent", "regular"):
        raise BadValue("'list' must be urgent or regular")
    field_key = _key_of(field, snap.fields, "field")
    country_key = _key_of(country, snap.countries, "country")
    quals = qualifications(list_name or None, field_key, country_key)
    return {"list": list_name, "field": field_key, "country": country_key, "total": len(quals),
            "results": [_row(q) for q in quals]}


def _key_of(value: str, vocab: Dict[str, str], what: str) -> Optional[str]:
    """The key of a filter value: exactly a zh key or an en name (any case), else BadValue."""
    if not value:
        return None
    key = queries.vocab_key(value, vocab, exact=True)
    if key is None:
        raise BadValue(f"unknown {what} {value!r} (GET /web/api/facets lists them)")
    return key


def item(qid: str) -> Dict[str, Any]:
    """Every fact of one row, the clauses that apply (full text, zh and en) and the approved answers."""
    if not _ID.match(qid or ""):
        raise NotFound(f"no qualification {qid[:20]!r}")
    q = qualification(qid)
    b = benefits.benefits_for(q.id, "unknown")
    clauses = [_clause(i.clause, i.status, i.reason, i.for_nationality) for i in b.items]
    for cid in ("三", "四"):
        try:
            clauses.append(_clause(queries.clause(cid)))
        except KeyError:  # a future version without it
            pass
    both = ("zh", "en")

    def approved(key: str, make: Callable[[str], Any]) -> Dict[str, Any]:
        texts = {lang: make(lang) for lang in both}
        return {"key": key, "kind": texts["zh"].kind, **{lang: a.full_text() for lang, a in texts.items()}}

    experience = None
    if q.experience_years:
        experience = {"years": q.experience_years, "unit": q.experience_unit,
                      **{lang: answers.t(f"experience.{q.experience_unit}", lang, n=q.experience_years)
                         for lang in both}}
    title = None
    if q.title_level:
        title = {"level": q.title_level, **{lang: answers.t(f"title_level.{q.title_level}", lang) for lang in both}}
    return {
        "id": q.id,
        "version": q.version,
        "list": q.list,
        "list_name": {lang: answers.list_name(q, lang) for lang in both},
        "row": q.row,
        "cite": {lang: answers.row_cite(q, lang) for lang in both},
        "name": _named(q.name),
        "issuer": _named(q.issuer),
        "countries": [_named(c) for c in q.countries],
        "country_filled": q.country_filled,
        "region": _named(q.region),
        "fields": [_named(f) for f in q.fields],
        "remark": _named(q.remark),
        "experience": experience,
        "title_level": title,
        "registration": _named(q.registration),
        "conditions": [{"kind": c.kind, "zh": c.zh, "en": c.en} for c in q.conditions],
        "aliases": list(q.aliases),
        "notes": list(q.notes),
        "clauses": clauses,
        "answers": [
            approved("recognized", lambda lang: answers.qualification_answer(q, lang)),
            approved("benefits", lambda lang: answers.benefits(b, lang)),
            approved("practice", lambda lang: answers.practice(lang, qualification=q)),
            approved("verification", lambda lang: answers.verification(lang)),
        ],
    }


def _clause(c: Any, status: str = "applies", reason: str = "", for_nationality: Optional[str] = None) -> Dict[str, Any]:
    return {"id": c.id, "section": c.section, "item": c.item, "topic": c.topic, "cite": _named(c.cite),
            "title": _named(c.title), "text": _named(c.text), "summary": _named(c.summary), "status": status,
            "reason": reason, "nationality": for_nationality or c.nationality}


def unanswered_rows(limit: int, ref: Callable[[str], str]) -> List[Dict[str, Any]]:
    return [{"id": e.id, "time": e.created_at.isoformat(timespec="seconds") + "Z", "conversation": ref(e.conversation_id),
             "kind": e.kind, "text": e.text, "answer_kind": e.answer_kind, "lang": e.lang}
            for e in feedback.unanswered(limit)]


def unanswered_csv(limit: int, ref: Callable[[str], str]) -> str:
    """catalog.feedback.to_csv: every cell escaped against formulas, the reference for the conversation."""
    return feedback.to_csv(feedback.unanswered(limit), conversation=ref)


# --- "why this answer" (issue 14) ----------------------------------------------------------------------------

# the approved answer (口径, `item(...)["answers"]`) that stands beside an answer of each kind; a kind not named
# here is compared with the row's "recognized" answer
_APPROVED_OF_KIND = {"benefits": "benefits", "benefits_general": "benefits", "work_permit": "benefits",
                     "visa": "benefits", "title": "benefits", "residence_card": "benefits", "verdict": "benefits",
                     "experience": "benefits", "practice": "practice", "verification": "verification"}
MAX_RECEIPTS_FOUND = 20


def receipt(code: str) -> receipts.Receipt:
    """The receipt of `code` (typed with or without the dash, any case); BadValue when it cannot be a code,
    NotFound when there is none (or no longer: kept as long as conversations are)."""
    if receipts.normalise(code) is None:
        raise BadValue("a receipt code is six letters and digits, e.g. Q7K-3F2")
    found = receipts.get(code)
    if found is None:
        raise NotFound(f"no receipt {code[:20]!r}")
    return found


def receipt_view(r: receipts.Receipt, ref: Callable[[str], str]) -> Dict[str, Any]:
    """What staff see of a receipt: the conversation's reference (never its id), turn, time, language, catalog
    version, the user's words and the exact text sent (masked), why (intent and confidence, the matcher's verdict
    and spans, the person's facts, the rules and their verdicts, the action), and the approved answer (口径) of the
    same question: the row's approved answer of the same kind, else the strict verdict of the user's words."""
    out = r.shown()
    out["conversation"] = ref(r.conversation_id)
    out["approved"] = _approved(r)
    return out


def _approved(r: receipts.Receipt) -> Dict[str, Any]:
    if r.rows:
        try:
            row = item(r.rows[0])
        except NotFound:  # a row of another version, no longer loaded
            row = None
        if row is not None:
            want = next((_APPROVED_OF_KIND[k] for k in r.kinds if k in _APPROVED_OF_KIND), "recognized")
            chosen = next((a for a in row["answers"] if a["key"] == want), row["answers"][0])
            return {"row": row["id"], "name": row["name"], "cite": row["cite"], "version": row["version"],
                    "answer": chosen, "others": [a["key"] for a in row["answers"] if a is not chosen]}
    words = r.question if r.question and not r.question.startswith("/") else ""
    if not words:
        return {}
    found = search(words)
    return {"search": {"status": found["status"], "total": found["total"], "results": found["results"][:5]}}


def receipts_found(words: str, ref: Callable[[str], str], limit: int = MAX_RECEIPTS_FOUND) -> Dict[str, Any]:
    """What an agent types: a receipt code gives that receipt; other words the newest receipts whose question or
    answer contains them (what the applicant says the bot told them), and the strict verdict of the words."""
    words = (words or "").strip()
    if not words:
        raise BadValue("type a receipt code or the applicant's words")
    if receipts.normalise(words) is not None:
        found = receipts.get(words)
        if found is not None:
            return {"query": words, "code": True, "total": 1, "results": [_summary(found, ref)]}
    hits = receipts.find(words, limit)
    return {"query": words, "code": False, "total": len(hits), "results": [_summary(h, ref) for h in hits],
            "search": {k: v for k, v in search(words).items() if k in ("status", "total", "results", "evidence")}}


def _summary(r: receipts.Receipt, ref: Callable[[str], str]) -> Dict[str, Any]:
    shown = r.shown()
    return {k: shown[k] for k in ("code", "time", "turn", "lang", "intent", "helped", "question", "rows")} | {
        "conversation": ref(r.conversation_id), "text": shown["text"][:300]}
