"""Sentence splitting of streamed LLM text: early first clause, whole sentences after."""

from __future__ import annotations

import pytest

from quickturn.errors import ConfigError
from quickturn.tts import SentenceSplitter


def stream(text: str, step: int, splitter: SentenceSplitter | None = None) -> list[str]:
    s = splitter or SentenceSplitter()
    out: list[str] = []
    for i in range(0, len(text), step):
        out += s.push(text[i : i + step])
    return out + s.flush()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hello there. How are you?", ["Hello there.", "How are you?"]),
        ("Sure! Your room is ready.", ["Sure!", "Your room is ready."]),
        ("Mr. Smith is in room 12. He arrived.", ["Mr. Smith is in room 12.", "He arrived."]),
        ("Dr. Jones said so. Okay.", ["Dr. Jones said so.", "Okay."]),
        ("The rate is 3.5 percent. Fine.", ["The rate is 3.5 percent.", "Fine."]),
        ("We open at 10:30 tomorrow. See you.", ["We open at 10:30 tomorrow.", "See you."]),
        ("It has extras, e.g. a sauna. Nice.", ["It has extras, e.g. a sauna.", "Nice."]),
        ("That is i.e. the best. Yes.", ["That is i.e. the best.", "Yes."]),
        ("Check in at 3 p.m. on Friday. Thanks.", ["Check in at 3 p.m. on Friday.", "Thanks."]),
        ("Room No. 5 is free. Want it?", ["Room No. 5 is free.", "Want it?"]),
        ("Go to room 4.12 now. Bye.", ["Go to room 4.12 now.", "Bye."]),
        ("J. R. Smith booked it. Done.", ["J. R. Smith booked it.", "Done."]),
        ("No. I can't.", ["No.", "I can't."]),
        ('He said "yes." Then left.', ['He said "yes."', "Then left."]),
        ("It costs 1,200 dollars. Okay?", ["It costs 1,200 dollars.", "Okay?"]),
        ("Options:\n- Pool\n- Spa", ["Options:", "- Pool", "- Spa"]),
        ("Well... let me check.", ["Well... let me check."]),
        ("I see... Okay then.", ["I see...", "Okay then."]),
    ],
)
@pytest.mark.parametrize("step", [1, 3, 1000])
def test_sentences(text: str, expected: list[str], step: int) -> None:
    # Whole sentences whatever the delta size (the first clause rule needs >= 4 words first).
    assert stream(text, step, SentenceSplitter(min_first_words=50, max_words=60)) == expected


def test_first_segment_breaks_at_a_clause_once_it_has_enough_words() -> None:
    text = (
        "Certainly, I have checked the dates for you, and the suite is available. "
        "It has a view, a balcony, and a bath."
    )
    out = stream(text, 2)
    assert out == [
        "Certainly, I have checked the dates for you,",  # first clause with >= 4 words
        "and the suite is available.",
        "It has a view, a balcony, and a bath.",  # later sentences stay whole
    ]


def test_first_clause_is_emitted_as_soon_as_the_next_word_starts() -> None:
    s = SentenceSplitter(min_first_words=4)
    assert s.push("Let me check that for you,") == []
    assert s.push(" o") == ["Let me check that for you,"]
    assert s.push("ne moment. And") == ["one moment."]
    assert s.flush() == ["And"]


def test_short_first_clause_waits_for_more_words() -> None:
    assert stream("Sure, I can do that. Bye.", 1) == ["Sure, I can do that.", "Bye."]


def test_long_sentence_is_split_at_clause_breaks() -> None:
    words = " ".join(f"W{i}" for i in range(14))
    text = f"Start here. {words}, {words}; {words}."
    out = stream(text, 4, SentenceSplitter(min_first_words=4, max_words=20))
    assert out[0] == "Start here."
    assert all(len(seg.split()) <= 20 for seg in out[1:])
    assert " ".join(out) == text


def test_run_on_without_punctuation_is_still_cut() -> None:
    text = " ".join(["word"] * 70)
    out = stream(text, 5, SentenceSplitter(max_words=20))
    assert len(out) > 1 and " ".join(out) == text


def test_flush_resets_for_the_next_reply() -> None:
    s = SentenceSplitter()
    s.push("First reply without end")
    assert s.flush() == ["First reply without end"]
    assert s.flush() == []
    # The next reply again gets an early first clause.
    assert s.push("Okay, so here is the plan, a") == ["Okay, so here is the plan,"]


def test_no_text_is_lost_or_invented() -> None:
    text = (
        "Hi! Mr. Brown, your booking, ref. 12.5-B, is set for 10:30 a.m. on Jan. 3 "
        "... Anything else? Let me know; we're here - always."
    )
    for step in (1, 2, 7, 500):
        assert " ".join(stream(text, step)) == " ".join(text.split())


@pytest.mark.parametrize("kwargs", [{"min_first_words": 0}, {"max_words": 1}])
def test_bad_options(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        SentenceSplitter(**kwargs)
