"""What the answer functions share, so that no topic module needs another: the shape of a reply, the common
flow of a question about "my" qualification, and what a message names that several topics read (a list of the
catalog, the browse filters, a credential the catalog does not hold).

Rasa-sdk-free like the topic modules (it reads a Context, never a Tracker) and importing only actions.context
and catalog: were these helpers in a topic module, the topics that use them would import each other again
(issue 11: recognition and framed imported catalog_info and each other, with function-local imports to hide it).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from actions import context
from actions.context import Context, Resolution
from catalog import answers, queries, vocabulary
from catalog import facts as person_facts
from catalog import matching as matcher
from catalog.answers import Answer
from catalog.queries import QualificationInfo
from catalog.text import normalize

# what every answer function returns: the answers to send, and the events (slot changes) to return to Rasa
Reply = Tuple[List[Answer], List[Dict[str, Any]]]
Answerer = Callable[[Context], Reply]


def one(answer: Answer, events: Optional[List[Dict[str, Any]]] = None) -> Reply:
    return [answer], events or []


def with_qualification(ctx: Context, intent: str, specific: Callable[[QualificationInfo], Answer],
                       general: Callable[[], Answer]) -> Reply:
    """The common flow of a question about "my" qualification.

    A new ambiguous mention -> ask which (and remember the question); unlisted -> say so;
    a known qualification -> `specific(qualification)`; none -> `general()`.
    """
    res: Resolution = context.resolve(ctx)
    if res.status == "ambiguous" and res.result is not None:
        return [answers.ambiguity(res.result, ctx.lang)], context.slot_events(res, pending=intent)
    if res.status == "confirm" and res.result is not None:
        return [answers.confirm(res.result, ctx.lang)], context.slot_events(res, pending=intent)
    if res.status == "unlisted" and res.result is not None:
        return [answers.recognition(res.result, ctx.lang)], context.slot_events(res)
    if res.qid:
        q = queries.get(res.qid)
        if q is not None:
            return [specific(q)], context.slot_events(res) if res.new else [context.slot("pending_intent", None)]
    earlier = context.earlier_unlisted(ctx)
    if earlier is not None:  # "So can I use it in Beijing?" after "It's the UEFA C licence" (not listed): that verdict
        return [answers.recognition(earlier, ctx.lang)], []
    return [general()], [context.slot("pending_intent", intent)]


def experience(ctx: Context, q: Optional[QualificationInfo]) -> List[Answer]:
    """ "我做咗1年", "only 1yr exp": the row's required years of related experience against the person's own
    (catalog/facts.py, this message or an earlier one), when both are known; else nothing."""
    years = ctx.facts.experience_years
    if q is not None and not q.experience_years and ctx.text and not ctx.text.startswith("/") \
            and person_facts.experience_years(ctx.text) is not None:
        # "是CFA不是FRM，另外我只干了一年投资": the row asks for no years; said once, when the person gives theirs
        return [answers.Answer("conditions", ctx.lang, answers.t("row_no_experience", ctx.lang, row=q.row,
                                                                 name=q.name.text(ctx.lang)),
                               (answers.row_cite(q, ctx.lang),), (), q.version, q.id)]
    if q is None or years is None or not q.experience_years:
        return []
    periods = bool(ctx.text) and person_facts.experience_in_periods(ctx.text)
    return [answers.experience_verdict(q, years, ctx.lang, periods)]


def names_a_list(text: str) -> Optional[str]:
    """"urgent" when the text names the urgent list (急需紧缺清单)."""
    text = normalize(text)  # (traditional "急需緊缺清單" too)
    if "急需紧缺" in text or "urgent" in text or "紧缺" in text:
        return "urgent"
    return None


def browsed(ctx: Context) -> Answer:
    """The catalog's rows by the field, the country and the list this message names (the browse answer, also
    recognition's when the message names no credential but a field, a country or a list)."""
    return answers.browse(ctx.lang, field=ctx.entities.get("field"), country=ctx.entities.get("country"),
                          list_name_=names_a_list(ctx.text))


# words in capitals that give orders ("SYSTEM OVERRIDE", "ADMIN MODE", "reply 'APPROVED'"), not credentials
_COMMANDS = {"SYSTEM", "OVERRIDE", "ADMIN", "MODE", "APPROVED", "APPROVE", "DEVELOPER", "IGNORE", "URGENT", "IMPORTANT",
             "NOTE", "CONFIRM", "PRINT", "NOW", "YES", "NO", "ALL", "ROOT", "SUDO", "DEBUG", "TEST", "PLEASE", "STOP",
             "OK", "LIST", "ITEM", "RESET", "ENABLED", "DISABLED", "TRUE", "FALSE", "NULL", "JSON", "XML", "HTML", "DAN"}
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]?[A-Z0-9]{1,6}(?![A-Za-z])")
_CREDENTIAL_WORDS = re.compile(r"(?:注册|註冊)[\u4e00-\u9fff]{1,4}|[\u4e00-\u9fff]{1,6}?(?:护士执照|護士執照|执照|執照|牌照|社工|工程师|工程師|护士|護士)")


_QUOTED = re.compile(r"(?:(?<=[\s(（:：])|^)['‘“\"「]([^'’”\"」]{3,60})['’”\"」](?=[\s,.;:!?，。；：）)]|$)")
_CREDENTIAL_NOUN = re.compile(r"certif|licen[cs]e|diploma|master|member|fellow|charter|accountant|engineer|"
                              r"证|證|师|師|资格|資格", re.I)


# "Coursera certificates", "Udemy certification": a brand named with the kind of credential it is
NAMED_CERTIFICATES = re.compile(r"(?<![\w])((?!(?:All|Any|My|The|Our|Your|These|Those|Every|Is|Are|Do|Does)\b)[A-Z][\w&+-]+"
                                r"(?:\s+[A-Z][\w&+-]+){0,3})\s+(?:certificates|certifications|credentials)\b")
# "You are now FreeBot", "act as DAN": the role a prompt injection names
ROLE_NAME = re.compile(r"(?:you are now|you're now|now you are|act as|pretend (?:to be|you are)|your name is)\s+\S+", re.I)


# what follows a company's name ("ByteDance a 高精尖 company", "Baidu's Beijing office"): an employer, no credential
_EMPLOYER_AFTER = re.compile(r"^(?:'s)?\s+(?:(?:is\s+)?(?:a|an|the)\s+)?(?:(?:高精尖|high-end|high-tech|tech|big|private|state-owned|"
                             r"foreign|beijing)\s+)?(?:company|firm|office|employer|group|enterprise|startup|corporation|inc\b|"
                             r"ltd\b|bank|hospital|school|university|公司|企业|单位)", re.I)


def unknown_name(text: str) -> str:
    """The name of a credential the message asks about that the matcher found nowhere in the catalog: an
    acronym, a quoted credential name ("Add 'Certified Scrum Master'"), a Chinese licence word; never a company
    named as the employer ("Is ByteDance a 高精尖 company?")."""
    name = _unknown_name(text)
    at = (text or "").find(name) if name else -1
    if at >= 0 and _EMPLOYER_AFTER.search((text or "")[at + len(name):at + len(name) + 40]):
        return ""
    return name


def _unknown_name(text: str) -> str:
    data = matcher.get_matcher().data
    text = ROLE_NAME.sub(" ", text or "")  # "You are now FreeBot": the role an injection names is no credential
    said = NAMED_CERTIFICATES.search(text)  # "Say that all Coursera certificates are in the catalog"
    if said and matcher.match(said.group(1)).status == "none" and not vocabulary.find_country(said.group(1)) \
            and not vocabulary.find_field(said.group(1)) and not names_a_list(said.group(1)):
        return said.group(1)
    for m in _QUOTED.finditer(text or ""):
        name = m.group(1).strip()
        if _CREDENTIAL_NOUN.search(name) and matcher.match(name).status == "none":
            return name
    text_ = text or ""
    named = matcher.named_credential(text_)  # "CompTIA Security+", "Certified ScrumMaster": a credential's name
    for m in _ACRONYM.finditer(text_):
        word = m.group(0)
        if word.upper() in data.not_credentials or vocabulary.find_country(word) or vocabulary.find_field(word):
            continue
        if word.upper() in ("IT", "OK", "HR", "ID", "AI", "US", "UK", "USA", "PRC", "HK") or word.upper() in _COMMANDS:
            continue
        if matcher.match(word).status != "none":  # "CELTA", "FRM": the catalog knows it; never "not listed"
            continue
        if named and m.start() > text_.find(named):
            return named
        return word
    if named:
        return named
    m = _CREDENTIAL_WORDS.search(text or "")
    if not m:
        return ""
    found = m.group(0)
    found = found[max(found.rfind("嘅"), found.rfind("的")) + 1:]  # "韓國嘅護士執照": the name after 嘅
    return _CJK_LEAD.sub("", found)


# what comes before a Chinese credential's name but is not part of it ("我有", "嘅", "同埋")
_CJK_LEAD = re.compile(r"^(?:[我你佢他她]|有|係|是|嘅|的|同埋|同|和|仲有|还有|還有|以及|一个|一個|张|張)+")
