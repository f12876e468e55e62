"""The conversation tests' user lines through the real NLU.

`rasa test core` (run by scripts/test.sh) checks the dialogue, but takes each story's intent label
as given; `--e2e` can't score our rule-based entities. So here every `user:` line of
tests/stories/*.yml is parsed by the trained model and must get the story's intent.
"""
from __future__ import annotations

import asyncio

import pytest
import yaml

from tests.nlu.evaluate import ROOT

STORIES = sorted((ROOT / "tests" / "stories").glob("*.yml"))


def user_turns():
    for path in STORIES:
        for story in yaml.safe_load(path.read_text(encoding="utf-8")).get("stories", []):
            for step in story["steps"]:
                if "user" in step:
                    yield story["story"], step["user"].strip(), step["intent"]


@pytest.fixture(scope="module")
def agent(rasa_agent):
    return rasa_agent  # the session's Agent of the trained model (tests/conftest.py)


def test_there_are_enough_conversation_tests():
    turns = list(user_turns())
    assert len({s for s, _, _ in turns}) >= 60
    assert len(turns) >= 100


STORY_INTENT_ACCURACY = 0.95  # the same bar as the held-out NLU set


def test_the_user_lines_get_the_story_intent(agent):
    async def parse_all():
        return [(story, text, intent, (await agent.parse_message(text))["intent"]["name"])
                for story, text, intent in user_turns()]

    results = asyncio.run(parse_all())
    wrong = [f"{story}: {text!r} -> {got} (story says {intent})" for story, text, intent, got in results if got != intent]
    accuracy = 1 - len(wrong) / len(results)
    print(f"story user lines: {len(results) - len(wrong)}/{len(results)} intents right")
    assert accuracy >= STORY_INTENT_ACCURACY, "\n".join(wrong)
