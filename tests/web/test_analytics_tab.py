"""The console's analytics tab and catalog-version view (issue 14) in a real Chromium against the real Rasa
server, reading the tracker store seeded by tests/web/conftest.py (`seeded`: the plan of
tests/support/analytics_plan.py, written as Rasa writes conversations, plus 👍/👎 in the catalog database).

Every number the page shows is checked against counts made here from the plan (collections.Counter over the
plan's own description of each turn), for two periods and a channel; the CSV of a chart against the same;
the catalog-version view against the made-up tests/data/catalog-3.1 (a draft under QUALIBOT_CATALOG_DRAFTS).
Screenshots: results/web-analytics.png (1280 px), results/web-analytics-phone.png (375 px),
results/web-versions.png.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.analytics_plan import expected
from tests.web.conftest import CONSOLE_TOKEN

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")


def assert_clean(page):
    assert page.problems.errors == [], page.problems.errors
    assert page.problems.dialogs == [], page.problems.dialogs
    assert page.problems.external == [], page.problems.external


def open_tab(page, name: str):
    page.add_init_script(f"sessionStorage.setItem('qualibot.console.token', {json.dumps(CONSOLE_TOKEN)})")
    page.goto("/web/console/")
    page.get_by_role("tab", name=name).click()
    return page


def wait_loaded(page):
    expect(page.locator("#panel-analytics")).to_have_attribute("aria-busy", "false", timeout=60_000)


def show_period(page, start, end, channel: str = ""):
    page.locator("#an-range").select_option("custom")
    page.locator("#an-start").fill(start.isoformat())
    page.locator("#an-end").fill(end.isoformat())
    page.locator("#an-channel").select_option(channel)
    wait_loaded(page)
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#an-summary")).to_contain_text(f"{start.isoformat()} 至 {end.isoformat()}", timeout=60_000)
    wait_loaded(page)


def table(page, chart: str):
    """{row key: {column: text}} of a chart's data table."""
    return page.evaluate("""chart => {
        const out = {};
        document.querySelectorAll('#an-' + chart + ' tbody tr').forEach(tr => {
            const row = {};
            tr.querySelectorAll('td').forEach(td => { row[td.dataset.col] = td.textContent; });
            out[tr.dataset.key] = row;
        });
        return out;
    }""", chart)


def rated(seeded, start, end):
    """(Beijing day, kind) -> count of the seeded 👍/👎 (the feedback log has no channel: any channel filter)."""
    return Counter((created.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI).date(), kind)
                   for created, kind, _ in seeded.feedback
                   if start <= created.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI).date() <= end)


def check_numbers(page, seeded, start, end, channel: str = ""):
    per_day, outcome, intents, creds, radar, phrasings, unanswered, last = expected(
        seeded.plan, start, end, [channel] if channel else None)
    votes = rated(seeded, start, end)
    total = sum(per_day.values())
    answered = sum(n for (_, k), n in outcome.items() if k == "answered")
    fallback = sum(n for (_, k), n in outcome.items() if k == "fallback")
    assert total > 0
    expect(page.locator("#an-summary")).to_contain_text(
        f"共 {total} 个问题，已回答 {answered}（{round(1000 * answered / total) / 10:g}%），未能回答 {fallback}")
    unhelpful = sum(n for (_, k), n in votes.items() if k == "unhelpful")
    expect(page.locator("#an-summary")).to_contain_text(f"👎 {unhelpful}，")

    by_channel = table(page, "by_channel")
    want = Counter()
    for (day, ch, _lang), n in per_day.items():
        want[(day.isoformat(), ch)] += n
    got = {(day, ch): int(row[ch]) for day, row in by_channel.items() for ch in ("web", "wechat", "rest", "other")
           if int(row[ch])}
    assert got == dict(want)
    by_lang = table(page, "by_lang")
    want = Counter()
    for (day, _ch, lang), n in per_day.items():
        want[(day.isoformat(), lang)] += n
    assert {(d, lang): int(r[lang]) for d, r in by_lang.items() for lang in ("zh", "en", "unknown")
            if int(r[lang])} == dict(want)
    outcomes = table(page, "outcomes")
    assert len(outcomes) == (end - start).days + 1  # every day of the period, zero or not
    for day, row in outcomes.items():
        d = date.fromisoformat(day)
        assert (int(row["answered"]), int(row["fallback"])) == (outcome[(d, "answered")], outcome[(d, "fallback")])
        assert (int(row["unhelpful"]), int(row["helpful"])) == (votes[(d, "unhelpful")], votes[(d, "helpful")])
    assert {k: int(r["questions"]) for k, r in table(page, "top_intents").items()} == dict(intents)
    assert {k: int(r["questions"]) for k, r in table(page, "top_credentials").items()} == dict(creds)
    shown_radar = table(page, "demand_radar")
    assert {k: int(r["questions"]) for k, r in shown_radar.items()} == dict(radar)
    for key, row in shown_radar.items():  # the phrasings people used, masked, most used first
        for text, n in phrasings[key].most_common(3):
            assert f"{text} ({n})" in row["examples"], (key, row["examples"])
        assert "13812345678" not in row["examples"]
    shown = table(page, "top_unanswered")
    assert {k: int(r["questions"]) for k, r in shown.items()} == dict(unanswered)
    assert {k: r["last_day"] for k, r in shown.items()} == {k: d.isoformat() for k, d in last.items()}
    # the chart of each view draws the same numbers (its marks carry them)
    drawn = page.evaluate("""() => [...document.querySelectorAll('#an-by_channel svg rect.bar')]
                                     .reduce((n, r) => n + Number(r.dataset.value), 0)""")
    assert drawn == total
    radar_bars = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#an-demand_radar svg g.row')]
                                          .map(g => [g.dataset.key, Number(g.dataset.value)]))""")
    assert radar_bars == dict(radar)
    return radar, phrasings


def test_the_analytics_tab_shows_the_seeded_numbers_for_the_chosen_period(desk, seeded, results_dir):
    page = open_tab(desk, "统计")
    wait_loaded(page)  # the last 30 days: the whole plan (it starts 20 days ago)
    first, last = seeded.first_day, seeded.first_day + timedelta(days=9)
    show_period(page, first, last)
    radar, phrasings = check_numbers(page, seeded, first, last)
    assert page.locator(".an-card svg").count() == 7
    page.locator("#an-demand_radar details summary").click()
    page.screenshot(path=str(results_dir / "web-analytics.png"), full_page=True)
    assert (results_dir / "web-analytics.png").stat().st_size > 20_000

    # CSV of the demand radar: the same counts, spreadsheet-safe
    with page.expect_download() as download:
        page.locator("#an-demand_radar .an-csv").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert {r["key"]: int(r["questions"]) for r in rows} == dict(radar)
    assert download.value.suggested_filename == f"demand_radar_{first.isoformat()}_{last.isoformat()}.csv"

    # another period, and one channel
    a, b = first + timedelta(days=2), first + timedelta(days=5)
    show_period(page, a, b, "wechat")
    check_numbers(page, seeded, a, b, "wechat")
    show_period(page, first, last, "web")
    check_numbers(page, seeded, first, last, "web")

    # the last 7 days hold none of the plan
    page.locator("#an-channel").select_option("")
    wait_loaded(page)
    page.locator("#an-range").select_option("7")
    expect(page.locator("#an-summary")).to_contain_text("共 0 个问题", timeout=60_000)
    expect(page.locator("#an-top_intents svg text.empty")).to_have_text("所选时段没有数据")

    # English: the page's words and the charts' (drawn by the server in the page's language)
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("#an-summary")).to_contain_text("0 questions", timeout=60_000)
    expect(page.locator("#an-by_channel h3")).to_have_text("Questions per day by channel")
    expect(page.get_by_role("tab", name="Analytics")).to_be_visible()
    assert_clean(page)


def test_the_analytics_tab_is_readable_on_a_phone(phone, seeded, results_dir):
    page = open_tab(phone, "统计")
    wait_loaded(page)
    show_period(page, seeded.first_day, seeded.first_day + timedelta(days=9))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no horizontal scroll"
    # the ranked charts' text is drawn at about its size (360 units wide in a 375 px screen)
    size = page.locator("#an-top_intents svg text").first.evaluate("e => e.getBoundingClientRect().height")
    assert size >= 11, size
    page.locator("#an-top_credentials").scroll_into_view_if_needed()
    page.screenshot(path=str(results_dir / "web-analytics-phone.png"), full_page=True)
    assert_clean(page)


def test_the_versions_view_shows_what_catalog_3_1_changes_and_touches(desk, results_dir):
    page = open_tab(desk, "目录版本")
    expect(page.locator("#v-new option")).to_have_count(1)
    assert page.locator("#v-old").input_value() == "3.0"
    assert page.locator("#v-new").input_value() == "catalog-3.1"
    page.get_by_role("button", name="比较").click()
    expect(page.locator("#v-result .v-title")).to_have_text("《目录》版本比较：3.0 → 3.1", timeout=120_000)
    expect(page.locator(".v-summary")).to_contain_text("条目：新增 1，删除 1，变更 1")
    expect(page.locator('#v-rows li.added[data-row="R116"]')).to_contain_text("Scrum")
    expect(page.locator('#v-rows li.removed[data-row="U07"]')).to_be_visible()
    expect(page.locator('#v-rows li.changed[data-row="U03"] [data-field="experience_years"]')).to_contain_text("→ 5")
    expect(page.locator('#v-clauses li[data-clause="一.4"] [data-field="facts.age_limit"]')).to_contain_text("65 → 68")
    answers = page.locator("#v-answers tbody tr")
    expect(answers.filter(has_text="外国人工作许可").first).to_be_visible()
    expect(page.locator('#v-answers tr[data-key^="recognized:changed:U03"]')).to_have_count(1)
    questions = page.locator("#v-questions tbody tr")
    expect(questions.filter(has_text="Certified ScrumMaster")).to_contain_text("R116")
    expect(questions.filter(has_text="第一条第4项")).to_have_count(1)
    page.screenshot(path=str(results_dir / "web-versions.png"), full_page=True)
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("#v-result .v-title")).to_have_text("Catalog versions compared: 3.0 → 3.1")
    assert_clean(page)


# --- the API itself ------------------------------------------------------------------------------


def test_the_insight_apis_need_the_console_token(web_server):
    for path in ("/web/api/analytics", "/web/api/analytics.csv?chart=top_intents", "/web/api/versions",
                 "/web/api/diff?old=3.0&new=catalog-3.1"):
        assert web_server.get(path, headers={})[0] == 401, path
        assert web_server.get(path, headers={"X-Console-Token": "wrong"})[0] == 401, path


@pytest.mark.parametrize("query", ["start=2030-13-01&end=2030-12-31", "start=2030-03-05&end=2030-03-01",
                                   "end=2030-03-01", "days=0", "days=abc", "days=400", "channel=fax",
                                   "start=2020-01-01&end=2030-01-01", "limit=0", "lang=fr"])
def test_bad_analytics_parameters_are_a_400(web_server, query):
    code, body = web_server.get_json("/web/api/analytics?" + query)
    assert code == 400 and body["error"], (query, body)


@pytest.mark.parametrize("query", ["old=3.0&new=../../etc", "old=3.0&new=%2Ftmp", "old=3.0&new=9.9",
                                   "old=3.0", "old=3.0&new=catalog-3.1&days=13"])
def test_a_version_is_a_known_name_never_a_path(web_server, query):
    code, body = web_server.get_json("/web/api/diff?" + query)
    assert code in (400, 404) and body["error"] and "Traceback" not in json.dumps(body), (query, body)


def test_the_api_numbers_and_csv_match_the_plan(web_server, seeded):
    first, last = seeded.first_day, seeded.first_day + timedelta(days=9)
    q = f"start={first.isoformat()}&end={last.isoformat()}"
    code, data = web_server.get_json("/web/api/analytics?" + q + "&lang=en")
    assert code == 200, data
    per_day, outcome, intents, *_ = expected(seeded.plan, first, last)
    assert data["summary"]["questions"] == sum(per_day.values())
    assert {r["key"]: r["questions"] for r in data["views"]["top_intents"]} == dict(intents)
    assert data["titles"]["demand_radar"].startswith("Demand radar")
    assert set(data["charts"]) == set(data["chart_views"]) and all(s.startswith("<svg") for s in data["charts"].values())
    code, headers, raw = web_server.get("/web/api/analytics.csv?chart=outcomes&" + q)
    assert code == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 10 and sum(int(r["fallback"]) for r in rows) == sum(
        n for (_, k), n in outcome.items() if k == "fallback")
    code, versions = web_server.get_json("/web/api/versions")
    assert code == 200 and versions["current"] == "3.0" and versions["drafts"] == ["catalog-3.1"]
