"""bot/analytics/charts.py: the SVG is well-formed XML with no script or inline style, every mark carries its exact
number, texts are escaped, the axis has whole steps, and both languages label the series."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from bot.analytics import charts
from bot.analytics.report import (CredentialCount, DayCount, DayOutcome, Example, RadarEntry, Ranked, Report,
                                  Unanswered)
from bot.analytics.schema import Period

SVG = "{http://www.w3.org/2000/svg}"
START = date(2030, 3, 1)


def report() -> Report:
    period = Period(START, START + timedelta(days=6))
    per_day = [DayCount(START, "web", "zh", 7), DayCount(START, "wechat", "en", 3),
               DayCount(START + timedelta(days=2), "rest", "unknown", 5)]
    outcomes = [DayOutcome(d, 0, 0, 0, 0, 0) for d in period.each_day()]
    outcomes[0] = DayOutcome(START, 10, 8, 2, 1, 0)
    evil = '<script>alert("x")</script> & =cmd'
    return Report(period, per_day, outcomes, [Ranked("ask_recognized", 9), Ranked("nlu_fallback", 2)],
                  [CredentialCount("R007", ("R007",), "CFA 特许金融分析师证书", "CFA", 4)],
                  [RadarEntry("caia", "CAIA", "", "CAIA", False, (), 3, (Example("我有CAIA", 3),))],
                  [Unanswered(evil, 2, START)])


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    for node in root.iter():
        assert node.tag not in (SVG + "script", SVG + "foreignObject") and "style" not in node.attrib
        assert not any(k.startswith("on") for k in node.attrib)
    return root


def test_every_chart_is_clean_svg_with_its_numbers():
    drawn = charts.charts_of(report(), "zh")
    assert set(drawn) == set(charts.CHARTS) == set(charts.CHART_VIEWS)
    roots = {name: parse(svg) for name, svg in drawn.items()}
    bars = lambda name: [(r.get("data-day"), r.get("data-series"), int(r.get("data-value")))  # noqa: E731
                         for r in roots[name].iter(SVG + "rect") if r.get("class") == "bar"]
    assert sorted(bars("by_channel")) == sorted([("2030-03-01", "web", 7), ("2030-03-01", "wechat", 3),
                                                 ("2030-03-03", "rest", 5)])
    assert sorted(bars("by_lang")) == sorted([("2030-03-01", "zh", 7), ("2030-03-01", "en", 3),
                                              ("2030-03-03", "unknown", 5)])
    assert sorted(bars("outcomes")) == [("2030-03-01", "answered", 8), ("2030-03-01", "fallback", 2)]
    dots = [(c.get("data-series"), c.get("data-value")) for c in roots["outcomes"].iter(SVG + "circle")]
    assert dots == [("unhelpful", "1")]
    rows = [(g.get("data-key"), g.get("data-value")) for g in roots["top_intents"].iter(SVG + "g")]
    assert rows == [("ask_recognized", "9"), ("nlu_fallback", "2")]
    # the axis: whole numbers in 4 equal steps (10 questions at most a day -> 0, 3, 6, 9, 12)
    ticks = [t.text for t in roots["by_channel"].iter(SVG + "text") if t.get("text-anchor") == "end"]
    assert ticks == ["0", "3", "6", "9", "12"]
    legend = [t.text for t in roots["by_channel"].iter(SVG + "text") if t.get("class") == "legend"]
    assert legend == ["网页", "微信", "接口（REST）", "其他"]


def test_texts_are_escaped_and_both_languages_label_the_series():
    zh, en = charts.charts_of(report(), "zh"), charts.charts_of(report(), "en")
    assert "<script>" not in zh["top_unanswered"] and "&lt;script&gt;" in zh["top_unanswered"]
    label = [t.text for t in parse(zh["top_unanswered"]).iter(SVG + "text") if t.get("class") != "value"][0]
    assert label.startswith('<script>alert("x")') and len(label) <= charts.LABEL_CHARS
    assert parse(en["by_lang"]).find(SVG + "title").text == "Questions per day by language"
    assert "Chinese" in en["by_lang"] and "中文" in zh["by_lang"]
    assert "R007 CFA 特许金融分析师证书" in zh["top_credentials"] and "R007 CFA" in en["top_credentials"]


def test_an_empty_period_says_so():
    empty = Report(Period(START, START), [], [DayOutcome(START, 0, 0, 0, 0, 0)], [], [], [], [])
    for lang, text in (("zh", "所选时段没有数据"), ("en", "No data in this period")):
        for svg in charts.charts_of(empty, lang).values():
            assert [t.text for t in parse(svg).iter(SVG + "text") if t.get("class") == "empty"] == [text]
    assert [charts.nice_step(p) for p in (0, 1, 4, 5, 9, 40, 41, 1999)] == [1, 1, 1, 2, 3, 10, 20, 500]
