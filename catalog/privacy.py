"""How long conversations are kept, and the sentence that tells users so (the chat page, the WeChat welcome).

QUALIBOT_RETENTION_DAYS (default 180) is read here only. The tracker store's conversations and the
unanswered-question log are deleted after that many days by `python -m ops.purge` (a
Kubernetes CronJob in deploy/k8s/cronjob.yaml); the notice says no more than that.
"""
from __future__ import annotations

import os
from typing import Mapping, Optional

DEFAULT_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 3650

NOTICE = {
    "zh": "我们保存对话内容（含未能回答的问题和您的评价）最长{days}天，用于答复和改进服务。"
          "请不要输入身份证号、手机号、证书编号等个人信息。",
    "en": "We keep the conversation (including questions we could not answer and your ratings) for at most "
          "{days} days, to answer you and improve the service. Please don't type personal data such as ID, "
          "phone or certificate numbers.",
}


def retention_days(environ: Optional[Mapping[str, str]] = None) -> int:
    """QUALIBOT_RETENTION_DAYS: a whole number of days, 1 to 3650; ValueError otherwise."""
    env = os.environ if environ is None else environ
    raw = (env.get("QUALIBOT_RETENTION_DAYS") or "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ValueError(f"QUALIBOT_RETENTION_DAYS must be a whole number of days from 1 to {MAX_RETENTION_DAYS}, "
                         f"got {raw!r}")
    return int(raw)


def notice(lang: str, days: Optional[int] = None) -> str:
    """What is kept and for how long, in `lang` (zh or en)."""
    return NOTICE[lang].format(days=retention_days() if days is None else days)
