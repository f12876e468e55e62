"""catalog/privacy.py: the retention setting, and the sentence the chat page and the WeChat welcome show."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import privacy

ROOT = Path(__file__).resolve().parents[2]


def test_retention_defaults_to_180_days_and_is_configurable():
    assert privacy.retention_days({}) == 180 == privacy.DEFAULT_RETENTION_DAYS
    assert privacy.retention_days({"QUALIBOT_RETENTION_DAYS": " 30 "}) == 30


@pytest.mark.parametrize("bad", ["0", "-1", "1.5", "abc", "3651", "180d"])
def test_a_bad_retention_is_refused(bad):
    with pytest.raises(ValueError, match="QUALIBOT_RETENTION_DAYS"):
        privacy.retention_days({"QUALIBOT_RETENTION_DAYS": bad})


def test_the_notice_says_what_is_kept_and_for_how_long_in_both_languages():
    zh, en = privacy.notice("zh", 180), privacy.notice("en", 180)
    assert "对话内容" in zh and "最长180天" in zh and "身份证号" in zh
    assert "conversation" in en and "at most 180 days" in en and "ID" in en
    assert "最长30天" in privacy.notice("zh", 30)


def test_the_wechat_welcome_says_it_with_the_configured_retention():
    code = "from bot.channels.wording import WELCOME; print(WELCOME)"
    for days in ("", "30"):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "QUALIBOT_RETENTION_DAYS": days})
        assert out.returncode == 0, out.stderr
        n = int(days or 180)
        zh, en = out.stdout.strip().split("\n")
        assert zh.endswith(privacy.notice("zh", n)) and en.endswith(privacy.notice("en", n))
        assert len(out.stdout.encode("utf-8")) < 2048  # one passive reply


def test_a_bad_retention_stops_the_web_channel_at_start(monkeypatch):
    from bot.channels.web import WebChannel

    monkeypatch.setenv("QUALIBOT_RETENTION_DAYS", "forever")
    with pytest.raises(ValueError, match="QUALIBOT_RETENTION_DAYS"):
        WebChannel(console_token="t")
    monkeypatch.setenv("QUALIBOT_RETENTION_DAYS", "30")
    assert WebChannel(console_token="t").retention_days == 30
