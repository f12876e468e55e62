"""Questions that name a benefit or rule of the notice ("工作许可年龄能放宽吗", "can my family get visas"), answered
for this person by the reasoner (catalog/reasoner.py): the credential(s) of the message or the conversation, the
person's facts (slots + this message), the clauses asked (catalog/asked.py). Whatever intent NLU saw: the words
of the question decide what is asked, the catalog decides the answer.

Answer functions only, tried by actions/routing.py before the intent's own answer; this module imports no other
topic: where a correction leaves one credential, `several` answers with the recognition function routing passes."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, List, Optional, Tuple

from actions import context
from actions.answering import Answerer, Reply, experience, names_a_list, unknown_name
from actions.context import Context
from catalog import answers, asked, matching, queries, reasoner, sentences, staff_query
from catalog import facts as person_facts
from catalog.answers import Answer

# the urgent list's counterpart of a Section 1 measure, and back: both are said where they differ
_URGENT_COUNTERPART = {"一.2": "二.1", "一.3": "二.4"}
_REGULAR_COUNTERPART = {"二.1": "一.2", "二.4": "一.3", "二.2": "一.1"}
# intents whose questions are about something else even when a benefit word appears in passing
_NOT_FRAMED = {"ask_verification", "ask_catalog_stats", "ask_catalog_browse", "ask_notice_info", "feedback",
               "ask_human", "help"}
MAX_CLAUSES = 4
_REMARK_ONLY = re.compile(r"备注|備註|remark", re.I)
_ISSUER_ASKED = re.compile(r"哪个机构|哪個機構|边个机构|邊個機構|什么机构|什麼機構|谁发|誰發|边个发|邊個發|谁颁发|誰頒發|颁发机构是|頒發機構是|"
                           r"which (?:body|organi[sz]ation|institution|authority) (?:issues|issued|awards|grants)|"
                           r"who (?:issues|issued|awards|grants)|issued by whom|who is the issuer|what is the issuer", re.I)
# what asks every benefit a credential gives ("我可以享受啲咩便利？", "那我能办些什么？", "what can I apply for"), not one measure
BENEFITS_ASKED = re.compile(r"便利|享受|待遇|优惠|優惠|好处|好處|有咩用|有什么用|有啥用|有乜用|\bbenefits?\b|\bperks\b|"
                            r"what (?:do|can|will) i get|what (?:extra|more|else) (?:do|can|will|would) i get|what does it give|advantages|能办些什么|能辦些什麼|能办什么|能辦什麼|"
                            r"可以办什么|可以辦什麼|可以办啥|能办啥|辦到啲咩|可以辦啲咩|可以辦乜嘢|可以办乜嘢|辦乜嘢|办乜嘢|能做什么|有什么可以办|"
                            r"what can i (?:do|apply for|get)|what (?:am i|are we) entitled|"
                            r"what (?:does|do|will|would|can) (?:the |this |that )?(?:notice|catalog(?:ue)?|policy|list|it|this|that|they)"
                            r" (?:actually |really |exactly )?(?:give|offer|do for|get)|能给我什么|能給我什麼|可以给我什么|有咩俾我|"
                            r"受惠|受益|有咩着数|有咩著數|有什么好的|what's in it for me|what is in it for me", re.I)
_EXPERIENCE_ASKED = re.compile(r"经验|經驗|experience|how many years|几年|幾年", re.I)
_FOLLOW_UP_LENGTH = 60  # characters: a follow-up question about the credential of the conversation


def _clauses(ids: List[str], q) -> List[Tuple[Any, bool]]:
    """(clause, asked) for the clauses asked, then their urgent-list or Section 1 counterparts (not asked:
    said only where they give something). "title" (a title of either level) asks neither level itself."""
    wanted: List[Tuple[str, bool]] = []

    def add(cid: str, was_asked: bool) -> None:
        if cid not in [w for w, _ in wanted]:
            wanted.append((cid, was_asked))

    for cid in ids:
        if cid == "title":
            add("一.2", False)
            add("二.1", False)
            continue
        add(cid, True)
    for cid in [c for c, _ in list(wanted)]:
        extra = _URGENT_COUNTERPART.get(cid) if (q is None or q.list == "urgent") else _REGULAR_COUNTERPART.get(cid)
        if extra:
            add(extra, False)
    by_id = {c.id: c for c in queries.clauses()}
    return [(by_id[i], a) for i, a in wanted if i in by_id][:MAX_CLAUSES]


def _kept(decided: List[Tuple[Any, bool]]) -> List[Any]:
    """The verdicts to say: every clause asked; a counterpart only where it gives something (all of them when
    none does, so a "no" still says why)."""
    kept = [v for v, asked in decided if asked or v.outcome != reasoner.NOT_APPLICABLE]
    return kept or [v for v, _ in decided]


# "that is for foreign nationals; what applies to you is …": the measures for the person's own nationality
_FOR_NATIONALITY = {"chinese": ("一.1", "二.2"), "foreign": ("一.3", "一.4", "二.4")}


def _instead(items: List[Any], q, facts) -> List[Any]:
    if not any(v.outcome == reasoner.NOT_APPLICABLE and v.reason in ("chinese_only", "foreign_only") for v in items):
        return []
    have = {v.clause.id for v in items}
    by_id = {c.id: c for c in queries.clauses()}
    out = []
    for cid in _FOR_NATIONALITY.get(facts.nationality, ()):
        c = by_id.get(cid)
        if c is None or cid in have or (q is not None and q.list not in c.lists):
            continue
        v = reasoner.decide(q, c, facts) if q is not None else reasoner.decide_general(c, facts)
        if v.positive:
            out.append(v)
    return out[:2]


def _corrects(ctx: Context) -> bool:
    """Whether this message changes what the last question was answered from: a credential named (alone or
    completing the earlier one), or a fact of the person."""
    if matching.match(ctx.text).status != "none" or context.refined(ctx) is not None:
        return True
    return says_of_self(ctx.text)


def _pending(ctx: Context) -> str:
    return ctx.intent if ctx.intent.startswith("ask_") and ctx.intent not in _NOT_FRAMED else "ask_benefits"


def says_of_self(text: str) -> bool:
    """Whether the message states a fact of the person (nationality, age, 高精尖, experience, a Beijing employer)."""
    return any(f(text) is not None for f in (person_facts.nationality, person_facts.age, person_facts.high_end,
                                              person_facts.experience_years, person_facts.beijing_employer))


def clause_question(ctx: Context) -> Optional[Reply]:
    """ "第二條第3項講嘅認定高級職稱，係根據邊份辦法？", "what's in item 5 of section 2?": a question naming a clause
    by number, about no credential and no fact of the person, gets the sentence it asks about and the clause."""
    if not ctx.text or ctx.text.startswith("/") or ctx.slots.get("confirming"):
        return None
    refs = sentences.referenced(ctx.text)
    if not refs or says_of_self(ctx.text) or matching.match(ctx.text).status != "none":
        return None
    found = sentences.best(ctx.text, refs)
    answer = answers.clause_sentences(refs, found[0] if found else None, ctx.lang)
    return [answer], [context.slot("asked", ",".join(refs)), context.slot("pending_intent", None)]


URGENT_ASKED = re.compile(r"urgent|shortage|急需紧缺|急需緊缺|急需", re.I)
EXPERIENCE_ASKED = re.compile(r"experience|工作经验|工作經驗|经验|經驗|几年|幾年|年限", re.I)
EACH_OF_THEM = re.compile(r"(?<![a-z])(?:each|both|which one|which of (?:them|these|those|the two)|either|"
                           r"the two|all of them|all three)(?![a-z])|哪个|哪個|邊個|边个|两个|兩個|两者|兩者|分别|分別|各自|都", re.I)


def _rows_named(each: List[Any]) -> List[Any]:
    """The rows of the credentials a message names that are one row each (listed, or one row to confirm)."""
    rows = [queries.get(r.ids[0]) for r in each
            if r.candidates and (r.status == "listed" or (r.status == "confirm" and len(r.candidates) == 1))]
    return [q for q in rows if q is not None]


def sentence_question(ctx: Context, minimum: float = 6.0, clause_detail: bool = False) -> Optional[Reply]:
    """A question NLU could not place that shares enough rare words with one sentence of the notice: that
    sentence, cited (the caller decides when to try: only instead of a generic answer). `clause_detail`: the
    caller found the question is about a sentence of a clause though it names a list ("urgent-list talents …
    which post levels"), so the list named does not make it a question about rows."""
    if not ctx.text or ctx.text.startswith("/") or matching.match(ctx.text).status != "none":
        return None
    if not clause_detail and (names_a_list(ctx.text) or staff_query.asks_for_rows(ctx.text) or "field" in ctx.entities
                              or "country" in ctx.entities):
        return None  # "急需紧缺清单里有哪些证书？": the rows, not a sentence
    found = sentences.best(ctx.text, minimum=minimum)
    if found is None:
        return None
    s = found[0]
    ids = [s.clause] if s.clause != "notice" else []
    return [answers.clause_sentences(ids, s, ctx.lang)], [context.slot("pending_intent", None)]


def framed(ctx: Context) -> Optional[Reply]:
    if not ctx.text or ctx.text.startswith("/") or ctx.slots.get("confirming"):
        return None
    fact_update = bool(ctx.slots.get("asked")) and says_of_self(ctx.text) and not asked.asked_clauses(ctx.text)
    if ctx.intent in _NOT_FRAMED and not (ctx.intent == "ask_notice_info" and _ISSUER_ASKED.search(ctx.text)) \
            and not fact_update and not (ctx.intent == "ask_notice_info" and "五" in asked.asked_clauses(ctx.text)):
        # ("等等，我下個月就66歲" read as a question about the notice: the facts changed; "这个是哪个机构发的" reads as a
        # question about the notice's issuer: it is about the credential's; "目录以后还会调整吗" is Section 5's)
        return None
    refs = [r for r in sentences.referenced(ctx.text) if r in {c.id for c in queries.clauses("benefit")}]
    ids = refs or [i for i in asked.asked_clauses(ctx.text) if i != "四"]
    if "title" in ids and any(i in ("一.2", "二.1") for i in ids):
        ids = [i for i in ids if i != "title"]  # "中级还是副高": the levels named
    issuer_asked = bool(_ISSUER_ASKED.search(ctx.text))
    if not ids and (asked.asks_about_remark(ctx.text) or issuer_asked) and not BENEFITS_ASKED.search(ctx.text) \
            and len(matching.get_matcher().match_each(ctx.text)) < 2:  # several credentials: each one's verdict
        # "Does the USCPA row require any years of experience?": the row's remark, about the credential named;
        # a short follow-up ("需要几年工作经验？", "这个是哪个机构发的？") is about the credential of the conversation
        res = context.resolve(ctx)
        q = queries.get(res.qid) if res.status in ("listed", "context") and res.qid else None
        follow_up = res.status == "context" and len(ctx.text) <= _FOLLOW_UP_LENGTH
        if q is not None and (res.status == "listed" or not matching.match(ctx.text).status == "none"
                              or _REMARK_ONLY.search(ctx.text) or follow_up):
            reply = answers.qualification_answer(q, ctx.lang) if issuer_asked else answers.remark(q, ctx.lang)
            replies = [reply] + experience(ctx, q)  # "要几年经验啊 我才干了一年半": for this person too
            return replies, ctx.fact_events() + context.slot_events(res) if res.new else ctx.fact_events()
    if not ids:
        # "哦说错了，我考的是PRINCE2", "Sorry, it's the Professional one", "我下个月就66岁": the same question again,
        # for the credential or the facts this message corrects
        remembered = [i for i in (ctx.slots.get("asked") or "").split(",") if i]
        if not remembered and _corrects(ctx):
            # the question was asked in a turn answered before it could be framed ("我是外籍，想问一下工作许可年龄
            # 放宽的事" with no credential yet): the clauses its words ask
            for earlier in reversed(ctx.history[-3:]):
                remembered = [i for i in asked.asked_clauses(earlier) if i not in ("四", "title")]
                if remembered:
                    break
        if not remembered or not _corrects(ctx):
            return None
        ids = remembered
    facts = ctx.facts
    if person_facts.age(ctx.text) is not None and facts.nationality != "chinese" and "一.4" not in ids \
            and len(ids) < MAX_CLAUSES:
        # "加州教師牌…想喺北京教書…佢56歲": an age said with the question matters for the work permit: said too
        ids = ids + ["一.4"]
    events = ctx.fact_events() + [context.slot("asked", ",".join(ids))]
    each = _without_remarked_domestic(_corrected(ctx, matching.get_matcher().match_each(ctx.text))) \
        if not ctx.candidates else []
    if len(each) >= 2:
        replies: List[Answer] = [answers.several(each, ctx.lang)[0]]
        rows = _rows_named(each)
        if len(rows) >= 2 and any(i in ("一.2", "二.1", "title") for i in ids):
            # which of them corresponds to which title: one line each, and whether any reaches 副高级
            replies.append(answers.titles_of(rows, ctx.lang, experience=bool(EXPERIENCE_ASKED.search(ctx.text))))
        for r in each:
            if r.status == "listed":
                q = queries.get(r.candidates[0].id)
                if q is not None:
                    cls = _clauses(ids, q)
                    replies.append(answers.verdicts(q, _kept([(reasoner.decide(q, c, facts), a) for c, a in cls]),
                                                    facts, ctx.lang))
                    continue
            replies.append(answers.several([r], ctx.lang)[1])
        return replies, events + [context.slot("pending_intent", None)]
    res = context.resolve(ctx, each[0] if each else None)
    if res.status in ("ambiguous", "confirm") and res.result is not None:
        # the person's own facts answer what does not depend on which row it is; then: which one?
        ask = answers.ambiguity(res.result, ctx.lang) if res.status == "ambiguous" else \
            answers.confirm(res.result, ctx.lang)
        general = _kept([(reasoner.decide_general(c, facts), a) for c, a in _clauses(ids, None)])
        first = [answers.verdicts(None, general, facts, ctx.lang)] if general else []
        common = answers.common_registration(res.result.ids, ctx.lang) if "三" in ids else None
        if common is not None:  # "外国医师资格能不能直接执业": what every row asked about requires to practise
            first.append(common)
        return first + [ask], events + context.slot_events(res, pending=_pending(ctx))
    if res.status == "unlisted" and res.result is not None:
        return [answers.recognition(res.result, ctx.lang)], events + context.slot_events(res)
    q = queries.get(res.qid) if res.qid else None
    cls = _clauses(ids, q)
    if not cls:
        return None
    if q is not None:
        items = _kept([(reasoner.decide(q, c, facts), a) for c, a in cls])
    else:
        items = _kept([(reasoner.decide_general(c, facts), a) for c, a in cls])
    items += _instead(items, q, facts)
    answer = answers.verdicts(q, items, facts, ctx.lang)
    pending = _pending(ctx) if answer.buttons else None
    if q is None and res.status == "none":
        named = unknown_name(ctx.text)
        if named:  # "can I get a work residence permit with my MBA?": the MBA is not in the catalog, first
            first = answers.Answer("unlisted", ctx.lang, answers.t("not_found_named", ctx.lang, name=named))
            return [first, answer], events + [context.slot("pending_intent", pending)]
    slot_events = context.slot_events(res) if res.new else []
    slot_events = [e for e in slot_events if e.get("name") != "pending_intent"]
    # "CIPS … about a year and a half … is that enough": the row's years against the person's, too
    more = experience(ctx, q)
    if q is not None and not more and _EXPERIENCE_ASKED.search(ctx.text):
        more = [answers.remark(q, ctx.lang)]  # "…teach english at a 培训机构… need work experience 吗?": the remark says
    return [answer] + more, events + slot_events + [context.slot("pending_intent", pending)]




def _corrected(ctx: Context, each: List[Any]) -> List[Any]:
    """ "Sorry, I meant FRM, not CFA", "不对，是ACM高级会员，不是会士": the credential said after "not" is the old one."""
    if len(each) < 2 or not context.CORRECTION.search(ctx.text):
        return each
    keep = []
    for r in each:
        said = _said(r)
        # every whole-word occurrence ("CKA" is not the start of "CKAD"): one after "not" is the old one
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(said)}(?![A-Za-z])") if said and said.isascii() else None
        starts = [m.start() for m in pattern.finditer(ctx.text)] if pattern else \
            ([ctx.text.find(said)] if said and said in ctx.text else [])
        if any(context.NEGATION_BEFORE.search(ctx.text[max(0, at - 12):at]) for at in starts):
            continue
        keep.append(r)
    return keep or each


def _said(r: Any) -> str:
    """The words of the message a verdict is about (its spans are the part's, not the message's)."""
    if r.candidates:
        return r.candidates[0].matched
    return r.unlisted.matched if r.unlisted is not None else ""


_EXEMPTION = re.compile(r"免考|免试|免試|豁免|免几|免幾|免多少|exempt|waive|how many (?:papers|courses|exams|subjects|modules)", re.I)


def _remarks_naming(each: List[Any], lang: str) -> List[Answer]:
    """ "我已经是中国注册会计师了，再考ACCA可以免考几门？": a credential the catalog does not hold, named beside rows whose
    remarks name it, asks about those remarks (ACCA's "中国注册会计师持证者，可免考 9 门"): the remarks, not a verdict on
    each credential (nor every row whose remark names it)."""
    outside = [r for r in each if r.status == "unlisted" and r.unlisted is not None and not r.ids]
    if len(each) < 2 or not outside:
        return []
    out: List[Answer] = []
    for r in each:
        if r in outside:
            continue
        for qid in r.ids[:1]:
            q = queries.get(qid)
            if q is None:
                continue
            text = q.remark.text(lang).casefold()
            if any(u.unlisted.matched.casefold() in text or u.unlisted.name_zh.casefold() in text
                   or u.unlisted.name_en.split(" (")[0].casefold() in text for u in outside):
                out.append(answers.remark(q, lang))
    if out:
        # the credential outside the catalog is still said to be so, with the first sentence of why
        for u in outside:
            why = (u.unlisted.reason_zh if lang == "zh" else u.unlisted.reason_en)
            first = re.split(r"(?<=[。])|(?<=\.)\s", why, maxsplit=1)[0]
            out.insert(0, Answer("unlisted", lang, answers.t("not_found_named", lang, name=u.unlisted.matched)
                                  + ("" if lang == "zh" else " ") + first))
    return out


def _without_remarked_domestic(each: List[Any]) -> List[Any]:
    """ "CPA Australia对应什么职称？我有中国注册会计师，考这个能免几门？": a domestic qualification that the remark of a
    listed row named beside it mentions is that row's condition (8 courses), not a second credential to check
    (whose answer lists every row's exemptions)."""
    def domestic(r: Any) -> bool:
        return r.unlisted is not None and "境内" in (r.unlisted.reason_zh or "")

    if any(r.status != "listed" and not domestic(r) for r in each):
        return each  # ("想再考ACCA同澳洲CPA": the ACCA not held yet; the domestic one's line names its 9 papers)
    rows = [queries.get(r.ids[0]) for r in each if r.status == "listed" and r.ids]
    remarks = " ".join(q.remark.zh for q in rows if q is not None)
    kept = [r for r in each if not (domestic(r) and r.unlisted.name_zh and r.unlisted.name_zh in remarks)]
    return kept if kept else each


def several(ctx: Context, recognise: Answerer) -> Optional[Reply]:
    """ "CFA和FRM都有", "我有FCCA同CPA澳洲": whatever intent NLU saw, a message naming several credentials gets a
    verdict for each (the question it also asks, if it names a measure, is answered by `framed`). A correction that
    leaves one of them ("Sorry, I meant FRM, not CFA.") is a question about that one: `recognise` answers it (the
    recognition topic's function, passed by actions/routing.py so that this module need not import it)."""
    # (NLU's qualification entity names one of them only: the text decides)
    if not ctx.text or ctx.text.startswith("/") or ctx.candidates or ctx.slots.get("confirming") \
            or ctx.intent in _NOT_FRAMED:
        return None
    original = matching.get_matcher().match_each(ctx.text)
    each = _without_remarked_domestic(_corrected(ctx, original))
    remarks = _remarks_naming(each, ctx.lang) if _EXEMPTION.search(ctx.text) or asked.asks_about_remark(ctx.text) else []
    if remarks:
        return remarks, ctx.fact_events() + [context.slot("pending_intent", None)]
    if len(each) < 2:
        if len(original) >= 2 and len(each) == 1:
            # "Sorry, I meant FRM, not CFA.": the one credential left is the answer
            said = _said(each[0])
            return recognise(replace(ctx, text=said or ctx.text, history=[]))
        return None
    listed = [r.ids[0] for r in each if r.status == "listed"]
    events = [context.slot("qualification", listed[0])] if listed else []
    summary = []
    rows = _rows_named(each)
    urgent, years = bool(URGENT_ASKED.search(ctx.text)), bool(EXPERIENCE_ASKED.search(ctx.text))
    if len(rows) >= 2 and (urgent or years):
        # "Are any of these on the urgently needed list?", "is there any work experience requirement?": one line
        # each, and the answer for all of them
        summary = [answers.titles_of(rows, ctx.lang, experience=years, urgent=urgent)]
    return answers.several(each, ctx.lang) + summary, ctx.fact_events() + events + [
        context.slot("candidates", None), context.slot("confirming", None), context.slot("pending_intent", None)]
