"""Parrot and loop guards: pure functions over messages and calls."""

from __future__ import annotations

import pytest

from quickturn.errors import ConfigError
from quickturn.llm.guards import AnsweredCalls, GuardOptions, call_key, parroted_turn
from quickturn.tools.types import ToolCall, ToolResult

HISTORY = [
    {"role": "system", "content": "You are a desk agent."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello! How can I help you with your stay today?"},
    {"role": "user", "content": "A room please"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
    {"role": "tool", "tool_call_id": "c1", "content": '{"rooms": 3}'},
    {"role": "assistant", "content": "We have three rooms free on those nights."},
]


def test_exact_repeat_of_an_earlier_turn_is_a_parrot() -> None:
    assert parroted_turn("Hello! How can I help you with your stay today?", HISTORY) == (
        "Hello! How can I help you with your stay today?"
    )


def test_repeat_differing_only_in_case_and_punctuation_is_a_parrot() -> None:
    assert parroted_turn("we have three rooms free on those nights", HISTORY) is not None


def test_near_repeat_above_the_threshold_is_a_parrot() -> None:
    near = "Hello! How can I help you with your stay today, sir?"
    assert parroted_turn(near, HISTORY) is not None
    assert parroted_turn(near, HISTORY, GuardOptions(parrot_similarity=1.0)) is None


def test_a_new_reply_is_not_a_parrot() -> None:
    assert parroted_turn("Your booking for March 20 to 22 is confirmed.", HISTORY) is None


def test_short_acknowledgements_may_repeat() -> None:
    history = [{"role": "assistant", "content": "Okay."}]
    assert parroted_turn("Okay.", history) is None
    assert parroted_turn("Okay.", history, GuardOptions(parrot_min_words=1)) == "Okay."


def test_only_the_callers_last_line_counts_as_an_echo() -> None:
    history = [
        {"role": "user", "content": "I would like to book a double room"},
        {"role": "user", "content": "For two nights from Friday please"},
    ]
    assert parroted_turn("I would like to book a double room", history) is None
    assert parroted_turn("For two nights from Friday, please!", history) is not None


def test_identical_call_gets_the_earlier_result_regardless_of_key_order() -> None:
    answered = AnsweredCalls()
    first = ToolCall("c1", "lookup", {"a": 1, "b": "x"})
    result = ToolResult("c1", "lookup", '{"found": true}', ok=True)
    answered.record(first, result)
    again = ToolCall("c2", "lookup", {"b": "x", "a": 1})
    assert answered.earlier(again) is result
    assert call_key(first) == call_key(again)


def test_a_call_with_other_arguments_or_name_is_new() -> None:
    answered = AnsweredCalls()
    answered.record(ToolCall("c1", "lookup", {"a": 1}), ToolResult("c1", "lookup", "{}", ok=True))
    assert answered.earlier(ToolCall("c2", "lookup", {"a": 2})) is None
    assert answered.earlier(ToolCall("c3", "other", {"a": 1})) is None
    assert len(answered) == 1


@pytest.mark.parametrize("kw", [{"parrot_similarity": 0.0}, {"parrot_min_words": 0}])
def test_bad_options_are_refused(kw: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        GuardOptions(**kw)  # type: ignore[arg-type]
