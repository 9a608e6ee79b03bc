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
from quickturn.turns.detector import reads_final
from quickturn.turns.labelled_set import KINDS, load_labelled_set, parse_item
from quickturn.turns.smart_turn import hold_after

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
        # Whisper's reading of "my phone number is" at the pause (labelled set, session 17)
        ("My phone numbers.", "incomplete"),
        ("my emails.", "incomplete"),
        ("My booking references.", "incomplete"),
        ("My name's.", "incomplete"),
        ("My booking reference is", "incomplete"),
        ("Thank you. My phone numbers.", "incomplete"),
        ("My booking references. B7, 429.", "complete"),
    ],
)
def test_completeness_slots_and_numbers(text: str, expected: str) -> None:
    assert completeness(text) == expected


@pytest.mark.parametrize(
    ("text", "final"),
    [
        # the demo's three turns that waited 1.1 s
        ("Great, thank you. Goodbye.", True),
        ("Sorry, can I check out at one in the afternoon instead?", True),
        ("Hi, I'd like to book a double room for two adults, from March 20th to the 22nd.", True),
        ("Bye-bye.", True),
        ("No, that's all.", True),
        ("Can you also book the airport shuttle?", True),
        ("I need a room with two beds and a sea view.", True),
        # finished words, but callers go on after them
        ("Thank you.", False),  # "Thank you. [700] Oh, and one more thing..."
        ("Can I?", False),  # "Can I [400] bring my dog?"
        ("So, what?", False),  # "So [500] uh [700] what time is checkout?"
        ("I was wondering.", False),
        ("We are arriving on Friday.", False),
        ("It is spelled O B R I E N.", False),  # letters come in groups
        ("My last name is Smith S and my T.", False),
        ("My phone number is 555 0142.", False),  # so do digits
        ("The card number is 4111 2222 3333 4444.", False),
        # not finished at all
        ("I'd like to book a double room for two nights and", False),
        ("My phone numbers.", False),
        ("", False),
    ],
)
def test_words_that_read_final(text: str, final: bool) -> None:
    assert reads_final(text) is final


def test_smart_turn_decision_table() -> None:
    opts = SmartTurnOptions()
    wait = opts.patience_s - opts.ask_after_s
    sure, unsure = 0.9, 0.3
    assert hold_after(opts, sure, "I'll take the double room.") == 0.0
    assert hold_after(opts, sure, "a double room for") == opts.weak_wait_s
    assert hold_after(opts, sure, "My number is") == wait
    # The voice sounds unfinished: the words decide how long to wait.
    assert hold_after(opts, unsure, "I was wondering.") == opts.disagree_wait_s
    assert hold_after(opts, unsure, "Great, thank you. Goodbye.") == opts.final_wait_s
    assert hold_after(opts, unsure, "Can I check out at one instead?") == opts.final_wait_s
    assert hold_after(opts, unsure, "a double room for") == wait
    assert hold_after(opts, unsure, "") == wait
    # Without the transcript the model alone decides.
    alone = SmartTurnOptions(use_transcript=False)
    assert hold_after(alone, unsure, "Goodbye.") == wait
    assert hold_after(alone, sure, "My number is") == 0.0
    assert opts.final_wait_s < opts.disagree_wait_s < wait


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ask_after_s": 0.0},
        {"final_wait_s": 1.0},
        {"final_wait_s": -0.1},
        {"final_min_words": 0},
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
