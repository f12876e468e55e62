"""A plan of turns for the analytics tests (what each turn is, in the plan's own terms), written into a tracker
store as Rasa writes a conversation, and the counts every view must show, made with collections.Counter and
zoneinfo's Beijing days. Used by tests/bot/test_analytics.py (the query layer) and tests/web/test_analytics_tab.py
(the console's tab, in a browser)."""
from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

from catalog import answers
from catalog.text import normalize

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2030, 3, 1, 0, 0, tzinfo=SHANGHAI).timestamp()  # Beijing midnight
DAYS = 10
AWS = "AWS Certified Solutions Architect – Associate"
ITIL = "ITIL Foundation (ITIL 4 Foundation / ITIL v3 Foundation)"


@dataclass
class Plan:
    """One turn: what is written, and what it is (the expectation, in the plan's own terms)."""

    sender: str
    ts: float
    text: str
    intent: str
    entities: List[Tuple[str, str]]
    answers: List[Tuple[Optional[str], Optional[str], str]]  # (kind, lang, text); kind None: a domain response
    action: str
    channel: str
    lang: str
    outcome: str
    credentials: Tuple[str, ...] = ()
    radar: Optional[str] = None  # the normalised name of a credential asked about that is not listed
    shown: str = ""  # the masked text a view shows

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.ts, SHANGHAI).date()


def kinds(rng: random.Random):
    """(weight, maker): each maker returns Plan fields for a sender's turn."""
    unl_zh = answers.t("unlisted", "zh", matched="AWS SAA", name="亚马逊云科技助理级解决方案架构师认证",
                       reason="目录只收录专业级。")
    unl_en = answers.t("unlisted", "en", matched="AWS SAA", name=AWS, reason="Only Professional is listed.")
    caia = answers.t("not_found_named", "zh", name="CAIA")
    generic = answers.t("unlisted_generic", "zh", reason="基础级低于专家级别。")
    return [
        (6, lambda: dict(text="我有CFA证书，能认可吗", intent="ask_recognized",
                         entities=[("qualification", "R007"), ("language", "zh")],
                         answers=[("recognized", "zh", "CFA 在《目录》内。")], action="action_answer_recognized",
                         lang="zh", outcome="answered", credentials=("R007",))),
        (3, lambda: dict(text="Is the FRM recognized?", intent="ask_recognized",
                         entities=[("qualification", "R008"), ("language", "en")],
                         answers=[("recognized", "en", "FRM is listed.")], action="action_answer_recognized",
                         lang="en", outcome="answered", credentials=("R008",))),
        (2, lambda: dict(text="我是注册会计师", intent="inform", entities=[("confirm", "R014"), ("language", "zh")],
                         answers=[("confirm", "zh", "您的证书是……吗？")], action="action_answer_inform",
                         lang="zh", outcome="answered", credentials=("R014",))),
        (2, lambda: dict(text="teaching certificate", intent="ask_recognized",
                         entities=[("candidates", "R047,R046"), ("language", "en")],
                         answers=[("ambiguous", "en", "Which one?")], action="action_answer_recognized",
                         lang="en", outcome="answered", credentials=("R046,R047",))),
        (2, lambda: dict(text="AWS SAA 算吗", intent="ask_recognized",
                         entities=[("unlisted", AWS), ("language", "zh")], answers=[("unlisted", "zh", unl_zh)],
                         action="action_answer_recognized", lang="zh", outcome="answered",
                         radar=normalize(AWS), shown="AWS SAA 算吗")),
        (1, lambda: dict(text="Is AWS SAA listed?", intent="ask_recognized",
                         entities=[("unlisted", AWS), ("language", "en")], answers=[("unlisted", "en", unl_en)],
                         action="action_answer_recognized", lang="en", outcome="answered",
                         radar=normalize(AWS), shown="Is AWS SAA listed?")),
        (2, lambda: dict(text="我有CAIA证书，电话13812345678", intent="ask_recognized", entities=[("language", "zh")],
                         answers=[("unlisted", "zh", caia), ("browse", "zh", "金融类……")],
                         action="action_answer_recognized", lang="zh", outcome="answered", radar="caia",
                         shown="我有CAIA证书，电话[PHONE]")),
        (1, lambda: dict(text="我有ITIL Foundation", intent="ask_recognized", entities=[("language", "zh")],
                         answers=[("unlisted", "zh", generic)], action="action_answer_recognized", lang="zh",
                         outcome="answered", radar=normalize(ITIL),
                         shown="我有ITIL Foundation")),
        (3, lambda: dict(text=rng.choice(["怎么去天安门", "怎么去天安门", "今天天气", "=HYPERLINK(\"x\")"]),
                         intent="nlu_fallback", entities=[("language", "zh")],
                         answers=[("fallback", "zh", "我没听懂。"), ("human", "zh", "可以转人工。")],
                         action="action_answer_fallback", lang="zh", outcome="fallback")),
        (1, lambda: dict(text="my number is 13812345678, call me", intent="out_of_scope",
                         entities=[("language", "en")], answers=[(None, None, "Sorry, I didn't get that.")],
                         action="action_default_fallback", lang="en", outcome="fallback",
                         shown="my number is [PHONE], call me")),
        (2, lambda: dict(text="CFA", intent="inform", entities=[("qualification", "R007")],
                         answers=[("recognized", "en", "CFA is listed.")], action="action_answer_inform",
                         lang="en", outcome="answered", credentials=("R007",))),
        (1, lambda: dict(text="/affirm", intent="affirm", entities=[], answers=[(None, None, "好的")],
                         action="utter_affirm", lang="unknown", outcome="answered")),
    ]


def make_plan(seed: int = 14, t0: float = T0) -> List[Plan]:
    """The turns of DAYS Beijing days from `t0` (a Beijing midnight)."""
    rng = random.Random(seed)
    makers = kinds(rng)
    weights = [w for w, _ in makers]
    senders = ([f"web:{uuid.UUID(int=rng.getrandbits(128)).hex}" for _ in range(8)]
               + [f"rest:integration-{i}" for i in range(4)] + [f"wechat:oAbC{i:04d}" for i in range(4)] + ["default"])
    plan: List[Plan] = []
    # the first turn of all: a fallback whose language only its answer says (a refresh window ends inside it)
    plan.append(Plan(sender="web:split", ts=t0 + 600, text="嗯嗯嗯", intent="nlu_fallback", entities=[],
                     answers=[("fallback", "zh", "我没听懂。")], action="action_answer_fallback", channel="web",
                     lang="zh", outcome="fallback", shown="嗯嗯嗯"))
    for sender in senders:
        ts = t0 + rng.uniform(3600, DAYS * 86400 - 20000)
        for _ in range(rng.randint(4, 16)):
            fields = rng.choices(makers, weights)[0][1]()
            if fields["outcome"] == "fallback" and not fields.get("shown"):
                fields["shown"] = fields["text"]
            channel = sender.split(":")[0] if ":" in sender else "other"
            plan.append(Plan(sender=sender, ts=ts, channel=channel, **fields))
            ts += rng.uniform(20, 900)
    # around Beijing midnight: 23:59:59 on day 3 and 00:00:01 on day 4 (UTC 15:59:59 / 16:00:01)
    edge = t0 + 4 * 86400
    for i, at in enumerate((edge - 1, edge + 1)):
        plan.append(Plan(sender=f"wechat:edge{i}", ts=at, channel="wechat", **kinds(rng)[0][1]()))
    return plan


def write(store, plan: List[Plan]) -> None:
    """Each sender's turns as one conversation, saved through `store` (Rasa's events as Rasa writes them)."""
    from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker

    by_sender = defaultdict(list)
    for p in plan:
        by_sender[p.sender].append(p)
    for sender, turns in by_sender.items():
        t = DialogueStateTracker(sender, store.domain.slots)
        start = turns[0].ts - 5
        t.update(ActionExecuted("action_session_start", timestamp=start))
        t.update(SessionStarted(timestamp=start + 0.001))
        t.update(ActionExecuted("action_listen", timestamp=start + 0.002))
        for p in turns:
            entities = [{"entity": e, "value": v, "start": 0, "end": 1, "confidence": 1.0} for e, v in p.entities]
            t.update(UserUttered(p.text, {"name": p.intent, "confidence": 0.9}, entities,
                                 input_channel=p.channel, message_id=uuid.uuid4().hex, timestamp=p.ts))
            lang = next((v for e, v in p.entities if e == "language"), None)
            if lang:
                t.update(SlotSet("language", lang, timestamp=p.ts + 0.01))
            t.update(ActionExecuted(p.action, policy="RulePolicy", confidence=1.0, timestamp=p.ts + 0.02))
            for i, (kind, alang, text) in enumerate(p.answers):
                custom = {"kind": kind, "lang": alang, "cites": [], "source": "", "version": "3.0"} if kind else None
                t.update(BotUttered(text, {"elements": None, "quick_replies": None, "buttons": None,
                                           "attachments": None, "image": None, "custom": custom},
                                    {}, timestamp=p.ts + 0.03 + i * 0.01))
            t.update(ActionExecuted("action_listen", timestamp=p.ts + 0.5))
        asyncio.run(store.save(t))


# --- expectations, counted from the plan ---------------------------------------------------------


def expected(plan: List[Plan], start: date, end: date, channels=None, langs=None):
    ps = [p for p in plan if start <= p.day <= end and (not channels or p.channel in channels)
          and (not langs or p.lang in langs)]
    per_day = Counter((p.day, p.channel, p.lang) for p in ps)
    outcome = Counter((p.day, p.outcome) for p in ps)
    intents = Counter(p.intent for p in ps)
    creds = Counter(c for p in ps for c in p.credentials)
    radar = Counter(p.radar for p in ps if p.radar)
    phrasings = defaultdict(Counter)
    for p in ps:
        if p.radar:
            phrasings[p.radar][p.shown] += 1
    unanswered = Counter(p.shown for p in ps if p.outcome == "fallback")
    last = {}
    for p in ps:
        if p.outcome == "fallback":
            last[p.shown] = max(last.get(p.shown, p.day), p.day)
    return per_day, outcome, intents, creds, radar, phrasings, unanswered, last
