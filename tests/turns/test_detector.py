"""End-of-turn text heuristic: a table of what callers say when they pause."""

from __future__ import annotations

import pytest

from quickturn.errors import ConfigError
from quickturn.turns import TurnDetector, TurnOptions

OPTS = TurnOptions(patience_s=0.5, incomplete_extra_s=0.6, weak_extra_s=0.25)
DONE, WEAK, OPEN = 0.0, OPTS.weak_extra_s, OPTS.incomplete_extra_s

TABLE = [
    # finished sentences and questions: answer now
    ("I'd like to book a room for two nights.", DONE),
    ("What time is breakfast?", DONE),
    ("Can you hear me?", DONE),
    ("Thank you.", DONE),
    ("No, that's all!", DONE),
    ("I'll take that.", DONE),
    ("A double room, please.", DONE),
    ("My name is John Smith.", DONE),
    ("Where are you from?", DONE),
    ("", DONE),
    # clearly mid-sentence: wait longer
    ("I'd like to book...", OPEN),
    ("I'd like to book", OPEN),
    ("I'd like to book.", OPEN),  # Whisper often closes a pause with a period
    ("I want to change", OPEN),
    ("I'd like a room and", OPEN),
    ("Could you check if the", OPEN),
    ("My name is, um", OPEN),
    ("So, uh...", OPEN),
    ("We are arriving on Friday,", OPEN),
    ("I need a room with a view -", OPEN),
    ("The thing is, I'm", OPEN),
    ("Let me think… ", OPEN),
    ("I'm looking for a room because", OPEN),
    ("Is breakfast included or", OPEN),
    ("I’d like to", OPEN),
    # probably mid-sentence: a shorter wait
    ("I'm calling about a reservation for", WEAK),
    ("Could I get a room with", WEAK),
    ("That's the room I asked for.", WEAK),
    ("Yes, I can.", WEAK),
    ("two nights starting tomorrow", WEAK),  # no punctuation at all: may be cut off
    ("Yes.", WEAK),  # a lead-in alone: "Yes, that's right, please book it."
    ("Great.", WEAK),
]


@pytest.mark.parametrize("transcript,expected", TABLE)
def test_hold_table(transcript: str, expected: float) -> None:
    assert TurnDetector(OPTS).hold_s(transcript) == pytest.approx(expected)


def test_table_is_big_and_covers_every_outcome() -> None:
    assert len(TABLE) >= 20
    assert {e for _, e in TABLE} == {DONE, WEAK, OPEN}


def test_mid_sentence_pause_does_not_end_the_turn() -> None:
    d = TurnDetector(OPTS)
    silence_s = OPTS.patience_s + 0.1  # VAD patience already passed
    assert not d.is_turn_over("I'd like to book...", silence_s)
    assert d.is_turn_over("I'd like to book a room.", silence_s)
    assert d.is_turn_over("I'd like to book...", OPTS.patience_s + OPTS.incomplete_extra_s)
    assert d.end_of_turn_delay_s("Is that right?") == OPTS.patience_s


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience_s": 0.0},
        {"incomplete_extra_s": -1.0},
        {"weak_extra_s": 0.9, "incomplete_extra_s": 0.6},
    ],
)
def test_bad_options(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        TurnOptions(**kwargs)
