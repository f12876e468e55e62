"""Queries over the catalog's attributes, as a hotline agent asks them: "哪些体育类证书要求两年工作经验",
"how many finance rows are from the UK, and which?", "which rows need registration with a Beijing authority
before practising", "列出所有加拿大颁发的证书". `parse(text)` reads the filters (list, field, country, years of
experience, registration, title level, level limits, a condition kind); `run(filters)` returns the rows.
Pure catalog code: the answer's wording is catalog.answers.staff_query's."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

from catalog import asked, queries, sentences, vocabulary
from catalog.queries import QualificationInfo
from catalog.text import normalize

# a question that asks for a count or a list
_ASKS = re.compile(r"边啲|邊啲|边个|邊個|边几|邊幾|哪个|哪個|哪一个|哪一項|哪一项|几项|几个|多少|几多|幾多|幾項|幾個|哪些|哪几|哪幾|有哪|列出|列一下|清单|清單|一共|共有|总共|總共|分别|分別|都是啥|"
                   r"都有啥|都有什么|都有哪些|(?:有没有|有沒有|有冇|有无|有無)[^。？?！!，,]{0,6}?(?:要求|需要|规定|規定)|(?:有没有|有沒有|有冇|有无|有無)(?:其他|其它|别的|別的|另外)|(?<![a-z])(?:how many|which|list (?:all|every|the|of|out|them)|^\s*list\b|count|number of|what are the|all the|every|any rows?|anything from|"
                   r"any entries|any qualifications|any certificates|any credentials|rows from|entries from|items from|anything listed|"
                   r"anything (?:in|on) the (?:catalog|catalogue|list)|anything from|"
                   r"what [a-z ]{0,30}(?:credentials|qualifications|certificates|rows|entries) (?:are|do|does|is)|"
                   r"(?:rows?|entries|items|qualifications|certificates|credentials)\s*(?:\([^)]*\)\s*)?(?:that|which|with|requiring|needing|whose)|"
                   r"(?:rows?|entries|items) in the [a-z &]{3,40} field)(?![a-z])")
# ... about rows of the catalog, not about benefits ("急需紧缺的有哪些便利" asks about benefits)
_OBJECT = re.compile(r"证书|證書|资格|資格|条目|條目|项|項|证|證|执照|執照|目录|目錄|备注|備註|几条|幾條|多少条|多少條|几多条|幾多條|"
                     r"(?<![a-z])(?:rows?|qualifications?|certificates?|credentials?|"
                     r"items?|entry|entries|licen[cs]es?|designations?|certs?|certifications?|anything|registrations?|(?:registration )?boards|"
                     r"lookup|look-up|list\s*\(?(?:1|2|i|ii|一|二)\)?)(?![a-z])")
_YEARS = [(re.compile(r"两年|兩年|2\s*年|二年|两学年|兩學年|two years|2 years|2-year|two-year|two school years"), 2),
          (re.compile(r"三年|3\s*年|three years|3 years|3-year|three-year"), 3)]
_EXPERIENCE = re.compile(r"经验|經驗|经历|經歷|experience")
_NO_EXPERIENCE = re.compile(r"不用|不需要|无需|無需|不要求|(?<!有)没有要求|(?<!有)沒有要求|没写|沒寫|没有写|沒有寫|未写|未寫|没提|沒提|"
                            r"no experience|without experience|don't need|do not need|not require|doesn't (?:say|mention)|"
                            r"does not (?:say|mention)|(?:don't|do not|doesn't|does not) (?:carry|have|include|state|set)|"
                            r"without (?:the|a|any)\b")
_REGISTRATION = re.compile(r"注册|註冊|备案|備案|regist|licen[cs]e to practi|before practi")
# "教師註冊機構", "teacher registration boards": who issues the rows, not a registration the remark requires
_REGISTERING_BODY = re.compile(r"注册(?:机构|局|委员会|部门)|(?:teacher |teaching )?registration (?:boards?|bod(?:y|ies)|authorit(?:y|ies)|councils?)|"
                               r"teacher registration|teaching registration|教师注册")
_BEIJING = re.compile(r"北京|我市|本市|beijing")
_PERMIT_ASKED = re.compile(r"行医许可|执业许可|办理许可|short-term (?:medical )?(?:practice |practising )?licen[cs]e|"
                           r"(?:medical )?practi(?:ce|sing) licen[cs]e|medical licen[cs]e")
_NATIONAL = re.compile(r"(?<![a-z])(?:chinese|china|national)(?![a-z])|中国|全国|国内|国家")
_PERMIT = re.compile(r"许可|(?<![a-z])(?:permits?|licen[cs]es?)(?![a-z])")
# what a row's registration remark says for each kind asked ("any": every row with such a remark)
_REGISTRATION_WORDS = {"beijing": re.compile(r"我市|本市|北京"), "permit": re.compile(r"许可"),
                       "beijing_or_permit": re.compile(r"我市|本市|北京|许可")}
_TITLE = [(re.compile(r"副高|associate[ -]senior|deputy[ -]senior|vice[ -]senior|sub-senior"), "副高级"),
          (re.compile(r"中级|中級|intermediate|mid-level"), "中级")]
_LEVEL_LIMIT = re.compile(r"及以上|等级要求|等級要求|级别要求|level limit|and above|minimum level|等级下限|等級下限")
_UNIVERSAL = re.compile(r"环球影城|環球影城|universal studios|universal")
_URGENT = re.compile(r"急需紧缺|急需緊缺|紧缺|緊缺|urgent|(?:in[ -])?short[ -]supply|shortage")
_REGULAR = re.compile(r"（二）|\(二\)|list \(2\)|list 2|regular list|general list|境外职业资格清单(?!.*急需)")


# the registering authorities the remarks name (the key is the word in the remark's Chinese text)
AUTHORITIES = {
    "药监": (re.compile(r"药监|藥監|药品监督|drug|pharmac"), "药监部门", "the drug regulatory authority"),
    "卫生健康": (re.compile(r"卫生健康|衛生健康|卫健|衛健|health commission|health authorit"), "卫生健康主管部门",
              "the health authority"),
}
_SPLIT = re.compile(r"(?<=[？?。；;])\s*|(?=其中|當中|当中)|,\s*(?=and which|which of)", re.I)
_SUBSET = re.compile(r"\s*(?:其中|當中|当中|这些|這些|里面|裡面|入面|(?:and\s+)?(?:which|how many) of (?:these|them|those)|of these|of them)", re.I)
_COUNTING = re.compile(r"一共|共有|总共|總共|多少|几项|幾項|几个|幾個|几多|幾多|how many|count")


def total_and_subset(text: str) -> Optional[Tuple["Filters", "Filters"]]:
    """ "清单(二)里体育类一共几项？其中要求两年经验的是哪几项？", "医疗健康服务领域有多少项？哪几项要在本市药监部门注册？":
    the filters of the count asked first, and those of the rows asked after it (the first's narrowed), or None."""
    parts = [p for p in _SPLIT.split(text or "") if p and p.strip()]
    if len(parts) < 2:
        return None
    first, rest = parts[0], " ".join(parts[1:])
    base = parse(first)
    # (a list asked first, then its subset: "云计算领域的证书有哪些？其中哪些要求两年工作经验？")
    if base is None or not (_COUNTING.search(normalize(first)) or _SUBSET.match(rest) and asks_for_rows(first)):
        return None
    more = _filters(rest, normalize(rest))
    if not more.any() or not asks_for_rows(rest, follow_up=True):
        return None
    subset = more.merged(base)
    return (base, subset) if subset != base else None


@dataclass
class Filters:
    list: Optional[str] = None
    field: Optional[str] = None
    country: Optional[str] = None
    experience_years: Optional[int] = None
    experience: Optional[bool] = None  # True: some years required; False: none required
    school_years: bool = False  # "两学年": years counted in school years
    registration: Optional[str] = None  # any | beijing | beijing_or_permit | permit
    title_level: Optional[str] = None
    level_limit: bool = False
    condition: Optional[str] = None  # a condition kind (universal_studios)
    countries: Tuple[str, ...] = ()  # several countries asked together ("Japan or Korea"): any of them
    fields: Tuple[str, ...] = ()  # several fields ("cloud computing + internet information"): any of them
    words: Tuple[str, ...] = ()  # name, issuer or alias words ("精算师", "basketball", "AHPRA"): any of them
    more_than_years: Optional[int] = None  # "more than two years", "两年以上"
    authority: Optional[str] = None  # the registering authority named ("药监部门"): a key of AUTHORITIES
    not_years: Optional[int] = None  # "没有要求两年经验的": rows whose remark does not ask for these years
    regional: bool = False  # "各州", "US state teaching certificates": rows of a state, province or territory
    excluded: Tuple[str, ...] = ()  # "exclude preschool", "不含学前": rows whose names have these words are left out

    def beyond_browsing(self) -> bool:
        """Filters the browse answer (list, field, country) does not apply."""
        return any((self.experience_years, self.experience is not None, self.registration, self.title_level,
                    self.level_limit, self.condition, len(self.countries) > 1, self.words, self.more_than_years,
                    len(self.fields) > 1, self.authority, self.regional, self.excluded, self.not_years))

    def any(self) -> bool:
        return any((self.list, self.field, self.country, self.experience_years, self.experience is not None, self.not_years,
                    self.registration, self.title_level, self.level_limit, self.condition, self.countries,
                    self.words, self.more_than_years))

    def merged(self, earlier: "Filters") -> "Filters":
        """ "which of those need two years?": this question's filters over the earlier question's rows."""
        out = Filters(**{k: v for k, v in earlier.__dict__.items()})
        default = Filters()
        for k, v in self.__dict__.items():
            if v != getattr(default, k):  # "哪些不用工作经验" says experience=False: a filter too
                setattr(out, k, v)
        return out


def described(text: str) -> Filters:
    """The row attributes a text names, whether or not it asks for rows ("…need two years' experience like the
    Kubernetes certificates?": the years a later "which … need it?" refers to)."""
    return _filters(text, normalize(text or ""))


def parse(text: str) -> Optional[Filters]:
    """The filters of a count or list question, or None when the text asks for no list."""
    norm = normalize(text or "")
    if not _ASKS.search(norm) or not _OBJECT.search(norm):
        return None
    f = _filters(text, norm)
    return f if f.any() else None


def parse_more(text: str, earlier: "Filters") -> "Filters":
    """The filters a follow-up adds to the earlier question's ("and which of those need two years?"); "and which ones
    have a different experience requirement?" after "…exactly two years?" asks the rows that require other years."""
    norm = normalize(text or "")
    f = _filters(text, norm)
    if (earlier.experience_years or earlier.experience) and f.experience is None and _NO_EXPERIENCE.search(norm) \
            and re.search(r"要求|requirement|required", norm):
        f.experience = False  # "哪一个没写这个要求？": the earlier question's requirement, not written
    if earlier.experience_years and f.experience is False:
        # "云计算领域里，哪些证书要求两年相关工作经验？哪一个没写这个要求？": the rows of the earlier filters asking none
        return f.merged(replace(earlier, experience_years=None))
    if earlier.experience_years and f.experience_years is None and f.not_years is None and _EXPERIENCE.search(norm) \
            and _OTHER_YEARS.search(norm):
        out = f.merged(replace(earlier, experience_years=None))
        out.not_years, out.experience, out.school_years = earlier.experience_years, True, earlier.school_years
        return out
    return f.merged(earlier)


# "an experience requirement other than two years", "a different experience requirement", "经验要求不是两年的":
# the rows that require some years, but not these
_OTHER_YEARS = re.compile(r"(?<![a-z])(?:different|other than|another|not exactly|besides)(?![a-z])|不同|其他年限|其它年限|别的年限|"
                          r"不是\s*(?:一|两|兩|二|三|四|五|1|2|3|4|5)")


# "(not the short-term medical licence rows)", "excluding the teachers", "除了医师以外": rows the question leaves out are
# no filter of it (what is left out is not asked for)
_EXCLUDED = re.compile(r"\((?:not|excluding|except|other than|apart from|leaving out)\b[^)]*\)|"
                       r"(?:[,;]\s*|\s)(?:but )?(?:not|excluding|except(?: for)?|other than|apart from|leaving out) the\b[^,.;?!)]*|"
                       r"[（(](?:不包括|不含|除了|除去|不算)[^）)]*[）)]|(?:不包括|不含|除了|除去)[^，。；？！,.;?!]{1,20}?(?:以外|之外|外)?(?=[，。；？！,.;?!]|$)",
                       re.I)


def without_excluded(text: str) -> str:
    """The question without the rows it leaves out ("(not the short-term medical licence rows)")."""
    return _EXCLUDED.sub(" ", text or "")


# "…, and what grade and experience do they need?": what is asked of each row found, no filter of the rows
_ATTRIBUTES_ASKED = re.compile(r"(?:,\s*|\s)(?:and\s+)?(?:what|which)\s+(?:(?:grades?|levels?|experience|titles?|"
                               r"conditions?|requirements?|years?)(?:\s*(?:,|and|or|/)\s*)?){1,4}\s+(?:do|does|would|will)\s+"
                               r"(?:they|it|these|those|each|the rows|holders?)\s+(?:need|require|ask for|have)\b[^?.;]*|"
                               r"(?:,\s*|\s)(?:and\s+)?what(?:'s| is| are)\s+(?:special|different|unusual|particular|common)\s+"
                               r"(?:about|in|among)\s+(?:them|these|those|each)\b[^?.;]*|(?:,\s*|\s)(?:and\s+)?what do they have in common",
                               re.I)


def _filters(text: str, norm: str) -> "Filters":
    # what the question leaves out is read from all of it (f.excluded: the rows named there are dropped); every
    # other filter from the rest ("(not the short-term medical licence rows)" asks no medical field)
    text, norm = _ATTRIBUTES_ASKED.sub(" ", text), _ATTRIBUTES_ASKED.sub(" ", norm)
    whole, text, norm = norm, without_excluded(text), without_excluded(norm)
    f = Filters()
    if _URGENT.search(norm):
        f.list = "urgent"
    elif _REGULAR.search(norm):
        f.list = "regular"
    hit = vocabulary.find_field(text)
    if hit:
        f.field = hit[0]
    hit = vocabulary.find_country(text)
    if hit:
        f.country = hit[0]
    countries = vocabulary.find_countries(text)
    if len(countries) > 1:
        f.countries = tuple(countries)
    fields = vocabulary.find_fields(text)
    if len(fields) > 1:
        f.fields = tuple(fields)
    # "(including preschool)", "包括学前的": the rows asked about include those; "exclude preschool", "不含学前":
    # they are left out. Neither is a name filter of its own
    f.excluded = tuple(w for m in _EXCLUDING.finditer(whole) for w in _name_words(m.group(1), f))
    f.words = tuple(_name_words(_ONE_OF_THEM.sub(" ", _INCLUDING.sub(" ", _EXCLUDING.sub(" ", norm))), f))
    f.regional = bool(_REGIONAL.search(norm))
    more = _MORE_THAN.search(norm)
    if more and _EXPERIENCE.search(norm):
        n = next((n for rx, n in _YEARS if rx.search(more.group(0))), None)
        if n:
            f.more_than_years = n
    says_experience = bool(_EXPERIENCE.search(norm)) or bool(
        re.search(r"(?:requir|need|要求|需要)[^?？]{0,12}(?:年|years?)", norm) and any(rx.search(norm) for rx, _ in _YEARS))
    if says_experience and not f.more_than_years:
        f.school_years = bool(re.search(r"学年|學年|school year", norm))
        years = _years_asked(norm)
        if years is None and f.school_years:
            years = 2 if re.search(r"两|兩|2|two", norm) else None
        if years and _NO_EXPERIENCE.search(norm):
            f.not_years = years  # "哪些备注没有要求两年相关工作经验": the rows whose remark asks no such years
        elif years and _OTHER_YEARS.search(norm):
            f.not_years, f.experience = years, True  # "…an experience requirement other than two years"
        elif years:
            f.experience_years = years
        else:
            f.experience = not _NO_EXPERIENCE.search(norm)
    if _REGISTRATION.search(_REGISTERING_BODY.sub(" ", norm)) and not _EXPERIENCE.search(norm):
        f.registration = "beijing" if _BEIJING.search(norm) else "any"
        if f.registration == "beijing" and _PERMIT.search(norm):
            f.registration = "beijing_or_permit"  # "要喺北京註冊或者辦許可": the short-term practice licences too
        if f.registration != "any" and _NATIONAL.search(norm):
            f.registration = "any"  # "register … with a Chinese/Beijing authority": the national registrations too (CPAs)
        f.authority = next((key for key, (rx, _, _) in AUTHORITIES.items() if rx.search(norm)), None)
        if f.registration == "any" and _PERMIT_ASKED.search(norm) and f.authority is None:
            f.registration = "permit"  # "which rows say a short-term medical practice licence is needed before practising"
    elif _PERMIT_ASKED.search(norm) and not _EXPERIENCE.search(norm):
        f.registration = "permit"  # "哪几项要在中国办理短期行医许可", "which rows need a short-term practice licence"
    f.title_level = next((lvl for rx, lvl in _TITLE if rx.search(norm)), None)
    f.level_limit = bool(_LEVEL_LIMIT.search(norm))
    if _UNIVERSAL.search(norm):
        f.condition = "universal_studios"
        f.experience = None  # "可不受年龄、工作经验限制" names the exception, not a requirement
        f.experience_years = None
    return f


def _years_asked(norm: str) -> Optional[int]:
    """The years a row query asks about: of several said, those of the last clause ("目录里要求两年工作经验的很多，有没有
    要求三年的？" asks three)."""
    said = sorted((m.start(), n) for rx, n in _YEARS for m in rx.finditer(norm))
    if not said:
        return None
    if len({n for _, n in said}) > 1:
        last_break = max(norm.rfind(c) for c in "，,；;。")
        after = [n for at, n in said if at > last_break]
        if after:
            return after[-1]
    return said[0][1]


_INCLUDING = re.compile(r"(?:包括|包含|含|连同|連同|including|incl\.?|as well as)\s*(?:the\s+)?[^\s,，。.?？)）]{1,20}|"
                        r"(?<![a-z])count(?:ing)?\s+(?:the\s+)?[a-z-]{3,20}(?:\s+ones)?\s+(?:too|as well|also)(?![a-z])")
_EXCLUDING = re.compile(r"(?:不包括|不包含|不含|除了|除去|排除|excluding|exclude|except|not counting|other than)\s*(?:the\s+)?"
                        r"([^\s,，。.?？)）]{1,20})")
# "… and is New South Wales one of them?": a second question about one place, no name filter
_NOT_NAMES = re.compile(r"(?:don't|dont|do not|doesn't|does not|couldn't|could not|i|who) care\b|take care|"
                        r"\b(?:foreign|overseas|international)\b(?= (?:medical|doctor|physician|licen|qualif|credential|cert))|"
                        r"(?:be )?careful|fair enough|系统管理员|管理员指令")
_ONE_OF_THEM = re.compile(r"\b(?:is|are)\s+[a-z .'-]{2,40}?\s+(?:one of them|among them|included|in there|on (?:it|the list)|"
                          r"listed)|[\u4e00-\u9fff]{2,8}(?:在不在|有没有在|喺唔喺|有冇喺)(?:里面|入面|其中)?")
_REGIONAL = re.compile(r"各州|几个州|幾個州|哪些州|哪几个州|哪個州|哪个州|各省|states?'|\bstate (?:teaching|teacher|education)|"
                       r"\bus states?\b|how many states|which states|provinces|territor")
_MORE_THAN = re.compile(r"(?:more than|over|longer than|超过|超過|多于|多於)[^.?？]{0,14}?(?:years?|年)|"
                        r"(?:两|兩|2|二|三|3)\s*年以上")
# words of a question that are not names ("how many rows", "证书", "目录")
_STOP = set("""how many which what rows row list lists all any the of in on from for and or with need needs require
requires required certificate certificates qualification qualifications credential credentials items item entries
entry catalog catalogue licence licences license licenses holders holder count please are is there that those
these do does related experience years year two three work working registration register number total combined
teacher teachers teaching practising practicing practise practice practitioner authority authorities before after
can could would should body bodies issued issuer issuers institute council association society board
china chinese native language english medical permit short-term short term exemption exemptions exempt mention
mentions say says holder holders regardless hong kong macau taiwan internet information computing cloud program
programme project projects universal studios age limit limits state states department departments region regions
territory territories column columns municipal boards items remarks remark file register services health new york
filters filter briefing query queries hotline check regulatory drug drugs supervision administration
require requirement benefit benefits supply shortage correspond corresponds level levels sheet recognition recognised
recognized valid validity renew renewal general special unusual different outside main block name names ones
too also""".split())
_CJK_STOP = ("证书", "證書", "资格", "資格", "目录", "目錄", "清单", "清單", "一共", "相关", "相關", "哪些", "多少", "几项",
             "幾多", "执业", "注册", "经验", "工作", "要求", "领域", "国家", "地区", "教师", "教師", "部门", "部門", "主管",
             "机构", "機構", "协会", "協會", "学会", "學會", "委员会", "政府", "备案", "颁发", "頒發", "发的", "之后",
             "从业", "從業", "项目", "項目", "职业", "職業", "管理", "环球", "影城", "年龄", "限制", "免考", "课程",
             "高级", "中级", "副高", "正高", "热线", "条目", "持证人", "持證人", "持有人", "持证者", "持證者", "持证", "持證", "便利", "福利")


@functools.lru_cache(maxsize=4)
def _row_words(_snapshot: int) -> Tuple[List[str], frozenset]:
    """Per catalog snapshot: each row's names, issuer and aliases normalised, and the starts and ends of its
    Chinese names (a Chinese word counts only as one: "精算师", "篮球", never "门注" across "部门注册")."""
    rows = queries.all_qualifications()
    texts = [normalize(" | ".join((q.name.zh, q.name.en, q.issuer.zh, q.issuer.en) + q.all_aliases)) for q in rows]
    heads = set()
    for q in rows:
        for a in (q.name.zh,) + q.all_aliases:
            for part in re.findall(r"[\u4e00-\u9fff]{2,}", normalize(a)):
                for k in range(2, len(part) + 1):
                    heads.add(part[:k])
                    heads.add(part[-k:])
                # a word of four or more inside a name counts too ("行医资质" of "美国行医资质相关凭证")
                for k in range(4, len(part)):
                    for i in range(1, len(part) - k):
                        heads.add(part[i:i + k])
    return texts, frozenset(heads)


def _name_words(norm: str, f: "Filters") -> List[str]:
    """Words of the question that name some rows (in their names, issuers or aliases) and not most of them:
    "精算师", "basketball", "AHPRA", "IEEE和ACM". Field and country words are filters of their own."""
    for term, _ in vocabulary.country_and_field_terms():
        if term and term in norm:
            norm = norm.replace(term, " ")
    for rx, _ in _TITLE:  # "deputy-senior" is a title level, not the "Senior Member" rows
        norm = rx.sub(" ", norm)
    norm = _NOT_NAMES.sub(" ", norm)  # "I don't care if it's right": no "care" rows
    texts, heads = _row_words(id(queries.snapshot()))

    def count(w: str) -> int:
        pattern = re.compile(rf"(?<![a-z]){re.escape(w)}(?![a-z])") if w.isascii() else None
        return sum(1 for t in texts if (pattern.search(t) if pattern else w in t))

    out: List[str] = []
    found = re.findall(r"[a-z][a-z0-9+&-]{2,}", norm)
    # "basketball-related": the hyphenated word, else its parts
    found = [p for w in found for p in ([w] if "-" not in w or count(w) else [x for x in w.split("-") if len(x) > 2])]
    for w in found:
        if w in _STOP or w in out:
            continue
        if vocabulary.find_field(w) or vocabulary.find_country(w):
            continue
        if 1 <= count(w) <= 15:
            out.append(w)
    for run_ in re.findall(r"[\u4e00-\u9fff]{2,}", norm):
        i = 0
        while i < len(run_) - 1:
            best = ""
            for j in range(min(len(run_), i + 8), i + 1, -1):
                w = run_[i:j]
                if any(stop in w for stop in _CJK_STOP) and len(w) <= 3:
                    continue
                if w not in heads or vocabulary.find_field(w) or vocabulary.find_country(w):
                    continue
                if 1 <= count(w) <= 15:
                    best = w
                    break
            if best:
                out.append(best)
                i += len(best)
            else:
                i += 1
    return out


_ROWS_ASKED = re.compile(r"哪些证书|哪些證書|哪些资格|哪些資格|哪几项|哪幾項|哪些项|哪些項|几项|幾項|多少项|多少項|列出|"
                         r"(?:which|what|how many|list(?: all)?(?: the)?)\s+(?:rows|items|entries|certificates|qualifications|credentials)")


_CLAUSE_DETAIL = re.compile(r"破格|岗位总量|结构比例|几级|第几级|专业技术岗位|post levels?|post grades?|grade \d|posts? (?:at|of)|"
                            r"as an exception|which regulation|assessment measures|认定办法")


def about_a_clause(text: str, f: Optional["Filters"] = None) -> bool:
    """A question about a clause of the notice, not over the rows, though it has words a row query has:
    "第二條第3項…正高同副高分別可以破格聘喺幾級崗位" (a clause named, no rows asked for), "持证的外籍人员办工作许可，年龄
    最多放宽到多少岁" (a measure asked; "持证" is no row's name), "which post levels can public institutions…"."""
    norm = normalize(text or "")
    if _ROWS_ASKED.search(norm):
        return False
    if _CLAUSE_DETAIL.search(norm) and asked.asked_clauses(text):
        return True  # "急需紧缺…副高级可以破格聘到几级岗位": a sentence of 第二条第3项, not the urgent list's rows
    if f is not None and f.list:
        return False
    if sentences.referenced(text):
        return True
    if f is None:
        return False
    only_words = f.words and not any((f.field, f.country, f.countries, f.experience_years, f.experience is not None,
                                      f.registration, f.title_level, f.level_limit, f.condition, f.more_than_years))
    return bool(only_words and asked.asked_clauses(text))


def asks_for_rows(text: str, follow_up: bool = False) -> bool:
    norm = normalize(text or "")
    return bool(_ASKS.search(norm) and (follow_up or _OBJECT.search(norm)))


def _singular(word: str) -> str:
    """ "physiotherapists" -> "physiotherapist" (the rows' names are singular); short words are left alone."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """ "actuarial" -> "actuar" (Society of Actuaries), "accounting" -> "account" (accountants): the word without
    one common ending, when at least five letters are left; otherwise the word itself."""
    for end in ("ial", "ing", "ies", "al", "y", "s"):
        if word.endswith(end) and len(word) - len(end) >= 5:
            return word[: -len(end)]
    return word


def run(f: Filters, version: Optional[str] = None) -> List[QualificationInfo]:
    """The rows that pass every filter. Name words are looked for in the rows' names and issuers (with the
    issuers' other names) first, and in every alias only when that finds nothing: "AHPRA發嘅資格" is the four
    rows AHPRA issues, not also the Australian medical row one of whose aliases names AHPRA."""
    if not f.words:
        return _run(f, version, strict=True)
    rows: List[QualificationInfo] = []
    for tier in ("names", "issuers", "aliases"):  # the notice's own names first, then the other names we know
        rows = _run(f, version, strict=tier)
        if rows:
            break
    if len(f.words) > 1:
        # "How many Microsoft and how many CNCF certifications": a word none of the rows found names (CNCF, the other
        # name of an issuer) gets its own rows too ("AHPRA" beside "Regulation Agency" names the same rows)
        missing = [w for w in f.words if not set(rows) & set(_run(replace(f, words=(w,)), version, strict="issuers"))]
        ids = {q.id for q in rows} | {q.id for w in missing for q in run(replace(f, words=(w,)), version)}
        rows = [q for q in queries.all_qualifications(version) if q.id in ids]
    return rows


def _run(f: Filters, version: Optional[str], strict) -> List[QualificationInfo]:
    """`strict`: where name words are looked for: "names" (the rows' names and issuers as the notice gives them),
    "issuers" (and the issuers' other names), "aliases" (and every alias); True is "issuers"."""
    # a Latin name word as a pattern (its singular and its stem too), built once for all the rows
    words = [re.compile(rf"(?<![a-z])(?:{re.escape(w)}|{re.escape(_singular(w))}(?:e?s)?|{re.escape(_stem(w))}[a-z]*)(?![a-z])")
             if w.isascii() else w for w in f.words]
    out = []
    for q in queries.all_qualifications(version):
        if f.list and q.list != f.list:
            continue
        if f.fields and len(f.fields) > 1:
            if not any(x in q.field_keys for x in f.fields):
                continue
        elif f.field and f.field not in q.field_keys:
            continue
        if f.countries and len(f.countries) > 1:
            if not any(c in q.country_keys for c in f.countries):
                continue
        elif f.country and f.country not in q.country_keys:
            continue
        if f.words:
            extra = () if strict == "names" else q.all_aliases if strict in ("aliases", False) else q.issuer_aliases
            hay = normalize(" | ".join((q.name.zh, q.name.en, q.issuer.zh, q.issuer.en) + tuple(extra)))
            if not any((w.search(hay) if not isinstance(w, str) else w in hay) for w in words):
                continue
        if f.regional and q.region is None:
            continue
        if f.not_years is not None and q.experience_years == f.not_years and (q.experience_unit == "school_year") == f.school_years:
            continue
        if f.excluded:
            hay = normalize(" | ".join((q.name.zh, q.name.en)))
            if any((re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", hay) if w.isascii() else w in hay) for w in f.excluded):
                continue
        if f.more_than_years is not None and not (q.experience_years or 0) > f.more_than_years:
            continue
        if f.experience_years is not None and (q.experience_years != f.experience_years or
                                               (q.experience_unit == "school_year") != f.school_years):
            continue
        if f.experience is True and not q.experience_years:
            continue
        if f.experience is False and q.experience_years:
            continue
        if f.registration and not q.registration:
            continue
        if f.registration in _REGISTRATION_WORDS and not _REGISTRATION_WORDS[f.registration].search(
                q.registration.zh if q.registration else ""):
            continue
        if f.authority and f.authority not in (q.registration.zh if q.registration else ""):
            continue
        if f.title_level and q.title_level != f.title_level:
            continue
        if f.level_limit and not any(c.kind == "level_limit" for c in q.conditions):
            continue
        if f.condition and not any(c.kind == f.condition for c in q.conditions):
            continue
        out.append(q)
    return out


def describe(f: Filters) -> List[Tuple[str, dict]]:
    """(answers.yaml key, values) for each filter, in order."""
    parts: List[Tuple[str, dict]] = []
    if f.list:
        parts.append((f"staff_query.list.{f.list}", {}))
    if f.field:
        parts.append(("staff_query.field", {"field_key": f.field}))
    if f.fields and len(f.fields) > 1:
        parts = [p for p in parts if p[0] != "staff_query.field"]
        for x in f.fields:
            parts.append(("staff_query.field", {"field_key": x}))
    if f.countries and len(f.countries) > 1:
        for c in f.countries:
            parts.append(("staff_query.country", {"country_key": c}))
    elif f.country:
        parts.append(("staff_query.country", {"country_key": f.country}))
    if f.words:
        parts.append(("staff_query.words", {"words": "、".join(f.words)}))
    if f.more_than_years:
        parts.append(("staff_query.more_than_years", {"n": f.more_than_years}))
    if f.experience_years:
        parts.append(("staff_query.school_years" if f.school_years else "staff_query.years", {"n": f.experience_years}))
    elif f.experience is True:
        parts.append(("staff_query.experience", {}))
    elif f.experience is False:
        parts.append(("staff_query.no_experience", {}))
    if f.not_years:
        parts.append(("staff_query.not_years", {"n": f.not_years}))
    if f.regional:
        parts.append(("staff_query.regional", {}))
    if f.excluded:
        parts.append(("staff_query.excluded", {"words": "、".join(f.excluded)}))
    if f.registration:
        parts.append((f"staff_query.registration_{f.registration}", {}))
    if f.authority:
        _, zh, en = AUTHORITIES[f.authority]
        parts.append(("staff_query.authority", {"zh": zh, "en": en}))
    if f.title_level:
        parts.append((f"staff_query.title.{f.title_level}", {}))
    if f.level_limit:
        parts.append(("staff_query.level_limit", {}))
    if f.condition:
        parts.append((f"staff_query.condition.{f.condition}", {}))
    return parts
