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
