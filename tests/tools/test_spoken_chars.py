"""Spelled-out codes back to characters."""

from __future__ import annotations

import pytest

from quickturn.tools.spoken_chars import spoken_characters


@pytest.mark.parametrize(
    ("said", "chars"),
    [
        ("H K four five nine two", "HK4592"),
        ("h-x-4-k-2-p", "HX4K2P"),
        ("HX4K2P", "HX4K2P"),
        ("B, seven, oh, double three, K", "B7033K"),
        ("5 5 5 0 1 4 2", "5550142"),
        ("triple nine", "999"),
    ],
)
def test_spelled_codes_become_their_characters(said: str, chars: str) -> None:
    assert spoken_characters(said) == chars


@pytest.mark.parametrize(
    "said", ["Maria Lopez", "the fifth of March", "", "double", "A@B", "double double five"]
)
def test_words_that_spell_nothing_are_left_alone(said: str) -> None:
    assert spoken_characters(said) is None
