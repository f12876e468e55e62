"""The receipt of one answer (issue 14): minted here, in the action server, once per answer action.

Why here and not in the Rasa server (bot/turn.py) or a channel: this is the one place every answer passes
(actions/base.py's AnswerAction.run) where both what was said and why are known — the answers with their kinds,
rows and clauses, the person's facts, the matcher's verdict, the reasoner's verdicts — without changing a single
answer function (issue 11 is rewriting them). The code then travels inside the reply itself (the custom payload
actions/reply.py sends), so Rasa stores it with the bot's message in the tracker, a retried message replays it
unchanged (bot/rasa_patches.py), and every channel gets it with the message: the web page shows it under the
answer, WeChat at the end of the reply, socket.io and REST in the payload — no channel has to mint or carry
anything of its own. What only Rasa knows (the policy that chose the action) is read from the conversation's
tracker when a receipt is looked up (bot/channels/web/receipts.py).

Greetings and thanks answered by rules with a domain response (no action server) carry no receipt.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Sequence

from rasa_sdk import Tracker

from actions import context
from actions.context import Context
from catalog import handoff, queries, receipts, reasoner
from catalog import matching as matcher
from catalog.answers import Answer
from catalog.pii import mask

logger = logging.getLogger(__name__)

MAX_ROWS_REASONED = 3
UNHELPFUL_KINDS = ("fallback",)


def turn_of(tracker: Tracker) -> int:
    """The number of the latest user message in the conversation (1 for the first)."""
    return sum(1 for e in tracker.events or [] if e.get("event") == "user") or 1


def helped(replies: Sequence[Answer]) -> bool:
    return not any(a.kind in UNHELPFUL_KINDS for a in replies)


def needs_person(action: str, ctx: Context, replies: Sequence[Answer]) -> bool:
    """Offer a person now? Asked for in so many words (or NLU's ask_human), or this answer did not help and the
    one before did not either (a fallback, or rated 👎: catalog/receipts.py)."""
    if action == "action_handoff_human" or handoff.asked(ctx.text):
        return True
    if helped(replies):
        return False
    try:
        before = receipts.last(ctx.sender, 1)
    except Exception:  # noqa: BLE001 - no receipts table: no streak, and the answer is still given
        logger.exception("could not read the conversation's receipts")
        return False
    return bool(before) and not before[0].helped


def with_offer(replies: List[Answer], lang: str, code: str) -> List[Answer]:
    """The answers with the handoff offer (hotline, hours, receipt code) in place of the generic "a person can
    help" answer, or after them: the offer is the last."""
    kept = [a for a in replies if a.kind != "human"]
    return kept + [handoff.offer(lang, receipts.display(code))]


def _channel(tracker: Tracker) -> Optional[str]:
    try:
        return tracker.get_latest_input_channel()
    except Exception:  # noqa: BLE001 - a tracker without events (tests)
        return None


def _intent(tracker: Tracker) -> Dict[str, Any]:
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    ranking = [{"name": r.get("name"), "confidence": r.get("confidence")}
               for r in (latest.get("intent_ranking") or [])[:3] if isinstance(r, dict)]
    return {"name": intent.get("name"), "confidence": intent.get("confidence"), "ranking": ranking}


def _entities(tracker: Tracker, text: str) -> List[Dict[str, Any]]:
    out = []
    for e in (tracker.latest_message or {}).get("entities") or []:
        start, end = e.get("start"), e.get("end")
        span = text[start:end] if isinstance(start, int) and isinstance(end, int) else None
        out.append({"entity": e.get("entity"), "value": e.get("value"), "start": start, "end": end,
                    "text": mask(span) if span else None, "extractor": e.get("extractor")})
    return out


def _verdict(ctx: Context) -> Dict[str, Any]:
    """The matcher's verdict on the message and what the turn was taken to be about (actions/context.py)."""
    res = context.resolve(ctx)
    out: Dict[str, Any] = {"resolution": res.status, "row": res.qid}
    r = res.result
    if r is None and ctx.text and not ctx.text.startswith("/"):
        r = matcher.match(ctx.text)  # the row came from NLU's entity (the same matcher, bot/components): its evidence
    if r is not None:
        out.update(status=r.status, evidence=r.evidence, why=r.why, ids=r.ids,
                   spans=[{"id": c.id, "matched": mask(c.matched), "span": list(c.span), "alias": c.alias,
                           "score": c.score} for c in r.candidates])
        if r.unlisted is not None:
            out["unlisted"] = {"name": {"zh": r.unlisted.name_zh, "en": r.unlisted.name_en},
                               "reason": {"zh": r.unlisted.reason_zh, "en": r.unlisted.reason_en},
                               "kind": r.unlisted.kind, "matched": mask(r.unlisted.matched)}
    return out


def _rules(rows: Sequence[str], cites: Sequence[str], facts: reasoner.Facts,
           version: Optional[str]) -> List[Dict[str, Any]]:
    """The reasoner's verdict on every benefit clause for each row answered, for this person's facts."""
    clauses = tuple(queries.clauses("benefit", version))
    out = []
    for qid in list(rows)[:MAX_ROWS_REASONED]:
        q = queries.get(qid, version)
        if q is None:
            continue
        for v in reasoner.decide_all(q, clauses, facts):
            out.append({"row": qid, "clause": v.clause.id, "cite": {"zh": v.clause.cite.zh, "en": v.clause.cite.en},
                        "outcome": v.outcome, "reason": v.reason, "needs": list(v.needs),
                        "conditions": list(v.conditions),
                        "cited": v.clause.cite.zh in cites or v.clause.cite.en in cites})
    return out


def build(code: str, action: str, tracker: Tracker, ctx: Context, replies: Sequence[Answer],
          domain: Optional[Dict[str, Any]] = None) -> receipts.Receipt:
    """The receipt of this turn's answers: what was sent and why."""
    rows = list(dict.fromkeys(q for a in replies for q in ([a.qualification] if a.qualification else [])))
    cites = list(dict.fromkeys(c for a in replies for c in a.cites))
    version = next((a.version for a in replies if a.version), "") or queries.stats().version
    why: Dict[str, Any] = {"intent": _intent(tracker), "action": action, "entities": _entities(tracker, ctx.text),
                           "channel": _channel(tracker)}
    parts = {"verdict": lambda: _verdict(ctx), "facts": lambda: asdict(ctx.facts),
             "rules": lambda: _rules(rows, cites, ctx.facts, version)}
    for key, make in parts.items():
        try:  # the receipt explains as much as it can; it never costs the user the answer
            why[key] = make()
        except Exception:  # noqa: BLE001
            logger.exception("receipt: could not record %s", key)
    try:
        why["clause_ids"] = [c.id for c in queries.clauses(None, version) if c.cite.zh in cites or c.cite.en in cites]
    except Exception:  # noqa: BLE001
        logger.exception("receipt: could not name the clauses")
    why["answers"] = [{"kind": a.kind, "row": a.qualification, "cites": list(a.cites),
                       "candidates": list(a.candidates)} for a in replies]
    return receipts.Receipt(
        code=code, conversation_id=ctx.sender, turn=turn_of(tracker), text=sent_text(replies, domain, ctx.lang),
        message_id=(tracker.latest_message or {}).get("message_id"), lang=ctx.lang, catalog_version=version,
        action=action, intent=why["intent"]["name"], helped=helped(replies), question=ctx.text or "",
        kinds=[a.kind for a in replies], rows=rows, clauses=cites, why=why)


def response_text(domain: Optional[Dict[str, Any]], name: str, lang: str) -> str:
    """The variation of the domain's response `name` that Rasa sends in `lang` (its `language` slot condition,
    else the one without a condition); the response's name when the domain does not have it."""
    variations = ((domain or {}).get("responses") or {}).get(name) or []
    fallback = None
    for v in variations:
        if not isinstance(v, dict):
            continue
        conditions = v.get("condition") or []
        if not conditions and fallback is None:
            fallback = v.get("text")
        if any(c.get("name") == "language" and c.get("value") == lang for c in conditions if isinstance(c, dict)):
            return str(v.get("text") or name)
    return str(fallback or name)


def sent_text(replies: Sequence[Answer], domain: Optional[Dict[str, Any]] = None, lang: str = "zh") -> str:
    """The text the user is sent: each answer's text with its source line and its buttons' titles, blank lines
    between (a domain response in the variation Rasa picks for the language)."""
    parts = []
    for a in replies:
        if a.kind == "response":
            parts.append(response_text(domain, a.text, lang))
            continue
        lines = [a.full_text()] + [f"[{title}]" for title, _ in a.buttons]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
