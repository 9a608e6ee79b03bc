"""STT pieces that need no model: options, the repetition guard."""

from __future__ import annotations

import pytest

from quickturn.errors import ConfigError
from quickturn.stt.overlap import drop_overlap
from quickturn.stt.whisper import (
    WhisperOptions,
    has_repeated_ngram,
    repeats_earlier,
    repeats_sentence,
    text_end_s,
)


@pytest.mark.parametrize(
    "tokens,repeated",
    [
        ([1, 2, 3, 4, 5, 6], False),
        ([1, 2, 3, 1, 2, 3], False),  # twice can be real speech ("no no no, no no no")
        ([1, 2, 3, 1, 2, 3, 1, 2, 3], True),
        ([7, 7, 7, 7, 7], True),
        ([], False),
    ],
)
def test_repeated_ngram(tokens: list[int], repeated: bool) -> None:
    assert has_repeated_ngram(tokens) is repeated


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "large-v3"},
        {"window_s": 0.5},
        {"window_s": 31.0},
        {"beam_size": 0},
        {"threads": 0},
        {"model": "tiny.en", "language": "de"},
        {"tokens_per_s": 0.0},
    ],
)
def test_bad_options(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        WhisperOptions(**kwargs)  # type: ignore[arg-type]


def test_multilingual_model_accepts_other_languages() -> None:
    assert WhisperOptions(model="base", language="de").language == "de"


def test_text_end_is_the_last_timestamp() -> None:
    begin = 50_000  # Whisper's first timestamp token id; each step is 20 ms
    assert text_end_s([begin, 11, 12, begin + 128, begin + 128, 13, begin + 300], begin) == 6.0
    assert text_end_s([11, 12, 13], begin) is None  # no timestamps: nothing known


@pytest.mark.parametrize(
    ("text", "earlier", "repeats"),
    [
        # The flake seen in a 12 s utterance: the continuation replayed the opening sentence.
        ("I would like to book a double room for two nights. What",
         "I would like to book a double room for two nights. Please cancel my booking.", True),
        ("Please cancel my booking for next Friday.",
         "I would like to book a double room for two nights.", False),
        ("Book, a double.", "book a double room", False),  # three shared words are not a replay
        ("BOOK A DOUBLE ROOM!", "i'd like to book a double room", True),
    ],
)
def test_a_continuation_that_replays_earlier_words_is_caught(
    text: str, earlier: str, repeats: bool
) -> None:
    assert repeats_earlier(text, earlier) is repeats


@pytest.mark.parametrize(
    ("earlier", "text", "kept"),
    [
        # Seen in the demo: "Great. Great Thank you. Goodbye." and "Hi. Hi I'd like to ..."
        ("Great.", "Great Thank you. Goodbye.", "Thank you. Goodbye."),
        ("Hi.", "Hi I'd like to book", "I'd like to book"),
        ("for two nights.", "two nights. What time", "What time"),
        ("Hi.", "I'd like to book", "I'd like to book"),
    ],
)
def test_a_continuation_does_not_repeat_the_words_it_starts_inside(
    earlier: str, text: str, kept: str
) -> None:
    assert drop_overlap(earlier, text) == kept


@pytest.mark.parametrize(
    ("text", "repeats"),
    [
        ("Great. Great.", True),  # seen in the demo, from a 0.7 s fragment
        ("Hi. Hi. Hi, I'd like to book", True),
        ("No? No? No?", True),
        ("Hi, I'd like to book.", False),
        ("Great, thank you. Goodbye.", False),
        ("No. I said no.", False),
        ("", False),
    ],
)
def test_a_sentence_said_twice_in_a_row_is_caught(text: str, repeats: bool) -> None:
    assert repeats_sentence(text) is repeats
