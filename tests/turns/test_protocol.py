"""The end-of-turn protocol's plain detectors, the transcript rules' new cues, the labelled
set's parser. No models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quickturn.errors import ConfigError
from quickturn.turns import (
    EndOfTurnDetector,
    PatienceDetector,
    RuleTurnDetector,
    SmartTurnOptions,
    TurnOptions,
    completeness,
)
from quickturn.turns.labelled_set import KINDS, load_labelled_set, parse_item

AUDIO = np.zeros(1600, np.int16)


async def test_patience_ends_at_its_silence() -> None:
    det: EndOfTurnDetector = PatienceDetector(0.35)
    assert det.min_silence_s == 0.35
    assert await det.hold_s(AUDIO, "I'd like to") == 0.0


async def test_text_rules_hold_unfinished_words() -> None:
    det: EndOfTurnDetector = RuleTurnDetector(TurnOptions(patience_s=0.3))
    assert det.min_silence_s == 0.3
    assert await det.hold_s(AUDIO, "I'd like to book a room.") == 0.0
    assert await det.hold_s(AUDIO, "I'd like a room and") == TurnOptions().incomplete_extra_s
    assert await det.hold_s(AUDIO, "") == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My number is", "incomplete"),
        ("My phone number is 555 123", "incomplete"),
        ("My phone number is 555-123-4567.", "complete"),
        ("My phone number is 555 0142.", "complete"),
        ("The card number is 4111 2222", "incomplete"),
        ("The card number is 4111 2222 3333 4444.", "complete"),
        ("It's spelled", "incomplete"),
        ("My name is John Smith.", "complete"),
        ("I have two numbers.", "complete"),
        ("", "empty"),
        ("Room for", "weak"),
    ],
)
def test_completeness_slots_and_numbers(text: str, expected: str) -> None:
    assert completeness(text) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ask_after_s": 0.0},
        {"threshold": 1.0},
        {"ask_after_s": 0.5, "patience_s": 0.3},
        {"weak_wait_s": 2.0},
        {"disagree_wait_s": -0.1},
        {"threads": 0},
    ],
)
def test_smart_turn_options_are_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        SmartTurnOptions(**kwargs)


def test_patience_is_validated() -> None:
    with pytest.raises(ConfigError):
        PatienceDetector(0.0)


def test_shipped_labelled_set() -> None:
    items = load_labelled_set()
    assert len(items) >= 40
    assert {it.kind for it in items} == KINDS
    paused = [it for it in items if it.pauses]
    assert len(paused) >= 25
    for it in paused:
        assert all(0.2 <= p <= 1.2 and 0 < n < it.word_count for n, p in it.pauses)


def test_labelled_item_parsing() -> None:
    it = parse_item({"id": "x", "kind": "hesitation", "text": "I'd like to [700] book [300] it."})
    assert it.text == "I'd like to book it."
    assert it.pauses == ((3, 0.7), (4, 0.3))


@pytest.mark.parametrize(
    "raw",
    [
        {"id": "a", "kind": "hesitation", "text": "too [1500] long"},
        {"id": "b", "kind": "hesitation", "text": "[300] leading pause"},
        {"id": "c", "kind": "hesitation", "text": "trailing pause [300]"},
        {"id": "d", "kind": "nonsense", "text": "fine"},
        {"id": "e", "kind": "plain", "text": ""},
        {"id": "f", "kind": "plain", "text": "two [300] [300] pauses"},
    ],
)
def test_bad_labelled_items_are_refused(raw: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=raw["id"]):
        parse_item(raw)


def test_bad_labelled_file(tmp_path: Path) -> None:
    bad = tmp_path / "set.yaml"
    bad.write_text("utterances: [ {id: x")
    with pytest.raises(ConfigError, match="cannot read"):
        load_labelled_set(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(ConfigError, match="utterances"):
        load_labelled_set(bad)
