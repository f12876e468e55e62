"""The person's facts said in one message: nationality, age, 高精尖 or not, years of related experience and
whether they work for a Beijing employer. Pure Python (the NLU's ProfileExtractor and the actions both use it).

Word lists in data/profile_lexicon.yml. Every finder returns None when the message does not say: a fact
not said is never guessed, and a fact said earlier is kept by the caller until the person changes it.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from catalog.text import normalize, to_simplified

MIN_AGE, MAX_AGE = 16, 100
MAX_YEARS = 60

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10, "半": 0.5}
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "a": 1, "an": 1,
               "half a": 0.5}
_NUM = r"(\d{1,2}(?:\.\d)?|[一二两俩兩三四五六七八九十]{1,3})"
_EN_NUM = r"(\d{1,2}(?:\.\d)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"

_AGE_PATTERNS = [
    re.compile(r"(\d{2,3})\s*(?:周岁|岁|歲|週歲)"),
    re.compile(r"([一二三四五六七八九]十[一二三四五六七八九]?)\s*(?:周岁|岁|歲|週歲)"),
    re.compile(r"(?:今年|年龄|年紀|年纪|年齡)\s*(?:是|有|已经|已經|已|係|系)?\s*(\d{2,3})"),
    # "哦说错了，我68了", "我都67啦"
    re.compile(r"我(?:已经|已經|都|而家|现在|現在|今年)?\s*(\d{2})\s*(?:了|啦|喇|咯)"),
    re.compile(r"\b(\d{2,3})\s*(?:(?:years?|yrs?)[\s-]*old|y/?o)\b", re.I),
    # "by the time the permit is processed I'll already be 66"
    re.compile(r"\b(?:i'?ll|i will|i'?d|i would)\s+(?:already\s+|then\s+|just\s+|soon\s+|probably\s+)?be\s+(\d{2})\b"
               r"(?!\s*(?:years? (?:of|in)|%))", re.I),
    re.compile(r"\b(?:i'?m|i am|aged?|age is|age of|at|turning|turned)\s+(\d{2,3})\b"
               r"(?!\s*(?:years? of|%|percent|hours?|years? (?:in|working|experience)))", re.I),
]
_EXPERIENCE_PATTERNS = [
    # 一共3年 / 总共三年 / in total 3 years / 3 years in total: the sum the person gives wins over its parts
    re.compile(r"(?:一共|总共|總共|合共|加起来|加起來|累计|累計|共)\s*(?:有|是|做了|干了|做咗)?\s*" + _NUM + r"\s*(年半|年多|多年|年)"),
    re.compile(r"\b(?:in total|total of|altogether)\s*" + _EN_NUM + r"\s*(\+)?\s*years?", re.I),
    # 3年相关工作经验 / 两年多的从业经历 / 一年半经验
    re.compile(_NUM + r"\s*(年半|年多|多年|年以上|年)\s*(?:的)?\s*(?:相关|相關|对口|專業|专业)?\s*(?:工作|从业|從業|执业|執業|行业|行業)?\s*(?:经验|經驗|经历|經歷|年限)"),
    # 工作了3年 / 从业两年 / 干了三年 / 做了一年半
    re.compile(r"(?:工作|从业|從業|执业|執業|干|幹|做|做咗|做了|干了|幹了|工作了|从事|從事|教了|教咗|教过|教過|带了|帶咗|执教|執教)[^\d一二两俩兩三四五六七八九十，。,.]{0,8}?"
               + _NUM + r"\s*(年半|年多|多年|年)"),
    # 经验3年 / 工作经验：两年
    re.compile(r"(?:经验|經驗|经历|經歷|年限)\s*(?:是|有|只有|才|约|大概|:|：)?\s*" + _NUM + r"\s*(年半|年多|年)"),
    # 3 years of (related) experience / 2+ years' experience / two years experience
    re.compile(r"(?<!valid for )(?<!valid up to )(?<!up to )\b" + _EN_NUM + r"\s*(\+)?\s*(?:full\s+)?(?:years?|yrs?)'?\s*(?:of\s+)?(?:related\s+|relevant\s+|professional\s+|"
               r"post-qualification\s+|work(?:ing)?\s+|industry\s+|practical\s+)*(?:[a-z][a-z-]{2,20}\s+)?(?:experience|exp\b|work)", re.I),
    # I have 2 years in trade-finance compliance / I've done 1 year of cloud work
    re.compile(r"\b(?:have|has|had|got|done)\s+(?:about\s+|around\s+|only\s+|just\s+|nearly\s+|almost\s+|over\s+)?" + _EN_NUM
               + r"\s*(\+)?\s*(?:years?|yrs?)\s+(?:of\s+|in\s+|at\s+|as\s+|doing\s+)", re.I),
    # "I have 18 months. Is that enough?" (after "how much experience do I need?"): the person's own years
    re.compile(r"\b(?:i have|i've got|i've had|i've|i had|i got|i only have|i just have)\s+(?:about\s+|around\s+|only\s+|"
               r"just\s+|nearly\s+|almost\s+|over\s+)?" + _EN_NUM + r"\s*(\+)?\s*(?:years?|yrs?)\b"
               r"(?!\s+(?:old|left|to go|ago|visa|residence|permit|contract|valid))", re.I),
    # worked (for) 3 years / working for two years
    re.compile(r"\b(?:worked|working|been working|practi[sc]ed|practi[sc]ing|coached|coaching|taught|teaching|doing|been doing|"
               r"done|did)\b"
               r"(?:[^.\d]|(?<=[a-z])\d)*?\b(?:for\s+)?(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+|like\s+|roughly\s+|only\s+)?"
               + _EN_NUM + r"\s*(\+)?\s*(?:school\s+)?(?:years?|yrs?)", re.I),
    # 3 yrs in kitchens / 2 years as a nurse (not "5 years in Beijing": a place is no experience)
    re.compile(r"\b" + _EN_NUM + r"\s*(\+)?\s*(?:years?|yrs?)\s+(?:in|doing)\s+(?:the\s+|a\s+|an\s+)?"
               r"(?!beijing|china|shanghai|the catalog|total)[a-z]", re.I),
    # experience of 1 year / experience: 2 years / only 1 year of
    re.compile(r"\b(?:experience|exp)\s*(?:of|is|:|=)?\s*(?:only|just|about|around)?\s*" + _EN_NUM + r"\s*(\+)?\s*"
               r"(?:years?|yrs?)", re.I),
    re.compile(r"\b(?:only|just)\s+" + _EN_NUM + r"\s*(\+)?\s*years?\b", re.I),
    # I did 8 years of consulting / spent 4 years teaching / after 3 years in audit / three years as an auditor
    re.compile(r"\b(?:did|spent|put in|after|with)\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?" + _EN_NUM
               + r"\s*(\+)?\s*years?\s+(?:of\s+|in\s+|as\s+|at\s+|doing\s+|[a-z]+ing\b)", re.I),
    re.compile(r"(?<!stay )(?<!for )(?<!valid )(?<!live )(?<!lived )(?<!next )(?<!in )\b" + _EN_NUM
               + r"\s*(\+)?\s*(?:years?|yrs?)\s+as\s+(?:an?\s+|the\s+)?[a-z]", re.I),
    # I have been a nurse for 10 years / been an auditor for about three years
    re.compile(r"\bbeen\s+(?:an?\s+)?[a-z][a-z -]{1,30}?\s+for\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?"
               + _EN_NUM + r"\s*(\+)?\s*years?", re.I),
    # 刚毕业一年 (working since: one year)
    re.compile(r"(?:毕业|畢業)(?:了|咗)?\s*" + _NUM + r"\s*(年半|年多|年)"),
    re.compile(r"\b(half a|a|an)\s+year'?s?\s+(?:of\s+)?(?:related\s+|relevant\s+|work\s+)*experience", re.I),
]


# what a message says is read several times a turn (the frame, the reasoner, the routing): each function is pure
# in the text (the word lists are read once per process), so its answer is kept for the texts seen last
CACHE_SIZE = 4096


@functools.lru_cache(maxsize=1)
def lexicon() -> Dict[str, Any]:
    with (Path(__file__).parent / "data" / "profile_lexicon.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@functools.lru_cache(maxsize=64)
def _prepared(words: Tuple[str, ...]) -> List[Tuple[str, Optional["re.Pattern[str]"]]]:
    """The words normalised, longest first; Latin ones as a pattern that respects word edges."""
    out = []
    for w in sorted((normalize(w) for w in words), key=len, reverse=True):
        out.append((w, re.compile(rf"(?<![a-z]){re.escape(w)}(?![a-z])") if w.isascii() else None))
    return out


def _find(text: str, words: List[str]) -> Optional[Tuple[int, int]]:
    for w, pattern in _prepared(tuple(words)):
        if w not in text:
            continue
        if pattern is not None:
            m = pattern.search(text)
            if m:
                return m.span()
        else:
            i = text.find(w)
            if i >= 0:
                return i, i + len(w)
    return None


def _last(text: str, words: List[str]) -> Optional[Tuple[int, int]]:
    """The last occurrence of any of `words` ("我以前是中国籍，现在是美国籍": the latest fact counts)."""
    best: Optional[Tuple[int, int]] = None
    for w, pattern in _prepared(tuple(words)):
        if w not in text:  # neither search can match without the word itself (most words, most messages)
            continue
        spans = [m.span() for m in pattern.finditer(text)] if pattern is not None else \
            [(m.start(), m.start() + len(w)) for m in re.finditer(re.escape(w), text)]
        for span in spans:
            if best is None or span[0] > best[0] or (span[0] == best[0] and span[1] > best[1]):
                best = span
    return best


def _number(word: str) -> Optional[float]:
    word = word.strip().lower()
    if not word:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    if word in _EN_NUMBERS:
        return float(_EN_NUMBERS[word])
    if all(ch in _CN_DIGITS for ch in word):
        if word == "十":
            return 10.0
        if "十" in word:
            head, _, tail = word.partition("十")
            return float((_CN_DIGITS.get(head, 1) if head else 1) * 10 + (_CN_DIGITS.get(tail, 0) if tail else 0))
        if len(word) == 1:
            return float(_CN_DIGITS[word])
        if word in ("一半",):
            return 0.5
    return None


_DEMONYMS = ("american|british|english|scottish|welsh|irish|canadian|australian|new zealander|kiwi|german|french|"
             "italian|spanish|portuguese|dutch|belgian|swiss|austrian|swedish|norwegian|danish|finnish|polish|"
             "russian|ukrainian|japanese|korean|south korean|indian|pakistani|bangladeshi|singaporean|malaysian|"
             "indonesian|filipino|thai|vietnamese|brazilian|mexican|argentinian|chilean|colombian|nigerian|"
             "kenyan|south african|egyptian|turkish|israeli|iranian|emirati|saudi|greek|czech|hungarian|"
             "romanian|mongolian|kazakh|uzbek|foreign|a foreigner|foreigner")
# "I'm 66, American", "I'm a Canadian engineer": a demonym said of oneself (not "American Board of …")
_SELF_DEMONYM = re.compile(r"\b(?:i'?m|i am|im|as an?|being an?)\b[^.;!?]{0,14}?\b(?:" + _DEMONYMS + r")\b"
                           r"(?!\s+(?:society|institute|board|college|association|academy|council|bar|registry|"
                           r"institution|chamber|heart|medical|dental|bureau|national|certified|cpa|cfa|"
                           r"license|licence|certificate|credential|qualification|qualifications|degree|experience|"
                           r"certificates|credentials|work|company|employer))")


# "我去年拿了新加坡国籍", "加拿大籍": a nationality that is not China's
# "Spanish national here, 63", "a German citizen", "Kenyan, 40, nurse": a demonym naming the person
_DEMONYM_PERSON = re.compile(r"\b(?:" + _DEMONYMS + r")\s+(?:national|citizen|passport holder)\b|"
                             r"^\s*(?:" + _DEMONYMS + r")\b(?=\s*(?:,|here\b|\(|\d))")
_OTHER_NATIONALITY = re.compile(r"([\u4e00-\u9fff]{1,4}?)(?:国籍|国公民)(?!人员)")


_GIVEN_UP = re.compile(r"(?:不再|冇再|没再|无再|唔再|放弃|放弃了|放弃咗|交回|注销|注销了|gave up|given up|give up|renounced|"
                       r"surrendered|no longer (?:hold|have|use)|don't use|do not use|"
                       r"冇|没有|沒有|无|無|並無|并无|no|without|don't have|do not have|never had)\s*(?:用|持有|使用|有|拿|揸|任何|any|my|a|the|his|her)?\s*$",
                       re.I)  # ("冇外國護照", "no foreign passport": not foreign)


@functools.lru_cache(maxsize=CACHE_SIZE)
def nationality(text: str) -> Optional[Tuple[str, Tuple[int, int]]]:
    """chinese | foreign, the one said last ("I was Chinese, now I'm Canadian" → foreign)."""
    norm = normalize(text)
    lex = lexicon()["nationality"]
    foreign = _last(norm, lex["foreign"])  # "非中国籍" is foreign: it contains a Chinese word
    if foreign and _GIVEN_UP.search(to_simplified(norm[max(0, foreign[0] - 12):foreign[0]])):
        foreign = None  # "已经入咗中國籍，冇再用英國護照", "gave up my British passport": no longer foreign
    demonyms = [m.span() for m in _SELF_DEMONYM.finditer(norm)] + [m.span() for m in _DEMONYM_PERSON.finditer(norm)]
    demonyms += [m.span() for m in _OTHER_NATIONALITY.finditer(norm) if "中" not in m.group(1)[-2:]]
    demonyms.sort()
    if demonyms and (foreign is None or demonyms[-1][0] > foreign[0]):
        foreign = demonyms[-1]
    chinese = _last(norm, lex["chinese"])
    if foreign and chinese and foreign[0] <= chinese[0] < foreign[1]:
        chinese = None  # the Chinese word inside the foreign one
    if chinese and foreign and chinese[0] <= foreign[0] < chinese[1]:
        foreign = None
    if foreign and (not chinese or foreign[0] > chinese[0]):
        return "foreign", foreign
    if chinese:
        return "chinese", chinese
    return None


# before a 高精尖 word, in the same clause: the person does not know ("不知道算不算高精尖", "not sure if it's high-end")
_HIGH_END_UNKNOWN = re.compile(r"(?:是不是|是否|算不算|属不属于|屬不屬於|属唔属于|屬唔屬於|係唔係|系唔系|算唔算|不知道|不清楚|唔知|唔清楚|"
                               r"不确定|不確定|whether|not sure|unsure|don't know|do not know|no idea|if (?:it|we|they) (?:is|are|count))"
                               r"[^，,。.;；!！?？]{0,30}$", re.I)
# … or says it is not ("应该不算什么高精尖", "算不上高精尖", "isn't really a high-end")
_HIGH_END_NOT = re.compile(r"(?:不|唔|非|没|沒|冇|算不上|谈不上|談不上)[^，,。.;；!！?？]{0,8}$|"
                           r"(?:\bnot\b|n't\b|\bnever\b|\bno\b)[^,.;!?]{0,16}$", re.I)


@functools.lru_cache(maxsize=CACHE_SIZE)
def high_end(text: str) -> Optional[Tuple[bool, Tuple[int, int]]]:
    norm = normalize(text)
    lex = lexicon()["high_end"]
    yes = _find(norm, lex["high_end_words"])
    if yes:
        before = norm[max(0, yes[0] - 40):yes[0]]
        if _HIGH_END_UNKNOWN.search(before):
            return None
        if _HIGH_END_NOT.search(before):
            return False, yes
    no = _find(norm, lex["not_high_end_words"])
    if no:
        return False, no
    return (True, yes) if yes else None


# "American, 66, I teach…", "my mum (german, 72)": a demonym, then the age
_DEMONYM_AGE = re.compile(r"(?:^|[(,;]\s*|\b(?:i'm|i am|im|she's|he's|she is|he is|my wife is|my husband is)\s+(?:an?\s+)?)(?:" + _DEMONYMS + r")(?:\s+(?:citizen|national|passport holder))?\s*,\s*(\d{2})\b(?!\s*(?:years? of|yrs? of|%|年))")


@functools.lru_cache(maxsize=CACHE_SIZE)
def age(text: str) -> Optional[Tuple[int, Tuple[int, int]]]:
    norm = normalize(text)
    for pattern in _AGE_PATTERNS + [_DEMONYM_AGE]:
        for m in pattern.finditer(norm):
            value = _number(m.group(1))
            if value is not None and MIN_AGE <= value <= MAX_AGE:
                return int(value), m.span(1)
    return None


# "do I need 2 yrs", "要求两年经验吗": the years asked about, not the person's own
_ASKED_REQUIREMENT = re.compile(r"(?:need|needs|require[sd]?|requirement|at least|minimum|要求|需要|须|須|满|滿)\s*(?:of\s+)?$", re.I)


def experience_years(text: str) -> Optional[float]:
    """Years of (related) work experience the person says they have ("工作两年多" → 2, "一年半" → 1.5,
    "about a year and a half" → 1.5, "18 months" → 1.5; "1 year here, before that 5 years in Tokyo" → 6)."""
    return _experience(text)[0]


def experience_in_periods(text: str) -> bool:
    """Whether the person's experience is given as several periods ("1 year here, before that 5 years in Tokyo")."""
    return _experience(text)[1] > 1


@functools.lru_cache(maxsize=CACHE_SIZE)
def _experience(text: str) -> Tuple[Optional[float], int]:
    """The years and the number of periods they were given in."""
    norm = _en_fractions(normalize(text))
    none = _NO_EXPERIENCE.search(norm)
    if none and not _ASKED_NONE.search(norm[none.end():none.end() + 14]):
        return 0.0, 1  # "Just graduated, zero work experience", "刚毕业，没有工作经验" (not "no experience required?")
    for pattern in _EXPERIENCE_PATTERNS:
        m = next((m for m in pattern.finditer(norm) if not _ASKED_REQUIREMENT.search(norm[max(0, m.start() - 14):m.start()])),
                 None)
        if not m:
            continue
        value = _number(m.group(1))
        if value is None:
            continue
        suffix = m.group(2) if m.lastindex and m.lastindex >= 2 else ""
        if suffix == "年半":
            value += 0.5
        earlier = _earlier_periods(norm[m.end():])
        value += sum(earlier)
        if 0 <= value <= MAX_YEARS:
            return value, 1 + len(earlier)
    return None, 0


# "1 year at a Beijing firm, and before that 5 years in Tokyo", "在北京做了1年，之前在东京干了5年": a second period of
# the person's work, added to the first (the sum is their experience; where it was gained is Section 1, item 5's)
_EARLIER_PERIOD = [
    re.compile(r"(?:before that|prior to that|before this|previously|earlier|plus|and another|and also)[^.;!?\d]{0,24}?"
               r"\b" + _EN_NUM + r"\s*(?:more\s+)?(?:years?|yrs?)\b", re.I),
    re.compile(r"(?:之前|此前|在此之前|再之前|以前|之前还|此前还|另外|加上|再加上)[^，。,.;；!！?？\d一二两俩兩三四五六七八九十]{0,12}?"
               + _NUM + r"\s*(年半|年多|年)"),
]


def _earlier_periods(rest: str) -> List[float]:
    out: List[float] = []
    for pattern in _EARLIER_PERIOD:
        for m in pattern.finditer(rest):
            value = _number(m.group(1))
            if value is not None and 0 < value <= MAX_YEARS:
                out.append(value + (0.5 if m.lastindex and m.lastindex >= 2 and m.group(2) == "年半" else 0.0))
    return out



_NO_EXPERIENCE = re.compile(r"(?:zero|no|without any|without|don't have any|do not have any|haven't got any)\s+(?:related\s+|relevant\s+|real\s+|"
                            r"professional\s+)?(?:work(?:ing)?\s+)?experience|(?:我|佢|他|她)?(?:还|還|仲)?(?:没有|沒有|冇|无|無)(?:任何)?(?:相关|相關)?"
                            r"(?:工作)?(?:经验|經驗)|(?:工作)?(?:经验|經驗)(?:为|為|係|是)?(?:零|0)|零(?:工作)?(?:经验|經驗)", re.I)
_ASKED_NONE = re.compile(r"^\s*(?:is\s+)?(?:required|needed|necessary|requirement|要求|也行|也可以|可以吗|可以嗎|得唔得|行吗|行嗎|ok)", re.I)
_AND_A_HALF = re.compile(r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?:years?\s+)?and\s+a\s+half"
                         r"(?:\s+years?)?", re.I)
_MONTHS = re.compile(r"\b(\d{1,3}|six|nine|eighteen|eight|ten|twelve)\s*months?\b", re.I)
_ZH_MONTHS = re.compile(r"(\d{1,3})\s*(?:个|個)(?:多)?月")  # "做了18个月" -> "做了1.5年"
# "for about a year", "a year of related work" -> "1 year" (after "a year and a half" became "1.5 years")
_A_YEAR = re.compile(r"(?<![a-z])a\s+(?:single\s+|full\s+)?year(?![a-z])(?!\s+(?:ago|later|from now|left))", re.I)
_MONTH_WORDS = {"six": 6, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18}


def _en_fractions(norm: str) -> str:
    """ "a year and a half" -> "1.5 years", "two and a half years" -> "2.5 years", "18 months" -> "1.5 years",
    "about a year" -> "about 1 year"."""
    def half(m: "re.Match[str]") -> str:
        value = _number(m.group(1))
        return f"{(value or 0) + 0.5:g} years"

    def months(m: "re.Match[str]") -> str:
        word = m.group(1).lower()
        n = int(word) if word.isdigit() else _MONTH_WORDS[word]
        return f"{n / 12:.1f} years" if n % 12 else f"{n // 12} years"

    def zh_months(m: "re.Match[str]") -> str:
        n = int(m.group(1))
        return f"{n / 12:.1f}年" if n % 12 else f"{n // 12}年"

    return _ZH_MONTHS.sub(zh_months, _A_YEAR.sub("1 year", _MONTHS.sub(months, _AND_A_HALF.sub(half, norm))))


@functools.lru_cache(maxsize=CACHE_SIZE)
def beijing_employer(text: str) -> Optional[bool]:
    """Whether the person works for (has a labour relationship with) an employer in Beijing."""
    norm = normalize(text)
    lex = lexicon()["employer"]
    if _find(norm, lex["no_employer"]) or _NO_BEIJING_EMPLOYER.search(norm):
        return False
    # ("I want to work in Beijing one day", "我打算在北京工作": not yet)
    found = _find(norm, lex["has_employer"])
    m = _BEIJING_WORK.search(norm)
    for start in ([found[0]] if found else []) + ([m.start()] if m else []):
        if not _PLANNED.search(norm[max(0, start - 14):start]):
            return True
    return None


# "在北京没有用人单位", "北京冇公司", "I have no employer in Beijing", "my employer is in Shanghai"
_OTHER_CITY = r"(?:上海|深圳|广州|廣州|杭州|天津|南京|成都|武汉|武漢|苏州|蘇州|香港|澳门|澳門|台北|新加坡|shanghai|shenzhen|guangzhou|hangzhou|tianjin|hong kong|singapore)"
_NO_BEIJING_EMPLOYER = re.compile(
    r"(?:没|沒|冇|没有|沒有|未|并未|並未)(?:跟|和|与|與|同)(?:任何)?北京(?:的|嘅)?(?:任何)?(?:用人)?(?:单位|單位|公司|雇主|企业|企業)(?:签|簽|建立|订|訂)|"
    rf"(?:劳动|勞動)?合同(?:是)?(?:签|簽)(?:在|喺|于|於)(?:了)?{_OTHER_CITY}|"
    # "而家喺深圳返工", "现在在上海上班": working in another city; "未有北京公司請我": no Beijing employer yet
    rf"(?:在|喺){_OTHER_CITY}(?:工作|上班|返工|做嘢|打工)|"
    r"(?:未有|还没有|還沒有|仲未有|没有|沒有|冇)(?:北京|在京)(?:的|嘅)?(?:公司|单位|單位|雇主|企业|企業)(?:请|請|聘|要|录用|錄用)|"
    # "劳动合同也是跟上海的公司签的", "合約係同深圳公司簽嘅"
    rf"(?:劳动|勞動)?(?:合同|合約|合约)(?:也|都)?(?:是|係|系)?(?:跟|和|与|與|同){_OTHER_CITY}(?:的|嘅)?[^，。,.!?？；;]{{0,6}}?(?:公司|单位|單位|企业|企業|机构|機構)(?:签|簽)|"
    rf"(?:在|喺){_OTHER_CITY}(?:的|嘅)?(?:一|某)?(?:家|间|間|个|個|所)?[^，。,.!?？；;]{{0,8}}?(?:公司|单位|單位|企业|企業|机构|機構|学校|學校|医院|醫院|大学|大學|券商|银行|銀行|律所|事务所|事務所|基金|酒店)"
    r"(?:工作|上班|返工|任职|任職|就职|就職|教书|教書|教学|教學)|"
    r"(?:跟|和|与|與|同)北京(?:的|嘅)?(?:任何)?(?:用人)?(?:单位|單位|公司|雇主)?(?:没有|沒有|冇|无|無)(?:任何)?(?:劳动|勞動|人事|雇佣|僱傭)?(?:劳动|勞動)?关系|"
    # "和北京的单位没有签任何合同", "同北京公司冇簽過合約"
    r"(?:跟|和|与|與|同)北京(?:的|嘅)?(?:任何)?(?:用人)?(?:单位|單位|公司|雇主|企业|企業)?(?:都)?(?:没有|沒有|冇|无|無|未|没|沒)(?:有)?"
    r"(?:签|簽|签订|簽訂|订|訂)?(?:过|過|任何|过任何|過任何)?(?:劳动|勞動|聘用|工作)?(?:合同|合約|协议|協議)|"
    r"(?:还|還|仲)?(?:没|沒|未|冇)(?:有)?(?:找到|搵到|找着|找著)(?:北京|在京)(?:的|嘅)?(?:学校|學校|单位|單位|工作|公司|雇主|医院|醫院|工)|"
    r"(?:在|喺)?北京(?:还|還|仲)?(?:没有|沒有|冇|无|無)(?:任何)?(?:用人|工作)?(?:单位|單位|公司|雇主|工作)|"
    rf"{_OTHER_CITY}(?:的|嘅)?(?:一|某)?(?:家|间|間|个|個)?[^，。,.!?？；;]{{0,6}}?(?:公司|单位|單位|企业|企業)(?:的|嘅)?(?:员工|員工|职员|職員)|"
    r"\bno\s+(?:employer|job)\s+in\s+beijing|(?:don't|do not|doesn't|does not)\s+have\s+(?:an?\s+)?(?:employer|job)\s+in\s+beijing|"
    r"(?:not|n't)\s+(?:working|employed|based)\s+in\s+beijing|"
    r"(?:haven't|have not|hasn't|has not|not yet|yet to|didn't|did not|still looking for|looking for)\s+(?:yet\s+)?(?:found|find|got|get|secured?)?\s*"
    r"(?:an?|any|the)\s+(?:beijing\s+|chinese\s+)?(?:employer|job|offer|position)|"
    r"(?:without|before having|before finding|before i (?:have|find|get))\s+(?:an?\s+)?(?:beijing\s+)?(?:employer|job)|"
    r"(?:还|還|仲)(?:没|沒|未|冇)(?:有)?(?:找到|搵到|签|簽)?(?:北京)?(?:的|嘅)?(?:用人)?(?:单位|單位|雇主|工作|工|offer|公司)|"
    r"(?:还在|還在|仲喺)(?:找|搵)(?:工作|工|单位|單位)|"
    r"(?:还|還|仲)?(?:没|沒|未|冇)(?:有)?(?:在|喺)(?:北京|京)(?:找到|搵到|找着|找著|揾到)(?:工作|工|单位|單位|公司|雇主|学校|學校|医院|醫院)|"
    r"(?:haven't|have not|hasn't|has not|not yet|yet to|still looking for|looking for)\s+(?:yet\s+)?(?:found|got|secured)?\s*"
    r"(?:work|employment)\b(?:\s+in\s+beijing)?|"
    rf"(?:my|our|his|her)\s+(?:employer|company)\s+is\s+(?:based\s+)?in\s+{_OTHER_CITY}|"
    rf"(?:work|working|employed)\s+(?:for|at|with|in)\s+(?:a |an |the )?[a-z' -]{{0,30}}?\bin\s+{_OTHER_CITY}\b", re.I)


# "My firm says they won't recommend me", "单位不肯推荐我", "公司唔推薦我": the employer's recommendation (二.2) refused
_NOT_RECOMMENDED = re.compile(
    r"(?:won't|will not|wouldn't|would not|don't|do not|doesn't|does not|didn't|did not|refuse[sd]? to|declined? to|"
    r"not going to|unwilling to)\s+(?:\w+\s+)?recommend(?:\s+me)?|(?:no|without (?:a|any|the)?)\s*(?:employer'?s?\s+)?"
    r"recommendation|(?:不|不肯|不会|不會|不愿意|不願意|不同意|唔|唔肯|唔會|冇)(?:给我|俾我|幫我|帮我)?推(?:荐|薦)|没有推(?:荐|薦)|沒有推(?:荐|薦)|"
    r"拒绝推(?:荐|薦)|拒絕推(?:荐|薦)", re.I)


# "no overseas certificate", "no catalogue credential yet", "我没有任何境外证书", "冇境外證書": no credential held at all
_HOLDS_NONE = re.compile(
    r"(?<![a-z])(?:no|without|don't have|do not have|haven't got|have no|not holding|not hold)\s+(?:an?\s+|any\s+)?"
    r"(?:overseas|foreign|catalogue|catalog|listed|international|professional)\s+(?:professional\s+)?"
    r"(?:certificate|certificates|credential|credentials|qualification|qualifications|certification|cert|certs)(?![a-z])|"
    r"(?:没有|沒有|冇|无|無|没|沒)(?:任何|什么|咩)?(?:境外|海外|国外|國外|目录内|目錄內|目录里|目錄裡)(?:的|嘅)?(?:职业)?(?:证书|證書|资格|資格|证|證)",
    re.I)


def holds_none(text: str) -> bool:
    """Whether the person says they hold no overseas (catalog) credential at all."""
    return bool(_HOLDS_NONE.search(normalize(text or "")))


@functools.lru_cache(maxsize=CACHE_SIZE)
def recommended(text: str) -> Optional[bool]:
    """False when the person says the employer will not recommend them (二.2's condition); otherwise unknown."""
    return False if _NOT_RECOMMENDED.search(normalize(text or "")) else None


_PLANNED = re.compile(r"(?:want|wants|would like|plan|plans|planning|hope|hoping|looking|going|intend|intends|may|might|"
                      r"想|打算|准备|準備|希望|计划|計劃|将来|將來|以后|以後)\s*(?:to\s+)?$", re.I)


# "我在北京一个事业单位的研究所工作", "喺北京間醫院返工", "working at a hospital in Beijing": a workplace in Beijing
_WORKPLACE = (r"(?:公司|单位|單位|企业|企業|机构|機構|医院|醫院|学校|學校|研究所|研究院|事务所|事務所|银行|銀行|大学|大學|券商|"
              r"律所|工厂|工廠|集团|集團|国企|國企|央企|外企|事业单位|事業單位)")
_BEIJING_WORK = re.compile(rf"(?:在|喺|于|於)\s*(?:北京|京(?!都|城大学))[^，。,.!?？；;]{{0,16}}?(?:工作|上班|做嘢|返工|任职|任職|就职|就職|供职|供職|打工)|"
                           rf"(?:在|喺)\s*北京[^，。,.!?？；;]{{0,10}}?{_WORKPLACE}|北京(?:的|嘅)?(?:一|某)?(?:个|個|间|間|家|所)?[^，。,.!?？；;]{{0,6}}?{_WORKPLACE}"
                           r"(?:工作|上班|做嘢|返工|任职|任職|就职|就職)|"
                           r"(?:work|working|employed|teach|teaching|job)\s+(?:for|at|in|with)\s+(?:a |an |the )?[a-z' -]{0,30}?"
                           r"(?:in |at )?beijing|beijing[- ]based", re.I)


def extract(text: str) -> List[Dict[str, Any]]:
    """Entities for nationality, age and high_end found in `text` (spans in the normalised text)."""
    found: List[Dict[str, Any]] = []
    nat = nationality(text)
    if nat:
        found.append(_entity("nationality", nat[0], nat[1]))
    he = high_end(text)
    if he:
        found.append(_entity("high_end", "true" if he[0] else "false", he[1]))
    a = age(text)
    if a:
        found.append(_entity("age", a[0], a[1]))
    return found


def _entity(name: str, value: Any, span: Tuple[int, int]) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": span[0], "end": span[1], "confidence": 1.0}
