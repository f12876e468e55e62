"""Receipts in a real browser (issue 14): the chat page shows the receipt code small under the answer, and the
staff console's "why this answer" tab resolves it — by the code, or by the applicant's words — to what was said
and why, with the approved answer beside it. Screenshot: results/web-console-receipt.png."""
from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import CONSOLE_TOKEN

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

CODE = re.compile(r"[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}")


def ask(page, text: str):
    page.locator("#msg").fill(text)
    page.locator("#msg").press("Enter")
    expect(page.locator("#log")).to_have_attribute("aria-busy", "false", timeout=60_000)
    return page.locator("#log > li.msg.bot").last


def assert_clean(page):
    assert page.problems.errors == [], page.problems.errors
    assert page.problems.dialogs == [] and page.problems.external == []


def test_the_page_shows_the_receipt_and_the_console_explains_it(phone, desk, results_dir):
    phone.goto("/web/chat")
    answer = ask(phone, "我有CFA证书，能认可吗")
    receipt = answer.locator(".receipt")
    expect(receipt).to_have_text(re.compile(r"^回执编号 [2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}$"))
    code = CODE.search(receipt.inner_text()).group(0)
    said = answer.locator(".text").inner_text()
    assert code not in said  # small under the answer, not in its text
    assert_clean(phone)

    page = desk
    page.add_init_script(f"sessionStorage.setItem('qualibot.console.token', {json.dumps(CONSOLE_TOKEN)})")
    page.goto("/web/console")
    page.get_by_role("tab", name="回执查询").click()
    expect(page.locator("#panel-why")).to_be_visible()
    page.locator("#why-q").fill(code.lower().replace("-", " "))  # as an agent might type what they hear
    page.locator("#why-q").press("Enter")
    view = page.locator("#why-view")
    expect(view).to_be_visible()
    expect(view.locator(".why-said h2")).to_contain_text(code)
    expect(view.locator(".why-said .why-text")).to_contain_text("R007")
    expect(view.locator(".why-said dl")).to_contain_text("涉及证书（编号）")
    expect(view.locator(".why-said dl")).to_contain_text("附件1（二）第7项")
    expect(view.locator(".why-said .why-text")).to_contain_text(said.splitlines()[0][:20])
    expect(view.locator(".why-why")).to_contain_text("ask_recognized")
    expect(view.locator(".why-why")).to_contain_text("“CFA” → R007")
    expect(view.locator(".why-why")).to_contain_text("在目录内")
    expect(view.locator(".why-why")).to_contain_text("Policy")  # the policy that chose the action (RulePolicy, …)
    expect(view.locator(".why-rules tbody tr").first).to_be_visible()
    expect(view.locator(".why-approved")).to_contain_text("R007")
    page.screenshot(path=str(results_dir / "web-console-receipt.png"), full_page=True)

    # the applicant's words instead of the code: the answers that have them, then the receipt
    page.locator("#why-q").fill("我有CFA证书，能认可吗")
    page.locator("#why-q").press("Enter")
    expect(page.locator("#why-list")).to_be_visible()
    page.locator("#why-list").get_by_role("button", name=code).first.click()
    expect(view.locator(".why-said h2")).to_contain_text(code)

    # in English
    page.locator("#lang-toggle").click()
    expect(view.locator(".why-why h2")).to_have_text("Why this answer")
    expect(view.locator(".why-why")).to_contain_text("listed")

    # a code that does not exist: said plainly
    page.locator("#why-q").fill("ZZZ-ZZZ")
    page.locator("#why-q").press("Enter")
    expect(page.locator("#why-status")).to_contain_text("No such receipt")
    assert all("404" in e for e in page.problems.errors), page.problems.errors  # the expected "Failed to load"
    assert page.problems.dialogs == [] and page.problems.external == []
