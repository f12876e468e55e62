"""The analytics tab's charts as server-rendered SVG (no chart library, no CDN, no script in them).

    day_chart(days, series, values, lang, title)     stacked columns per Beijing day (+ optional line)
    ranked_chart(items, lang, title)                 horizontal bars, most first, the label above its bar
    charts_of(report, lang, titles)                  every chart of a Report (bot/analytics/report.py)

Each mark carries its exact number (`data-value`, and a <title> a pointer shows); the page puts a table of
the same rows beside every chart (web/console/analytics.js), so nothing is only in the picture. The SVGs
use presentation attributes only (the console's Content-Security-Policy allows no inline style) and every
text is XML-escaped. Sizes: the day chart is drawn 560 units wide, the ranked ones 360, so that on a 375 px
phone a ranked chart's text stays at about its drawn size. Words inside the charts (series names, axis) are
in chart_labels.yaml, zh and en side by side.
"""
from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

import yaml

LABELS_FILE = Path(__file__).with_name("chart_labels.yaml")
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
PALETTE = ("#1f6feb", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2", "#6b7280")
SERIES_COLOURS = {"web": PALETTE[0], "wechat": PALETTE[2], "rest": PALETTE[1], "other": PALETTE[6],
                  "zh": PALETTE[4], "en": PALETTE[0], "unknown": PALETTE[6],
                  "answered": PALETTE[2], "fallback": PALETTE[1], "unhelpful": PALETTE[4]}
LABEL_CHARS = 34  # a ranked chart's label is cut after this many characters (the whole text is in the table)


@lru_cache(maxsize=1)
def _labels() -> Dict[str, Any]:
    with LABELS_FILE.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    for group in ("series", "words", "titles"):
        for key, value in data[group].items():
            if set(value) != {"zh", "en"}:
                raise ValueError(f"{LABELS_FILE.name}: {group}.{key} needs zh and en")
    return data


def series_label(key: str, lang: str) -> str:
    entry = _labels()["series"].get(key)
    return entry[lang] if entry else key


def word(key: str, lang: str, **values: Any) -> str:
    return str(_labels()["words"][key][lang]).format(**values)


def _a(value: Any) -> str:
    """An attribute value, escaped and quoted."""
    return '"' + escape(str(value), {'"': "&quot;"}) + '"'


def _t(value: Any) -> str:
    return escape(str(value))


def nice_step(peak: float, ticks: int = 4) -> int:
    """A whole step of 1, 2, 2.5, 3 or 5 times a power of ten such that `ticks` steps reach `peak` (at least 1)."""
    raw = max(peak, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for m in (1, 2, 2.5, 3, 5, 10):
        if m * power >= raw and float(m * power).is_integer():
            return max(1, int(m * power))
    return int(10 * power)  # not reached


def text_width(text: str, size: float) -> float:
    """About how wide `text` is drawn at font size `size` (CJK and emoji full width, Latin about half)."""
    return sum(size if ord(c) > 0x2E80 else size * 0.58 for c in text)


def _svg(width: int, height: int, title: str, desc: str, body: List[str], kind: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" class="chart chart-{kind}" font-family={_a(FONT)} font-size="{13 if kind == "day" else 12}" '
            f'preserveAspectRatio="xMinYMin meet"><title>{_t(title)}</title><desc>{_t(desc)}</desc>'
            + "".join(body) + "</svg>")


def day_chart(days: Sequence[date], series: Sequence[str], values: Mapping[Tuple[date, str], int], lang: str,
              title: str, line: Optional[str] = None, line_values: Optional[Mapping[date, int]] = None) -> str:
    """Columns per day, `series` stacked in order (values[(day, series)]); `line` another series drawn as a line
    with dots over them (e.g. 👎, which is not part of the questions)."""
    width, height, left, right, top, bottom = 560, 250, 40, 10, 32, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values.get((d, s), 0) for s in series) for d in days]
    peak = max(totals + [(line_values or {}).get(d, 0) for d in days] + [0])
    step = nice_step(peak)
    top_value = step * 4
    body: List[str] = []
    # legend
    x = float(left)
    for key in list(series) + ([line] if line else []):
        name = series_label(key, lang)
        body.append(f'<rect x="{x:.1f}" y="8" width="12" height="12" rx="2" fill={_a(SERIES_COLOURS.get(key, PALETTE[6]))}/>'
                    f'<text x="{x + 16:.1f}" y="18" fill="#1f2328" class="legend" data-series={_a(key)}>{_t(name)}</text>')
        x += 30 + text_width(name, 13)
    # axis and grid
    for i in range(5):
        v = step * i
        y = top + plot_h - plot_h * i / 4
        label = str(v)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de" '
                    f'stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#57606a">'
                    f'{_t(label)}</text>')
    n = max(1, len(days))
    band = plot_w / n
    bar = max(1.0, band * 0.78)
    every = max(1, math.ceil(n / 8))  # at most about 8 day labels
    for i, d in enumerate(days):
        x0 = left + i * band + (band - bar) / 2
        y = top + plot_h
        for key in series:
            v = values.get((d, key), 0)
            if not v:
                continue
            h = plot_h * v / top_value
            y -= h
            body.append(f'<rect class="bar" x="{x0:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{h:.2f}" '
                        f'fill={_a(SERIES_COLOURS.get(key, PALETTE[6]))} data-day="{d.isoformat()}" '
                        f'data-series={_a(key)} data-value="{v}"><title>{_t(f"{d.isoformat()} {series_label(key, lang)}: {v}")}</title></rect>')
        if i % every == 0 or i == n - 1 and n <= 8:
            body.append(f'<text x="{left + i * band + band / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                        f'fill="#57606a">{_t(d.strftime("%m-%d"))}</text>')
    if line and line_values is not None:
        points = []
        for i, d in enumerate(days):
            v = line_values.get(d, 0)
            cx, cy = left + i * band + band / 2, top + plot_h - plot_h * v / top_value
            points.append(f"{cx:.2f},{cy:.2f}")
            if v:
                body.append(f'<circle class="dot" cx="{cx:.2f}" cy="{cy:.2f}" r="3" fill={_a(SERIES_COLOURS[line])} '
                            f'data-day="{d.isoformat()}" data-series={_a(line)} data-value="{v}">'
                            f'<title>{_t(f"{d.isoformat()} {series_label(line, lang)}: {v}")}</title></circle>')
        if len(points) > 1:
            body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke={_a(SERIES_COLOURS[line])} '
                        f'stroke-width="1.5" opacity="0.8"/>')
    if not peak:
        body.append(f'<text x="{width / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#57606a" '
                    f'class="empty">{_t(word("no_data", lang))}</text>')
    total = sum(totals)
    desc = word("chart_day", lang, title=title, start=days[0].isoformat() if days else "",
                end=days[-1].isoformat() if days else "", total=total)
    return _svg(width, height, title, desc, body, "day")


def ranked_chart(items: Sequence[Tuple[str, str, int]], lang: str, title: str) -> str:
    """(key, label, count) rows, most first: each label above its bar, the count at the bar's end."""
    width, row, left, right, top = 360, 36, 4, 44, 6
    height = top + row * max(1, len(items)) + 6
    peak = max([n for _, _, n in items] + [0])
    body: List[str] = []
    for i, (key, label, n) in enumerate(items):
        y = top + i * row
        shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        w = (width - left - right) * n / peak if peak else 0
        body.append(f'<g class="row" data-key={_a(key)} data-value="{n}"><title>{_t(f"{label}: {n}")}</title>'
                    f'<text x="{left}" y="{y + 12}" fill="#1f2328">{_t(shown)}</text>'
                    f'<rect class="bar" x="{left}" y="{y + 17}" width="{max(w, 1.5):.2f}" height="13" rx="2" '
                    f'fill="{PALETTE[i % 2 and 5 or 0]}"/>'
                    f'<text x="{left + max(w, 1.5) + 5:.2f}" y="{y + 28}" fill="#1f2328" class="value">{n}</text></g>')
    if not items:
        body.append(f'<text x="{width / 2}" y="{top + 22}" text-anchor="middle" fill="#57606a" class="empty">'
                    f'{_t(word("no_data", lang))}</text>')
    return _svg(width, height, title, word("chart_ranked", lang, title=title, n=len(items)), body, "ranked")


def _credential_label(c: Any, lang: str) -> str:
    name = c.name_zh if lang == "zh" else c.name_en
    return f"{c.key} {name}".strip()


CHARTS = ("by_channel", "by_lang", "outcomes", "top_intents", "top_credentials", "demand_radar", "top_unanswered")
# the Report view each chart draws (its CSV)
CHART_VIEWS = {"by_channel": "questions_per_day", "by_lang": "questions_per_day", "outcomes": "outcomes_per_day",
               "top_intents": "top_intents", "top_credentials": "top_credentials", "demand_radar": "demand_radar",
               "top_unanswered": "top_unanswered"}


def titles(lang: str) -> Dict[str, str]:
    return {name: str(_labels()["titles"][name][lang]) for name in CHARTS}


def charts_of(rep: Any, lang: str) -> Dict[str, str]:
    """Every chart of a Report: per day by channel, per day by language, outcomes (👎 as a line), top intents,
    top credentials, demand radar, top unanswered."""
    titles_ = titles(lang)
    days = list(rep.period.each_day())
    by_channel: Dict[Tuple[date, str], int] = {}
    by_lang: Dict[Tuple[date, str], int] = {}
    for r in rep.questions_per_day:
        by_channel[(r.day, r.channel)] = by_channel.get((r.day, r.channel), 0) + r.questions
        by_lang[(r.day, r.lang)] = by_lang.get((r.day, r.lang), 0) + r.questions
    outcomes = {(r.day, k): getattr(r, k) for r in rep.outcomes_per_day for k in ("answered", "fallback")}
    unhelpful = {r.day: r.unhelpful for r in rep.outcomes_per_day}
    return {
        "by_channel": day_chart(days, ("web", "wechat", "rest", "other"), by_channel, lang, titles_["by_channel"]),
        "by_lang": day_chart(days, ("zh", "en", "unknown"), by_lang, lang, titles_["by_lang"]),
        "outcomes": day_chart(days, ("answered", "fallback"), outcomes, lang, titles_["outcomes"],
                              line="unhelpful", line_values=unhelpful),
        "top_intents": ranked_chart([(r.key, r.key, r.questions) for r in rep.top_intents], lang,
                                    titles_["top_intents"]),
        "top_credentials": ranked_chart([(c.key, _credential_label(c, lang), c.questions)
                                         for c in rep.top_credentials], lang, titles_["top_credentials"]),
        "demand_radar": ranked_chart([(r.key, (r.name_zh if lang == "zh" and r.name_zh else r.name_en or r.name),
                                       r.questions) for r in rep.demand_radar], lang, titles_["demand_radar"]),
        "top_unanswered": ranked_chart([(str(i), u.text, u.questions) for i, u in enumerate(rep.top_unanswered)],
                                       lang, titles_["top_unanswered"]),
    }
