"""Joining a held-open fragment to its continuation says overlapping words once."""

from __future__ import annotations

import pytest

from quickturn.agent.preemptive import join_text


@pytest.mark.parametrize(
    ("fragment", "continuation", "joined"),
    [
        ("I'd like to book.", "a double room", "I'd like to book a double room"),
        # Seen in the demo: the next utterance's preroll held the tail of the fragment's last
        # word, and both transcripts had it ("Great. Great Thank you.", "Hi. Hi. Hi I'd like").
        ("Great.", "Great Thank you.", "Great Thank you."),
        ("Hi", "Hi, I'd like to book.", "Hi I'd like to book."),
        ("", "Thank you.", "Thank you."),
    ],
)
def test_the_words_both_transcripts_hold_are_said_once(
    fragment: str, continuation: str, joined: str
) -> None:
    assert join_text(fragment, continuation) == joined
