"""What an action needs to know about the conversation, read from the tracker in one place:
the user's language (and the one a message asks to be answered in), the latest message, and which qualification
it is about; and the slot events (rasa-sdk's SlotSet) that remember it. The answer functions of every topic read
this module, so it imports none of them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple  # noqa: F401 - Tuple: used by code coming for issue 11

from dataclasses import replace

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import slot_values
from catalog import answers, claims, pinyin, queries, spelling
from catalog import staff_query as staff_filters
from catalog import facts as person_facts
from catalog import matching as matcher
from catalog.text import without_spans
from catalog.language import detect, picked_number
from catalog.matching import MatchResult
from catalog.reasoner import Facts

_NO_WORDS = "不是|不对|没有|沒有|唔係|唔系|否|no|nope|not"
_NO = re.compile(rf"^\s*(?:{_NO_WORDS})(?![a-z])", re.I)
_YES_NO = re.compile(rf"^\s*(?:{_NO_WORDS}|不|是的|是|对|對|係|系|有|yes|yeah|yep|correct)(?![a-z])", re.I)


def answers_yes_no(text: str) -> bool:
    """A message that starts by answering a yes/no question ("不是，是…发的", "yes, from DAA")."""
    return bool(_YES_NO.match(text or ""))


def answers_no(text: str) -> bool:
    """A message that starts with "no" ("不是", "no, mine is from…")."""
    return bool(_NO.match(text or ""))


@dataclass
class Context:
    sender: str
    lang: str
    intent: str
    text: str
    entities: Dict[str, Any]
    slots: Dict[str, Any]
    events: List[Dict[str, Any]] = field(default_factory=list)
    history: List[str] = field(default_factory=list)  # the earlier user messages of this session, oldest first
    pinyin: bool = False  # the message was written in pinyin (its text is read as Chinese, the reply is Chinese)

    @property
    def nationality(self) -> str:
        return self.slots.get("nationality") or "unknown"

    @property
    def age(self) -> Optional[int]:
        v = self.slots.get("age")
        return int(v) if v is not None else None

    @property
    def high_end(self) -> Optional[bool]:
        v = self.slots.get("high_end")
        return None if v in (None, "") else str(v).lower() == "true"

    @property
    def facts(self) -> Facts:
        """The person's facts: the slots (earlier turns, and NLU's entities of this one), with what this message
        says of experience and a Beijing employer (catalog/facts.py) replacing the earlier value."""
        years = person_facts.experience_years(self.text) if self.text and not self.text.startswith("/") else None
        employer = person_facts.beijing_employer(self.text) if self.text and not self.text.startswith("/") else None
        if years is None and self.slots.get("experience_years") is not None:
            years = float(self.slots["experience_years"])
        if years is None:  # "他相关工作经验只有一年半" said in an earlier turn that kept no slot
            years = next((y for h in reversed(self.history) for y in [person_facts.experience_years(h)] if y is not None),
                         None)
        if employer is None and self.slots.get("beijing_employer") not in (None, ""):
            employer = str(self.slots["beijing_employer"]).lower() == "true"
        typed = [self.text] if self.text and not self.text.startswith("/") else []
        recommended = next((False for h in typed + list(reversed(self.history))
                            if person_facts.recommended(h) is False), None)  # ("won't recommend me", this turn or before)
        # ("no overseas certificate": for a message with no credential of the conversation; one named later decides)
        holds = False if not self.slots.get("qualification") and any(person_facts.holds_none(h) for h in typed) \
            else None
        return Facts(self.nationality if self.nationality in ("chinese", "foreign") else "unknown", self.age,
                     self.high_end, years, employer, recommended, holds)

    def fact_events(self) -> List[Dict[str, Any]]:
        """Slot events keeping what this message said of experience and a Beijing employer."""
        if not self.text or self.text.startswith("/"):
            return []
        out = []
        years = person_facts.experience_years(self.text)
        if years is not None:
            out.append(slot("experience_years", years))
        employer = person_facts.beijing_employer(self.text)
        if employer is not None:
            out.append(slot("beijing_employer", "true" if employer else "false"))
        return out

    @property
    def candidates(self) -> List[str]:
        return [c for c in (self.slots.get("candidates") or "").split(",") if c]


_NATIONALITY_AFTER = re.compile(r"\s*(?:籍|國籍|国籍|人(?!士)|公民|護照|护照|citizen|national(?!\s+(?:list|catalog|body|board))|passport)", re.I)
_NATIONALITY_BEFORE = re.compile(r"(?:i'm|i am|im|i'm an?|i am an?|as an?|we are|he is|she is|my wife is|my husband is)\s*$", re.I)


def _nationality_word(text: str, entity: Dict[str, Any]) -> bool:
    """Whether NLU's country entity is the person's nationality ("英国籍", "I'm British", "a Canadian citizen")."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        return False
    if person_facts.nationality(text) is None:
        return False
    return bool(_NATIONALITY_AFTER.match(text, end) or _NATIONALITY_BEFORE.search(text[max(0, start - 14):start]))


def read(tracker: Tracker) -> Context:
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    entities: Dict[str, Any] = {}
    for e in latest.get("entities") or []:
        if e.get("entity") == "country" and _nationality_word(text, e):
            continue  # "我是英国籍，在北京…工作", "I'm British": who the person is, not a country's rows asked about
        entities.setdefault(e.get("entity"), e.get("value"))
    # a first message in Latin letters only ("CISSP?") that tells no language otherwise: English
    first_latin = "en" if text and not text.startswith("/") and re.search(r"[A-Za-z]", text) \
        and not re.search(r"[\u3400-\u9fff]", text) else None
    lang = tracker.get_slot("language") or entities.get("language") or detect(text) or first_latin or "zh"
    slots = {k: tracker.get_slot(k) for k in
             ("qualification", "candidates", "confirming", "nationality", "age", "high_end", "pending_intent",
              "experience_years", "beijing_employer", "asked")}
    intent = (latest.get("intent") or {}).get("name") or ""
    slots, entities = slot_values.checked(slots, entities)  # no NaN age, no unknown row id (issue 12)
    history: List[str] = []
    for e in tracker.events or []:
        if e.get("event") == "session_started":
            history = []
        elif e.get("event") == "user" and e.get("text") and not str(e.get("text")).startswith("/"):
            history.append(str(e["text"]))
    if history and history[-1] == text:
        history = history[:-1]
    # "能办gzjzz吗", "waiji…": read as Chinese (and answered in Chinese, as "pmp zaibuzai mulu 急" is);
    # "recongized", "expereince": read as the word meant
    text, in_pinyin, chinese = pinyin.read(spelling.corrected(text))
    history = [spelling.corrected(h) for h in history[-HISTORY_TURNS:]]
    if in_pinyin or chinese:
        lang = "zh"
    if text != (latest.get("text") or ""):
        for e in person_facts.extract(text):  # what NLU could not read in the pinyin ("waiji" = 外籍)
            if slots.get(e["entity"]) in (None, ""):
                slots[e["entity"]] = e["value"]
    return Context(tracker.sender_id, lang if lang in ("zh", "en") else "zh", intent, text, entities, slots,
                   history=history, pinyin=in_pinyin)


_LANG_REQUEST = re.compile(
    r"(?:answer|reply|respond|say|write|speak|explain|continue)\b[^.?!？。]{0,20}?\b(?:in|to)\s+(?:english|chinese|mandarin|cantonese)"
    r"|(?:english|chinese|mandarin)\s*,?\s*please|in english\b|switching to english|switch to english|"
    r"用(?:英文|英语|英語|中文|普通话|普通話|廣東話|广东话|粵語|粤语)|(?:英文|英语|英語|中文|廣東話|广东话|粤语|粵語)(?:回答|答|讲|講|说|說|講返)|"
    r"講返(?:廣東話|广东话|中文)|讲回(?:中文|广东话)", re.I)
_FILLER = re.compile(r"[\s,，。.!！?？:：;；~]+|please|pls|吧|啦|唔該|唔该|可以吗|可以嗎|can you|could you|sorry|thanks|thank you|"
                     r"and|和|同埋|算啦都係|算了|actually|let me ask|ask|我想知|", re.I)


def language_switch(ctx: Context) -> Optional[Context]:
    """ "Can you answer in English please?", "用中文回答吧：我是中国注册会计师…": the question of this message
    (what is left of it) or, when nothing is left, the previous one, answered in the language asked for."""
    if not ctx.text or ctx.text.startswith("/"):
        return None
    found = list(_LANG_REQUEST.finditer(ctx.text))
    if not found:
        return None
    m = found[-1]  # "Actually let me ask in English... 算啦都係講返廣東話": the last one said is the one meant
    rest = ctx.text
    for f in reversed(found):
        rest = rest[:f.start()] + " " + rest[f.end():]
    rest = rest.strip()
    if len(_FILLER.sub("", rest)) >= 4 and (not ctx.history or matcher.match(rest).status != "none"):
        text = rest
    elif ctx.history and len(_FILLER.sub("", rest)) >= 4:
        # "Is it on the list and what's required?", "and I'm British, 10 years of experience": what is left asks
        # about, or adds facts to, the credential of the previous message
        text = ctx.history[-1] + "\n" + rest
    elif ctx.history:
        text = ctx.history[-1]
    else:
        return None
    wanted = ctx.text[m.start():m.end()].lower()
    lang = "en" if "english" in wanted or "英" in wanted else "zh"
    return replace(ctx, text=text, lang=lang, history=ctx.history[:-1] if text != rest else ctx.history,
                   intent="")


HISTORY_TURNS = 3
MAX_SHOWN = 6  # catalog.answers.MAX_OPTIONS: more candidates than this were shown by country or state
SHORT_MESSAGE = 40  # characters: "德州的", "Level 1.", "UK, registered with the HCPC.", "係C級"
CORRECTION_MESSAGE = 160  # a correction may say more: "My mistake, my licence is from Virginia, not Florida."
CORRECTION = re.compile(r"(?<![a-z])(?:sorry|my mistake|my bad|actually|correction|i meant|i mean|not\b|wrong)|"
                        r"不对|不對|不是|唔係|唔系|搞错|搞錯|看错|看錯|说错|說錯|講錯|讲错|打错|打錯|更正|其实|其實|应该是|應該係|"
                        r"應該是", re.I)


# "OK, and what if I get certified in Oregon instead?": another place or grade for the earlier credential
WHAT_IF = re.compile(r"what if|what about|how about|same for (?:her|him|them|my)|(?<![a-z])(?:colleague|coworker|co-worker|friend|wife|"
                     r"husband|partner|brother|sister|boss|classmate)\s+(?:has|holds|got|also has)\s+(?:one|the same|a similar)(?![a-z])|"
                     r"(?:同事|朋友|老婆|老公|太太|先生|同学|同學)(?:也)?(?:有一张|有一個|有一个|有張|嘅係|的是)|(?<![a-z])(?:wife|husband|partner|colleague|friend|son|daughter)'s(?![a-z])|"
                     r"(?<![a-z])(?:hers|his|theirs) is (?:from|in)(?![a-z])|\binstead\b|\bif i (?:also |later |then |now )?(?:get|got|obtain|take|hold|upgrade|move up|advance|pass|earn|reach)\b|\bupgrade to\b|升到|升级到|升級到|那如果|如果是|如果换成|换成|換成|咁如果|改成|要是", re.I)


# a grade by letter ("C licence", "B级", "'A' certificate"), and one said bare ("get my B", "have the A")
_LETTER_LEVEL = re.compile(r"(?<![A-Za-z])['\"‘’“”]?(?:PRO|Pro|[ABC])['\"‘’“”]?\s*(?:级|級|(?i:licen[cs]e|level|certificate|diploma|badge))")
_BARE_LETTER = re.compile(r"(?<![A-Za-z])(?:my|the|a|an|get|got|getting|have|hold|pass|passed)\s+['\"‘’“”]?([ABC])['\"‘’“”]?(?![\w'])")
# a grade by number ("6级", "三級", "Level 3", "grade 8"): a later one replaces an earlier one
_NUMBERED_LEVEL = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十])\s*(?:级|級|段)|(?<![a-z])(?:level|grade|lvl)\s*\d{1,2}(?!\d)", re.I)
_LEVEL_WORD = re.compile(r"(?<![A-Za-z])(?:associate|professional|expert|foundation|practitioner|specialist|fellow|probationer|"
                         r"senior member|member)(?![A-Za-z])|助理级|助理級|专业级|專業級|专家级|專家級|基础级|基礎級", re.I)


# a correction inside one message ("得克萨斯州……哦不对，是佛罗里达州", "Texas, sorry, I mean Florida")
_SELF_CORRECTION = re.compile(r"(?:哦|噢|啊|呃)?(?:不对|不對|唔係|唔系|搞错了|搞錯了|说错了|說錯了|講錯|讲错)[，,。.…\s]*(?:是|係|系)?|"
                              r"(?<![a-z])(?:sorry|no wait|i mean|i meant|correction)(?![a-z])[,:]?\s*(?:i mean|it's|it is)?", re.I)


def after_self_correction(text: str) -> str:
    """ "得克萨斯州……哦不对，是佛罗里达州": the message from its correction on, when a place is said on both sides of it
    (the place said after the correction is the one meant); otherwise the message."""
    fix = _SELF_CORRECTION.search(text or "")
    if not fix:
        return text
    places = _places(matcher.get_matcher(), text)
    if any(b <= fix.start() for a, b in places) and any(a >= fix.end() for a, b in places):
        return text[fix.end():]
    return text


def refined(ctx: "Context") -> Optional[MatchResult]:
    """A short follow-up that names no credential itself but completes the earlier one ("我有美国的教师资格证" →
    "德州的"; "我有足球教練牌" → "亞足聯嘅" → "係C級"): the verdict on the earlier messages and this one together.
    None when this message alone says enough, or the earlier messages named nothing."""
    text = ctx.text or ""
    if not text or text.startswith("/") or not ctx.history \
            or len(text) > (CORRECTION_MESSAGE if CORRECTION.search(text) or WHAT_IF.search(text) else SHORT_MESSAGE):
        return None
    m = matcher.get_matcher()
    alone = m.match(text)
    if alone.status in ("listed", "unlisted"):
        return None
    if person_facts.nationality(text) is not None and (ctx.slots.get("qualification") or ctx.slots.get("confirming")):
        return None  # "说错了，我其实是中国籍，只是在英国读的书": a fact of the person, not the credential's place
    text = after_self_correction(text)
    own_places = _places(m, text)
    text = _without_negated_levels(_without_negated_places(text, own_places))
    for k in (1, 2, 3):
        if k > len(ctx.history):
            break
        earlier = ctx.history[-k:]
        before = m.match(" ".join(earlier))
        if before.status == "none":
            continue
        follow = text
        if "德州" in follow and "R057" in before.ids:  # after a US teacher's licence, 德州 is Texas (得州)
            follow = follow.replace("德州", "得州")
        places = _places(m, follow)
        if places:
            # "Sorry, it's from Virginia." after "… licence from Ohio": the place said now replaces the earlier one
            earlier = [_without_places(m, e) for e in earlier]
        bare = _BARE_LETTER.search(follow)
        if bare and not _LETTER_LEVEL.search(follow):
            # "what about if I get my B next year?" after "…UEFA coaching licence" → "I have the C licence": the
            # letter grade said now, as a licence, replaces the earlier one
            follow = f"{follow} {bare.group(1)} licence"
        if _LETTER_LEVEL.search(follow):
            earlier = [_LETTER_LEVEL.sub(" ", e) for e in earlier]
        if _NUMBERED_LEVEL.search(follow):
            # "那我考到8级以后呢？" after "…皇家舞蹈学院的证书" → "是6级的": the grade said now replaces the earlier one
            earlier = [_NUMBERED_LEVEL.sub(" ", e) for e in earlier]
            earlier = [e for e in earlier if re.sub(r"[\s的是係系了呢吧啊嘅喔哦，,。.!！]", "", e)] or earlier  # ("是6级的": nothing left)
        # the follow-up qualifies the earlier mention: read before it ("德州的 我有美国的教师资格证"), or after it
        tries = [m.match(" ".join([follow] + earlier)), m.match(" ".join(earlier + [follow]))]
        if places:  # its places beside the earlier mention ("My mistake, my licence is from Virginia" is far from it)
            tries.append(m.match(" ".join([" ".join(follow[a:b] for a, b in places)] + earlier)))
        said = [lv for lv in _LEVEL_WORD.finditer(follow) if not _NEGATED_BEFORE_LEVEL.search(follow[:lv.start()])]
        mention = before.unlisted.matched if before.unlisted is not None else \
            (before.candidates[0].matched if before.candidates else "")
        if said and mention:
            # "其實係 Professional 級別" after "AWS Solutions Architect Associate": the level said now replaces the
            # earlier one in the earlier mention ("AWS Solutions Architect Professional")
            level_try = m.match(_LEVEL_WORD.sub(" ", mention).strip() + " " + said[0].group(0))
            if level_try.status in ("listed", "unlisted") and (level_try.status, level_try.ids) != (before.status, before.ids):
                return level_try  # ("No, it's the Associate, not the Professional": never the earlier level's yes)
            tries.append(level_try)
        if before.status == "unlisted" and 1 < len(before.ids) <= MAX_SHOWN:
            # "IEEE会员…" (not listed; the nearest are Fellow and Senior Member) → "是Senior Member": one of the rows
            # named as nearest, as if picked from them
            picked = m.match(follow, restrict_to=before.ids)
            if picked.status == "listed" and len(picked.ids) == 1:
                tries.append(picked)
        rank = {"listed": 0, "unlisted": 1, "confirm": 2, "ambiguous": 3, "none": 4}
        if said and before.ids:
            q0 = queries.get(before.ids[0])
            word = said[0].group(0).casefold()
            if q0 is not None and before.status == "unlisted" and len(before.ids) == 1 and word in _grades_named(q0):
                # "It's Solutions Architect Associate" (not listed; item 33 is the Professional) → "ah sorry, I
                # actually passed the Professional one": the listed row itself, when its own name has the grade
                own = m.match(q0.name.en)
                if own.status == "listed" and own.ids == [q0.id]:
                    return own
            # "那个Fellow呢？" after "LEED AP在目录里吗？": the row of the same body named by the grade said now
            same = [o for o in (answers.same_body(q0) if q0 is not None else []) if word in _grades_named(o)]
            graded = m.match(same[0].name.en) if len(same) == 1 else None
            if graded is not None and graded.status == "listed":
                return graded
        if alone.status in ("confirm", "ambiguous") and alone.ids:
            # "Correction: I was elected Fellow (FRSC)": what the follow-up names itself bounds what it corrects to
            tries = [r for r in tries if set(r.ids) & set(alone.ids)]
            if not tries:
                return None
        # (a place said now: of two "not listed" readings, the one that names the place: "…it's Florida, not Texas")
        combined = min(tries, key=lambda r: (rank.get(r.status, 5), not (places and r.unlisted is not None
                                                                         and r.unlisted.kind == "other_jurisdiction")))
        if combined.status == "none":
            continue
        if (combined.status, combined.ids) != (before.status, before.ids) or alone.status != "none":
            return combined
        if places and combined.status == "unlisted" and combined.unlisted is not None and before.unlisted is not None \
                and combined.unlisted.reason_en != before.unlisted.reason_en:
            return combined  # "what if I get certified in Oregon instead?" after Washington State: Oregon's verdict
    return _level_of_the_conversations(ctx, m, text)


def _grades_named(q: "queries.QualificationInfo") -> Set[str]:
    """The grade words in a row's names ("professional" of "AWS Certified Solutions Architect – Professional")."""
    return {g.group(0).casefold() for g in _LEVEL_WORD.finditer(q.name.en + " " + q.name.zh)}


def _level_of_the_conversations(ctx: "Context", m: "matcher.Matcher", text: str) -> Optional[MatchResult]:
    """ "I'm level 2. Am I covered?" when the conversation's credential is the ski instructor's (Level 3 and above)
    and the earlier messages named it only as "the ski one": the level said now, of that credential."""
    qid = ctx.slots.get("qualification")
    if not qid or not (_NUMBERED_LEVEL.search(text) or _LETTER_LEVEL.search(text)):
        return None
    q = queries.get(str(qid))
    if q is None:
        return None
    name = re.sub(r"\([^)]*\)|（[^）]*）", " ", q.name.en)
    r = m.match(f"{name} {text}")
    if r.status == "unlisted" or (r.status == "listed" and r.ids != [q.id]):
        return r
    return None


NEGATION_BEFORE = re.compile(r"(?:not|no|isn'?t|instead of|rather than|no longer (?:hold|have|holding|use)|gave up|given up|"
                             r"不是|而不是|唔係|唔系|并非|並非|非|不再持有|不再有|已经没有|已經冇|放弃了|放棄咗)\s*"
                             r"(?:the\s+|a\s+|an\s+|my\s+|from\s+)?$",
                              re.I)
NEGATION_WINDOW = 24  # characters before a place in which NEGATION_BEFORE is looked for




_NEGATED_BEFORE_LEVEL = re.compile(r"(?:不是|唔係|唔系|并非|並非|还不是|還不是|仲未係|\bnot(?: yet)?(?: the| a| an)?(?: full| ordinary| proper| professional)?|"
                                   r"isn't(?: yet)?(?: the| a| an)?(?: full| ordinary| proper)?|\bnor|\bneither)\s*$", re.I)


def _without_negated_levels(text: str) -> str:
    """ "我是普通Member，不是Senior Member也不是Fellow": the grades said not to be theirs dropped (never read as theirs)."""
    for lv in reversed(list(_LEVEL_WORD.finditer(text))):
        neg = _NEGATED_BEFORE_LEVEL.search(text[:lv.start()])
        if neg:
            text = text[:neg.start()] + " " + text[lv.end():]
    return text


def _places(m: "matcher.Matcher", text: str) -> List[Tuple[int, int]]:
    """Spans of the places (listed or not) a text names as where a credential was issued, inside credential names
    too; never the person's nationality or origin ("講錯咗，我其實已經入咗英國籍")."""
    return m.index.place_spans(text, issued_only=True)


def _without_places(m: "matcher.Matcher", text: str) -> str:
    return without_spans(text, _places(m, text))


def _without_negated_places(text: str, spans: List[Tuple[int, int]]) -> str:
    """ "my licence is from Virginia, not Florida", "是佛罗里达州的，不是得州": the place said to be wrong dropped."""
    return without_spans(text, [(a, b) for a, b in spans if NEGATION_BEFORE.search(text[max(0, a - NEGATION_WINDOW):a])])


@dataclass(frozen=True)
class Resolution:
    """Which qualification the latest turn is about.

    status: listed (qid) | confirm (result: generic evidence of one row, ask) | ambiguous (result) |
    unlisted (result) | context (qid from earlier turns) | none
    """

    status: str
    qid: Optional[str] = None
    result: Optional[MatchResult] = None

    @property
    def new(self) -> bool:
        return self.status in ("listed", "confirm", "ambiguous", "unlisted")


def resolve(ctx: Context, verdict: Optional[MatchResult] = None) -> Resolution:
    """The qualification of this turn: a button's entity, a number picking from the options, a mention
    in the text (narrowed by earlier options), else the one from earlier turns. `verdict`: the matcher's
    verdict on the whole text when the caller has it already (no earlier options to narrow by)."""
    qid = ctx.entities.get("qualification")
    typed = bool(ctx.text) and not ctx.text.startswith("/")
    said = _without_negated_levels(after_self_correction(ctx.text)) if typed else ctx.text  # "不是Senior Member也不是Fellow": not theirs
    if typed and ctx.slots.get("qualification") and _COMPARED.search(said):
        # "what extra do I get compared with an ordinary ACCA member?" after "I'm a Fellow, FCCA": the credential
        # compared with is not theirs
        said = _COMPARED.sub(" ", said)
    if qid and said == ctx.text:
        # (NLU's entity for a grade said not to be theirs, "不是Senior Member", is not theirs: the text decides)
        return Resolution("listed", str(qid))
    candidates = ctx.candidates
    if candidates and len(candidates) <= MAX_SHOWN:  # a number picks among rows shown as buttons
        n = picked_number(ctx.text)
        if n is not None and 1 <= n <= len(candidates):
            return Resolution("listed", candidates[n - 1])
    if typed:
        result = verdict if verdict is not None and not candidates and said == ctx.text else \
            matcher.match(said, restrict_to=candidates or None)
        if candidates and result.status == "confirm" and result.evidence == "issuer" and len(result.ids) == 1 \
                and result.ids[0] in candidates:
            # "係國際會計師公會嗰個，唔係精算嗰個" to "AIA: which one?" (R011, R025): the body named picks its row
            return Resolution("listed", result.ids[0], result)
        if result.status in ("none", "ambiguous", "confirm"):
            better = refined(ctx)
            # with options on screen, only a decisive reading replaces the narrowing ("是美国伊利诺伊州的": not listed)
            if better is not None and (not candidates or result.status == "none" or better.status in ("listed", "unlisted")):
                result = better
        if result.status == "listed":
            return Resolution("listed", result.candidates[0].id, result)
        current = ctx.slots.get("qualification")
        if result.status in ("confirm", "ambiguous") and result.evidence == "generic" and current and not candidates \
                and current in result.ids:
            # "What do I need to do before I can practise as a licensed pharmacist?" after the Hong Kong pharmacist's
            # registration: the occupation word of the conversation's own credential, named again (not a new one to
            # ask about, and no row query: "Is my registration in the catalog, and which item?")
            return Resolution("listed", str(current), result)
        if result.status in ("confirm", "ambiguous", "unlisted"):
            return Resolution(result.status, None, result)
        numbered = claims.items_named(ctx.text) if result.status == "none" else []
        if len(numbered) == 1:  # "I hold item 29 on list 2": that row
            return Resolution("listed", numbered[0].id)
        listed = _of_earlier_listing(ctx) if result.status in ("none", "confirm") and not candidates else None
        if listed is not None:  # "For the ski one, what level is required?" after "Which Swiss credentials…?"
            return Resolution("listed", listed)
    nth = _ordinal(ctx) if typed else None
    if nth is not None:  # "第二個要幾多年經驗？" after "我有PMP同CIMA管理級嘅證書": the second one named
        return nth
    if ctx.slots.get("qualification"):
        return Resolution("context", ctx.slots["qualification"])
    if ctx.slots.get("confirming") and _REFERS_BACK.search(ctx.text or "") and not (ctx.text or "").startswith("/"):
        # "我做咗一年半心理諮詢，夠唔夠？" to "is yours the UK psychotherapist?": a question about it (no other credential named)
        return Resolution("context", str(ctx.slots["confirming"]))
    earlier = _earlier_credential(ctx)
    if earlier is not None:
        return Resolution("context", earlier)
    return Resolution("none")


# what a credential is compared with ("compared with an ordinary ACCA member", "比普通ACCA会员"): not the person's
_COMPARED = re.compile(r"(?<![a-z])(?:compared (?:with|to)|as opposed to|versus|vs\.?|than)\s+(?:an?\s+|the\s+)?"
                       r"(?:ordinary|regular|normal|plain|basic|standard)\s+[^,.?;!]{1,40}|"
                       r"(?:比|比起|相比|相比于|相比於|同|跟|和|與|与)(?:一般|普通|普通的|一般的)[^，。？?；;！!]{1,20}?(?:相比|比)?(?=[，。？?；;！!多有]|$)", re.I)


# a message that refers back to the credential of the conversation ("So with that, am I covered?", "我做咗一年半，
# 夠唔夠？", "Is my registration in the catalog?")
_REFERS_BACK = re.compile(r"(?<![a-z])(?:it|that|this|that one|this one|mine|with that|covered|enough|"
                          r"my (?:registration|certificate|cert|licen[cs]e|credential|qualification|one|diploma))(?![a-z])|"
                          r"那个|那個|这个|這個|它|佢張|呢張|嗰張|張證|这证|這證|我的证|我嘅證|夠唔夠|够不够|够唔够|夠不夠|算唔算|算不算|"
                          r"用唔用得|能不能用", re.I)


# "the ski one", "that snowboard certificate", "滑雪那个", "嗰個滑雪嘅": one of the rows listed just before, by a word
_THE_X_ONE = [
    re.compile(r"(?<![a-z])(?:the|that|this)\s+(?P<x>[a-z][a-z-]{1,20}(?:\s+[a-z][a-z-]{1,20})?)\s+"
               r"(?:one|ones|certificate|cert|credential|licen[cs]e|qualification)(?![a-z])", re.I),
    re.compile(r"(?:那个|那個|嗰个|嗰個|这个|這個|呢个|呢個)(?P<x>[\u4e00-\u9fff]{2,6}?)(?:的|嘅)?(?:证书|證書|证|證)?(?=[，,。？?、\s]|$)"),
    re.compile(r"(?P<x>[\u4e00-\u9fff]{2,6}?)(?:的|嘅)?(?:那个|那個|嗰个|嗰個|那张|那張|嗰張)"),
]


def _of_earlier_listing(ctx: Context) -> Optional[str]:
    """The row "the ski one" picks among the rows the previous message asked the catalog to list ("Which Swiss
    credentials are in the catalog?"): the only one of them whose name, issuer or aliases hold the word."""
    if not ctx.history or not ctx.text:
        return None
    words = [m.group("x").strip().casefold() for rx in _THE_X_ONE for m in rx.finditer(ctx.text)]
    words = [w for w in words if w not in ("first", "second", "third", "last", "other", "same", "latter", "former")]
    if not words:
        return None
    earlier = ctx.history[-1]
    filters = staff_filters.parse(earlier) if staff_filters.asks_for_rows(earlier) else None
    if filters is None or not filters.any():
        return None
    rows = staff_filters.run(filters)
    if not 2 <= len(rows) <= 20:
        return None
    for w in words:
        word = re.compile(rf"(?<![a-z]){re.escape(w)}" if w.isascii() else re.escape(w))
        hit = [q for q in rows if any(word.search(n.casefold()) for n in (q.name.zh, q.name.en, q.issuer.zh, q.issuer.en,
                                                                           *q.all_aliases))]
        if len(hit) == 1:
            return hit[0].id
    return None


def _earlier_credential(ctx: Context) -> Optional[str]:
    """The listed credential the last messages settled on, when no slot kept it (a turn answered by a route that
    sets none, or an unlisted mention completed later): "Is HKIS membership recognized?" → "I'm only a Probationer"
    → "OK, but with that..."; only for a message that refers back, and never past a later unlisted one."""
    if not ctx.text or ctx.text.startswith("/") or not ctx.history or not _REFERS_BACK.search(ctx.text):
        return None
    for k in range(1, min(3, len(ctx.history)) + 1):
        r = refined(replace(ctx, text=ctx.history[-k], history=ctx.history[:-k])) or matcher.match(ctx.history[-k])
        if r.status == "listed" and r.ids:
            return r.ids[0]
        if r.status == "unlisted":
            return None
    return None


_ORDINAL = re.compile(r"(?:第一|第1|头一|頭一)(?:个|個|项|項|张|張)|前者|(?<![a-z])(?:the )?(?:first|1st) (?:one|credential|certificate|cert)|the former"
                      r"|(?P<second>(?:第二|第2)(?:个|個|项|項|张|張)|后者|後者|(?<![a-z])(?:the )?(?:second|2nd) (?:one|credential|certificate|cert)"
                      r"|the latter)|(?P<third>(?:第三|第3)(?:个|個|项|項|张|張)|(?<![a-z])(?:the )?(?:third|3rd) (?:one|credential|certificate|cert))", re.I)


def _ordinal(ctx: Context) -> Optional[Resolution]:
    """ "第二個", "the second one", "后者": the credential of that rank among several an earlier message named."""
    m = _ORDINAL.search(ctx.text or "")
    if m is None or not ctx.history or ctx.candidates:
        return None
    n = 1 if m.group("second") else 2 if m.group("third") else 0
    for earlier in reversed(ctx.history[-2:]):
        named = [r for r in matcher.get_matcher().match_each(earlier) if r.status in ("listed", "unlisted")]
        if len(named) >= 2:
            if m.group(0) in ("后者", "後者", "the latter"):
                n = len(named) - 1
            if n >= len(named):
                return None
            r = named[n]
            return Resolution("listed", r.ids[0], r) if r.status == "listed" else Resolution("unlisted", None, r)
    return None


def earlier_unlisted(ctx: Context) -> Optional[MatchResult]:
    """The unlisted credential the last messages settled on, for a message that names none and refers back to it
    ("So can I use it in Beijing?" after "It's the UEFA C licence"); None when a listed one came later or none."""
    if not ctx.text or ctx.text.startswith("/") or not ctx.history or not _REFERS_BACK.search(ctx.text) \
            or ctx.slots.get("qualification") or ctx.slots.get("confirming") or ctx.candidates:
        return None
    for k in range(1, min(3, len(ctx.history)) + 1):
        then = replace(ctx, text=ctx.history[-k], history=ctx.history[:-k])
        r = refined(then) or matcher.match(then.text)
        if r.status == "unlisted" and r.unlisted is not None:
            return r
        if r.status != "none":
            return None
    return None


def slot_events(res: Resolution, pending: Optional[str] = None) -> List[Dict[str, Any]]:
    """The slot changes that follow from a resolution (a new mention replaces the old one)."""
    if res.status == "listed":
        return [slot("qualification", res.qid), slot("candidates", None), slot("confirming", None),
                slot("pending_intent", None)]
    if res.status == "confirm" and res.result is not None:
        # "营养师", "TÜV SÜD": the bot asks whether it is the listed row's credential (yes/no buttons)
        return [slot("qualification", None), slot("candidates", None), slot("confirming", res.result.ids[0]),
                slot("pending_intent", pending)]
    if res.status == "ambiguous" and res.result is not None:
        return [slot("qualification", None), slot("candidates", ",".join(res.result.ids)),
                slot("confirming", None), slot("pending_intent", pending)]
    if res.status == "unlisted":
        return [slot("qualification", None), slot("candidates", None), slot("confirming", None),
                slot("pending_intent", None)]
    return []


def slot(name: str, value: Any) -> Dict[str, Any]:
    """rasa-sdk's SlotSet: the event dict Rasa expects ({"event": "slot", "name", "value", "timestamp": None}),
    built by the SDK rather than by hand so that its shape follows the SDK's."""
    return SlotSet(name, value)


