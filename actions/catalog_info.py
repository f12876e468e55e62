"""The catalog itself: counts, browsing by field/country/list, and the notice's metadata."""
from __future__ import annotations

from typing import Optional

from actions.base import AnswerAction, Reply, one
from actions.context import Context
from catalog import answers


def names_a_list(text: str) -> Optional[str]:
    """"urgent" when the text names the urgent list (急需紧缺清单)."""
    text = text.lower()
    if "急需紧缺" in text or "urgent" in text or "紧缺" in text:
        return "urgent"
    return None


def catalog_stats(ctx: Context) -> Reply:
    return one(answers.stats(ctx.lang, field=ctx.entities.get("field"), country=ctx.entities.get("country")))


def browse(ctx: Context) -> Reply:
    return one(answers.browse(ctx.lang, field=ctx.entities.get("field"), country=ctx.entities.get("country"),
                              list_name_=names_a_list(ctx.text)))


def notice_info(ctx: Context) -> Reply:
    return one(answers.notice_info(ctx.lang))


class ActionAnswerCatalogStats(AnswerAction):
    action_name = "action_answer_catalog_stats"
    answerer = staticmethod(catalog_stats)


class ActionBrowseCatalog(AnswerAction):
    action_name = "action_browse_catalog"
    answerer = staticmethod(browse)


class ActionAnswerNoticeInfo(AnswerAction):
    action_name = "action_answer_notice_info"
    answerer = staticmethod(notice_info)
