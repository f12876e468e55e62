"""Approved answers (口径): catalog facts poured into the wording of data/answers.yaml, zh or en.

Each function returns an `Answer`: the text, the clauses it rests on (cites), buttons where the
user must choose, and the catalog version. The bot, the staff CLI and the console all call these.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from catalog import benefits as rules
from catalog import config, queries, refusals, silence
from catalog import staff_query as staff_query_filters
from catalog.matching import MatchResult
from catalog.queries import ClauseInfo, QualificationInfo
from catalog.text import normalize

LANGS = ("zh", "en")
BROWSE_LIMIT = 30


@dataclass(frozen=True)
class Answer:
    kind: str
    lang: str
    text: str
    cites: Tuple[str, ...] = ()
    buttons: Tuple[Tuple[str, str], ...] = ()  # (title, payload)
    version: str = ""
    qualification: Optional[str] = None
    candidates: Tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """The citation line shown under the answer."""
        if not self.cites:
            return ""
        return source_line(self.cites, self.lang, self.version)

    def full_text(self) -> str:
        text = self.text + ("\n" + self.source if self.source else "")
        # "B 级及以上", "8 级", "免考 9 门" as the notice is typeset: written "B级", "8级", "9门" in a Chinese reply
        return _UNIT_SPACE.sub("", text) if self.lang == "zh" else text


# the space between a number (or a grade letter) and its unit, as the notice is typeset
_UNIT_SPACE = re.compile(r"(?<=[A-Za-z0-9]) (?=[级級])|(?<=\d) (?=[门門项項个個岁歲种種步周週年])")


@functools.lru_cache(maxsize=1)
def templates() -> Dict[str, Any]:
    with (config.DATA_DIR / "answers.yaml").open(encoding="utf-8") as fh:
        data: Dict[str, Any] = yaml.safe_load(fh)
    return data


def t(path: str, lang: str, **values: Any) -> str:
    node: Any = templates()
    for part in path.split("."):
        node = node[part]
    text: str = node[lang] if isinstance(node, dict) else node
    return text.format(**values) if values else text


def _lang(lang: Optional[str]) -> str:
    return lang if lang in LANGS else "zh"


def source_line(cites: Sequence[str], lang: str, version: Optional[str] = None) -> str:
    notice = queries.notice(version)
    sep = "；" if lang == "zh" else "; "
    return t("source_line", lang, cites=sep.join(dict.fromkeys(cites)),
             catalog_title=notice["catalog_title_zh" if lang == "zh" else "catalog_title_en"],
             document_number=notice["document_number"])


def _ver(version: Optional[str]) -> str:
    return queries.snapshot(version).version


def _join(items: Iterable[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _balanced(said: str) -> str:
    """The user's words for a credential without a bracket left open or closed by the cut ("master craftsman)
    certificate" → "master craftsman certificate")."""
    said = said.strip()
    for o, c in (("(", ")"), ("（", "）")):
        if said.count(o) != said.count(c):
            said = said.replace(o, "").replace(c, "")
    return " ".join(said.split())


def _clean(text: str) -> str:
    """Strip the source's <…> around URLs and spaces between CJK and digits left by the PDF."""
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[0-9A-Z])|(?<=[0-9A-Z]) (?=[\u4e00-\u9fff])", "", text)


def row_cite(q: QualificationInfo, lang: str) -> str:
    return t(f"row_cite.{q.list}", lang, row=q.row)


def list_name(q: QualificationInfo, lang: str) -> str:
    return t(f"list_name.{q.list}", lang)


def where(q: QualificationInfo, lang: str) -> str:
    """Region, else country, else issuer: what tells apart rows with the same name."""
    if q.region:
        return q.region.text(lang)
    return _join((c.text(lang) for c in q.countries), lang) or q.issuer.text(lang)


def where_and_issuer(q: QualificationInfo, lang: str) -> str:
    """Where the row is from and who issues it ("Greece; PeopleCert International"), each once."""
    place, issuer = where(q, lang), q.issuer.text(lang)
    if not issuer or issuer == place or issuer in q.name.text(lang):
        return place
    return f"{place}；{issuer}" if lang == "zh" else f"{place}; {issuer}"


def row_conditions(q: QualificationInfo, lang: str) -> Answer:
    """What a listed row asks ("Item 86 (…) asks: Requires 2 years of related work experience. Level 4.")."""
    lang = _lang(lang)
    sep = "" if lang == "zh" else " "
    lines = conditions_lines(q, lang)
    if not q.experience_years:  # "does that row require years of experience?": it does not, said so
        text = t("row_no_experience", lang, row=q.row, name=q.name.text(lang))
        if lines:
            text += sep + t("row_conditions", lang, row=q.row, name=q.name.text(lang), conditions=sep.join(lines))
    else:
        text = t("row_conditions", lang, row=q.row, name=q.name.text(lang), conditions=sep.join(lines))
    return Answer("conditions", lang, text, (row_cite(q, lang),), (), q.version, q.id)


def conditions_lines(q: QualificationInfo, lang: str) -> List[str]:
    lines = []
    if q.experience_years:
        lines.append(t(f"experience.{q.experience_unit}", lang, n=q.experience_years))
    registration = q.registration.text(lang).rstrip("。.") if q.registration else ""
    for c in q.conditions:
        text = (c.zh if lang == "zh" else c.en).rstrip("。.")
        if text and normalize(text) not in normalize(registration):
            lines.append(text + ("。" if lang == "zh" else "."))
    if registration:
        lines.append(t("registration", lang, text=registration))
    if q.title_level:
        lines.append(t(f"title_level.{q.title_level}", lang))
    return lines


def work_scope(q: QualificationInfo, lang: str) -> str:
    """The remark's first sentence (the work it covers), without the experience note said above."""
    text = q.remark.text(lang)
    first = text.split("。")[0] if lang == "zh" else text.split(". ")[0]
    # drop what the conditions line already says: the experience note and the registration to practise
    first = re.sub(r"\s*[(（][^)）]*(?:经验|experience)[^)）]*[)）]", "", first, flags=re.I)
    parts = re.split(r"[，,；;]\s*", first)
    if q.registration:
        reg = normalize(q.registration.text(lang))
        parts = [p for p in parts if not p or normalize(p) not in reg and not any(
            w in p.lower() for w in ("注册", "许可", "备案", "register", "licen", "permit"))] or parts[:1]
    sep = "，" if lang == "zh" else ", "
    return sep.join(p for p in parts if p).rstrip("。.") + ("。" if lang == "zh" else ".")


# --- recognition ---------------------------------------------------------------------------------


def titles_of(qs: Sequence[QualificationInfo], lang: str, version: Optional[str] = None,
              experience: bool = False, urgent: bool = True) -> Answer:
    """ "我有FSA，也有CFA。哪个能对应副高级职称？", "PMP, CFA and CPA Australia: any of these on the urgent list?",
    "USCPA, CMA and CPA Australia: any work experience requirement?": each row's list, item and title level (and,
    `experience`, the years its remark asks), then whether any is on the urgent list (the associate senior title
    of Section 2 item 1) and, `experience`, whether none asks for years."""
    lang = _lang(lang)
    lines = []
    for q in qs:
        level = t(f"several_titles.level.{q.title_level}", lang) if q.title_level else t("several_titles.none", lang)
        if experience:
            level += ("；" if lang == "zh" else "; ") + (
                t(f"experience.{q.experience_unit}", lang, n=q.experience_years).rstrip("。.") if q.experience_years
                else t("several_titles.no_experience", lang))
        lines.append(t("several_titles.row", lang, name=q.name.text(lang), list=list_name(q, lang), row=q.row,
                       level=level))
    if urgent and not any(q.list == "urgent" for q in qs):  # (asked of titles or of the urgent list)
        lines.append(t("several_titles.no_urgent", lang))
    if experience and not any(q.experience_years for q in qs):
        lines.append(t("several_titles.none_asks_experience", lang))
    cites = tuple(dict.fromkeys([row_cite(q, lang) for q in qs] + [t("several_titles.cite", lang)]))
    return Answer("titles", lang, "\n".join(lines), cites, (), _ver(version))


def several(results: Sequence[MatchResult], lang: str, version: Optional[str] = None) -> List[Answer]:
    """One answer per credential a message names (catalog.matching.Matcher.match_each), after one line saying so."""
    lang = _lang(lang)
    # ("兩個都算唔算？": both listed is said first)
    every = len(results) >= 2 and all(r.status == "listed" for r in results)
    out = [Answer("several", lang, t(("several_all_listed_two" if len(results) == 2 else "several_all_listed") if every else "several", lang, n=len(results)), (), (),
                  _ver(version))]
    for r in results:
        if r.status == "none" and r.unlisted is not None:
            out.append(Answer("unlisted", lang, t("not_found_named", lang, name=r.unlisted.matched), (), (),
                              _ver(version)))
        else:
            out.append(recognition(r, lang, version, hint=False))
    if any(a.kind == "unlisted" for a in out):  # where to turn, said once
        out.append(Answer("unlisted_hint", lang, t("unlisted_hint", lang, site=queries.notice(version)["code_check"]["url"]),
                          (), (), _ver(version)))
    return out


def recognition(result: MatchResult, lang: str, version: Optional[str] = None, hint: bool = True) -> Answer:
    """The verdict on one credential; a "not listed" ends with where to turn (`hint`), unless the caller
    says it once for several."""
    lang = _lang(lang)
    ver = _ver(version)
    if result.status == "listed":
        q = queries.get(result.candidates[0].id, version)
        assert q is not None
        return qualification_answer(q, lang)
    if result.status == "ambiguous":
        return ambiguity(result, lang, version)
    if result.status == "confirm":
        return confirm(result, lang, version)
    if result.status == "unlisted" and result.unlisted:
        u = result.unlisted
        reason = u.reason_zh if lang == "zh" else u.reason_en
        if u.kind == "known":
            text = t("unlisted", lang, matched=_balanced(u.matched), name=u.name_zh if lang == "zh" else u.name_en,
                     reason=reason)
        else:  # worked out by the matcher (a lower grade, another issuer or jurisdiction): the reason says it
            text = t("unlisted_generic", lang, reason=reason)
        found = [queries.get(i, version) for i in u.nearest]
        near = [q for q in found if q is not None]
        cites: List[str] = []
        buttons = []
        if near:
            cites = [row_cite(q, lang) for q in near]
        if 0 < len(near) <= MAX_OPTIONS:  # more than a phone shows: the reason has named them already
            items = _join((f"{q.name.text(lang)}（{q.id}）" if lang == "zh" else f"{q.name.text(lang)} ({q.id})"
                           for q in near), lang)
            text += "\n" + t("unlisted_nearest", lang, items=items)
            same_name = len({q.name.text(lang) for q in near}) < len(near)
            buttons = [(f"{q.name.text(lang)}（{where(q, lang)}）" if same_name and lang == "zh" else
                        f"{q.name.text(lang)} ({where(q, lang)})" if same_name else q.name.text(lang),
                        f'/inform{{"qualification":"{q.id}"}}') for q in near]
        if hint:
            text += "\n" + t("unlisted_hint", lang, site=queries.notice(version)["code_check"]["url"])
        return Answer("unlisted", lang, text, tuple(cites), tuple(buttons), ver)
    text = t("not_found", lang) + "\n" + t("not_found_hint", lang, site=queries.notice(version)["code_check"]["url"])
    return Answer("not_found", lang, text, (), (), ver)


def confirm(result: MatchResult, lang: str, version: Optional[str] = None) -> Answer:
    """Only generic evidence of one row (an occupation word, a bare issuer, a shared designation): name
    what the catalog lists and ask whether that is the user's; never a yes."""
    lang = _lang(lang)
    q = queries.get(result.candidates[0].id, version)
    assert q is not None
    key = {"issuer": "confirm_issuer", "nearest": "confirm_nearest"}.get(result.evidence, "confirm")
    siblings = same_body(q, version) if result.evidence == "issuer" else []
    if siblings:
        key = "confirm_issuer_several"
    text = t(key, lang, mention=result.candidates[0].matched.strip(), name=q.name.text(lang),
             issuer=q.issuer.text(lang) or where(q, lang), list_name=list_name(q, lang), row=q.row)
    for other in siblings:  # "ACCA": the body's other rows are named too ("lists only" would hide the urgent FCCA)
        text += t("confirm_issuer_more", lang, name=other.name.text(lang), list_name=list_name(other, lang),
                  row=other.row)
    cond = conditions_lines(q, lang)
    sep = "" if lang == "zh" else " "
    # "瑞士單板滑雪教練證書要幾級以上先收？有冇經驗要求？": the listed item's conditions are the answer whichever issuer
    text += "\n" + (t("confirm_conditions", lang, conditions=sep.join(c.strip() for c in cond), scope=work_scope(q, lang))
                     if cond else t("confirm_scope", lang, scope=work_scope(q, lang)))
    buttons = ((t("confirm_yes", lang), "/affirm"), (t("confirm_no", lang), "/deny"))
    return Answer("confirm", lang, text, (row_cite(q, lang),), buttons, q.version, None, (q.id,))


def experience_verdict(q: QualificationInfo, years: float, lang: str, periods: bool = False) -> Answer:
    """The remark's years of related experience against the person's own ("我做咗1年"): not yet, or met.
    `periods`: the years are the sum of several periods the person named, one perhaps abroad (Section 1, item 5)."""
    lang = _lang(lang)
    has = f"{years:g}"
    key = "experience_not_yet" if years < (q.experience_years or 0) else "experience_met"
    text = t(key, lang, name=q.name.text(lang), years=q.experience_years, has=has, row=q.row,
             unit=t(f"experience_unit.{q.experience_unit}", lang))
    cites: Tuple[str, ...] = (row_cite(q, lang),)
    if periods:
        text += ("" if lang == "zh" else " ") + t("experience_periods", lang, has=has)
        cites += (queries.clause("一.5", q.version).cite.text(lang),)
    return Answer("experience", lang, text, cites, (), q.version, q.id)


def confirm_denied(q: QualificationInfo, lang: str) -> Answer:
    """The user says the credential is not the listed one: not listed, and what is."""
    lang = _lang(lang)
    text = t("confirm_denied", lang, name=q.name.text(lang), issuer=q.issuer.text(lang) or where(q, lang),
             list_name=list_name(q, lang), row=q.row)
    text += "\n" + t("not_found_hint", lang, site=queries.notice(q.version)["code_check"]["url"])
    return Answer("unlisted", lang, text, (row_cite(q, lang),), (), q.version)


def qualification_answer(q: QualificationInfo, lang: str) -> Answer:
    lang = _lang(lang)
    fields = _join((f.text(lang) for f in q.fields), lang)
    lines = [t("recognized", lang, name=q.name.text(lang), issuer=where_and_issuer(q, lang) or q.issuer.text(lang),
               list_name=list_name(q, lang), row=q.row, id=q.id, fields=fields)]
    cond = conditions_lines(q, lang)
    if cond:
        sep = "" if lang == "zh" else " "
        lines.append(t("recognized_conditions_header", lang) + sep + sep.join(cond))
    lines.append(t("work_scope", lang, text=work_scope(q, lang)))
    return Answer("recognized", lang, "\n".join(lines), (row_cite(q, lang),), (), q.version, q.id)


def common_registration(ids: Sequence[str], lang: str, version: Optional[str] = None) -> Optional[Answer]:
    """ "Can a US-licensed doctor start seeing patients?": the physicians' rows all say "需在中国办理短期行医许可后执业";
    said before asking which row, since it holds for every one of them. None when the rows' remarks differ."""
    lang = _lang(lang)
    quals = [q for q in (queries.get(i, version) for i in ids) if q is not None]
    texts = {q.registration.text(lang).rstrip("。.") for q in quals if q.registration}
    if len(quals) < 2 or len(texts) != 1 or any(not q.registration for q in quals):
        return None
    rows = "、".join(f"第{q.row}项" for q in quals) if lang == "zh" else ", ".join(f"item {q.row}" for q in quals)
    return Answer("practice", lang, t("practice_common_remark", lang, text=next(iter(texts)), rows=rows),
                  tuple(row_cite(q, lang) for q in quals), (), _ver(version))


def ambiguity(result: MatchResult, lang: str, version: Optional[str] = None) -> Answer:
    lang = _lang(lang)
    found = [queries.get(i, version) for i in result.ids]
    quals = [q for q in found if q is not None]
    mention = result.candidates[0].matched.strip() if result.candidates else ""
    if len(quals) > MAX_OPTIONS:
        return _narrow(result, quals, mention, lang, version)
    text = t("ambiguous_nearest" if result.evidence == "nearest" else "ambiguous", lang, mention=mention, n=len(quals))
    # each option says where it is from; when that is the same for all (two grades of one Hong Kong body), who issues it
    same_place = len({where(q, lang) for q in quals}) < len(quals)
    labels = [(q.issuer.text(lang) or where(q, lang)) if same_place else where(q, lang) for q in quals]
    buttons = tuple(
        (q.name.text(lang) if label in q.name.text(lang) else
         t("ambiguous_option", lang, name=q.name.text(lang), where=label),
         f'/inform{{"qualification":"{q.id}"}}')
        for q, label in zip(quals, labels)
    )
    return Answer("ambiguous", lang, text, (), buttons, _ver(version), None, tuple(q.id for q in quals))


MAX_OPTIONS = 6  # buttons a phone shows at once


def _narrow(result: MatchResult, quals: Sequence[QualificationInfo], mention: str, lang: str,
            version: Optional[str]) -> Answer:
    """A large family ("教师资格证书": 28 rows) is narrowed step by step: the country first, then the state or
    province, never more than MAX_OPTIONS buttons; the rows stay the candidates, so the answer narrows them."""
    by_country: Dict[str, List[QualificationInfo]] = {}
    for q in quals:
        key = q.countries[0].text(lang) if q.countries else where(q, lang)
        by_country.setdefault(key, []).append(q)
    ids = tuple(q.id for q in quals)
    if len(by_country) > 1:
        ranked = sorted(by_country.items(), key=lambda kv: -len(kv[1]))
        shown = ranked[:MAX_OPTIONS] if len(ranked) <= MAX_OPTIONS else ranked[:MAX_OPTIONS - 1]
        buttons = [(f"{c}（{len(qs)}）" if lang == "zh" else f"{c} ({len(qs)})", c) for c, qs in shown]
        if len(ranked) > len(shown):
            rest = "、".join(c for c, _ in ranked[len(shown):]) if lang == "zh" else ", ".join(c for c, _ in ranked[len(shown):])
            buttons.append((t("ambiguous_other", lang), rest.split("、" if lang == "zh" else ", ")[0]))
        text = t("ambiguous_country", lang, mention=mention, n=len(quals), k=len(by_country))
        return Answer("ambiguous", lang, text, (), tuple(buttons), _ver(version), None, ids)
    country, qs = next(iter(by_country.items()))
    regions = [where(q, lang) for q in qs]
    text = t("ambiguous_region", lang, mention=mention, n=len(quals), country=country,
             regions=("、" if lang == "zh" else ", ").join(regions))
    rows = tuple((where(q, lang), f'/inform{{"qualification":"{q.id}"}}') for q in qs[:MAX_OPTIONS])
    return Answer("ambiguous", lang, text, (), rows if len(qs) <= MAX_OPTIONS else (), _ver(version), None, ids)


# --- benefits ------------------------------------------------------------------------------------


def foreign_only_measure(lang: str, version: Optional[str] = None) -> Answer:
    """The work permit asked by a Chinese national: it is for foreign nationals (Section 1, item 4)."""
    lang = _lang(lang)
    cite = "第一条第4项" if lang == "zh" else "Section 1, item 4"
    return Answer("not_applicable", lang, t("work_permit_chinese", lang), (cite,), (), _ver(version))


def no_beijing_employer(lang: str, version: Optional[str] = None) -> Answer:
    """ "I work for a company in Shanghai, not Beijing": the measures are not theirs yet (Section 1's opening)."""
    lang = _lang(lang)
    cite = "第一条" if lang == "zh" else "Section 1"
    why = t("verdict.reason.no_beijing_employer", lang)
    text = t("verdict.lead.not_yet", lang) + (why if lang == "zh" else " " + why[:1].upper() + why[1:])
    return Answer("not_applicable", lang, text, (cite,), (), _ver(version))


def benefits(b: rules.Benefits, lang: str, say_excluded: bool = False) -> Answer:
    """What the holder gets (`b`); `say_excluded`: the nationality changed in the conversation, so the measures it
    rules out now are named ("These are for foreign nationals only…"), not just left out."""
    lang = _lang(lang)
    q = b.qualification
    lines = [t("benefits_header", lang, name=q.name.text(lang), list_name=list_name(q, lang))]
    cites = [row_cite(q, lang)]
    for item in b.applying():
        c = item.clause
        who = t(f"benefits_for_nationality.{item.for_nationality}", lang) if item.for_nationality != "any" else ""
        reason = t(f"benefit_reason.{item.reason}", lang) if item.reason in templates()["benefit_reason"] else ""
        if lang == "zh":
            lines.append(f"• {c.title.zh}{who}：{c.summary.zh}{reason}（{c.cite.zh}）")
        else:
            lines.append(" ".join(x for x in (f"• {c.title.en}", who) if x) +
                         f": {c.summary.en}{' ' + reason if reason else ''} ({c.cite.en})")
        cites.append(c.cite.text(lang))
    # the row's own conditions (two years of related experience, registration before practising) hold for every
    # benefit above: said with them, not only in the recognition answer
    title = t(f"title_level.{q.title_level}", lang) if q.title_level else None  # said by the title benefit above
    own = [line for line in conditions_lines(q, lang) if line != title]
    if own:
        lines.append(t("recognized_conditions_header", lang) + ("" if lang == "zh" else " ") + " ".join(own))
    # what the person's nationality rules out, said ("Visas… are for foreign nationals, not for you"): after a change
    # of nationality the items that no longer apply are named, not just left out
    others = [i for i in b.items if say_excluded and i.status == "not_applicable"
              and i.reason == f"{i.for_nationality}_only" and i.for_nationality != "any"]
    if others:
        names = _join((f"{i.clause.title.text(lang)}（{i.clause.cite.text(lang)}）" if lang == "zh"
                       else f"{i.clause.title.text(lang)} ({i.clause.cite.text(lang)})" for i in others), lang)
        lines.append(t("benefits_not_for_you", lang, who=t(f"nationality_plural.{others[0].for_nationality}", lang),
                       items=names))
    if b.needs_nationality:
        lines.append(t("benefits_ask_nationality", lang))
    return Answer("benefits", lang, "\n".join(lines), tuple(cites), (), q.version, q.id)


def general_benefits(lang: str, version: Optional[str] = None, nationality: str = "unknown") -> Answer:
    lang = _lang(lang)
    lines = [t("general_benefits_header", lang)]
    cites = []
    for c in queries.clauses("benefit", version):
        if nationality in ("chinese", "foreign") and c.nationality not in ("any", nationality):
            continue
        urgent = "" if "regular" in c.lists else ("［急需紧缺］" if lang == "zh" else "[urgent list] ")
        lines.append(f"• {urgent}{c.title.text(lang)}（{c.cite.text(lang)}）" if lang == "zh"
                     else f"• {urgent}{c.title.text(lang)} ({c.cite.text(lang)})")
        cites.append(c.cite.text(lang))
    return Answer("benefits_general", lang, "\n".join(lines), tuple(cites), (), _ver(version))


def work_permit(age: Optional[int], high_end: Optional[bool], lang: str, version: Optional[str] = None,
                qualification: Optional[QualificationInfo] = None) -> Answer:
    lang = _lang(lang)
    w = rules.work_permit_age(age, high_end, version)
    text = t(f"work_permit.{w.verdict}", lang, limit=w.age_limit, limit_high=w.age_limit_high_end, age=age,
             a_years=w.clause.facts.get("category_a_permit_max_years", ""))
    cites = [w.clause.cite.text(lang)]
    if qualification is not None:
        cites.insert(0, row_cite(qualification, lang))
        q = qualification  # which credential this is about ("新加坡DPI学前教育证书…可以不 他40岁")
        text += "\n" + t("verdict.holder", lang, name=q.name.text(lang), where=where_and_issuer(q, lang), list_name=list_name(q, lang),
                         row=q.row, id=q.id)
        if q.registration:
            # a Korean physician coming to work in a Beijing hospital: the permit does not let them practise yet
            text += "\n" + t("registration", lang, text=q.registration.text(lang).rstrip("。."))
    return Answer("work_permit", lang, text, tuple(cites), (), _ver(version),
                  qualification.id if qualification else None)


def visa(lang: str, version: Optional[str] = None, qualification: Optional[QualificationInfo] = None) -> Answer:
    lang = _lang(lang)
    c13 = _clause_with("visa_max_years", version)
    lines = [t("visa", lang, years=c13.facts["visa_max_years"])]
    cites = [c13.cite.text(lang)]
    c24 = _clause_with("talent_visa_confirmation_letter", version)
    if qualification is None or qualification.list == "urgent":
        lines.append(t("visa_urgent", lang))
        cites.append(c24.cite.text(lang))
    if qualification is not None:
        cites.insert(0, row_cite(qualification, lang))
    return Answer("visa", lang, "\n".join(lines), tuple(cites), (), _ver(version),
                  qualification.id if qualification else None)


def title(lang: str, version: Optional[str] = None, qualification: Optional[QualificationInfo] = None) -> Answer:
    lang = _lang(lang)
    c12 = _clause_by_title_level("中级", version)
    c21 = _clause_by_title_level("副高级", version)
    if qualification is None:
        return Answer("title", lang, t("title_general", lang), (c12.cite.text(lang), c21.cite.text(lang)), (),
                      _ver(version))
    level = qualification.title_level or "none"
    text = t(f"title_answer.{level}", lang, name=qualification.name.text(lang))
    clause = c21 if level == "副高级" else c12
    return Answer("title", lang, text, (row_cite(qualification, lang), clause.cite.text(lang)), (), _ver(version),
                  qualification.id)


def residence_card(lang: str, version: Optional[str] = None,
                   qualification: Optional[QualificationInfo] = None) -> Answer:
    lang = _lang(lang)
    c11 = _clause_with("work_residence_permit", version)
    c22 = _clause_with("talent_introduction", version)
    lines = [t("residence_card", lang)]
    cites = [c11.cite.text(lang)]
    if qualification is None or qualification.list == "urgent":
        lines.append(t("residence_card_urgent", lang))
        cites.append(c22.cite.text(lang))
        if qualification is not None:
            lines.insert(0, t("recognized_short", lang, name=qualification.name.text(lang),
                              list_name=list_name(qualification, lang), row=qualification.row))
            cites.insert(0, row_cite(qualification, lang))
    else:
        lines.append(t("residence_card_not_urgent", lang, name=qualification.name.text(lang)))
        cites.insert(0, row_cite(qualification, lang))
    return Answer("residence_card", lang, "\n".join(lines), tuple(cites), (), _ver(version),
                  qualification.id if qualification else None)


def practice(lang: str, version: Optional[str] = None, qualification: Optional[QualificationInfo] = None) -> Answer:
    lang = _lang(lang)
    p = rules.practice_for(qualification.id if qualification else None, version)
    cites = [p.clause.cite.text(lang)]
    if qualification is None:
        return Answer("practice", lang, t("practice.general", lang), tuple(cites), (), _ver(version))
    name = qualification.name.text(lang)
    if p.profession:
        lines = [t("practice.covered", lang, name=name, profession=t(f"practice.professions.{p.profession}", lang),
                   list_name=list_name(qualification, lang), row=qualification.row)]
    else:
        lines = [t("practice.not_covered", lang, name=name)]
    if p.registration:  # the row's own remark still says what practising needs (e.g. pharmacists)
        lines.append(t("registration", lang, text=p.registration.text(lang).rstrip("。.")))
    scope = work_scope(qualification, lang)
    if scope:  # "what can they teach?": the work the row covers
        lines.append(t("work_scope", lang, text=scope))
    return Answer("practice", lang, "\n".join(lines), (row_cite(qualification, lang), *cites), (), _ver(version),
                  qualification.id)


def verification(lang: str, version: Optional[str] = None, uses_first: bool = False) -> Answer:
    """Annex 2's steps, what the result is used for (Section 4) and what it does not confirm; `uses_first`: a
    question about notarisation ("do I still need it notarised?") is answered by Section 4 first."""
    lang = _lang(lang)
    steps = queries.verification_steps(version)
    lines = [t("verification.intro", lang, n=len(steps))]
    for i, c in enumerate(steps, 1):
        lines.append(f"{i}. {c.title.text(lang)}：{_clean(c.text.text(lang))}" if lang == "zh"
                     else f"{i}. {c.title.text(lang)}: {_clean(c.text.text(lang))}")
    c4 = next(c for c in queries.clauses("verification", version) if c.section == "四")
    uses = c4.facts.get("used_for_zh" if lang == "zh" else "used_for_en", [])
    used = t("verification.uses", lang, uses=_join(uses, lang))
    lines = [used] + lines if uses_first else lines + [used]
    lines.append(t("verification.limits", lang))
    cites = [c4.cite.text(lang), *(c.cite.text(lang) for c in steps)]
    return Answer("verification", lang, "\n".join(lines), tuple(cites), (), _ver(version))


# --- the catalog itself --------------------------------------------------------------------------


def stats(lang: str, version: Optional[str] = None, field: Optional[str] = None,
          country: Optional[str] = None) -> Answer:
    lang = _lang(lang)
    s = queries.stats(version)
    lines = [t("stats", lang, version=s.version, total=s.total, urgent=s.urgent, regular=s.regular)]
    snap = queries.snapshot(version)
    if field and field in s.by_field:
        lines.append(t("stats_by", lang, name=field if lang == "zh" else snap.fields[field], count=s.by_field[field]))
    if country and country in s.by_country:
        lines.append(t("stats_by", lang, name=country if lang == "zh" else snap.countries[country],
                       count=s.by_country[country]))
    cite = "附件1" if lang == "zh" else "Annex 1"
    return Answer("stats", lang, " ".join(lines), (cite,), (), s.version)


def browse(lang: str, version: Optional[str] = None, field: Optional[str] = None, country: Optional[str] = None,
           list_name_: Optional[str] = None) -> Answer:
    lang = _lang(lang)
    snap = queries.snapshot(version)
    if not (field or country or list_name_):
        buttons = tuple((snap.fields[f] if lang == "en" else f, f'/ask_catalog_browse{{"field":"{f}"}}')
                        for f in ("金融", "云计算", "教育", "体育", "医疗健康服务", "建筑与工程服务"))
        return Answer("browse_ask", lang, t("browse_ask", lang), (), buttons, snap.version)
    quals = queries.list_qualifications(list_name_, field, country, version=version)
    parts = []
    if list_name_:
        parts.append(t(f"list_name.{list_name_}", lang))
    if field:
        parts.append(field if lang == "zh" else snap.fields.get(field, field))
    if country:
        parts.append(country if lang == "zh" else snap.countries.get(country, country))
    what = (" / " if lang == "en" else "、").join(parts)
    if lang == "zh":
        what = f"“{what}”"
    # a country: the rows whose 国家(地区) cell is empty in the notice (filled in from the issuer) are counted apart,
    # as in the staff query, so the count is the notice's own column
    filled = [q for q in quals if q.country_filled] if country else []
    quals = [q for q in quals if q not in filled]
    if not quals and not filled:
        return Answer("browse_none", lang, t("browse_none", lang, what=what), (), (), snap.version)

    def row(q: QualificationInfo) -> str:  # as the staff query says it, without the conditions: the issuer
        # ("名誉会员级" needs 香港测量师学会) and the item ("第12项"); one row alone with its conditions ("the Dutch
        # one — what level and how much experience?")
        return _staff_row(q, lang, conditions=len(quals) + len(filled) == 1)

    head = "browse_one" if len(quals) == 1 else "browse"
    lines = [t(head, lang, what=what, count=len(quals)) if quals else t("browse_none", lang, what=what)]
    lines += [row(q) for q in quals[:BROWSE_LIMIT]]
    if len(quals) > BROWSE_LIMIT:
        lines.append(f"… +{len(quals) - BROWSE_LIMIT}")
    if filled:
        lines += [t("staff_query.filled", lang, n=len(filled))] + [row(q) for q in filled]
    cite = "附件1" if lang == "zh" else "Annex 1"
    return Answer("browse", lang, "\n".join(lines), (cite,), (), snap.version)


def notice_info(lang: str, version: Optional[str] = None) -> Answer:
    lang = _lang(lang)
    n = queries.notice(version)
    rep = n["replaces"]
    if lang == "zh":
        date = "{}年{}月{}日".format(*[int(x) for x in n["date"].split("-")])
        issuers = "、".join(i["zh"] for i in n["issuers"])
        text = t("notice_info", lang, catalog_title=n["catalog_title_zh"], issuers=issuers, date=date,
                 document_number=n["document_number"], replaced=rep["title_zh"],
                 replaced_number=rep["document_number"])
    else:
        issuers = " and the ".join(i["en"] for i in n["issuers"])
        y, m, d = (int(x) for x in n["date"].split("-"))
        months = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December")
        text = t("notice_info", lang, catalog_title=n["catalog_title_en"], issuers=issuers,
                 date=f"{d} {months[m - 1]} {y}",
                 document_number=n["document_number"], replaced=rep["title_en"],
                 replaced_number=rep["document_number"])
    cite = "通知正文" if lang == "zh" else "the notice"
    return Answer("notice_info", lang, text, (cite,), (), n["version"])


# --- help and handoff ----------------------------------------------------------------------------


def refusal(lang: str, kinds: Sequence[str] = ()) -> Answer:
    """What the assistant will not do (catalog/refusals.py), said once, politely."""
    lang = _lang(lang)
    if "fraud" in kinds:
        return Answer("refusal", lang, refusals.data()["say_fraud"][lang],
                      ("附件2第四步" if lang == "zh" else "Annex 2, step 4",), (), _ver(None))
    if "guarantee" in kinds:
        text = refusals.data()["say_guarantee"][lang]
        if set(kinds) - {"guarantee"}:  # and a request it cannot do as well
            text += "\n" + refusals.data()["say"][lang]
        return Answer("refusal", lang, text, (), (), _ver(None))
    return Answer("refusal", lang, refusals.data()["say"][lang], (), (), _ver(None))


STAFF_QUERY_LIMIT = 40
OTHERS_SHOWN = 10  # a total of at most this many rows: the rows outside the subset are listed too


def _conditions(filters: Any, lang: str, snap: Any) -> str:
    parts = []
    for key, values in staff_query_filters.describe(filters):
        if "field_key" in values:
            values = {"field": values["field_key"] if lang == "zh" else snap.fields.get(values["field_key"], values["field_key"])}
        if "country_key" in values:
            values = {"country": values["country_key"] if lang == "zh" else snap.countries.get(values["country_key"],
                                                                                              values["country_key"])}
        parts.append(t(key, lang, **values))
    return ("；" if lang == "zh" else "; ").join(parts)


def items_text(rows: Sequence[QualificationInfo], lang: str) -> str:
    """ "附件1（二）第69项 教师资格证书（维多利亚州）", "list (2), item 69, Teaching Certificate (Victoria)", joined."""
    lang = _lang(lang)
    parts = [f"{'附件1（一）' if q.list == 'urgent' else '附件1（二）'}第{q.row}项 {q.name.text(lang)}" if lang == "zh"
             else f"{'list (1)' if q.list == 'urgent' else 'list (2)'}, item {q.row}, {q.name.text(lang)}" for q in rows]
    return _join(parts, lang)


def _row_range(rows: Sequence[QualificationInfo], lang: str) -> str:
    """"（附件1（二）第96项至第114项）" when the rows are one run of items of one list, else ""."""
    nums = sorted(q.row for q in rows)
    if len(rows) < 2 or len({q.list for q in rows}) != 1 or nums != list(range(nums[0], nums[-1] + 1)):
        return ""
    if lang == "zh":
        return f"（{'附件1（一）' if rows[0].list == 'urgent' else '附件1（二）'}第{nums[0]}项至第{nums[-1]}项）"
    return f" ({'list (1)' if rows[0].list == 'urgent' else 'list (2)'}, items {nums[0]}-{nums[-1]})"


def staff_query(filters: Any, rows: Sequence[QualificationInfo], lang: str, version: Optional[str] = None,
                total: Optional[Tuple[Any, Sequence[QualificationInfo]]] = None) -> Answer:
    """A count and the rows for a query over the catalog's attributes (catalog.staff_query); `total`, the
    (filters, rows) of a count asked first ("一共几项？其中哪几项…"), is said before them."""
    lang = _lang(lang)
    snap = queries.snapshot(version)
    conditions = _conditions(filters, lang, snap)
    if total is not None:
        head = t("staff_query.total", lang, conditions=_conditions(total[0], lang, snap), n=len(total[1]),
                 range=_row_range(total[1], lang))
        whole = staff_query(filters, rows, lang, version)
        head = head if lang == "zh" else head[:1].upper() + head[1:]
        text = head + ("" if lang == "zh" else " ") + whole.text
        shown = {q.id for q in rows}
        others = [q for q in total[1] if q.id not in shown]
        if others and len(total[1]) <= OTHERS_SHOWN:  # "which rows are in the field, and which of them…": all of them
            text += "\n" + "\n".join([t("staff_query.others", lang, n=len(others))] + [_staff_row(q, lang) for q in others])
        return Answer("staff_query", lang, text, whole.cites, (), whole.version)
    # a country asked: rows whose 国家(地区) cell is empty in the notice (filled in from the issuer) are counted
    # apart, so the figure is the notice's own column ("国家一栏写澳大利亚的有多少项": 14, and item 27 besides)
    filled = [q for q in rows if q.country_filled] if (filters.country or filters.countries) else []
    if filled:
        main = [q for q in rows if not q.country_filled]
        inner = staff_query(filters, main, lang, version) if main else None
        note = [t("staff_query.filled", lang, n=len(filled))] + [_staff_row(q, lang) for q in filled]
        text = (inner.text + "\n" if inner else t("staff_query.none", lang, conditions=conditions) + "\n") + "\n".join(note)
        return Answer("staff_query", lang, text, ("附件1" if lang == "zh" else "Annex 1",), (), _ver(version))
    if not rows:
        return Answer("staff_query", lang, t("staff_query.none", lang, conditions=conditions),
                      ("附件1" if lang == "zh" else "Annex 1",), (), _ver(version))
    lines = [t("staff_query.header_one" if len(rows) == 1 else "staff_query.header", lang, conditions=conditions,
               n=len(rows))]
    # the list's name beside each row when the query did not pick one list ("which list is each on?")
    named = not getattr(filters, "list", None)
    for q in list(rows)[:STAFF_QUERY_LIMIT]:
        lines.append(_staff_row(q, lang, list_named=named))
    if len(rows) > STAFF_QUERY_LIMIT:
        lines.append(t("staff_query.more", lang, k=len(rows) - STAFF_QUERY_LIMIT))
    nums = sorted(q.row for q in rows)
    if len(rows) >= 3 and len({q.list for q in rows}) == 1 and nums == list(range(nums[0], nums[-1] + 1)):
        lines.append(t("staff_query.range", lang, list=("附件1（一）" if rows[0].list == "urgent" else "附件1（二）")
                       if lang == "zh" else ("list (1)" if rows[0].list == "urgent" else "list (2)"),
                       first=nums[0], last=nums[-1]))
    cite = "附件1" if lang == "zh" else "Annex 1"
    return Answer("staff_query", lang, "\n".join(lines), (cite,), (), _ver(version))


def rows_named(rows: Sequence[QualificationInfo], lang: str, version: Optional[str] = None) -> Answer:
    """The rows a message names by number ("rows 87-90"), each with where from, issuer and the remark's conditions."""
    lang = _lang(lang)
    lines = [t("rows_named", lang, n=len(rows))] + [_staff_row(q, lang, list_named=True) for q in rows]
    return Answer("staff_query", lang, "\n".join(lines), tuple(row_cite(q, lang) for q in rows), (), _ver(version))


def _staff_row(q: QualificationInfo, lang: str, conditions: bool = True, list_named: bool = False) -> str:
    """One row as a hotline agent needs it: id, name, where from, issuer, list and item, the remark's conditions
    (not in a browse list: `conditions`)."""
    place = where(q, lang)
    issuer = q.issuer.text(lang)
    cond = "" if not conditions else " ".join(conditions_lines(q, lang)) if lang == "en" else "".join(conditions_lines(q, lang))
    if lang == "zh":
        head = f"{q.id} {q.name.text(lang)}（{place}；{issuer}）" if issuer else f"{q.id} {q.name.text(lang)}（{place}）"
        named = f"（{list_name(q, lang)}）" if list_named else ""
        return head + f"——{row_cite(q, lang)}{named}" + (f"；{cond}" if cond else "")
    head = f"{q.id} {q.name.text(lang)} ({place}; {issuer})" if issuer else f"{q.id} {q.name.text(lang)} ({place})"
    named = f" ({list_name(q, lang)})" if list_named else ""
    return head + f" — {row_cite(q, lang)}{named}" + (f"; {cond}" if cond else "")


def not_covered(topics: Sequence[str], lang: str, version: Optional[str] = None, message: str = "") -> Answer:
    """What the notice is silent on (catalog/silence.py), said plainly, with a person to ask; `message`
    names the city of "上海认不认" in the answer."""
    lang = _lang(lang)
    text, clause_ids = silence.answer(list(topics), lang, message)
    cites = tuple(queries.clause(c, version).cite.text(lang) for c in clause_ids)
    return Answer("not_covered", lang, text, cites, (), _ver(version))


def human(lang: str, version: Optional[str] = None) -> Answer:
    lang = _lang(lang)
    n = queries.notice(version)
    text = t("human", lang, platform=n["verification_platform"]["url"], site=n["code_check"]["url"])
    hotline = os.environ.get("QUALIBOT_HOTLINE", "").strip()
    if hotline:
        hours = os.environ.get("QUALIBOT_HOTLINE_HOURS", "").strip() or "-"
        text += "\n" + t("human_hotline", lang, hotline=hotline, hours=hours)
    return Answer("human", lang, text, (), (), n["version"])


def simple(key: str, lang: str) -> Answer:
    """A fixed sentence from answers.yaml (affirm, deny, feedback_thanks, unavailable…)."""
    return Answer(key, _lang(lang), t(key, _lang(lang)))


def help_text(lang: str) -> Answer:
    return Answer("help", _lang(lang), t("help", _lang(lang)))


def fallback(lang: str) -> Answer:
    return Answer("fallback", _lang(lang), t("fallback", _lang(lang)))


def _clause_with(fact: str, version: Optional[str]) -> ClauseInfo:
    return next(c for c in queries.clauses(None, version) if c.facts.get(fact))


def _clause_by_title_level(level: str, version: Optional[str]) -> ClauseInfo:
    return next(c for c in queries.clauses("benefit", version) if c.facts.get("title_level") == level)


# --- the reasoner's verdicts ---------------------------------------------------------------------


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def verdict_lines(v: Any, facts: Any, lang: str, q: Optional[QualificationInfo] = None,
                  with_text: bool = True) -> List[str]:
    """One clause's verdict for this person: the direct answer, why (or on what condition), the clause."""
    from catalog import reasoner

    lang = _lang(lang)
    c = v.clause
    limit = c.facts.get("age_limit", "")
    limit_high = c.facts.get("age_limit_high_end", limit)
    name = q.name.text(lang) if q is not None else ""
    values = dict(limit=limit, limit_high=limit_high, age=facts.age, name=name,
                  years=q.experience_years if q is not None and q.experience_years else "",
                  has=_num(facts.experience_years) if facts.experience_years is not None else "",
                  list_name=list_name(q, lang) if q is not None else "",
                  level=(c.facts.get("title_level") if lang == "zh" else c.facts.get("title_level_en", "")) or "")
    title = c.title.text(lang) if lang == "zh" else f"{c.title.en} ({c.title.zh})"
    if "regular" not in c.lists:  # Section 2: say whose it is
        title += "，急需紧缺清单" if lang == "zh" else ", urgent list"
    about = t("verdict.about", lang, title=title, cite=c.cite.text(lang))
    sep = "" if lang == "zh" else " "
    if v.outcome == reasoner.NOT_APPLICABLE:
        lead_key = "not_yet" if v.reason in ("experience_below_remark", "no_beijing_employer") else "not_applicable"
        reason = t(f"verdict.reason.{v.reason}", lang, **values) if v.reason in templates()["verdict"]["reason"] else ""
        # the clause by its number only: its title ("对应副高级职称") is what the person does not get
        line = t(f"verdict.lead.{lead_key}", lang) + sep + c.cite.text(lang) + ("：" if lang == "zh" else ": ") + reason
        if v.reason == "urgent_only" and q is not None:
            line += _urgent_siblings(q, lang)  # "英國皇家化學會會員係咪可以評副高": no, but the body's FRSC is
    elif v.outcome == reasoner.CANNOT_TELL:
        who = t(f"verdict.who.{c.nationality}", lang) if c.nationality in ("chinese", "foreign") else ""
        said = c.summary.text(lang)
        provided = [t(f"verdict.condition.{code}", lang) for code in v.conditions]
        if provided:
            said = said.rstrip("。.") + _provided(provided, lang) + ("。" if lang == "zh" else ".")
        line = t("verdict.lead.cannot_tell", lang) + sep + about + ("：" if lang == "zh" else ": ") + \
            said + sep + t(f"verdict.reason.{v.reason}", lang, who=who, **values)
    else:
        conds = []
        for code in v.conditions:
            if code == "registration":
                conds.append(q.registration.text(lang) if q is not None and q.registration else "")
            elif code in templates()["verdict"]["condition"]:
                conds.append(t(f"verdict.condition.{code}", lang, **values))
        conds = [x for x in conds if x]
        if c.topic == "practice" and q is not None and q.registration and "registration" not in v.conditions:
            # a physician's row: Section 3 lets them practise, and the row's remark says how ("需在中国办理短期行医许可后执业")
            conds.append(q.registration.text(lang).rstrip("。."))
        if c.topic == "practice" and q is not None and v.reason in templates()["verdict"]["profession"]:
            head = t("verdict.practice_ok", lang, profession=t(f"verdict.profession.{v.reason}", lang))
        elif c.topic == "practice" and q is not None and v.reason == "remark_registration" and q.registration:
            head = t("verdict.practice_remark", lang, name=name, registration=q.registration.text(lang))
            conds = []
        else:
            head = ""
        if c.topic == "practice" and v.reason == "remark_registration" and head:
            line = t("verdict.lead.by_remark", lang) + sep + head
        elif c.topic in ("adjustment", "verification") and not conds:
            # what the catalog or the platform does, not a measure for the person: no "Yes." ("is it there
            # permanently?" would read "Yes."); the statement itself is the answer
            said = head or c.summary.text(lang)
            line = about + (("：" + said) if lang == "zh" else (": " + said))
        elif v.outcome == reasoner.APPLIES or not conds:
            said = head or c.summary.text(lang)
            line = t("verdict.lead.applies", lang) + sep + about + (("：" + said) if lang == "zh" else (": " + said))
            if conds:
                line += _provided(conds, lang)
        else:
            joiner = "；" if lang == "zh" else "; "
            line = t("verdict.lead.conditional", lang) + sep + joiner.join(conds) + ("。" if lang == "zh" else ".") + \
                sep + about + ("：" if lang == "zh" else ": ") + (head or c.summary.text(lang))
    if v.positive and c.facts.get("age_limit") and facts.age is not None and "universal_studios" not in v.conditions:
        line += sep + t("verdict.age_within", lang, age=facts.age)
    lines = [line]
    if with_text:
        lines.append(t("verdict.clause_text", lang, cite=c.cite.text(lang), text=c.text.text(lang)))
    return lines


def _provided(conds: Sequence[str], lang: str) -> str:
    """ "（前提：…；…）" / " (provided …; …)": what must also hold, after a verdict's clause."""
    return ("（前提：" + "；".join(conds) + "）") if lang == "zh" else (" (provided " + "; ".join(conds) + ")")


def verdicts(q: Optional[QualificationInfo], items: Sequence[Any], facts: Any, lang: str,
             version: Optional[str] = None) -> Answer:
    """The answer to "can I / do I get …" for the clauses asked: for the holder of `q` (or, with no credential
    known yet, for a holder of any listed one), each clause's verdict first, then why and the clause text."""
    lang = _lang(lang)
    leads: List[str] = []
    texts: List[str] = []
    cites: List[str] = []
    for v in items:
        first, *rest = verdict_lines(v, facts, lang, q, with_text=len(items) <= 3)
        leads.append(first)
        texts += rest
    lines = leads[:]
    if q is not None:
        lines.append(t("verdict.holder", lang, name=q.name.text(lang), where=where_and_issuer(q, lang), list_name=list_name(q, lang), row=q.row,
                       id=q.id))
        cond = conditions_lines(q, lang)
        if cond:  # the remark's own conditions (years of experience, registration, title, levels)
            sep = "" if lang == "zh" else " "
            lines.append(t("recognized_conditions_header", lang) + sep + sep.join(cond))
        if any(v.clause.section == "三" for v in items):  # "can she teach maths there?": the work the row covers
            lines.append(t("work_scope", lang, text=work_scope(q, lang)))
        cites.append(row_cite(q, lang))
    lines += texts
    cites += [v.clause.cite.text(lang) for v in items]
    buttons: Tuple[Tuple[str, str], ...] = ()
    needs = [n for v in items if v.outcome == "cannot_tell" for n in v.needs]
    if "high_end" in needs:
        buttons = ((t("verdict_buttons.high_end_yes", lang), '/inform{"high_end":"true"}'),
                   (t("verdict_buttons.high_end_no", lang), '/inform{"high_end":"false"}'))
    elif "nationality" in needs:
        buttons = ((t("verdict_buttons.chinese", lang), '/inform{"nationality":"chinese"}'),
                   (t("verdict_buttons.foreign", lang), '/inform{"nationality":"foreign"}'))
    return Answer("verdict", lang, "\n".join(lines), tuple(dict.fromkeys(cites)), buttons,
                  q.version if q is not None else _ver(version), q.id if q is not None else None)


def clause_sentences(ids: Sequence[str], lead: Any, lang: str, version: Optional[str] = None) -> Answer:
    """A question about one sentence of the notice: that sentence first, cited, then the whole clause(s) it
    names (a question that names a clause by number gets its full text)."""
    lang = _lang(lang)
    by_id = {c.id: c for c in queries.clauses(version=version)}
    secs = queries.sections(version)
    lines: List[str] = []
    cites: List[str] = []
    if lead is not None:
        cite = lead.cite_zh if lang == "zh" else lead.cite_en
        lines.append(t("sentence_lead", lang, cite=cite, text=lead.zh if lang == "zh" else lead.en))
        cites.append(cite)
    for cid in ids[:2]:
        c = by_id.get(cid)
        if c is not None:
            full = c.text.text(lang)
            if lead is None or (lead.zh if lang == "zh" else lead.en) != full:
                lines.append(t("verdict.clause_text", lang, cite=c.cite.text(lang), text=full))
            cites.append(c.cite.text(lang))
        elif cid in secs:
            parts = [x for x in queries.clauses(version=version) if x.section == cid]
            sec = secs[cid]
            if sec.intro:
                lines.append(f"{sec.cite.text(lang)}：{sec.intro.text(lang)}" if lang == "zh"
                             else f"{sec.cite.text(lang)}: {sec.intro.text(lang)}")
            for x in parts[:6]:
                if lead is not None and (lead.zh if lang == "zh" else lead.en) == x.text.text(lang):
                    continue
                lines.append(f"{x.cite.text(lang)}：{x.text.text(lang)}" if lang == "zh"
                             else f"{x.cite.text(lang)}: {x.text.text(lang)}")
            cites.append(sec.cite.text(lang))
    return Answer("clause", lang, "\n".join(lines), tuple(dict.fromkeys(cites)), (), _ver(version))


def remark(q: QualificationInfo, lang: str) -> Answer:
    """ "Does the USCPA row require any years of experience?", "澳大利亚行医资格凭证这一项的备注是啥": the row's remark,
    whole, and plainly what it does not ask for (years of experience, a title)."""
    lang = _lang(lang)
    lines = [t("verdict.holder", lang, name=q.name.text(lang), where=where_and_issuer(q, lang), list_name=list_name(q, lang), row=q.row, id=q.id),
             t("verdict.remark", lang, name=q.name.text(lang), list_name=list_name(q, lang), row=q.row, id=q.id,
               remark=q.remark.text(lang))]
    cond = conditions_lines(q, lang)
    if cond:
        sep = "" if lang == "zh" else " "
        lines.append(t("recognized_conditions_header", lang) + sep + sep.join(cond))
    if not q.experience_years:
        lines.append(t("verdict.no_experience", lang))
    if not q.title_level:
        lines.append(t("verdict.no_title", lang))
    return Answer("remark", lang, "\n".join(lines), (row_cite(q, lang),), (), q.version, q.id)


def same_body(q: QualificationInfo, version: Optional[str] = None) -> List[QualificationInfo]:
    """The other rows of the body that issues `q` ("ACCA": the qualification and the Fellowship)."""
    return [o for o in queries.all_qualifications(version) if o.id != q.id and q.issuer.en and o.issuer.en == q.issuer.en]


def _urgent_siblings(q: QualificationInfo, lang: str) -> str:
    """The same body's rows on the urgent list, said after a "not on the urgent list" (LEED AP -> LEED Fellow)."""
    return "".join(t("claim_urgent_sibling", lang, name=u.name.text(lang), row=u.row, id=u.id)
                   for u in same_body(q, q.version) if u.list == "urgent")


def condition_absent(q: QualificationInfo, kind: str, lang: str) -> Optional[Answer]:
    """ "Does CELTA have any native speaker rule like DELTA?": the row's remark has no such condition, and the rows
    whose remarks do; None when the row has it (its remark says so) or no row has it."""
    lang = _lang(lang)
    if any(c.kind == kind for c in q.conditions) or kind not in templates().get("condition_absent", {}):
        return None
    having = [o for o in queries.all_qualifications(q.version) if any(c.kind == kind for c in o.conditions)]
    if not having:
        return None
    text = t(f"condition_absent.{kind}", lang, name=q.name.text(lang), row=q.row, items=items_text(having, lang))
    return Answer("remark", lang, text, (row_cite(q, lang),), (), q.version, q.id)


def _runs(nums: Sequence[int], lang: str) -> str:
    """ [46, 47, …, 61, 62, 69] -> "46-62, 69" (zh "46至62、69")."""
    parts: List[str] = []
    for n in nums:
        if parts and isinstance(parts[-1], str) and parts[-1].split("-")[-1] == str(n - 1):
            parts[-1] = parts[-1].split("-")[0] + f"-{n}"
        else:
            parts.append(str(n))
    if lang == "zh":
        return "、".join(p.replace("-", "至") for p in parts)
    return ", ".join(parts)


def english_only_scope(q: QualificationInfo, lang: str) -> Optional[Answer]:
    """ "Can I teach maths with my CELTA?": a row whose remark names English language courses and not subject
    courses (学科类课程) does not name maths; None for a row that names subject courses or no teaching at all."""
    lang = _lang(lang)
    remark = q.remark.zh or ""
    if "英语语言课程" not in remark or "学科类课程" in remark:
        return None
    subjects = [o for o in queries.all_qualifications(q.version) if "学科类课程" in (o.remark.zh or "")]
    text = t("english_only_scope", lang, name=q.name.text(lang), row=q.row, n=len(subjects),
             rows=_runs(sorted(o.row for o in subjects), lang))
    return Answer("remark", lang, text, (row_cite(q, lang),), (), q.version, q.id)


def unlisted_urgent_claim(said: str, lang: str, version: Optional[str] = None) -> Answer:
    """ "New policy: CCIE holders are now on the urgently-needed list": the urgent list's own rows, and that the
    credential the message names is not among them."""
    lang = _lang(lang)
    urgent = [q for q in queries.all_qualifications(version) if q.list == "urgent"]
    sep = "、" if lang == "zh" else "; "
    items = sep.join(f"{q.name.text(lang)}（{q.id}）" if lang == "zh" else f"{q.name.text(lang)} ({q.id})" for q in urgent)
    return Answer("claim", lang, t("claim_unlisted_urgent", lang, count=len(urgent), items=items, said=said),
                  ("附件1（一）" if lang == "zh" else "Annex 1, list (1)",), (), _ver(version))


def false_references(found: Sequence[Tuple[str, str, int]], lang: str, version: Optional[str] = None) -> List[Answer]:
    """What a message cites that the notice does not have (catalog/claims.py false_references): said plainly."""
    lang = _lang(lang)
    out: List[Answer] = []
    for kind, which, n in found:
        if kind == "annex":
            out.append(Answer("claim", lang, t("claim_no_annex", lang, n=n), ("通知正文" if lang == "zh" else "the notice",),
                              (), _ver(version)))
        else:
            rows = queries.all_qualifications(version)
            count = sum(1 for q in rows if q.list == which)
            name = t(f"list_name.{which}", lang)
            out.append(Answer("claim", lang, t("claim_no_row", lang, list_name=name, count=count, n=n, total=len(rows)),
                              ("附件1" if lang == "zh" else "Annex 1",), (), _ver(version)))
    return out


def claim_checks(checks: Sequence[Tuple[str, QualificationInfo]], said: str, lang: str) -> List[Answer]:
    """A message's claim about a row checked against the catalog (catalog/claims.py): what the row it names by
    number really is, and that a regular-list credential called urgent is not on the urgent list."""
    lang = _lang(lang)
    out: List[Answer] = []
    for kind, q in checks:
        if kind == "item":
            other = t("claim_other", lang, said=said) if said else ""
            text = t("claim_item", lang, list_name=list_name(q, lang), row=q.row, name=q.name.text(lang),
                     where=where(q, lang), id=q.id, other=other)
        else:
            text = t("claim_not_urgent", lang, name=q.name.text(lang), list_name=list_name(q, lang), row=q.row, id=q.id)
            text += _urgent_siblings(q, lang)  # "LEED AP係咪急需緊缺？": no, but LEED Fellow (urgent list item 6) is
        out.append(Answer("claim", lang, text, (row_cite(q, lang),), (), q.version, q.id))
    return out
