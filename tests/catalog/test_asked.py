"""Which clause a question asks about (catalog/asked.py): the word lists and the patterns of data/asked.yaml."""
from __future__ import annotations

import re

import pytest

from catalog import asked, wordlists


@pytest.mark.parametrize("text", [
    "Will my London years count as work experience?",
    "Do my years in France count as work experience?",
    "Will those Tokyo years count as work experience here?",
    "新加坡的经历算不算？",
    "我在日本做了5年，日本嘅經驗算唔算？",
])
def test_years_abroad_ask_section_1_item_5(text):
    assert "一.5" in asked.asked_clauses(text)


@pytest.mark.parametrize("text", [
    "我的工作经验算不算够",  # the remark's years, not experience abroad
    "Will my years in Beijing count?",
    "Is my CFA listed?",
])
def test_other_questions_are_not_section_1_item_5(text):
    assert "一.5" not in asked.asked_clauses(text)


def test_every_pattern_compiles_and_names_a_clause_of_the_word_lists():
    data = wordlists.load("asked.yaml")
    for cid, expressions in data["patterns"].items():
        assert cid in data["clauses"]
        for expression in expressions:
            re.compile(expression)


def test_english_plurals_name_the_clause():
    assert "一.4" in asked.asked_clauses("For foreigners' work permits under this catalog, which requirements are waived?")
    assert "一.3" in asked.asked_clauses("Do our staff get residence permits?")


@pytest.mark.parametrize("text,ids", [
    ("通知第一部分第6條講鼓勵喺邊幾方面畀支持同保障？", ["一.6"]),
    ("第二部分第3點講咩？", ["二.3"]),
    ("第四部分講嘅查詢驗證結果", ["四"]),
    ("In which areas does item 一.6 encourage employers to support them?", ["一.6"]),
    ("In part 一 item 6, in which areas …", ["一.6"]),
    ("第一条第4项", ["一.4"]),
    ("CFA 2.0 version", []),
])
def test_a_clause_named_by_part_or_by_the_notices_numerals(text, ids):
    from catalog import sentences
    assert sentences.referenced(text) == ids
