"""The catalog itself: counts, browsing by field/country/list, the notice's metadata, and the hotline's row
queries ("哪些体育类证书要求两年工作经验").

Answer functions only: actions/routing.py decides when they answer (the row query whatever intent NLU saw),
so this module imports no other topic."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import List, Optional

from actions import context
from actions.answering import Reply, browsed, one
from actions.context import Context
from catalog import answers, asked, claims, matching, queries, silence
from catalog.queries import QualificationInfo
from catalog.text import normalize
from catalog import staff_query as staff_filters


def catalog_stats(ctx: Context) -> Reply:
    return one(answers.stats(ctx.lang, field=ctx.entities.get("field"), country=ctx.entities.get("country")))


def browse(ctx: Context) -> Reply:
    return one(browsed(ctx))


def notice_info(ctx: Context) -> Reply:
    return one(answers.notice_info(ctx.lang))


_FOLLOW_UP = re.compile(r"其中|这些|這些|那些|这几|這幾|它们|它們|佢哋|(?<![a-z])(?:those|these|them|of them|among them)(?![a-z])",
                        re.I)


_BOTH_LISTS = re.compile(r"(?:急需紧缺|急需緊缺|紧缺|緊缺|清单\s*[(（]?\s*[一1]|清單\s*[(（]?\s*[一1]|urgent)[^。？?]{0,30}(?:和|与|與|同|及|、|and|vs)"
                         r"[^。？?]{0,12}(?:普通|第二|清单\s*[(（]?\s*[二2]|清單\s*[(（]?\s*[二2]|境外职业资格清单|regular|general|other|list\s*\(?(?:2|ii))|"
                         r"(?:each|both) lists?(?![a-z])|两个清单|兩個清單|两张清单|兩張清單|两份清单|每个清单|每個清單|in each list|per list", re.I)
_CATALOG_WORD = re.compile(r"目录|目錄|catalog|catalogue|整个|整個|成个|成個|全部|whole|entire|overall|all lists|version|3\.0|版", re.I)
_URGENT_NAMED = re.compile(r"急需紧缺|急需緊缺|紧缺清单|緊缺清單|urgent", re.I)
_TOTAL = re.compile(r"总共|總共|一共|合共|共有|成个目录|成個目錄|整个目录|整個目錄|目录总|目錄總|in total|altogether|whole catalog|"
                    r"entire catalog|total number|the catalog as a whole|overall|"
                    r"how many (?:qualifications|items|rows|credentials|certificates|entries) (?:are |is )?(?:there )?(?:listed )?"
                    r"in the (?:3\.0 |whole |entire )?(?:catalog|catalogue)", re.I)
# "一共几项 都是啥", "请逐项列出", "and name them": the rows themselves, not only how many
_LIST_THEM = re.compile(r"都是啥|都是什么|都是什麼|都係咩|係邊啲|是哪些|有哪些|哪几项|哪幾項|邊幾項|边几项|是哪一个|是哪一個|是哪个|是哪個|係邊個|念一遍|读一遍|讀一遍|逐项|逐項|列出|列一下|分别是|分別是|"
                        r"(?<![a-z])(?:name them|list them|which are they|what are they|which ones|and which|list each|"
                        r"each one|one by one)(?![a-z])", re.I)
_TITLE_ASKED = re.compile(r"职称|職稱|(?<![a-z])title", re.I)
_OWN = re.compile(r"(?<![a-z])(?:my|i|i'm|i've|me)(?![a-z])|我的|我嘅|本人", re.I)
_ROWS_ASKED = re.compile(r"(?<![a-z])(?:which|list|lists|items?|rows?|entries|how many|all the|every|name them)(?![a-z])|"
                         r"哪些|哪几|邊啲|边啲|几项|幾項|多少项|多少項|列出|清单|清單|所有", re.I)
_HOW_MANY = re.compile(r"几项|幾項|几个|幾個|多少|幾多|how many|number of|(?<![a-z])count(?!r)", re.I)


# "…, and which ones? The caller is from New South Wales.", "Is Florida among them?", "有冇新南威爾士？": a place asked
# about beside a row query; no filter of it (its words would narrow the rows to none), answered after the rows
_AMONG = [
    re.compile(r"(?:^|[,;.?!]\s*|\s)(?i:and\s+)?(?i:is|are|was)\s+(?P<x>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s+(?i:one of them|"
               r"one of those|one of these|among them|among those|among these|on the list|in the list|in there|included|"
               r"covered|listed|in it|there)\s*[?.!]*"),
    re.compile(r"(?:^|[,;.?!]\s*|\s)(?i:and\s+)?(?i:what about|how about)\s+(?P<x>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s*\?"),
    re.compile(r"(?:^|[,;.?!]\s*)(?i:the |a |my )?(?i:caller|applicant|teacher|person|client)\s+(?i:is\s+)?(?i:from|in)\s+"
               r"(?P<x>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})(?:\s+(?i:is\s+asking)\b[^.?!]*)?\s*(?:[.?!]+|$)"),
    re.compile(r"\?\s*(?P<x>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2})\s*\?"),  # "Is New York among them? Florida?"
    # "(include Massachusetts and Alaska)": places the agent wants counted; each is answered after the rows
    re.compile(r"\(\s*(?i:include|including|incl\.?|also|plus)\s+(?P<x>[A-Z][\w.'-]*(?:(?:\s+|\s*,\s*|\s+(?i:and|&)\s+)"
               r"[A-Z][\w.'-]*){0,5})\s*\)"),
    # "…, counting the Massachusetts and Alaska ones too?"
    re.compile(r"(?i:counting|count|including|incl\.?)\s+(?i:the\s+)?(?P<x>[A-Z][\w.'-]*(?:(?:\s+|\s*,\s*|\s+(?i:and|&)\s+)"
               r"[A-Z][\w.'-]*){0,5})(?:\s+(?i:ones?|certificates?|rows?))?\s+(?i:too|as well|also)\b"),
    re.compile(r"(?:有没有|有沒有|有冇|有無|包不包括|包唔包括|包括不包括)(?P<x>[\u4e00-\u9fff]{2,10}?)(?:的|嘅)?(?:吗|嗎|呢|啊|？|\?|$)"),
    re.compile(r"(?P<x>[\u4e00-\u9fff]{2,10}?)(?:的|嘅)?(?:在不在|喺唔喺|有没有在|有冇喺)(?:里面|裡面|入面|其中|当中|當中)?"),
]


_SEVERAL_PLACES = re.compile(r",|\s(?i:and|&)\s")


def _among_asked(text: str) -> "tuple[str, List[str]]":
    """The text without the places asked about beside a row query, and those places (only words that are places)."""
    m = matching.get_matcher()
    places: List[str] = []
    cut: List["tuple[int, int]"] = []
    for rx in _AMONG:  # (every pattern on the whole text: "Is New York among them? Florida?")
        for found in rx.finditer(text):
            x = found.group("x").strip().rstrip(".'")
            if m.index.place_spans(x) and not any(a < found.end("x") and found.start("x") < b for a, b in cut):
                # "Massachusetts and Alaska": each place its own answer
                for one in re.split(r"\s*,\s*|\s+(?i:and|&)\s+", x) if _SEVERAL_PLACES.search(x) else [x]:
                    if one and one not in places and m.index.place_spans(one):
                        places.append(one)
                cut.append((found.start("x"), found.end("x")))
                cut.append(found.span())
    kept = list(text)
    for a, b in sorted({c for c in cut}, reverse=True):
        kept[a:b] = [" "] * (b - a)
    return "".join(kept), places


def _among_answer(places: List[str], rows: List[QualificationInfo], lang: str) -> answers.Answer:
    """For each place asked: the rows of it among those found, else where it is elsewhere, else not listed."""
    lines = []
    for place in places:
        key = normalize(place)

        def of_place(q: QualificationInfo, key: str = key) -> bool:
            names = [q.region, *q.countries, q.issuer]
            return any(n is not None and (key in normalize(n.zh) or key in normalize(n.en)) for n in names)

        mine = [q for q in rows if of_place(q)]
        elsewhere = [q for q in queries.all_qualifications() if of_place(q) and q not in rows] if not mine else []
        if mine:
            lines.append(answers.t("among_yes", lang, place=place, items=answers.items_text(mine, lang)))
        elif elsewhere:
            lines.append(answers.t("among_elsewhere", lang, place=place, items=answers.items_text(elsewhere, lang)))
        else:
            lines.append(answers.t("among_no", lang, place=place))
    return answers.Answer("among", lang, "\n".join(lines), (), ())


# the person's own credential ("my registration", "我的证书"): with one in the conversation, no row query
_MY_CREDENTIAL = re.compile(r"(?<![a-z])my (?:registration|certificate|cert|licen[cs]e|credential|qualification|diploma|designation)"
                            r"(?![a-z])|我的(?:证|證|注册|註冊|执照|執照|资格|資格|牌)|我嘅(?:证|證|注册|註冊|执照|執照|资格|資格|牌)", re.I)
# the silent topics that are amounts of money ("多少科研经费", "how much is the fee"): never a count of rows, unless
# the rows are named as what is counted
_AMOUNTS = {"fee", "salary", "tax", "allowance", "research_funding"}
_ROWS_COUNTED = re.compile(r"几项|幾項|多少项|多少項|幾多項|几多项|哪些|哪几|哪幾|边啲|邊啲|(?<![a-z])how many (?:rows|items|entries|"
                           r"certificates|credentials|qualifications)(?![a-z])", re.I)


# "要求三年相关工作经验的有哪些？要求两学年的呢？": a second row query in the same message, said as a follow-up
_FOLLOW_ON = re.compile(r"(?:的呢|嘅呢|呢|^\s*(?:哪一个|哪一個|哪一项|哪一項|哪个|哪個|邊個|边个)|(?<![a-z])(?:what about|how about|and)(?![a-z]))",
                        re.I)


def staff_query(ctx: Context, counting: bool = False, browsing: bool = True) -> Optional[Reply]:
    """The row query of the message (`_queried`), after the whole catalog's count when that is asked too ("how many
    rows are in the whole catalog, and how many regular-list rows carry the remark …?")."""
    reply = _queried(ctx, counting, browsing)
    if reply is None or not ctx.text or not _WHOLE_CATALOG.search(ctx.text):
        return reply
    replies, events = reply
    if any(a.kind == "stats" for a in replies):
        return reply
    return [answers.stats(ctx.lang)] + list(replies), events


# the whole catalog's count asked beside a row query
# (its own question, ended before the next: "how many rows are in the whole catalog, and …", "整个目录一共有多少项，…";
# not "how many rows in the whole catalog list Australia", where the whole catalog is the scope of the query)
_WHOLE_CATALOG = re.compile(r"(?<![a-z])how many (?:rows|items|entries|qualifications) (?:are )?(?:there )?in (?:the )?"
                            r"(?:whole |entire )?catalog(?:ue)?\s*(?:,|;|\?|and\b)|"
                            r"(?:整个|整個|成个|成個|全部)?目[录錄](?:里|裡|入面)?(?:总共|總共|一共|共)(?:有)?(?:多少|几|幾)(?:项|項|条|條)[，,；;？?]", re.I)


def _queried(ctx: Context, counting: bool = False, browsing: bool = True) -> Optional[Reply]:
    """The row query of the message (`_staff_query`); a place asked about beside it ("Is Florida among them?") is
    answered after the rows: among them, elsewhere in the catalog, or not listed; a second query said as a
    follow-up in the same message ("…的有哪些？要求两学年的呢？") is answered after the first."""
    if not ctx.text or ctx.text.startswith("/"):
        return _staff_query(ctx, counting, browsing)
    parts = [p for p in re.split(r"(?<=[？?])\s*", ctx.text) if p.strip()]
    if len(parts) == 2 and (_FOLLOW_ON.search(parts[1]) or staff_filters.asks_for_rows(parts[1])):
        first = staff_filters.parse(parts[0])
        second = staff_filters.parse_more(parts[1], first) if first is not None and first.any() else None
        if second is not None and second != first and second.any() and not second.words:
            reply = _staff_query(replace(ctx, text=parts[0]), counting, browsing)
            if reply is not None:
                replies, events = reply
                return list(replies) + [answers.staff_query(second, staff_filters.run(second), ctx.lang)], events
    rest, places = _among_asked(ctx.text)
    if not places:
        return _staff_query(ctx, counting, browsing)
    reply = _staff_query(replace(ctx, text=rest), counting, browsing)
    if reply is None:
        return None
    replies, events = reply
    ids = [i for a in replies for i in re.findall(r"(?<![A-Za-z0-9])([UR]\d{2,3})(?![0-9])", a.text)]
    rows = [q for q in (queries.get(i) for i in dict.fromkeys(ids)) if q is not None]
    return list(replies) + [_among_answer(places, rows, ctx.lang)], events


def _staff_query(ctx: Context, counting: bool = False, browsing: bool = True) -> Optional[Reply]:
    """ "哪些体育类证书要求两年工作经验", "how many finance rows are from the UK": the count and the rows, whatever
    intent NLU saw. A message naming one credential is about that credential; a generic name shared by rows
    ("精算师有几项") lists those rows. `counting`: the count answer's own action, which gives numbers only, so
    that a list, field or country it is asked about gets the rows too."""
    if not ctx.text or ctx.text.startswith("/") or ctx.candidates or ctx.slots.get("confirming"):
        return None
    if ctx.slots.get("qualification") and _MY_CREDENTIAL.search(ctx.text):
        return None  # "Does that matter? Is my registration in the catalog, and which item?": the person's own row
    if set(silence.silent_topics(ctx.text)) & _AMOUNTS and not _ROWS_COUNTED.search(ctx.text):
        return None  # "持有急需紧缺清单证书的，能拿到多少科研经费？": an amount of money, not a count of rows
    urgent_only = bool(_URGENT_NAMED.search(ctx.text)) and not _BOTH_LISTS.search(ctx.text) \
        and not staff_filters.parse_more(ctx.text, staff_filters.Filters()).words
    # ("急需紧缺清单一共几项？": the urgent list's total, not the catalog's; "目录一共多少项，急需紧缺…": the catalog's)
    catalog_total = bool(_TOTAL.search(ctx.text)) and bool(_CATALOG_WORD.search(ctx.text))
    if (_BOTH_LISTS.search(ctx.text) or (_URGENT_NAMED.search(ctx.text) and _TOTAL.search(ctx.text))
            or (urgent_only and matching.match(ctx.text).status == "none")) and _HOW_MANY.search(ctx.text):
        # "目录一共多少项？急需紧缺清单和普通清单各几项？": the totals of both lists, not the first list's rows
        if not _BOTH_LISTS.search(ctx.text) and (_LIST_THEM.search(ctx.text) or _TITLE_ASKED.search(ctx.text)
                                                 or not catalog_total):
            # ("jxjq清单有几个啊 就是急需紧缺那个": its 7 rows, named)
            # "急需紧缺清单一共几项 都是啥", "how many on the urgent list, and what title do they correspond to": its rows
            urgent = staff_filters.Filters(list="urgent")
            asked_more = staff_filters.parse(ctx.text)  # "里面金融会计类的是哪一个？": the urgent rows of that field
            narrowed = staff_filters.run(asked_more) if asked_more is not None and asked_more.list == "urgent" else []
            if asked_more is not None and narrowed:
                return _listing(ctx, asked_more, narrowed)
            return _listing(ctx, urgent, staff_filters.run(urgent))
        return catalog_stats(ctx)
    found = None
    two = staff_filters.total_and_subset(ctx.text)  # "一共几项？其中哪几项要求两年经验？": the total, then the rows
    if two is not None:
        found = matching.match(staff_filters.without_excluded(ctx.text))
    if two is not None and found.status not in ("listed", "confirm", "unlisted"):
        base, subset = two
        return [answers.staff_query(subset, _family_rows(found, subset) or staff_filters.run(subset), ctx.lang,
                                    total=(base, staff_filters.run(base)))], [context.slot("pending_intent", None)]
    follow = bool(_FOLLOW_UP.search(ctx.text)) and bool(ctx.history)
    earlier = staff_filters.parse(ctx.history[-1]) if follow else None  # "which of those need two years?"
    if not staff_filters.asks_for_rows(ctx.text, follow_up=earlier is not None):
        return None
    if _OWN.search(ctx.text) and not _ROWS_ASKED.search(ctx.text):
        return None  # "does my US work experience count for anything here?": the person's own question, no rows
    filters = staff_filters.parse(ctx.text) or staff_filters.Filters()
    if earlier is not None:
        filters = staff_filters.parse_more(ctx.text, earlier)
    if filters.any() and not filters.beyond_browsing() and not counting and not asked.asks_about_remark(ctx.text) \
            and not _TITLE_ASKED.search(ctx.text):
        # "急需紧缺清单里有哪些证书": the browse answer lists them already (not their remarks); when NLU saw another
        # question ("which catalog rows are issued by bodies in Germany?" read as verification), it is given here
        if browsing or matching.match(ctx.text).status != "none" or asked.asked_clauses(ctx.text):
            return None  # (a measure asked of the list's holders, "急需紧缺清单…配偶孩子办签证", is the framed answer's)
        return _listing(ctx, filters, staff_filters.run(filters))
    if staff_filters.about_a_clause(ctx.text, filters):
        return None
    if filters.words and not replace(filters, words=(), list=None).any() and claims.items_named(ctx.text):
        return None  # "我是清单二第15项的持证人，有什么便利": about that row, not rows named "…证人"

    if found is None:
        found = matching.match(staff_filters.without_excluded(ctx.text))
    if found.status in ("listed", "confirm", "unlisted"):
        return None
    rows = staff_filters.run(filters) if filters.any() else []
    if found.status == "ambiguous" and not (filters.words and len(matching.get_matcher().match_each(ctx.text)) > 1) \
            and not (filters.regional and (filters.country or filters.countries)):
        # (a state's licences asked by country and state: the filters are the answer, not one family's name:
        # "US state teaching certificates, including preschool" counts Alaska's preschool certificate too)
        # (one generic name, "精算师有几项", is its rows; "IEEE和ACM相关的资格" names several: the words decide)
        ids = set(found.ids)
        rows = _family_rows(found, filters) or \
            [q for q in (rows if filters.any() else queries.all_qualifications()) if q.id in ids]
    elif not filters.any():
        return None
    return _listing(ctx, filters, rows)


def _family_rows(found: Optional["matching.MatchResult"], filters: "staff_filters.Filters") -> List[QualificationInfo]:
    """ "其中行醫資質嗰啲係邊幾個國家": the Chinese words asked are the name of a family the matcher knows (the one
    mention it found), so its rows are the family's ("行医资质" is item 98's "行医资格凭证" too), not only the rows
    whose names spell the words; [] when the words are something else (an issuer's, "学前" inside a family)."""
    if found is None or found.status != "ambiguous" or not found.candidates or not filters.words \
            or any(w.isascii() for w in filters.words):
        return []
    mention = normalize(found.candidates[0].matched)  # (simplified, as the filter's words are)
    if not all(w in mention for w in filters.words):
        return []
    ids = set(found.ids)
    wordless = replace(filters, words=())
    return [q for q in (staff_filters.run(wordless) if wordless.any() else queries.all_qualifications()) if q.id in ids]


def _listing(ctx: Context, filters: "staff_filters.Filters", rows) -> Reply:
    """The rows of a query; with a list's rows, the titles they correspond to when those are asked ("…and what title
    level do they correspond to?": Section 1 item 2, Section 2 item 1)."""
    out = [answers.staff_query(filters, rows, ctx.lang)]
    if filters.list and not filters.title_level and _TITLE_ASKED.search(ctx.text):
        out.append(answers.title(ctx.lang))
    return out, [context.slot("pending_intent", None)]
